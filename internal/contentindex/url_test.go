package contentindex

import (
	"testing"
)

// The fast path for path-absolute references gives what the URL Standard's
// parser gives, or steps aside.
func TestResolveURLFastPath(t *testing.T) {
	bases := []string{"https://news.example/sw.js", "https://news.example:8443/a/b/page.html?x#y", "http://127.0.0.1:8080/", "https://ex.example/",
		"file:///etc/x", "https://user:pw@ex.example/p"}
	refs := []string{"/", "/a", "/a/b?c=d&e=f", "/offline/b123", "/a/./b", "/a/../b", "/a/.", "/.well-known/x", "//other.example/x",
		"/a b", "/a%20b", "/a%zz", "/a\\b", "/a#f", "/a?b#c", "/é", "/a'b", "/a\"b", "/a<b>", "/a`b", "/a{b}", "/a?q'x", "/a|b", "/a^b",
		"/a\tb", "/a\nb", "/:@!$&()*+,;=~_-.", "/a?/.b", "/a/..", "relative", "", "?q", "#f"}
	fast := 0
	for _, base := range bases {
		for _, ref := range refs {
			got, ok := resolvePathAbsolute(base, ref)
			want, err := resolveFull(base, ref)
			if !ok {
				continue
			}
			fast++
			if err != nil || got != want {
				t.Errorf("ResolveURL(%q, %q): fast path %q, parser %q (%v)", base, ref, got, want, err)
			}
			if r, _ := ResolveURL(base, ref); r != want {
				t.Errorf("ResolveURL(%q, %q) = %q, want %q", base, ref, r, want)
			}
		}
	}
	if fast < 20 {
		t.Fatalf("the fast path took only %d cases", fast)
	}
}

func FuzzResolveURLFastPath(f *testing.F) {
	for _, s := range []string{"/a", "/a/b?c", "/a%2e%2E/b", "/x/.y"} {
		f.Add("https://news.example/sw.js", s)
	}
	f.Fuzz(func(t *testing.T, base, ref string) {
		got, ok := resolvePathAbsolute(base, ref)
		if !ok {
			return
		}
		want, err := resolveFull(base, ref)
		if err != nil || got != want {
			t.Fatalf("ResolveURL(%q, %q): fast path %q, parser %q (%v)", base, ref, got, want, err)
		}
	})
}
