package browser

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// storagePage writes its secret (from the URL's query) everywhere a page
// can keep it, so that Storage is seen to find each place: a test that
// asserts a secret is stored nowhere is worth only what Storage reads.
const storagePage = `<!doctype html><title>storage</title><script>
(async () => {
  const secret = new URLSearchParams(location.search).get("s");
  localStorage.setItem("l", "x" + secret);
  sessionStorage.setItem("s", "x" + secret);
  document.cookie = "c=x" + secret + "; path=/";
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open("kv", 1);
    r.onupgradeneeded = () => r.result.createObjectStore("rows", {autoIncrement: true});
    r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error);
  });
  await new Promise((ok, fail) => { const tx = db.transaction("rows", "readwrite"); tx.objectStore("rows").put({v: secret}); tx.oncomplete = ok; tx.onerror = fail; });
  await (await caches.open("c")).put("/cached?" + secret, new Response("x"));
  document.title = "written";
})();
</script>`

func TestStorageFindsASecretEverywhere(t *testing.T) {
	b := Start(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(storagePage))
	}))
	t.Cleanup(srv.Close)

	const secret = "s3cr3t-value"
	b.Navigate(srv.URL + "/?s=" + secret)
	MustEval[bool](b, `(async () => { for (let i = 0; i < 400 && document.title !== "written"; i++) await new Promise(r => setTimeout(r, 25)); return document.title === "written"; })()`)
	got := b.Storage().Find(secret)
	want := []string{"localStorage[l]", "sessionStorage[s]", "IndexedDB kv/rows", "Cache Storage", "cookie", "the URL"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("Storage missed the secret in %s; found it in %v", w, got)
		}
	}
	if found := b.Storage().Find("not-stored-anywhere"); len(found) != 0 {
		t.Errorf("Storage finds what was never stored, in %v", found)
	}

	// The page's requests are recorded with their headers.
	MustEval[int](b, `fetch("/x", {headers: {"Authorization": "Bearer abc"}}).then(r => r.status)`)
	var sawAuth bool
	for _, r := range b.Requests() {
		if strings.HasSuffix(r.URL, "/x") && r.Headers["authorization"] == "Bearer abc" {
			sawAuth = true
		}
	}
	if !sawAuth {
		t.Errorf("the fetch with its Authorization header is not among the requests %+v", b.Requests())
	}
	b.AssertOnlyOrigin(srv.URL)
}

// A script error in the page is reported, so AssertOnlyOrigin would fail
// a test on it.
func TestProblemsReportUncaughtErrors(t *testing.T) {
	b := Start(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><script>setTimeout(() => { throw new Error("boom-in-page"); });</script>`))
	}))
	t.Cleanup(srv.Close)
	b.Navigate(srv.URL + "/")
	MustEval[bool](b, `new Promise(r => setTimeout(() => r(true), 100))`)
	if !strings.Contains(strings.Join(b.Problems(), "\n"), "boom-in-page") {
		t.Errorf("problems %q do not report the page's uncaught error", b.Problems())
	}
}

// axe-core reports violations planted in a page whose CSP allows only its
// own scripts, and reports none once they are fixed: a screen it passes
// was checked, not skipped.
func TestAccessibilityFindsPlantedViolations(t *testing.T) {
	b := Start(t)
	pages := map[string]string{
		"/bad":  `<!doctype html><html lang="en"><title>bad</title><main><h1>Bad</h1><img src="data:,"><button></button><input type="text"></main></html>`,
		"/good": `<!doctype html><html lang="en"><title>good</title><main><h1>Good</h1><img src="data:," alt="a dot"><button>Go</button><label>Name <input type="text"></label></main></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; img-src data:")
		_, _ = w.Write([]byte(pages[r.URL.Path]))
	}))
	t.Cleanup(srv.Close)

	b.Navigate(srv.URL + "/bad")
	found := map[string]bool{}
	for _, v := range b.Accessibility() {
		found[v.ID] = true
	}
	for _, want := range []string{"image-alt", "button-name", "label"} {
		if !found[want] {
			t.Errorf("axe-core missed %s; it found %v", want, found)
		}
	}
	b.Navigate(srv.URL + "/good")
	if v := b.Accessibility(); len(v) != 0 {
		t.Errorf("axe-core finds violations on the fixed page: %v", v)
	}
	// Injecting axe-core is no CSP violation, nor any other problem.
	b.AssertOnlyOrigin(srv.URL)
}
