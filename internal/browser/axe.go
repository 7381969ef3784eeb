package browser

import (
	_ "embed"
	"fmt"
	"strings"
)

// axeSource is axe-core from npm (version in axe/VERSION, licence beside
// it), copied by scripts/build-webapp from the web app's pinned packages:
// the tests need no network to check a page's accessibility.
//
//go:embed axe/axe.min.js
var axeSource string

// AxeViolation is one rule axe-core found broken on the page, with the
// elements that break it.
type AxeViolation struct {
	ID, Impact, Help string
	Nodes            []string // CSS selectors of the offending elements
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
}

// Accessibility runs axe-core on the page as it is now and returns its
// serious and critical violations. The script goes in through the
// DevTools protocol, which the page's Content-Security-Policy does not
// govern, so a page that allows only its own scripts can still be checked.
func (b *Browser) Accessibility() []AxeViolation {
	b.t.Helper()
	if !MustEval[bool](b, `typeof window.axe === "object"`) {
		MustEval[bool](b, "(() => {"+axeSource+"\n;return typeof window.axe === 'object';})()")
	}
	found := MustEval[[]struct {
		ID, Impact, Help string
		Nodes            []struct{ Target []any }
	}](b, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`)
	var out []AxeViolation
	for _, v := range found {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		av := AxeViolation{ID: v.ID, Impact: v.Impact, Help: v.Help}
		for _, n := range v.Nodes {
			av.Nodes = append(av.Nodes, fmt.Sprint(n.Target...))
		}
		out = append(out, av)
	}
	return out
}

// AssertAccessible fails the test on any serious or critical violation
// axe-core finds on the page as it is now; what names the screen.
func (b *Browser) AssertAccessible(what string) {
	b.t.Helper()
	for _, v := range b.Accessibility() {
		b.t.Errorf("axe-core on %s: %s", what, v)
	}
}
