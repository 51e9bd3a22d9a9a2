package web_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// Micro-benchmarks of JavaScript snippets in a realm with the platform
// objects: each snippet's body runs in a loop after its setup. SNIPPETS_FILE
// names a file of extra snippets (blocks separated by a line "---", each
// "name", setup lines, a line "===", body lines); JSPROF=PREFIX writes a
// sobek CPU profile per snippet (go tool pprof -top).

type snippet struct{ name, setup, body string }

// BenchmarkSnippets: what common constructs and platform objects cost.
func BenchmarkSnippets(b *testing.B) {
	runSnippets(b, []snippet{
		{"empty", ``, ``},
		{"object-literal", ``, `x = {a: 1, b: 2, c: 3, d: 4, e: 5};`},
		{"class-3fields", `class A { constructor() { this.a = 1; this.b = 2; this.c = 3; } }`, `x = new A();`},
		{"class-private3", `class A { #a; #b; #c; constructor() { this.#a = 1; this.#b = 2; this.#c = 3; } }`, `x = new A();`},
		{"weakmap-set", `const wm = new WeakMap();`, `x = {}; wm.set(x, {a:1});`},
		{"new-Event", ``, `x = new Event('x');`},
		{"new-URL", ``, `x = new URL('https://bench.example/plain').pathname;`},
		{"new-Headers-empty", ``, `x = new Headers();`},
		{"new-Headers-1", ``, `x = new Headers({'content-type': 'text/plain'});`},
		{"new-Response-null", ``, `x = new Response(null);`},
		{"new-Response-body", `const B = 'x'.repeat(1024);`, `x = new Response(B);`},
		{"new-Response-body-headers", `const B = 'x'.repeat(1024);`, `x = new Response(B, {headers: {'content-type': 'text/plain'}});`},
		{"new-Request", ``, `x = new Request('https://bench.example/plain');`},
		{"promise-then", `const f = () => 1;`, `x = Promise.resolve(1).then(f);`},
		{"new-Promise", ``, `x = new Promise((r) => r(1));`},
		{"dispatch-empty-listener", `const t = new EventTarget(); t.addEventListener('x', () => {}); const e = new Event('x');`, `t.dispatchEvent(new Event('x'));`},
	})
}

// BenchmarkEventDispatchParts: Event construction and EventTarget dispatch
// in base.js (the parts of every functional event).
func BenchmarkEventDispatchParts(b *testing.B) {
	runSnippets(b, []snippet{
		{"new-Event", ``, `x = new Event('x');`},
		{"new-Event-init", `const init = { cancelable: true };`, `x = new Event('x', init);`},
		{"dispatch-no-listener", `const t = new EventTarget(); const e = new Event('x');`, `t.dispatchEvent(e);`},
		{"dispatch-empty-listener", `const t = new EventTarget(); t.addEventListener('x', () => {}); const e = new Event('x');`, `t.dispatchEvent(e);`},
		{"dispatch-2-listeners", `const t = new EventTarget(); t.addEventListener('x', () => {}); t.addEventListener('x', { handleEvent() {} }); const e = new Event('x');`, `t.dispatchEvent(e);`},
	})
}

func runSnippets(b *testing.B, snips []snippet) {
	if f := os.Getenv("SNIPPETS_FILE"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, block := range strings.Split(string(data), "\n---\n") {
			name, rest, _ := strings.Cut(strings.TrimSpace(block), "\n")
			setup, body, _ := strings.Cut(rest, "\n===\n")
			snips = append(snips, snippet{name, setup, body})
		}
	}
	for _, s := range snips {
		b.Run(s.name, func(b *testing.B) {
			r, _ := newFetchRealm(b, web.FetchEnv{})
			var fn sobek.Callable
			loopDo(b, r, func(rt *sobek.Runtime) error {
				v, err := rt.RunString(`let x; ` + s.setup + `; (n) => { for (let i = 0; i < n; i++) { ` + s.body + ` } }`)
				if err != nil {
					return err
				}
				fn, _ = sobek.AssertFunction(v)
				return nil
			})
			if p := os.Getenv("JSPROF"); p != "" {
				f, err := os.Create(p + "-" + s.name + ".prof")
				if err != nil {
					b.Fatal(err)
				}
				if err := sobek.StartProfile(f); err != nil {
					b.Fatal(err)
				}
				defer func() { sobek.StopProfile(); f.Close() }()
			}
			b.ResetTimer()
			// Chunks of iterations per task: one task may not run past the
			// realm's CPU budget.
			const chunk = 512
			for i := 0; i < b.N; i += chunk {
				n := min(chunk, b.N-i)
				loopDo(b, r, func(rt *sobek.Runtime) error {
					_, err := fn(sobek.Undefined(), rt.ToValue(n))
					return err
				})
			}
		})
	}
}

// BenchmarkConvert measures the Go ↔ JS conversions on a service worker's
// per-request path: RequestToJS (the fetch event's request), ResponseToJS
// (a cache hit) and ResponseFromJS (reading back what the worker answered),
// and a cache hit's round trip.
func BenchmarkConvert(b *testing.B) {
	req := &web.Request{Method: "GET", URL: "https://bench.example/page?x=1", Mode: "navigate", Destination: "document",
		Header: http.Header{"Accept": {"text/html"}, "User-Agent": {"bench/1.0"}, "Accept-Language": {"en"}}}
	resp := &web.Response{Type: "basic", Status: 200, StatusText: "OK", HasBody: true, Body: []byte(strings.Repeat("a", 1024)),
		Header:  http.Header{"Content-Type": {"text/html"}, "Content-Length": {"1024"}, "Date": {"Sat, 21 Nov 2026 17:00:00 GMT"}},
		URLList: []string{"https://bench.example/page"}}
	run := func(b *testing.B, setup string, each func(rt *sobek.Runtime, r *js.Realm, v sobek.Value) error) {
		r, _ := newFetchRealm(b, web.FetchEnv{})
		var v sobek.Value
		loopDo(b, r, func(rt *sobek.Runtime) error {
			var err error
			if setup != "" {
				v, err = rt.RunString(setup)
			}
			return err
		})
		b.ReportAllocs()
		b.ResetTimer()
		const chunk = 256
		for i := 0; i < b.N; i += chunk {
			n := min(chunk, b.N-i)
			loopDo(b, r, func(rt *sobek.Runtime) error {
				for j := 0; j < n; j++ {
					if err := each(rt, r, v); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	b.Run("RequestToJS", func(b *testing.B) {
		run(b, "", func(rt *sobek.Runtime, r *js.Realm, _ sobek.Value) error { web.RequestToJS(r, req); return nil })
	})
	b.Run("ResponseToJS", func(b *testing.B) {
		run(b, "", func(rt *sobek.Runtime, r *js.Realm, _ sobek.Value) error { web.ResponseToJS(r, resp); return nil })
	})
	b.Run("ResponseFromJS", func(b *testing.B) {
		run(b, `new Response('x'.repeat(1024), {headers: {'content-type': 'text/html'}})`, func(rt *sobek.Runtime, r *js.Realm, v sobek.Value) error {
			_, err := web.ResponseFromJS(r, v)
			return err
		})
	})
	b.Run("ResponseFromJS-cached", func(b *testing.B) {
		var v sobek.Value
		run(b, "", func(rt *sobek.Runtime, r *js.Realm, _ sobek.Value) error {
			if v == nil {
				v = web.ResponseToJS(r, resp)
			}
			_, err := web.ResponseFromJS(r, v)
			return err
		})
	})
	b.Run("ResponseFromJSAsync", func(b *testing.B) {
		run(b, "", func(rt *sobek.Runtime, r *js.Realm, _ sobek.Value) error {
			var err error
			web.ResponseFromJSAsync(r, web.ResponseToJS(r, resp), func(_ *web.Response, e error) { err = e })
			return err
		})
	})
	// A cache hit answered as it is: caches.match's Response (ResponseToJS)
	// handed to respondWith (ResponseFromJSAsync) untouched, which takes
	// the Go response back without rebuilding it through JS.
	b.Run("CacheHit-roundtrip", func(b *testing.B) {
		run(b, "", func(rt *sobek.Runtime, r *js.Realm, _ sobek.Value) error {
			var err error
			web.ResponseFromJSAsync(r, web.ResponseToJS(r, resp), func(got *web.Response, e error) {
				if err = e; err == nil && (len(got.Body) != len(resp.Body) || got.Header.Get("Content-Type") != "text/html") {
					err = fmt.Errorf("got %+v", got)
				}
			})
			return err
		})
	})
}
