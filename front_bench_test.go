//go:build unix

package swhost_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/cli"
	"github.com/swhost/swhost/internal/origins"
	"github.com/swhost/swhost/internal/web"
)

// TestFrontThroughput (SWHOST_BENCH=1; in the normal suite only on CI, as a
// short run that shows the benchmark works end to end) is the front
// benchmark: requests per second a service worker answers through
// `swhost serve`'s front — from Cache Storage and from a fresh Response —
// loaded with wrk (-t2 -c50), side by side in one run with Miniflare 4 /
// workerd serving the same responses from a worker (the peer of
// /work/shared/peers/run-miniflare-bench.sh; npm miniflare is installed
// under the user's cache directory, never in the repository), and workerd
// alone. It reports figures; it asserts only that every answer was a 2xx
// from the worker.
//
//	SWHOST_BENCH=1 go test -run TestFrontThroughput -v -timeout 20m .
//
// SWHOST_BENCH_DURATION (default 10s; 2s for CI's short run) sets each wrk run, SWHOST_BENCH_REPS
// (default 1) the runs per endpoint, SWHOST_BENCH_PEERS=0 skips the peers.
// The table also goes to $SWHOST_ARTIFACTS/front-bench.txt when set.
func TestFrontThroughput(t *testing.T) {
	defDur := "10s"
	if os.Getenv("SWHOST_BENCH") != "1" {
		if os.Getenv("CI") != "true" {
			t.Skip("a benchmark: set SWHOST_BENCH=1 to run it")
		}
		defDur = "2s" // CI: the figures do not count, the run does
	}
	wrk := ffNeed(t, "wrk")
	dur := envOr("SWHOST_BENCH_DURATION", defDur)
	reps, _ := strconv.Atoi(envOr("SWHOST_BENCH_REPS", "1"))
	reps = max(reps, 1)

	var rows []benchRow
	add := func(r benchRow) {
		rows = append(rows, r)
		t.Logf("%-34s %10.0f req/s  p50 %-8s p99 %-8s non-2xx %d errors %q", r.name, r.rps, r.p50, r.p99, r.non2xx, r.errors)
	}

	// swhost serve, in-process, on loopback.
	addr, upstreamHits := startServe(t)
	host := "bench.localhost:" + strings.Split(addr, ":")[1]
	for _, ep := range []string{"/plain", "/cache", "/cache-open"} {
		url := "http://" + addr + ep
		warm(t, url, host)
		hitsBefore := upstreamHits()
		if p := os.Getenv("SWHOST_BENCH_JSPROFILE"); p != "" {
			// A profile of the JavaScript the worker runs (sobek's sampling
			// profiler; read it with go tool pprof).
			f, err := os.Create(p + strings.ReplaceAll(ep, "/", "-") + ".prof")
			if err != nil {
				t.Fatal(err)
			}
			if err := sobek.StartProfile(f); err != nil {
				t.Fatal(err)
			}
			stop := func() { sobek.StopProfile(); f.Close() }
			defer stop()
		}
		for range reps {
			r := runWrk(t, wrk, url, host, dur)
			r.name = "swhost front " + ep
			add(r)
			if r.non2xx > 0 || r.requests == 0 {
				t.Errorf("%s: %d non-2xx answers of %d", r.name, r.non2xx, r.requests)
			}
		}
		if n := upstreamHits() - hitsBefore; n != 0 {
			t.Errorf("%s: %d requests reached the upstream: the worker did not answer them all", ep, n)
		}
	}

	if os.Getenv("SWHOST_BENCH_PEERS") != "0" {
		peer := startMiniflare(t)
		for _, ep := range []string{"/plain", "/cache", "/cache-open"} {
			url := peer.miniflare + ep
			warm(t, url, "")
			for range reps {
				r := runWrk(t, wrk, url, "", dur)
				r.name = "miniflare " + ep
				add(r)
			}
		}
		url := peer.workerd + "/plain"
		warm(t, url, "")
		for range reps {
			r := runWrk(t, wrk, url, "", dur)
			r.name = "workerd alone /plain"
			add(r)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "front benchmark: wrk -t2 -c50 -d%s, 1 KiB body, %s\n", dur, time.Now().UTC().Format(time.RFC3339))
	for _, r := range rows {
		fmt.Fprintf(&b, "%-34s %10.0f req/s  p50 %-8s p99 %s\n", r.name, r.rps, r.p50, r.p99)
	}
	t.Log("\n" + b.String())
	if dir := os.Getenv("SWHOST_ARTIFACTS"); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, "front-bench.txt"), []byte(b.String()), 0o644)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

type benchRow struct {
	name     string
	rps      float64
	requests int
	p50, p99 string
	non2xx   int
	errors   string
}

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkErrors   = regexp.MustCompile(`Socket errors: (.*)`)
	wrkLatency  = regexp.MustCompile(`\s+(50|99)%\s+(\S+)`)
)

func runWrk(t *testing.T, wrk, url, host, dur string) benchRow {
	t.Helper()
	args := []string{"-t2", "-c50", "-d" + dur, "--latency"}
	if host != "" {
		args = append(args, "-H", "Host: "+host)
	}
	out, err := exec.Command(wrk, append(args, url)...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk %s: %v\n%s", url, err, out)
	}
	var r benchRow
	if m := wrkRPS.FindSubmatch(out); m != nil {
		r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := wrkRequests.FindSubmatch(out); m != nil {
		r.requests, _ = strconv.Atoi(string(m[1]))
	}
	if m := wrkNon2xx.FindSubmatch(out); m != nil {
		r.non2xx, _ = strconv.Atoi(string(m[1]))
	}
	if m := wrkErrors.FindSubmatch(out); m != nil {
		r.errors = string(m[1])
	}
	for _, m := range wrkLatency.FindAllSubmatch(out, -1) {
		if string(m[1]) == "50" {
			r.p50 = string(m[2])
		} else {
			r.p99 = string(m[2])
		}
	}
	return r
}

// warm requests url a few times and a short wrk-like burst, so that the
// measured run sees a started worker and a filled cache.
func warm(t *testing.T, url, host string) {
	t.Helper()
	for range 20 {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("warming %s: %v", url, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("warming %s: HTTP %d", url, resp.StatusCode)
		}
	}
	if wrk, err := exec.LookPath("wrk"); err == nil {
		args := []string{"-t2", "-c50", "-d2s"}
		if host != "" {
			args = append(args, "-H", "Host: "+host)
		}
		_ = exec.Command(wrk, append(args, url)...).Run()
	}
}

// startServe runs `swhost serve` in-process for https://bench.example
// (testdata/frontbench behind a counting upstream server) and returns its
// address once the worker is active.
func startServe(t *testing.T) (string, func() int) {
	t.Helper()
	site := newFFSite(t, filepath.Join("testdata", "frontbench"))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var stdout syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(&cli.Env{Args: []string{"serve", "--listen", "127.0.0.1:0", "--origin", "https://bench.example=" + site.URL(),
			"--open", "https://bench.example/"}, Stdout: &stdout, Stderr: &stdout, Ctx: ctx,
			Ready: func(addr string) { ready <- addr }})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d:\n%s", code, stdout.String())
	case <-time.After(time.Minute):
		t.Fatalf("serve did not start:\n%s", stdout.String())
	}
	// The page --open loads registers the worker; wait for it to say the
	// worker is active (its precached item stored).
	for !strings.Contains(stdout.String(), "bench: active") {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, stdout.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return addr, func() int { return site.count("/bench/item") }
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type peers struct{ miniflare, workerd string }

// startMiniflare installs npm miniflare (once, under the user's cache
// directory), starts it on the peer worker (testdata/frontbench/peers,
// copied from /work/shared/peers/miniflare) and workerd alone on the same
// worker, and returns their base URLs.
func startMiniflare(t *testing.T) peers {
	t.Helper()
	npm := ffNeed(t, "npm")
	node := ffNeed(t, "node")
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "swhost-test-npm", "miniflare4")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "miniflare", "package.json")); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "--loglevel=error", "miniflare@4")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install miniflare: %v\n%s", err, out)
		}
	}
	// The scripts go next to node_modules so that `import 'miniflare'`
	// resolves.
	bench := filepath.Join(dir, "bench")
	if err := os.MkdirAll(bench, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"serve.mjs", "worker.mjs"} {
		b, err := os.ReadFile(filepath.Join("testdata", "frontbench", "peers", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bench, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mfPort, wdPort := freePort(t), freePort(t)
	mf := exec.Command(node, filepath.Join(bench, "serve.mjs"), strconv.Itoa(mfPort))
	mf.Env = append(os.Environ(), "LOG_REQUESTS=0")
	mf.Dir = bench // Miniflare resolves the script relative to it
	startPeer(t, mf, "READY")

	capnp := fmt.Sprintf(`using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .mainWorker) ],
  sockets = [ ( name = "http", address = "127.0.0.1:%d", http = (), service = "main" ) ]
);
const mainWorker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.mjs") ],
  compatibilityDate = "2025-01-01",
);
`, wdPort)
	if err := os.WriteFile(filepath.Join(bench, "workerd-raw.capnp"), []byte(capnp), 0o644); err != nil {
		t.Fatal(err)
	}
	wd := exec.Command(filepath.Join(dir, "node_modules", ".bin", "workerd"), "serve", filepath.Join(bench, "workerd-raw.capnp"))
	wd.Dir = bench
	startPeer(t, wd, "")
	wdURL := fmt.Sprintf("http://127.0.0.1:%d", wdPort)
	for i := 0; ; i++ {
		resp, err := http.Get(wdURL + "/plain")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i == 300 {
			t.Fatalf("workerd did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return peers{miniflare: fmt.Sprintf("http://127.0.0.1:%d", mfPort), workerd: wdURL}
}

// startPeer starts cmd, stopped at the end of the test; with a non-empty
// ready it waits for a line of its output starting with it.
func startPeer(t *testing.T, cmd *exec.Cmd, ready string) {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	// Its own process group: Miniflare starts workerd as a child, which
	// must end with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	if ready == "" {
		go func() {
			for range lines {
			}
		}()
		return
	}
	timeout := time.After(2 * time.Minute)
	var seen []string
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("%s exited before it was ready:\n%s", cmd.Path, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if strings.HasPrefix(l, ready) {
				go func() {
					for range lines {
					}
				}()
				return
			}
		case <-timeout:
			t.Fatalf("%s: not ready", cmd.Path)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	srv.Close()
	return port
}

// BenchmarkFrontWorker measures the front → fetch event → (Cache Storage)
// path without the network: the host's Handler called directly by 50
// concurrent requesters, as wrk's connections do.
func BenchmarkFrontWorker(b *testing.B) {
	for _, ep := range []string{"/plain", "/cache"} {
		b.Run(strings.TrimPrefix(ep, "/"), func(b *testing.B) {
			site := newFFSite(b, filepath.Join("testdata", "frontbench"))
			h := newFFHost(b, swhost.Config{Origins: []origins.Mapping{{Origin: "https://bench.example", Upstream: site.URL()}}})
			ctx := context.Background()
			if _, err := h.Register(ctx, "https://bench.example/sw.js", "/"); err != nil {
				b.Fatal(err)
			}
			handler := h.Handler(swhost.HandlerOptions{Token: "t", Addr: "127.0.0.1:8087"})
			serve := func() {
				req := httptest.NewRequest(http.MethodGet, "http://bench.localhost:8087"+ep, nil)
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != 200 || rec.Body.Len() != 1024 {
					b.Fatalf("HTTP %d, %d bytes", rec.Code, rec.Body.Len())
				}
			}
			for range 100 {
				serve()
			}
			b.SetParallelism(25) // × GOMAXPROCS (2 here): 50 requests in flight
			if p := os.Getenv("SWHOST_BENCH_JSPROFILE"); p != "" {
				f, err := os.Create(p + "-" + strings.TrimPrefix(ep, "/") + ".prof")
				if err != nil {
					b.Fatal(err)
				}
				if err := sobek.StartProfile(f); err != nil {
					b.Fatal(err)
				}
				defer func() { sobek.StopProfile(); f.Close() }()
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					serve()
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkFetchEventParts dispatches fetch events one after the other at
// workers whose handlers do a little more each time, to see what each part
// of answering costs on the worker's loop.
func BenchmarkFetchEventParts(b *testing.B) {
	handlers := []struct{ name, src string }{
		{"no-listener", ``},
		{"listener-no-respond", `self.addEventListener('fetch', (e) => {});`},
		{"respond-null-body", `self.addEventListener('fetch', (e) => e.respondWith(new Response(null)));`},
		{"respond-body", `const B = 'x'.repeat(1024); self.addEventListener('fetch', (e) => e.respondWith(new Response(B)));`},
		{"respond-body-headers", `const B = 'x'.repeat(1024); self.addEventListener('fetch', (e) => e.respondWith(new Response(B, { headers: { 'content-type': 'text/plain' } })));`},
		{"respond-url-body-headers", `const B = 'x'.repeat(1024); self.addEventListener('fetch', (e) => { if (new URL(e.request.url).pathname === '/x') e.respondWith(new Response(B, { headers: { 'content-type': 'text/plain' } })); });`},
		{"respond-caches-match-string", `self.addEventListener('install', (e) => e.waitUntil(caches.open('v1').then((c) => c.put('/item', new Response('x'.repeat(1024), { headers: { 'content-type': 'text/plain' } })))));
self.addEventListener('fetch', (e) => e.respondWith(caches.match('/item')));`},
		{"respond-caches-match-request", `self.addEventListener('install', (e) => e.waitUntil(caches.open('v1').then((c) => c.put('/x', new Response('x'.repeat(1024), { headers: { 'content-type': 'text/plain' } })))));
self.addEventListener('fetch', (e) => e.respondWith(caches.match(e.request)));`},
	}
	for _, hd := range handlers {
		b.Run(hd.name, func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/javascript")
				io.WriteString(w, hd.src)
			}))
			defer srv.Close()
			h := newFFHost(b, swhost.Config{Origins: []origins.Mapping{{Origin: "https://parts.example", Upstream: srv.URL}}})
			ctx := context.Background()
			info, err := h.Register(ctx, "https://parts.example/sw.js", "/")
			if err != nil {
				b.Fatal(err)
			}
			w := h.Core().RegistrationByID(info.ID).Active()
			req := func() *web.Request {
				return &web.Request{Method: "GET", URL: "https://parts.example/x", Header: http.Header{"Accept": {"*/*"}}, Mode: "no-cors",
					Credentials: "include", Cache: "default", Redirect: "follow", Origin: "https://parts.example"}
			}
			for range 50 {
				if _, err := h.Core().DispatchFetch(ctx, w, req()); err != nil {
					b.Fatal(err)
				}
			}
			if p := os.Getenv("SWHOST_BENCH_JSPROFILE"); p != "" {
				f, err := os.Create(p + "-" + hd.name + ".prof")
				if err != nil {
					b.Fatal(err)
				}
				if err := sobek.StartProfile(f); err != nil {
					b.Fatal(err)
				}
				defer func() { sobek.StopProfile(); f.Close() }()
			}
			b.ResetTimer()
			for range b.N {
				resp, err := h.Core().DispatchFetch(ctx, w, req())
				if err != nil || (resp != nil && resp.Status != 200) {
					b.Fatal(resp, err)
				}
			}
		})
	}
}
