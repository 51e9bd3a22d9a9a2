package swhost_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/discovery"
	"github.com/swhost/swhost/internal/origins"
)

// benchScript is a ~50 KB service worker: a push handler and a lot of code
// that is parsed but mostly not run, like a bundled worker.
func benchScript(kb int) string {
	var b strings.Builder
	b.WriteString("let pushes = 0;\nself.addEventListener('push', (e) => { pushes++; });\nself.addEventListener('fetch', () => {});\n")
	for i := 0; b.Len() < kb<<10; i++ {
		fmt.Fprintf(&b, "function helper%d(a, b) { const o = { id: %d, name: 'helper' + a, list: [a, b, %d] }; return o.list.map((x) => x * 2).filter(Boolean).length + o.id; }\n", i, i, i)
	}
	return b.String()
}

func scriptServer(tb testing.TB, body string) *httptest.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		// Each fetch gets a distinct script (a trailing comment), so no
		// compilation can be shared between registrations.
		fmt.Fprintf(w, "%s\n// %d %s\n", body, n.Add(1), r.URL.Path)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// benchHost is a host whose https://bench.example serves a kb-KiB worker
// script (distinct bytes on every fetch).
func benchHost(b *testing.B, kb int) *swhost.Host {
	srv := scriptServer(b, benchScript(kb))
	h, err := swhost.New(context.Background(), swhost.Config{Logger: quiet, Origins: []origins.Mapping{{Origin: "https://bench.example", Upstream: srv.URL}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	return h
}

// BenchmarkRegisterActivate measures register() → activated for a 50 KB
// script (fetch from a loopback server, compile, install and activate
// events, persistence to memory).
func BenchmarkRegisterActivate(b *testing.B) {
	h := benchHost(b, 50)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.Register(ctx, fmt.Sprintf("https://bench.example/r%d/sw.js", i), ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPush measures push events dispatched to one active worker, with
// concurrent senders.
func BenchmarkPush(b *testing.B) {
	h := benchHost(b, 1)
	ctx := context.Background()
	if _, err := h.Register(ctx, "https://bench.example/sw.js", ""); err != nil {
		b.Fatal(err)
	}
	data := []byte("hello")
	b.ResetTimer()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := h.Push(ctx, "https://bench.example/", data); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pushes/s")
}

// BenchmarkWorkerMemory measures the heap each started worker keeps
// (workers of one script share its compiled program).
func BenchmarkWorkerMemory(b *testing.B) {
	h := benchHost(b, 50)
	ctx := context.Background()
	const workers = 50
	for i := 0; i < workers; i++ {
		if _, err := h.Register(ctx, fmt.Sprintf("https://bench.example/m%d/sw.js", i), ""); err != nil {
			b.Fatal(err)
		}
	}
	stopAll := func() {
		for _, reg := range h.Core().Registrations() {
			if w := reg.Active(); w != nil {
				w.Stop()
			}
		}
	}
	var perWorker float64
	for i := 0; i < b.N; i++ {
		stopAll()
		before := heapInUse()
		for j := 0; j < workers; j++ {
			if err := h.Push(ctx, fmt.Sprintf("https://bench.example/m%d/", j), nil); err != nil {
				b.Fatal(err)
			}
		}
		after := heapInUse()
		perWorker = float64(after-before) / workers
	}
	b.ReportMetric(perWorker/1024, "KiB/worker")
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// benchPage opens a page on a host with the SDK worker registered and
// published, granted to news.example, without discovery limits.
func benchDiscoveryPage(b *testing.B) (*swhost.Host, *swhost.Page) {
	h, err := swhost.New(context.Background(), swhost.Config{Logger: quiet, Origins: discoveryOrigins,
		Grants:          []string{"https://news.example=https://sdk.social.example/sw.js"},
		DiscoveryLimits: discovery.Limits{DiscoverPerMinute: -1, MaxInstancesPerOrigin: -1, MaxInstances: -1}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	ctx := context.Background()
	if _, err := h.Register(ctx, "https://sdk.social.example/sw.js", ""); err != nil {
		b.Fatal(err)
	}
	page, err := h.OpenPage(ctx, "https://news.example/")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(page.Close)
	return h, page
}

func runPageLoop(b *testing.B, page *swhost.Page, src string) {
	ctx := context.Background()
	b.ResetTimer()
	if err := page.Eval(ctx, "https://news.example/bench.js", fmt.Sprintf(src, b.N)); err != nil {
		b.Fatal(err)
	}
	if err := page.Wait(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
}

// BenchmarkDiscoverCachedGrant measures discover() of another origin's
// published worker with a configured grant, sequentially from a page.
func BenchmarkDiscoverCachedGrant(b *testing.B) {
	_, page := benchDiscoveryPage(b)
	runPageLoop(b, page, `(async () => {
		for (let i = 0; i < %d; i++) await navigator.serviceWorker.discover('https://sdk.social.example/sw.js');
	})();`)
}

// BenchmarkForeignRoundTrip measures postMessage round trips page → foreign
// instance → published worker → foreign client → page.
func BenchmarkForeignRoundTrip(b *testing.B) {
	_, page := benchDiscoveryPage(b)
	runPageLoop(b, page, `(async () => {
		const w = (await navigator.serviceWorker.discover('https://sdk.social.example/sw.js')).active;
		let resolve;
		navigator.serviceWorker.onmessage = () => resolve();
		for (let i = 0; i < %d; i++) {
			const p = new Promise((r) => { resolve = r; });
			w.postMessage({ action: 'echo', text: 'ping' });
			await p;
		}
	})();`)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

// BenchmarkWorkerStart measures starting a stopped worker (a new realm with
// every prelude, then the compiled script) for one push event.
func BenchmarkWorkerStart(b *testing.B) {
	h := benchHost(b, 1)
	ctx := context.Background()
	if _, err := h.Register(ctx, "https://bench.example/sw.js", ""); err != nil {
		b.Fatal(err)
	}
	w := h.Core().RegistrationByScope("https://bench.example/").Active()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Stop()
		if err := h.Push(ctx, "https://bench.example/", nil); err != nil {
			b.Fatal(err)
		}
	}
}
