// Package browser drives Debian's chromium from Go tests with chromedp:
// the harness of Keyfob's tests that run a page (the playground, the web
// app) in a real browser against a real server.
//
// Each test gets a headless chromium with a fresh profile directory, so no
// storage carries over between tests, while a reload within a test keeps
// the profile as a user's browser would. The machine is small: one browser
// runs at a time across every test binary (a file lock), each step has a
// timeout, and the browser is shut down, and waited for, when the test ends.
//
// The tests skip where chromium is missing, unless KEYFOB_REQUIRE_CHROMIUM
// is set (as .ci/run does after installing it).
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

// StepTimeout bounds each step (a navigation, a click, a wait). It is
// generous because CI runs the browser beside the race-detected suite on
// two cores; a step that works takes well under a second alone.
const StepTimeout = 45 * time.Second

// names Debian and other distributions give the browser's binary.
var binaryNames = []string{"chromium", "chromium-browser", "google-chrome", "chrome"}

// Path returns the chromium binary, or skips t where there is none, unless
// KEYFOB_REQUIRE_CHROMIUM is set: then a missing browser fails t.
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range binaryNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("KEYFOB_REQUIRE_CHROMIUM") != "" {
		t.Fatal("chromium is required here (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
	return ""
}

// Browser is one headless chromium with one tab, owned by one test.
type Browser struct {
	t       testing.TB
	tab     context.Context // the tab's chromedp context; cancelled at cleanup
	Profile string          // the profile directory, fresh for this browser

	mu       sync.Mutex
	requests []Request
	problems []string // console errors, CSP violations, uncaught exceptions
}

// Request is one request the page made, as the browser sent it.
type Request struct {
	Method, URL string
	Headers     map[string]string // names in lower case
	PostData    string
}

// Start launches chromium for t with a fresh profile and one blank tab.
// The browser is closed when t ends.
func Start(t testing.TB) *Browser {
	t.Helper()
	exe := Path(t)
	release := lockMachine(t)
	t.Cleanup(release) // registered first, so it runs after the browser is gone

	b := &Browser{t: t, Profile: t.TempDir()}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(b.Profile),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("no-pings", true),
		// Nothing but the server under test: no component updates, no
		// field trials, no "safe browsing" lookups.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-field-trial-config", true),
		chromedp.Flag("disable-domain-reliability", true),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root; CI containers are root.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	b.tab = tab
	t.Cleanup(func() {
		// Close the browser gracefully, then make sure the process is gone
		// (the allocator's cancel waits for it).
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done := make(chan struct{})
		go func() {
			_ = chromedp.Cancel(tab)
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			t.Logf("browser: closing took over 10s; killing it")
		}
		cancelTab()
		cancelAlloc()
	})
	// The first run starts the browser and must not carry a timeout: the
	// browser lives as long as that run's context.
	if err := chromedp.Listen(tab, b.record); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return b
}

// record keeps what the page requests and what goes wrong in it. It runs
// on chromedp's reading goroutine, so it only appends.
func (b *Browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r := Request{Method: ev.Request.Method, URL: ev.Request.URL, Headers: map[string]string{}}
		for k, v := range ev.Request.Headers {
			r.Headers[strings.ToLower(k)] = fmt.Sprint(v)
		}
		for _, e := range ev.Request.PostDataEntries {
			r.PostData += string(e.Bytes)
		}
		b.requests = append(b.requests, r)
	case *log.EventEntryAdded:
		// Network errors are HTTP statuses, such as a 401 a test causes
		// on purpose; tests check those themselves.
		if ev.Entry.Level == log.EntryLevelError && ev.Entry.Source != log.EntrySourceNetwork {
			b.problems = append(b.problems, fmt.Sprintf("%s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, strings.TrimSpace(string(a.Value)+" "+a.Description))
			}
			b.problems = append(b.problems, "console.error: "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		b.problems = append(b.problems, fmt.Sprintf("uncaught: %s (%s:%d)", text, d.URL, d.LineNumber))
	}
}

// Requests returns the requests the page has made so far.
func (b *Browser) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Request(nil), b.requests...)
}

// Problems returns the console errors, Content-Security-Policy violations
// and uncaught exceptions seen so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// AssertOnlyOrigin fails the test if the page requested anything outside
// origin (data: URLs aside), or logged an error, such as a CSP violation.
func (b *Browser) AssertOnlyOrigin(origin string) {
	b.t.Helper()
	for _, r := range b.Requests() {
		u, err := url.Parse(r.URL)
		if err != nil {
			b.t.Errorf("request to an unparseable URL %q", r.URL)
			continue
		}
		if u.Scheme == "data" {
			continue
		}
		if u.Scheme+"://"+u.Host != origin {
			b.t.Errorf("the page requested %s %s, outside %s", r.Method, r.URL, origin)
		}
	}
	for _, p := range b.Problems() {
		b.t.Errorf("the page reported: %s", p)
	}
}

// Do runs steps, each within StepTimeout, and fails the test on the first
// error, naming what was being done.
func (b *Browser) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	for _, s := range steps {
		if _, err := run(b.tab, s); err != nil {
			b.t.Fatalf("browser: %s: %v", what, err)
		}
	}
}

func run[T any](tab context.Context, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tab, StepTimeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// Navigate opens url and waits for its load event.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.Do("open "+url, chromedp.Navigate(url))
}

// Reload reloads the page, keeping the profile and its storage.
func (b *Browser) Reload() {
	b.t.Helper()
	b.Do("reload", chromedp.Reload())
}

// Click clicks the first element matching the CSS selector once it is
// visible.
func (b *Browser) Click(selector string) {
	b.t.Helper()
	b.Do("click "+selector, chromedp.WaitVisible(chromedp.CSS(selector)), chromedp.Click(chromedp.CSS(selector)))
}

// Fill replaces the value of the input matching selector by typing value,
// as a user would (key events, so the page's listeners see it).
func (b *Browser) Fill(selector, value string) {
	b.t.Helper()
	b.Do("fill "+selector,
		chromedp.WaitVisible(chromedp.CSS(selector)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, selector)),
		chromedp.SendKeys(chromedp.CSS(selector), value),
	)
}

// WaitVisible waits until an element matching selector is visible.
func (b *Browser) WaitVisible(selector string) {
	b.t.Helper()
	b.Do("wait for "+selector, chromedp.WaitVisible(chromedp.CSS(selector)))
}

// WaitHidden waits until no element matching selector is visible: each
// is hidden, or there is none (a closed dialog that was removed).
func (b *Browser) WaitHidden(selector string) {
	b.t.Helper()
	_, err := run(b.tab, chromedp.Poll[bool](fmt.Sprintf(`(() => {
		for (const el of document.querySelectorAll(%q)) {
			if (el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden") return null;
		}
		return true;
	})()`, selector)))
	if err != nil {
		b.t.Fatalf("browser: wait until %s is hidden: %v", selector, err)
	}
}

// Text returns the visible text of the first element matching selector.
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	s, err := run(b.tab, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", selector, err)
	}
	return s
}

// WaitText waits until the text of the first element matching selector
// contains want, and returns that text.
func (b *Browser) WaitText(selector, want string) string {
	b.t.Helper()
	got, err := run(b.tab, chromedp.Poll[string](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		const text = el ? el.innerText : "";
		return text.includes(%q) ? text : null;
	})()`, selector, want)))
	if err != nil {
		last, _ := Eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || "(no element)"`, selector))
		b.t.Fatalf("browser: waiting for %q in %s: %v; it says %q", want, selector, err, last)
	}
	return got
}

// Eval evaluates a JavaScript expression in the page (awaiting it when it
// is a promise) and decodes its JSON value into a T.
func Eval[T any](b *Browser, expression string) (T, error) {
	return run(b.tab, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
}

// MustEval is Eval that fails the test on an error.
func MustEval[T any](b *Browser, expression string) T {
	b.t.Helper()
	v, err := Eval[T](b, expression)
	if err != nil {
		b.t.Fatalf("browser: evaluating %s: %v", expression, err)
	}
	return v
}

// Storage is everything the page's origin keeps in the browser: Web
// Storage, IndexedDB, Cache Storage and cookies, as text.
type Storage struct {
	Local, Session map[string]string
	IndexedDB      map[string]string // "database/store" -> its records as JSON
	CacheStorage   []string          // cached request URLs
	Cookies        []string          // name=value; all cookies of the profile
	URL            string            // the page's address, which can carry secrets too
}

// storageScript collects the origin's storage from inside the page.
const storageScript = `(async () => {
	const dump = (s) => { const o = {}; for (let i = 0; i < s.length; i++) { const k = s.key(i); o[k] = s.getItem(k); } return o; };
	const idb = {};
	for (const info of (indexedDB.databases ? await indexedDB.databases() : [])) {
		const db = await new Promise((ok, fail) => { const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
		for (const name of db.objectStoreNames) {
			const rows = await new Promise((ok, fail) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
			idb[info.name + "/" + name] = JSON.stringify(rows);
		}
		db.close();
	}
	const cached = [];
	if (self.caches) for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) cached.push(req.url);
	return {Local: dump(localStorage), Session: dump(sessionStorage), IndexedDB: idb, CacheStorage: cached, URL: location.href};
})()`

// Storage reads the page origin's storage and the profile's cookies.
func (b *Browser) Storage() Storage {
	b.t.Helper()
	s := MustEval[Storage](b, storageScript)
	cookies, err := run(b.tab, func(ctx context.Context, t *chromedp.Target) (storage.GetCookiesResult, error) {
		return chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{})
	})
	if err != nil {
		b.t.Fatalf("browser: reading cookies: %v", err)
	}
	for _, c := range cookies.Cookies {
		s.Cookies = append(s.Cookies, c.Name+"="+c.Value)
	}
	return s
}

// Find returns where in s the text secret occurs, as "localStorage[key]"
// and the like; none means nowhere.
func (s Storage) Find(secret string) []string {
	var found []string
	look := func(where, text string) {
		if strings.Contains(text, secret) {
			found = append(found, where)
		}
	}
	for k, v := range s.Local {
		look("localStorage["+k+"]", k+v)
	}
	for k, v := range s.Session {
		look("sessionStorage["+k+"]", k+v)
	}
	for k, v := range s.IndexedDB {
		look("IndexedDB "+k, v)
	}
	for _, u := range s.CacheStorage {
		look("Cache Storage", u)
	}
	for _, c := range s.Cookies {
		look("cookie", c)
	}
	look("the URL", s.URL)
	return found
}

// String shows s for a failure message.
func (s Storage) String() string {
	out, _ := json.MarshalIndent(s, "", "  ")
	return string(out)
}

// Screenshot saves a PNG of the viewport to path.
func (b *Browser) Screenshot(path string) {
	b.t.Helper()
	png, err := run(b.tab, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// Hover moves the mouse over the middle of the first element matching
// selector, as a user pointing at it would.
func (b *Browser) Hover(selector string) {
	b.t.Helper()
	box := MustEval[struct{ X, Y float64 }](b, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) throw new Error("no element " + %q);
		el.scrollIntoView({block: "center"});
		const r = el.getBoundingClientRect();
		return {X: r.left + r.width / 2, Y: r.top + r.height / 2};
	})()`, selector, selector))
	b.Do("hover "+selector, chromedp.MouseEvent(chromedp.MouseMoved, box.X, box.Y))
}

// Press types keys on whatever has the focus, as a keyboard does: kb's
// names for special keys (kb.Tab, kb.Enter, kb.Escape, kb.ArrowDown), or
// text. shift holds Shift down for them.
func (b *Browser) Press(keys string, shift bool) {
	b.t.Helper()
	var opts []chromedp.KeyOption
	if shift {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	b.Do("press "+keys, chromedp.KeyEvent(keys, opts...))
}

// Focused describes the element that has the focus: its id, or its tag
// and text when it has none.
func (b *Browser) Focused() string {
	b.t.Helper()
	return MustEval[string](b, `(() => {
		const el = document.activeElement;
		if (!el || el === document.body) return "(body)";
		return el.id || (el.tagName.toLowerCase() + ":" + (el.getAttribute("aria-label") || el.innerText || el.value || "").trim().slice(0, 40));
	})()`)
}

// CutOff makes the page's requests whose URL matches pattern (wildcards
// '*' and '?') fail as if the server could not be reached, until the
// returned function restores them. The browser itself fails them: the
// server never sees them.
func (b *Browser) CutOff(pattern string) (restore func()) {
	b.t.Helper()
	ctx, stop := context.WithCancel(b.tab)
	if err := chromedp.Listen(ctx, func(ev any) {
		if paused, ok := ev.(*fetch.EventRequestPaused); ok {
			// Not on the reading goroutine, which must not wait on a reply.
			go func() {
				_, _ = chromedp.Call(b.tab, fetch.FailRequest, fetch.FailRequestParams{RequestID: paused.RequestID, ErrorReason: network.ErrorReasonConnectionRefused})
			}()
		}
	}); err != nil {
		stop()
		b.t.Fatalf("browser: listening for requests: %v", err)
	}
	b.Do("cut off "+pattern, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}})
		return chromedp.Void{}, err
	})
	return func() {
		b.t.Helper()
		b.Do("restore "+pattern, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Call(ctx, fetch.Disable, cdp.Empty{})
			return chromedp.Void{}, err
		})
		stop()
	}
}
