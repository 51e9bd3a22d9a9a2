package swhost_test

import (
	"testing"
)

// Issue 4: nothing in the window realm keeps the WPT content-index suite
// (testharness.js, its report, idlharness.js) from running: the document
// holds the parsed page and takes the nodes testharness.js writes its
// results into, DOMContentLoaded and load fire after the page's scripts, a
// top-level window is its own parent and top, and bare addEventListener()
// calls (with an undefined this) act on the global in both realms; a
// script's sourceMappingURL comment does not fail its compilation (the
// WebIDL parser idlharness.js loads has one).
func TestWindowRealmForTestharness(t *testing.T) {
	c := newCIHost(t, ciOptions{noPage: true})
	page, err := c.h.OpenPage(testCtx(t), ciOrigin+"/dom.html")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	got, err := c.con.waitPrefix(testCtx(t), "DOM ")
	if err != nil {
		t.Fatal(err)
	}
	want := "during scripts: loading\n" +
		"DOMContentLoaded: interactive\n" +
		"load: complete\n" +
		"title=DOM test | meta=long | script.src= | log=one two | span=two | classes=2\n" +
		"built: 1 LT TD\n" +
		"frames: true true true true true\n" +
		"mapped: true\n" +
		"click"
	if got != want {
		t.Fatalf("\n got %q\nwant %q", got, want)
	}
	// Bare calls: the worker's script itself registers its fetch handler
	// with addEventListener('fetch', …) through `self.`; here both realms
	// call it bare.
	c.page = page
	for _, realm := range ciRealms {
		r := c.run(realm, `let n = 0; addEventListener('ping', () => n++); dispatchEvent(new Event('ping')); removeEventListener('ping', () => {}); return n;`)
		if r.String() != "1" {
			t.Fatalf("%s: bare addEventListener: %s", realm, r)
		}
	}
}
