package web_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// BenchmarkResponseToJSText: a Go response becomes a JS Response whose
// text() is read, all in one task (the microtask checkpoint runs after each
// call into JS).
func BenchmarkResponseToJSText(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		b.Run(fByteSize(size), func(b *testing.B) {
			r, _ := newFetchRealm(b, web.FetchEnv{})
			resp := &web.Response{Type: "basic", Status: 200, StatusText: "OK", HasBody: true, Body: []byte(strings.Repeat("a", size)),
				Header:  http.Header{"Content-Type": {"text/html"}, "Content-Length": {"1024"}, "Date": {"Sat, 21 Nov 2026 17:00:00 GMT"}},
				URLList: []string{"https://app.example/page"}}
			var read sobek.Callable
			loopDo(b, r, func(rt *sobek.Runtime) error {
				v, err := rt.RunString(`globalThis.total = 0; (r) => r.text().then((t) => { total += t.length; })`)
				read, _ = sobek.AssertFunction(v)
				return err
			})
			b.ReportAllocs()
			b.ResetTimer()
			// Chunks of iterations per task: one task may not run past the
			// realm's CPU budget.
			const chunk = 256
			for i := 0; i < b.N; i += chunk {
				n := min(chunk, b.N-i)
				loopDo(b, r, func(rt *sobek.Runtime) error {
					for j := 0; j < n; j++ {
						if _, err := read(sobek.Undefined(), web.ResponseToJS(r, resp)); err != nil {
							return err
						}
					}
					return nil
				})
			}
			b.StopTimer()
			if total := evalOnLoop(b, r, `total`).ToInteger(); total != int64(b.N*size) {
				b.Fatalf("read %d bytes, want %d", total, b.N*size)
			}
		})
	}
}

// BenchmarkFetchRoundTrip: fetch() through a FetcherFunc answering at once,
// then text(), one after another.
func BenchmarkFetchRoundTrip(b *testing.B) {
	resp := &web.Response{Status: 200, StatusText: "OK", HasBody: true, Body: []byte(strings.Repeat("x", 1024)),
		Header: http.Header{"Content-Type": {"text/plain"}}}
	fetcher := web.FetcherFunc(func(ctx context.Context, req *web.Request) (*web.Response, error) {
		out := *resp
		out.URLList = []string{req.URL}
		return &out, nil
	})
	r, _ := newFetchRealm(b, web.FetchEnv{Fetcher: fetcher})
	done := make(chan string, 1)
	loopDo(b, r, func(rt *sobek.Runtime) error {
		_ = rt.Set("__done", func(s string) { done <- s })
		_, err := rt.RunString(`globalThis.loop = async (n) => {
			let total = 0;
			for (let i = 0; i < n; i++) { const r = await fetch('/item?' + i); total += (await r.text()).length; }
			return total;
		}`)
		return err
	})
	b.ReportAllocs()
	b.ResetTimer()
	loopDo(b, r, func(rt *sobek.Runtime) error {
		_, err := rt.RunString(`loop(` + fItoa(b.N) + `).then((t) => __done(String(t)), (e) => __done('error ' + e))`)
		return err
	})
	select {
	case got := <-done:
		b.StopTimer()
		if got != fItoa(b.N*1024) {
			b.Fatal(got)
		}
	case <-time.After(time.Minute):
		b.Fatal("timeout")
	}
}

// BenchmarkInstallFetch measures InstallFetch in a fresh realm that has the
// base prelude; it reports the heap the realm keeps for it.
func BenchmarkInstallFetch(b *testing.B) {
	b.ReportAllocs()
	var heap uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := js.NewRealm(js.Options{Name: "bench"})
		if err := r.Do(context.Background(), func(*sobek.Runtime) error { return web.InstallBase(r, nil) }); err != nil {
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		if i < 5 {
			runtime.GC()
			runtime.ReadMemStats(&before)
		}
		b.StartTimer()
		if err := r.Do(context.Background(), func(*sobek.Runtime) error { return web.InstallFetch(r, web.FetchEnv{Origin: testOrigin}) }); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if i < 5 {
			runtime.GC()
			runtime.ReadMemStats(&after)
			heap = after.HeapAlloc - before.HeapAlloc
		}
		runtime.KeepAlive(r)
		r.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(heap), "retained-B")
}

func fByteSize(n int) string {
	if n >= 1<<10 {
		return fItoa(n>>10) + "KiB"
	}
	return fItoa(n) + "B"
}

func fItoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
