package swhost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/origins"
)

// ciOrigin is the origin of the Content Index test site
// (testdata/contentindex/site), served by a siteServer.
const ciOrigin = "https://ci.example"

// siteServer serves a directory as an upstream, with gates: a request for a
// gated path waits until the gate opens (slow icons, slow installs).
type siteServer struct {
	dir string
	srv *httptest.Server

	mu       sync.Mutex
	gates    map[string]chan struct{}
	started  map[string]chan struct{} // closed when a request for the path arrives
	requests map[string]int
	// version, when not 0, is appended to /sw.js as a comment (an update).
	version atomic.Int64
}

func newSiteServer(t testing.TB, dir string) *siteServer {
	s := &siteServer{dir: dir, gates: map[string]chan struct{}{}, started: map[string]chan struct{}{}, requests: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// gate makes requests for p wait; open lets them (and later ones) through.
func (s *siteServer) gate(p string) (open func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.gates[p] = ch
	s.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// arrived returns a channel closed once a request for p has arrived.
func (s *siteServer) arrived(p string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.started[p]
	if ch == nil {
		ch = make(chan struct{})
		s.started[p] = ch
	}
	return ch
}

func (s *siteServer) count(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[p]
}

func (s *siteServer) serve(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	s.mu.Lock()
	s.requests[p]++
	gate := s.gates[p]
	if ch := s.started[p]; ch != nil {
		select {
		case <-ch:
		default:
			close(ch)
		}
	} else {
		ch := make(chan struct{})
		close(ch)
		s.started[p] = ch
	}
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if strings.HasPrefix(p, "/gate/") {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "open")
		return
	}
	name := filepath.Join(s.dir, filepath.FromSlash(p))
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		name = filepath.Join(name, "index.html")
	}
	body, err := os.ReadFile(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(filepath.Ext(name))
	if filepath.Ext(name) == ".js" {
		ct = "text/javascript"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Write(body)
	if v := s.version.Load(); v != 0 && p == "/sw.js" {
		fmt.Fprintf(w, "\n// version %d\n", v)
	}
}

// ciHost is a host with the test site registered and a page open on it.
type ciHost struct {
	t    testing.TB
	h    *swhost.Host
	site *siteServer
	con  *ciConsole
	page *swhost.Page
	errs *ciScriptErrors
	n    atomic.Int64
}

type ciScriptErrors struct {
	mu   sync.Mutex
	errs []string
}

func (s *ciScriptErrors) add(src swhost.Source, se *js.ScriptError) {
	s.mu.Lock()
	s.errs = append(s.errs, src.URL+": "+se.Error())
	s.mu.Unlock()
}

func (s *ciScriptErrors) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// ciOptions configure newCIHost.
type ciOptions struct {
	cfg      swhost.Config
	site     *siteServer // default: a new server of testdata/contentindex/site
	register []string    // worker scripts registered before the page opens (default /sw.js)
	noPage   bool
}

func newCIHost(t testing.TB, o ciOptions) *ciHost {
	t.Helper()
	c := &ciHost{t: t, con: newCIConsole(), errs: &ciScriptErrors{}, site: o.site}
	if c.site == nil {
		c.site = newSiteServer(t, filepath.Join("testdata", "contentindex", "site"))
	}
	cfg := o.cfg
	cfg.Origins = append(cfg.Origins, origins.Mapping{Origin: ciOrigin, Upstream: c.site.srv.URL})
	cfg.Console = c.con.line
	cfg.OnScriptError = c.errs.add
	h, err := swhost.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.h = h
	t.Cleanup(func() { h.Close() })
	ctx := testCtx(t)
	regs := o.register
	if regs == nil {
		regs = []string{"/sw.js"}
	}
	for _, s := range regs {
		if _, err := h.Register(ctx, ciOrigin+s, ""); err != nil {
			t.Fatalf("register %s: %v", s, err)
		}
	}
	if !o.noPage {
		c.openPage()
	}
	return c
}

func (c *ciHost) openPage() {
	c.t.Helper()
	page, err := c.h.OpenPage(testCtx(c.t), ciOrigin+"/page.html")
	if err != nil {
		c.t.Fatal(err)
	}
	c.page = page
	c.t.Cleanup(page.Close)
}

// start runs body (the body of an async function of reg, idx) in realm
// "window" (the page) or "worker" (the active worker of the registration
// matching scope) and returns a function that waits for its snippetResult.
func (c *ciHost) start(realm, scope, body string) func() snippetResult {
	c.t.Helper()
	token := fmt.Sprintf("t%d", c.n.Add(1))
	src := fmt.Sprintf("runSnippet(%q, %q, %q, %s);", token, realm, scope, ciJS(body))
	if err := c.page.Eval(testCtx(c.t), "snippet-"+token, src); err != nil {
		c.t.Fatalf("eval: %v", err)
	}
	return func() snippetResult {
		c.t.Helper()
		rest, err := c.con.waitPrefix(testCtx(c.t), "RESULT "+token+" ")
		if err != nil {
			c.t.Fatalf("%v (script errors: %v)", err, c.errs.list())
		}
		var r snippetResult
		if err := json.Unmarshal([]byte(rest), &r); err != nil {
			c.t.Fatalf("snippetResult %q: %v", rest, err)
		}
		return r
	}
}

// run runs body in realm and waits for its snippetResult.
func (c *ciHost) run(realm, body string) snippetResult {
	c.t.Helper()
	return c.start(realm, ciOrigin+"/", body)()
}

func ciJS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

var ciRealms = []string{"window", "worker"}

// regID returns the registration id of scope as the index names it.
func (c *ciHost) regID(scope string) string {
	c.t.Helper()
	for _, r := range c.h.Registrations() {
		if r.Scope == scope {
			return fmt.Sprint(r.ID)
		}
	}
	c.t.Fatalf("no registration %s", scope)
	return ""
}

// ids lists the ids of the registration's entries as the index holds them.
func (c *ciHost) ids(scope string) string {
	reg := c.regID(scope)
	var out []string
	for _, e := range c.h.IndexEntries(false, "") {
		if e.RegID == reg {
			out = append(out, e.Description.ID)
		}
	}
	return strings.Join(out, ",")
}

func swhostConfigIconsFetch() swhost.Config { return swhost.Config{IndexIcons: "fetch"} }
func swhostConfigIconsNone() swhost.Config  { return swhost.Config{IndexIcons: "none"} }

// limitsUnbounded lets a registration hold any number of entries (the
// benchmark's 10,000).
func limitsUnbounded() contentindex.Limits {
	return contentindex.Limits{MaxEntriesPerRegistration: -1}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
