package swhost_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/origins"
)

// The Workbox test builds a real Workbox 7 service worker from the npm
// packages (workbox-precaching, workbox-routing, workbox-strategies, and
// workbox-core which they depend on) with esbuild into one classic script
// (an IIFE), and runs it: precaching, CacheFirst, NetworkFirst and
// StaleWhileRevalidate routes, online and with the upstream gone. Nothing
// of it is committed: the packages are installed under the user's cache
// directory (reused by later runs), the bundle in the test's temporary
// directory. Without npm the test is skipped locally and fails on CI.

const workboxEntry = `import { clientsClaim } from 'workbox-core';
import { precacheAndRoute, cleanupOutdatedCaches } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkFirst, StaleWhileRevalidate } from 'workbox-strategies';

self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute([
  { url: '/index.html', revision: '1' },
  { url: '/style.css', revision: '1' },
  { url: '/app.js', revision: '1' },
]);
registerRoute(({ url }) => url.pathname.startsWith('/img/'), new CacheFirst({ cacheName: 'images' }));
registerRoute(({ url }) => url.pathname.startsWith('/api/'), new NetworkFirst({ cacheName: 'api' }));
registerRoute(({ url }) => url.pathname.startsWith('/news/'), new StaleWhileRevalidate({ cacheName: 'news' }));
`

var workboxPackages = []string{"workbox-precaching@7", "workbox-routing@7", "workbox-strategies@7", "esbuild"}

var workboxInstall sync.Mutex

// workboxModules installs the npm packages once (under the user's cache
// directory) and returns their node_modules directory.
func workboxModules(t *testing.T) string {
	t.Helper()
	npm := ffNeed(t, "npm")
	workboxInstall.Lock()
	defer workboxInstall.Unlock()
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "swhost-test-npm", "workbox7")
	mods := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(mods, ".swhost-complete")); err == nil {
		return mods
	}
	// Install into a fresh directory, then move it into place: a run that
	// was interrupted never leaves a half-installed cache behind.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	args := append([]string{"install", "--prefix", tmp, "--no-audit", "--no-fund", "--no-save", "--loglevel=error"}, workboxPackages...)
	cmd := exec.Command(npm, args...)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, "node_modules", ".swhost-complete"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	return mods
}

// workboxBundle bundles workboxEntry into one classic script.
func workboxBundle(t *testing.T) []byte {
	t.Helper()
	mods := workboxModules(t)
	tmp := t.TempDir()
	entry := filepath.Join(tmp, "sw-entry.js")
	out := filepath.Join(tmp, "sw.js")
	if err := os.WriteFile(entry, []byte(workboxEntry), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(mods, ".bin", "esbuild"), entry, "--bundle", "--format=iife", "--target=es2020",
		`--define:process.env.NODE_ENV="production"`, "--outfile="+out, "--log-level=warning")
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "precache-v2") {
		t.Fatal("the bundle does not contain Workbox's precaching")
	}
	return b
}

// workboxSite is the upstream of https://wb.example: static files, the
// bundle at /sw.js, and dynamic resources whose version goes up on every
// request that reaches it.
type workboxSite struct {
	*httptest.Server
	bundle []byte
	mu     sync.Mutex
	hits   map[string]int
	api    atomic.Int64
	news   atomic.Int64
}

var workboxFiles = map[string]struct{ typ, body string }{
	"/index.html":   {"text/html; charset=utf-8", `<!doctype html><html><head><title>Workbox site</title><link rel="stylesheet" href="/style.css"></head><body><h1>Workbox site</h1><script src="/app.js"></script></body></html>`},
	"/style.css":    {"text/css", "h1 { color: teal; }\n"},
	"/app.js":       {"text/javascript", "console.log('app.js ran');\n"},
	"/img/logo.svg": {"image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>`},
}

func (s *workboxSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.mu.Unlock()
	switch p := r.URL.Path; {
	case p == "/sw.js":
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write(s.bundle)
	case p == "/api/data.json":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"version":%d}`, s.api.Add(1))
	case p == "/news/latest":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "news %d", s.news.Add(1))
	default:
		f, ok := workboxFiles[p]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.typ)
		io.WriteString(w, f.body)
	}
}

func (s *workboxSite) count(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[p]
}

func TestWorkbox(t *testing.T) {
	bundle := workboxBundle(t)
	site := &workboxSite{bundle: bundle, hits: map[string]int{}}
	site.Server = httptest.NewServer(site)
	t.Cleanup(site.Close)
	h := newFFHost(t, swhost.Config{DataDir: t.TempDir(), Origins: []origins.Mapping{{Origin: "https://wb.example", Upstream: site.URL}}})
	ctx := testCtx(t)
	if _, err := h.Register(ctx, "https://wb.example/sw.js", "/"); err != nil {
		t.Fatalf("register the Workbox worker: %v (script errors %q)", err, h.con.errors())
	}
	page, err := h.OpenPage(ctx, "https://wb.example/")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	if !page.Client.ServedByWorker || string(page.Response.Body) != workboxFiles["/index.html"].body {
		t.Fatalf("the navigation to / (precached /index.html): worker %v, %q", page.Client.ServedByWorker, page.Response.Body)
	}

	// cached(cacheName, path, text) waits until the cache holds text for
	// path (what the worker stores in waitUntil after answering).
	run := func(t *testing.T, body string) string {
		t.Helper()
		return h.eval(t, page, `const cached = async (name, path, text) => {
			const cache = await caches.open(name);
			for (;;) {
				const r = await cache.match(path);
				if (r && (await r.text()) === text) return;
				await new Promise((res) => setTimeout(res, 5));
			}
		};
		`+body).String()
	}
	get := func(p string) string {
		return fmt.Sprintf(`await (await fetch(%q)).text()`, p)
	}

	t.Run("Precache", func(t *testing.T) {
		got := run(t, `const keys = await caches.keys();
			const pre = keys.find((k) => k.startsWith('workbox-precache-v2-'));
			const urls = (await (await caches.open(pre)).keys()).map((r) => r.url).sort();
			return [pre, urls, `+get("/style.css")+`, `+get("/app.js")+`];`)
		want := fmt.Sprintf(`["workbox-precache-v2-https://wb.example/",["https://wb.example/app.js?__WB_REVISION__=1","https://wb.example/index.html?__WB_REVISION__=1","https://wb.example/style.css?__WB_REVISION__=1"],%q,%q]`,
			workboxFiles["/style.css"].body, workboxFiles["/app.js"].body)
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		for _, p := range []string{"/index.html", "/style.css", "/app.js"} {
			if n := site.count(p); n != 1 {
				t.Errorf("%s reached the upstream %d times (want 1: the precache answers)", p, n)
			}
		}
	})

	t.Run("CacheFirst", func(t *testing.T) {
		want := fmt.Sprintf("[%q,%q]", workboxFiles["/img/logo.svg"].body, workboxFiles["/img/logo.svg"].body)
		// Workbox stores the response in the event's waitUntil, after
		// answering: wait for it before the second request.
		if got := run(t, `const a = `+get("/img/logo.svg")+`; await cached('images', '/img/logo.svg', a); return [a, `+get("/img/logo.svg")+`];`); got != want {
			t.Errorf("got %s", got)
		}
		if n := site.count("/img/logo.svg"); n != 1 {
			t.Errorf("the image reached the upstream %d times", n)
		}
	})

	t.Run("NetworkFirst", func(t *testing.T) {
		// Each answer comes from the network and is stored after it.
		if got := run(t, `const a = `+get("/api/data.json")+`; await cached('api', '/api/data.json', a);
			const b = `+get("/api/data.json")+`; await cached('api', '/api/data.json', b); return [a, b];`); got != `["{\"version\":1}","{\"version\":2}"]` {
			t.Errorf("got %s", got)
		}
	})

	t.Run("StaleWhileRevalidate", func(t *testing.T) {
		// The first answer comes from the network; the second from the
		// cache while the network refreshes it; once refreshed, the cache
		// holds the newer one.
		got := run(t, `const a = `+get("/news/latest")+`; await cached('news', '/news/latest', 'news 1');
			const b = `+get("/news/latest")+`; await cached('news', '/news/latest', 'news 2');
			const c = `+get("/news/latest")+`; await cached('news', '/news/latest', 'news 3');
			return [a, b, c];`)
		if got != `["news 1","news 1","news 2"]` {
			t.Errorf("got %s", got)
		}
	})

	site.CloseClientConnections()
	site.Close()

	t.Run("Offline", func(t *testing.T) {
		for _, p := range []string{"/", "/index.html"} {
			off, err := h.OpenPage(ctx, "https://wb.example"+p)
			if err != nil {
				t.Fatalf("offline navigation to %s: %v", p, err)
			}
			if string(off.Response.Body) != workboxFiles["/index.html"].body {
				t.Errorf("offline %s: %q", p, off.Response.Body)
			}
			off.Close()
		}
		got := run(t, `const out = [`+get("/style.css")+`, `+get("/img/logo.svg")+`, `+get("/api/data.json")+`, `+get("/news/latest")+`];
			try { await fetch('/api/never-fetched'); out.push('resolved'); } catch (e) { out.push(e.name); }
			return out;`)
		want := fmt.Sprintf(`[%q,%q,"{\"version\":2}","news 3","TypeError"]`, workboxFiles["/style.css"].body, workboxFiles["/img/logo.svg"].body)
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
	// The only script error is the rejected respondWith of the resource
	// that was never fetched (Workbox's "no-response").
	for _, e := range h.con.errors() {
		if !strings.Contains(e, "no-response") || !strings.Contains(e, "/api/never-fetched") {
			t.Errorf("script error: %s", e)
		}
	}
}
