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
	"runtime/debug"
	"slices"
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
// in one benchmark run, timed inside each service worker; -benchtime Nx runs
// N rounds (see BenchmarkIndexWorkload):
//
//	go test -run '^$' -bench IndexWorkload -benchtime 5x .
//
// swhost runs with a data directory, as `swhost serve` does (its GC setting
// included), in both durability modes: "swhost" (the default, process: a
// resolved add or delete is in the content index journal, a write(2), so it
// survives kill -9) and "swhost-full" (--durability full: the journal is
// fsynced before the promise resolves, so it survives power loss too).
// Chromium starts with a fresh profile each round. The Chromium row is left
// out when chromium is not installed, except under CI=true, where it must
// run.

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

// The workload's five figures, in the order of figureNames.
var figureNames = [...]string{"seq add", "concurrent adds", "getAll", "seq delete", "concurrent deletes"}

func (f indexFigures) list() [5]float64 {
	return [5]float64{f.AddSeq1000, f.AddPar1000, f.GetAll10000, f.DeleteSeq1000, f.DeletePar1000}
}

// ratios is, figure by figure, how many times faster than base f is
// (base's time over f's: higher is better for swhost).
func (f indexFigures) ratios(base indexFigures) [5]float64 {
	a, b := f.list(), base.list()
	var r [5]float64
	for i := range r {
		r[i] = b[i] / a[i]
	}
	return r
}

func (f indexFigures) String() string {
	return fmt.Sprintf("seq add %.4f ms, concurrent adds %.0f/s, getAll 10k %.2f ms, seq delete %.4f ms, concurrent deletes %.0f/s",
		f.AddSeq1000/1000, 1000/(f.AddPar1000/1000), f.GetAll10000, f.DeleteSeq1000/1000, 1000/(f.DeletePar1000/1000))
}

func (f *indexFigures) add(o indexFigures) {
	f.AddSeq1000 += o.AddSeq1000
	f.AddPar1000 += o.AddPar1000
	f.GetAll10000 += o.GetAll10000
	f.DeleteSeq1000 += o.DeleteSeq1000
	f.DeletePar1000 += o.DeletePar1000
}

func (f indexFigures) scaled(k float64) indexFigures {
	return indexFigures{AddSeq1000: f.AddSeq1000 * k, AddPar1000: f.AddPar1000 * k, GetAll10000: f.GetAll10000 * k,
		DeleteSeq1000: f.DeleteSeq1000 * k, DeletePar1000: f.DeletePar1000 * k}
}

// report puts the figures on the benchmark's line.
func (f indexFigures) report(b *testing.B) {
	b.ReportMetric(f.AddSeq1000/1000, "seq-add-ms")
	b.ReportMetric(1000/(f.AddPar1000/1000), "concurrent-adds/s")
	b.ReportMetric(f.GetAll10000, "getAll10k-ms")
	b.ReportMetric(f.DeleteSeq1000/1000, "seq-delete-ms")
	b.ReportMetric(1000/(f.DeletePar1000/1000), "concurrent-deletes/s")
	b.ReportMetric(0, "ns/op")
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// indexRow is a program the workload runs in, and its figures, one per
// round.
type indexRow struct {
	name string
	run  func() indexFigures
	figs []indexFigures
}

// BenchmarkIndexWorkload runs the workload in b.N rounds. A round runs it
// once in every row, in an order that rotates from round to round, so that
// a slower or quicker spell of the shared machine falls on every row alike.
// Each swhost row is compared with Chromium round by round; the benchmark
// prints, figure by figure, the median of those ratios and their range, and
// reports the default row's mean figures and median ratios (the "-x" units).
func BenchmarkIndexWorkload(b *testing.B) {
	site := newBenchSite(b)
	if os.Getenv("GOGC") == "" {
		// As swhost serve runs (internal/cli/serve.go).
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	rows := []*indexRow{
		{name: "swhost", run: func() indexFigures { return runIndexSwhost(b, site, "process") }},
		{name: "swhost-full", run: func() indexFigures { return runIndexSwhost(b, site, "full") }},
	}
	switch bin := chromiumPath(); {
	case bin != "":
		rows = append(rows, &indexRow{name: "chromium", run: func() indexFigures { return runIndexChromium(b, site, bin) }})
	case os.Getenv("CI") == "true":
		b.Fatal("chromium is not installed; CI must compare with it (apt-get install chromium)")
	default:
		b.Log("chromium is not installed: the swhost rows only")
	}
	if p := os.Getenv("SWHOST_BENCH_JSPROFILE"); p != "" {
		// A profile of the JavaScript (sobek's sampling profiler).
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := sobek.StartProfile(f); err != nil {
			b.Fatal(err)
		}
		defer func() { sobek.StopProfile(); f.Close() }()
	}
	// (Printed: a benchmark's log shows only on failure.)
	for round := range b.N {
		for k := range rows {
			row := rows[(round+k)%len(rows)]
			row.figs = append(row.figs, row.run())
			fmt.Printf("round %d  %-12s %v\n", round+1, row.name, row.figs[round])
		}
	}
	for _, row := range rows {
		var sum indexFigures
		for _, f := range row.figs {
			sum.add(f)
		}
		mean := sum.scaled(1 / float64(len(row.figs)))
		fmt.Printf("mean of %d  %-12s %v\n", len(row.figs), row.name, mean)
		if row.name == "swhost" {
			mean.report(b)
		}
	}
	chromium := rows[len(rows)-1]
	if chromium.name != "chromium" {
		return
	}
	for _, row := range rows[:len(rows)-1] {
		var per [len(figureNames)][]float64
		for i, f := range row.figs {
			for j, r := range f.ratios(chromium.figs[i]) {
				per[j] = append(per[j], r)
			}
		}
		var parts []string
		for j, name := range figureNames {
			m := median(per[j])
			parts = append(parts, fmt.Sprintf("%s %.1f× (%.1f–%.1f)", name, m, slices.Min(per[j]), slices.Max(per[j])))
			if row.name == "swhost" {
				b.ReportMetric(m, strings.ReplaceAll(name, " ", "-")+"-x")
			}
		}
		fmt.Printf("side by side, %s vs chromium, median of %d rounds (range): %s\n", row.name, len(row.figs), strings.Join(parts, ", "))
	}
}

// runIndexSwhost runs the workload once in a new host with a data
// directory, as swhost serve runs it.
func runIndexSwhost(b *testing.B, site *benchSite, durability string) indexFigures {
	h, err := swhost.New(context.Background(), swhost.Config{
		DataDir:     b.TempDir(),
		Durability:  durability,
		Origins:     []origins.Mapping{{Origin: "https://bench.example", Upstream: site.srv.URL}},
		IndexLimits: limitsUnbounded(),
		Logger:      quietLogger(),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	page, err := h.OpenPage(context.Background(), "https://bench.example/")
	if err != nil {
		b.Fatal(err)
	}
	defer page.Close()
	return *site.wait(b, 5*time.Minute)
}

// runIndexChromium runs the workload once in Chromium with a fresh profile.
func runIndexChromium(b *testing.B, site *benchSite, bin string) indexFigures {
	// http://localhost is a secure context: service workers register.
	url := strings.Replace(site.srv.URL, "127.0.0.1", "localhost", 1) + "/"
	stop, err := startChromium(b, bin, url)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	return *site.wait(b, 5*time.Minute)
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
