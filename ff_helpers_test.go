package swhost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/js"
)

// Helpers of the Fetch / FetchEvent / Cache Storage / front tests (prefix
// ff so as not to collide with the other helpers of this package).

// ffSite serves a directory like a site's server: /a/b is /a/b/index.html
// when b is a directory (no redirect), Content-Type by extension, and a
// file NAME.headers adds header lines. It counts requests per path and can
// be stopped for good (the upstream is gone).
type ffSite struct {
	srv  *httptest.Server
	dir  string
	mu   sync.Mutex
	hits map[string]int
	// extra answers paths the directory does not hold (nil: 404).
	extra func(w http.ResponseWriter, r *http.Request) bool
}

func newFFSite(t testing.TB, dir string) *ffSite {
	t.Helper()
	s := &ffSite{dir: dir, hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *ffSite) URL() string { return s.srv.URL }

// Stop stops the server: its port refuses connections from now on.
func (s *ffSite) Stop() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

func (s *ffSite) count(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[p]
}

func (s *ffSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	extra := s.extra
	s.mu.Unlock()
	if extra != nil && extra(w, r) {
		return
	}
	f := filepath.Join(s.dir, filepath.FromSlash(path.Clean("/"+r.URL.Path)))
	if fi, err := os.Stat(f); err == nil && fi.IsDir() {
		f = filepath.Join(f, "index.html")
	}
	b, err := os.ReadFile(f)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(filepath.Ext(f))
	if filepath.Ext(f) == ".js" {
		ct = "text/javascript; charset=utf-8"
	}
	if ct == "" {
		ct = http.DetectContentType(b)
	}
	w.Header().Set("Content-Type", ct)
	if hdr, err := os.ReadFile(f + ".headers"); err == nil {
		for _, line := range strings.Split(string(hdr), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				w.Header().Set(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
	}
	_, _ = w.Write(b)
}

// ffConsole collects console lines and script errors; a test waits for a
// tagged line.
type ffConsole struct {
	mu      sync.Mutex
	lines   []string
	errs    []string
	changed chan struct{}
}

func newFFConsole() *ffConsole { return &ffConsole{changed: make(chan struct{})} }

func (c *ffConsole) line(src swhost.Source, level, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, msg)
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *ffConsole) scriptError(src swhost.Source, se *js.ScriptError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, src.Kind+" "+src.URL+": "+se.Error())
}

func (c *ffConsole) errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errs...)
}

// wait returns the rest of the first line starting with prefix.
func (c *ffConsole) wait(ctx context.Context, prefix string) (string, error) {
	for {
		c.mu.Lock()
		for _, l := range c.lines {
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				c.mu.Unlock()
				return rest, nil
			}
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for console line %q: %w", prefix, ctx.Err())
		}
	}
}

// ffHost is a host whose console the test reads.
type ffHost struct {
	*swhost.Host
	con *ffConsole
	n   atomic.Int64
}

func newFFHost(t testing.TB, cfg swhost.Config) *ffHost {
	t.Helper()
	con := newFFConsole()
	cfg.Console = con.line
	cfg.OnScriptError = con.scriptError
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	h, err := swhost.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return &ffHost{Host: h, con: con}
}

// eval runs body as the body of an async function in the page and returns
// what it returned (JSON) or threw.
func (h *ffHost) eval(t testing.TB, page *swhost.Page, body string) ffResult {
	t.Helper()
	tag := fmt.Sprintf("FFRESULT%d ", h.n.Add(1))
	src := fmt.Sprintf(`(async () => { %s })().then(
  (v) => console.log(%q + JSON.stringify({ ok: v === undefined ? null : v })),
  (e) => console.log(%q + JSON.stringify({ err: (e && e.name ? e.name + ': ' + e.message : String(e)) })));`, body, tag, tag)
	ctx := testCtx(t)
	if err := page.Eval(ctx, "snippet.js", src); err != nil {
		t.Fatalf("eval: %v", err)
	}
	rest, err := h.con.wait(ctx, tag)
	if err != nil {
		t.Fatalf("%v (script errors: %q)", err, h.con.errors())
	}
	var r ffResult
	if err := json.Unmarshal([]byte(rest), &r); err != nil {
		t.Fatalf("snippet result %q: %v", rest, err)
	}
	return r
}

// ffNeed returns the path of a tool; a missing tool skips the test
// locally and fails it on CI (CI=true).
func ffNeed(t testing.TB, tool string, candidates ...string) string {
	t.Helper()
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(tool); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; this test must run on CI", tool)
	}
	t.Skipf("%s is not installed; skipping", tool)
	return ""
}

// ffArtifactDir is where screenshots and other artifacts go:
// $SWHOST_ARTIFACTS, else the test's temporary directory.
func ffArtifactDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SWHOST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ffServer serves a host's Handler (UI, API and the front) on a loopback
// port.
type ffServer struct {
	addr string // 127.0.0.1:PORT
	port string

	mu   sync.Mutex
	seen []string // "METHOD HOST PATH STATUS" of every request served
}

func (s *ffServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

type ffStatus struct {
	http.ResponseWriter
	code int
}

func (w *ffStatus) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func ffServe(t testing.TB, h *swhost.Host) *ffServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &ffServer{addr: ln.Addr().String()}
	_, s.port, _ = net.SplitHostPort(s.addr)
	handler := h.Handler(swhost.HandlerOptions{Token: "test-token", Addr: s.addr})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &ffStatus{ResponseWriter: w, code: 200}
		handler.ServeHTTP(sw, r)
		s.mu.Lock()
		s.seen = append(s.seen, fmt.Sprintf("%s %s %s %d", r.Method, r.Host, r.URL.RequestURI(), sw.code))
		s.mu.Unlock()
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

// front is the front's base URL for a label ("news" → http://news.localhost:PORT).
func (s *ffServer) front(label string) string { return "http://" + label + ".localhost:" + s.port }

// client dials the server for every host name, as *.localhost resolves to
// loopback in a browser; it does not follow redirects.
func (s *ffServer) client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, s.addr)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// get requests rawURL with headers (name, value pairs) and returns the
// status, headers and body.
func (s *ffServer) get(t testing.TB, method, rawURL string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// Header sets of a browser's navigation and subresource requests.
func ffNavigate() []string {
	return []string{"Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document", "Accept", "text/html"}
}

func ffSubresource(referer, dest string) []string {
	return []string{"Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", dest, "Referer", referer}
}

func (w *ffStatus) Unwrap() http.ResponseWriter { return w.ResponseWriter }
