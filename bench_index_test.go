//go:build unix

package swhost_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/origins"
)

// The Content Index workload (testdata/contentindex/bench) run side by side
// in swhost and in Debian's Chromium (--enable-blink-features=ContentIndex),
// in one benchmark run, timed inside each service worker:
//
//	go test -run '^$' -bench IndexWorkload -benchtime 3x .
//
// swhost runs with a data directory, as `swhost serve` does (its GC setting
// included), in both durability modes: "swhost" (the default, process: a
// resolved add or delete is in the content index journal, a write(2), so it
// survives kill -9) and "swhost-full" (--durability full: the journal is
// fsynced before the promise resolves, so it survives power loss too).
// Chromium starts with a fresh profile for each iteration. The Chromium half
// is skipped when chromium is not installed, except under CI=true, where it
// must run.

// indexFigures are the workload's timings in milliseconds.
type indexFigures struct {
	AddSeq1000    float64 `json:"addSeq1000"`
	AddPar1000    float64 `json:"addPar1000"`
	GetAll10000   float64 `json:"getAll10000"`
	DeleteSeq1000 float64 `json:"deleteSeq1000"`
	DeletePar1000 float64 `json:"deletePar1000"`
	Count         int     `json:"count"`
	After         int     `json:"after"`
	Error         string  `json:"error"`
}

type benchReport struct {
	UA     string        `json:"ua"`
	Result *indexFigures `json:"result"`
	Error  string        `json:"error"`
}

// benchSite serves testdata/contentindex/bench and receives /report.
type benchSite struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reports chan benchReport
}

func newBenchSite(b *testing.B) *benchSite {
	s := &benchSite{reports: make(chan benchReport, 1)}
	dir := filepath.Join("testdata", "contentindex", "bench")
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/report":
			var rep benchReport
			body, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(body, &rep); err != nil {
				rep.Error = fmt.Sprintf("bad report %q: %v", body, err)
			}
			w.WriteHeader(http.StatusNoContent)
			select {
			case s.reports <- rep:
			default:
			}
			return
		case "/", "/index.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			http.ServeFile(w, r, filepath.Join(dir, "index.html"))
			return
		case "/sw.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Header().Set("Cache-Control", "no-store")
			http.ServeFile(w, r, filepath.Join(dir, "sw.js"))
			return
		}
		http.NotFound(w, r)
	}))
	b.Cleanup(s.srv.Close)
	return s
}

func (s *benchSite) wait(b *testing.B, timeout time.Duration) *indexFigures {
	select {
	case rep := <-s.reports:
		if rep.Error != "" {
			b.Fatalf("workload failed: %s", rep.Error)
		}
		if rep.Result == nil || rep.Result.Error != "" {
			b.Fatalf("workload failed: %+v", rep.Result)
		}
		if rep.Result.Count != 10000 || rep.Result.After != 8000 {
			b.Fatalf("workload counts: getAll saw %d entries, %d left", rep.Result.Count, rep.Result.After)
		}
		return rep.Result
	case <-time.After(timeout):
		b.Fatal("no report from the benchmark page")
	}
	return nil
}

func (f *indexFigures) add(o *indexFigures) {
	f.AddSeq1000 += o.AddSeq1000
	f.AddPar1000 += o.AddPar1000
	f.GetAll10000 += o.GetAll10000
	f.DeleteSeq1000 += o.DeleteSeq1000
	f.DeletePar1000 += o.DeletePar1000
}

// sideBySide keeps each row's mean figures of this run, so that the
// benchmark can end by printing how many times faster than Chromium each
// swhost row is.
var sideBySide = map[string]indexFigures{}

// ratios prints, figure by figure, how many times faster row is than base
// (higher is better for swhost): printed, because a parent benchmark's log
// shows only on failure.
func (f indexFigures) ratios(row string, base indexFigures) {
	fmt.Printf("side by side: %s vs chromium: seq add %.1f×, concurrent adds %.1f×, getAll %.1f×, seq delete %.1f×, concurrent deletes %.1f×\n",
		row, base.AddSeq1000/f.AddSeq1000, base.AddPar1000/f.AddPar1000, base.GetAll10000/f.GetAll10000,
		base.DeleteSeq1000/f.DeleteSeq1000, base.DeletePar1000/f.DeletePar1000)
}

func (f *indexFigures) report(b *testing.B, n int) {
	k := float64(n)
	mean := indexFigures{AddSeq1000: f.AddSeq1000 / k, AddPar1000: f.AddPar1000 / k, GetAll10000: f.GetAll10000 / k,
		DeleteSeq1000: f.DeleteSeq1000 / k, DeletePar1000: f.DeletePar1000 / k}
	row := b.Name()[strings.LastIndex(b.Name(), "/")+1:]
	row = strings.TrimSuffix(row, fmt.Sprintf("-%d", runtime.GOMAXPROCS(0)))
	sideBySide[row] = mean
	b.ReportMetric(f.AddSeq1000/k/1000, "seq-add-ms")
	b.ReportMetric(1000/(f.AddPar1000/k/1000), "concurrent-adds/s")
	b.ReportMetric(f.GetAll10000/k, "getAll10k-ms")
	b.ReportMetric(f.DeleteSeq1000/k/1000, "seq-delete-ms")
	b.ReportMetric(1000/(f.DeletePar1000/k/1000), "concurrent-deletes/s")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkIndexWorkload(b *testing.B) {
	clear(sideBySide)
	defer func() {
		// Each row's last run (the one printed) side by side.
		if c, ok := sideBySide["chromium"]; ok {
			for _, r := range []string{"swhost", "swhost-full"} {
				if sw, ok := sideBySide[r]; ok {
					sw.ratios(r, c)
				}
			}
		}
	}()
	for _, mode := range []struct{ name, durability string }{{"swhost", "process"}, {"swhost-full", "full"}} {
		b.Run(mode.name, func(b *testing.B) {
			site := newBenchSite(b)
			var sum indexFigures
			if os.Getenv("GOGC") == "" {
				// As swhost serve runs (internal/cli/serve.go).
				defer debug.SetGCPercent(debug.SetGCPercent(400))
			}
			if p := os.Getenv("SWHOST_BENCH_JSPROFILE"); p != "" {
				// A profile of the JavaScript (sobek's sampling profiler).
				f, err := os.Create(p + "-" + mode.name)
				if err != nil {
					b.Fatal(err)
				}
				if err := sobek.StartProfile(f); err != nil {
					b.Fatal(err)
				}
				defer func() { sobek.StopProfile(); f.Close() }()
			}
			for i := 0; i < b.N; i++ {
				cfg := swhost.Config{
					DataDir:     b.TempDir(),
					Durability:  mode.durability,
					Origins:     []origins.Mapping{{Origin: "https://bench.example", Upstream: site.srv.URL}},
					IndexLimits: limitsUnbounded(),
					Logger:      quietLogger(),
				}
				h, err := swhost.New(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				page, err := h.OpenPage(context.Background(), "https://bench.example/")
				if err != nil {
					b.Fatal(err)
				}
				f := site.wait(b, 5*time.Minute)
				sum.add(f)
				page.Close()
				h.Close()
			}
			sum.report(b, b.N)
		})
	}
	b.Run("chromium", func(b *testing.B) {
		bin := chromiumPath()
		if bin == "" {
			if os.Getenv("CI") == "true" {
				b.Fatal("chromium is not installed; CI must compare with it (apt-get install chromium)")
			}
			b.Skip("chromium is not installed")
		}
		site := newBenchSite(b)
		// http://localhost is a secure context: service workers register.
		url := strings.Replace(site.srv.URL, "127.0.0.1", "localhost", 1) + "/"
		var sum indexFigures
		for i := 0; i < b.N; i++ {
			stop, err := startChromium(b, bin, url)
			if err != nil {
				b.Fatal(err)
			}
			f := site.wait(b, 5*time.Minute)
			stop()
			sum.add(f)
		}
		sum.report(b, b.N)
	})
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startChromium runs headless Chromium with the Content Index enabled and a
// fresh profile on url; stop kills it (by its pid) and waits.
func startChromium(b *testing.B, bin, url string) (stop func(), err error) {
	profile, err := os.MkdirTemp("", "swhost-bench-chromium-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--enable-blink-features=ContentIndex", url)
	// Its own process group: stop ends the browser and its helpers (by the
	// group id of the process started here), nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(profile)
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return func() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		exited := false
		select {
		case <-done:
			exited = true
		case <-time.After(5 * time.Second):
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL) // helpers that outlived the browser
		if !exited {
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				b.Logf("chromium (pid %d) did not exit", pgid)
			}
		}
		if err := os.RemoveAll(profile); err != nil && !errors.Is(err, os.ErrNotExist) {
			b.Logf("removing %s: %v", profile, err)
		}
	}, nil
}
