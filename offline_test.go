package swhost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/origins"
	"github.com/swhost/swhost/internal/web"
)

// TestOfflineNews is the offline proof: https://news.example is mapped to a
// local upstream server; its home page registers the caching worker
// (examples/news/sw.js); the person reads the articles; the upstream server
// is stopped; the same loads — navigations, the page's fetch() and the
// front — are answered by the worker from Cache Storage, byte for byte, and
// still are after the host restarts.
func TestOfflineNews(t *testing.T) {
	site := newFFSite(t, filepath.Join("examples", "news"))
	data := t.TempDir()
	cfg := swhost.Config{DataDir: data, Origins: []origins.Mapping{{Origin: "https://news.example", Upstream: site.URL()}}}
	h := newFFHost(t, cfg)
	ctx := testCtx(t)

	// The home page's app.js registers /sw.js; the install event precaches
	// the shell.
	home, err := h.OpenPage(ctx, "https://news.example/")
	if err != nil {
		t.Fatal(err)
	}
	if r := h.eval(t, home, `const reg = await navigator.serviceWorker.ready; return reg.scope;`); r.str() != "https://news.example/" {
		t.Fatalf("ready: %s (errors %q)", r, h.con.errors())
	}
	home.Close()

	articles := []string{"/article/welcome", "/article/offline-first", "/article/content-index"}
	subresources := []string{"/style.css", "/app.js", "/icons/news.png"}

	// Online: navigations to every article (the worker fetches and caches
	// them) and the page's subresource fetches.
	online := map[string][]byte{}
	for _, p := range append([]string{"/"}, articles...) {
		page, err := h.OpenPage(ctx, "https://news.example"+p)
		if err != nil {
			t.Fatalf("open %s: %v", p, err)
		}
		if !page.Client.ServedByWorker {
			t.Errorf("%s: the navigation was not answered by the worker", p)
		}
		online[p] = page.Response.Body
		if p != "/" {
			want, _ := os.ReadFile(filepath.Join("examples", "news", p, "index.html"))
			if !bytes.Equal(page.Response.Body, want) {
				t.Fatalf("%s online: got %q", p, page.Response.Body)
			}
		}
		for _, s := range subresources {
			online[s] = ffClientGet(t, h, page, s)
		}
		page.Close()
	}
	for _, p := range articles {
		if n := site.count(p); n != 1 {
			t.Errorf("%s reached the upstream %d times online (want 1: then the cache answers)", p, n)
		}
	}

	site.Stop()
	if _, err := http.Get(site.URL() + "/"); err == nil {
		t.Fatal("the upstream still answers after Stop")
	}

	check := func(t *testing.T, h *ffHost) {
		for _, p := range append([]string{"/"}, articles...) {
			page, err := h.OpenPage(ctx, "https://news.example"+p)
			if err != nil {
				t.Fatalf("open %s offline: %v", p, err)
			}
			if !page.Client.ServedByWorker {
				t.Errorf("%s offline: not answered by the worker", p)
			}
			if page.Response.Status != 200 || !bytes.Equal(page.Response.Body, online[p]) {
				t.Errorf("%s offline: HTTP %d, %d bytes; online %d bytes", p, page.Response.Status, len(page.Response.Body), len(online[p]))
			}
			for _, s := range subresources {
				if got := ffClientGet(t, h, page, s); !bytes.Equal(got, online[s]) {
					t.Errorf("%s from %s offline: %d bytes, online %d", s, p, len(got), len(online[s]))
				}
			}
			// The page's own fetch() of an article, answered by its
			// controller.
			r := h.eval(t, page, `const r = await fetch('/article/welcome'); return [r.status, r.type, await r.text()];`)
			var got []any
			_ = json.Unmarshal(r.OK, &got)
			if len(got) != 3 || got[0] != 200.0 || got[1] != "basic" || got[2] != string(online["/article/welcome"]) {
				t.Errorf("fetch() from %s offline: %s", p, r)
			}
			page.Close()
		}
		// Nothing the person did not read is there: the worker answers its
		// offline page (the network really is gone).
		page, err := h.OpenPage(ctx, "https://news.example/article/never-read")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(page.Response.Body), "You are offline") {
			t.Errorf("an unread article offline: %q", page.Response.Body)
		}
		page.Close()
	}
	t.Run("Offline", func(t *testing.T) { check(t, h) })

	t.Run("Front", func(t *testing.T) {
		s := ffServe(t, h.Host)
		front := s.front("news")
		for _, p := range append(append([]string{"/"}, articles...), subresources...) {
			hdr := ffNavigate()
			if !strings.HasPrefix(p, "/article/") && p != "/" {
				hdr = ffSubresource(front+"/", "style")
			}
			code, _, body := s.get(t, http.MethodGet, front+p, hdr...)
			if code != 200 || !bytes.Equal(body, online[p]) {
				t.Errorf("front %s offline: HTTP %d, %q", p, code, ffClip(body))
			}
		}
	})

	// The caches are durable: a new host on the same data directory, with
	// the upstream still gone, serves the same bytes.
	t.Run("AfterRestart", func(t *testing.T) {
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		h2 := newFFHost(t, cfg)
		check(t, h2)
	})
}

// ffClientGet fetches path as a subresource of the page's client (Handle
// Fetch: its controller first) and returns the body.
func ffClientGet(t testing.TB, h *ffHost, page *swhost.Page, p string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req := &web.Request{Method: http.MethodGet, URL: "https://news.example" + p, Header: http.Header{}, Mode: "no-cors",
		Credentials: "include", Cache: "default", Redirect: "follow", Origin: "https://news.example"}
	resp, err := h.Core().ClientFetch(ctx, page.Client, req)
	if err != nil {
		t.Fatalf("fetch %s: %v", p, err)
	}
	if resp.Status != 200 {
		t.Fatalf("fetch %s: HTTP %d", p, resp.Status)
	}
	return resp.Body
}

func ffClip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
