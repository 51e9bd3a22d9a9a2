package swhost_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/cli"
	"github.com/swhost/swhost/internal/origins"
)

// ---- helpers shared with browser_test.go ------------------------------------

// uiUpstream serves a site's directory as its upstream server; it can be
// taken down (connections are dropped, as when the network is gone).
type uiUpstream struct {
	*httptest.Server
	down atomic.Bool
}

func newUIUpstream(t testing.TB, dir string) *uiUpstream {
	u := &uiUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u.down.Load() {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		// Like a site's server: /article/x is /article/x/index.html, no
		// redirect.
		f := filepath.Join(dir, filepath.FromSlash(path.Clean("/"+r.URL.Path)))
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			f = filepath.Join(f, "index.html")
		}
		b, err := os.ReadFile(f)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		ct := mime.TypeByExtension(filepath.Ext(f))
		if ct == "" {
			ct = http.DetectContentType(b)
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(b)
	}))
	t.Cleanup(u.Close)
	return u
}

// uiServer serves a host's Handler (the UI, the API and the front) on a
// loopback port, and records the API's answers.
type uiServer struct {
	host  *swhost.Host
	addr  string // 127.0.0.1:PORT
	url   string // http://127.0.0.1:PORT
	token string

	mu  sync.Mutex
	log []string // "METHOD PATH STATUS" of /api/ requests
}

func newUIServer(t testing.TB, host *swhost.Host) *uiServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &uiServer{host: host, addr: ln.Addr().String(), url: "http://" + ln.Addr().String(), token: rand.Text()}
	h := host.Handler(swhost.HandlerOptions{Token: s.token, Addr: s.addr})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &uiStatusRecorder{ResponseWriter: w, status: 200}
		h.ServeHTTP(rec, r)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.mu.Lock()
			s.log = append(s.log, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, rec.status))
			s.mu.Unlock()
		}
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *uiServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

type uiStatusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *uiStatusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *uiStatusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// client reaches the UI and the front (every host name dials the server,
// as *.localhost does in a browser).
func (s *uiServer) client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, s.addr)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// api calls the JSON API with the token; out may be nil.
func (s *uiServer) api(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("X-Swhost-Token", s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// get fetches a URL (of the UI or of the front) and returns its body.
func (s *uiServer) get(t testing.TB, rawURL string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := s.client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func uiCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// uiNewsHost hosts the news example from an upstream server that can go
// down, with its worker registered and active.
func uiNewsHost(t testing.TB, cfg swhost.Config) (*swhost.Host, *uiUpstream, *uiConsole) {
	t.Helper()
	up := newUIUpstream(t, "examples/news")
	con := newUIConsole()
	cfg.Origins = append([]origins.Mapping{{Origin: "https://news.example", Upstream: up.URL}}, cfg.Origins...)
	cfg.Console = con.line
	h, err := swhost.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if _, err := h.Register(uiCtx(t, time.Minute), "https://news.example/sw.js", "/"); err != nil {
		t.Fatal(err)
	}
	return h, up, con
}

func uiArticlePush(id, title string) []byte {
	b, _ := json.Marshal(map[string]any{"id": id, "title": title, "description": "The article " + title + ", saved for offline reading.",
		"icons": []map[string]string{{"src": "/icons/news.png", "sizes": "64x64", "type": "image/png"}}})
	return b
}

// uiCached reports whether the news worker's article cache has the article,
// asked from a headless page of the site.
func uiCached(t testing.TB, h *swhost.Host, con *uiConsole, id string) bool {
	t.Helper()
	ctx := uiCtx(t, time.Minute)
	page, err := h.OpenPage(ctx, "https://news.example/")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	tag := "uiCached " + id + " " + rand.Text() + ": "
	src := fmt.Sprintf(`caches.open('offline-articles').then((c) => c.match('/article/%s')).then((r) => console.log(%q + !!r));`, id, tag)
	if err := page.Eval(ctx, "check.js", src); err != nil {
		t.Fatal(err)
	}
	line, err := con.wait(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	return strings.HasSuffix(line, "true")
}

// ---- tests --------------------------------------------------------------------

// TestUIEntryLifecycle (no browser): push → listed; open → the front URL,
// which the front serves through the worker with the upstream down, and
// the open is counted; delete → contentdelete ran and removed the uiCached
// article; the events API records it.
func TestUIEntryLifecycle(t *testing.T) {
	h, up, con := uiNewsHost(t, swhost.Config{})
	s := newUIServer(t, h)
	ctx := uiCtx(t, time.Minute)
	if err := h.Push(ctx, "https://news.example/", uiArticlePush("offline-first", "Offline first, explained")); err != nil {
		t.Fatal(err)
	}
	var list []swhost.IndexEntry
	if code := s.api(t, "GET", "/api/index", nil, &list); code != 200 || len(list) != 1 {
		t.Fatalf("list: %d %+v", code, list)
	}
	e := list[0]
	if e.Origin != "https://news.example" || e.Description.Title != "Offline first, explained" || len(e.Icons) != 1 {
		t.Errorf("entry %+v", e)
	}
	if code, _ := s.get(t, s.url+"/api/index/"+e.RegID+"/"+e.Description.ID+"/icon/0"); code != 200 {
		t.Errorf("icon: %d", code)
	}

	up.down.Store(true)
	var opened map[string]string
	if code := s.api(t, "POST", "/api/index/"+e.RegID+"/"+e.Description.ID+"/open", nil, &opened); code != 200 {
		t.Fatalf("open: %d", code)
	}
	front := "http://news.localhost:" + strings.Split(s.addr, ":")[1] + "/article/offline-first"
	if opened["url"] != front {
		t.Fatalf("open: %q, want %q", opened["url"], front)
	}
	code, body := s.get(t, opened["url"])
	if code != 200 || !strings.Contains(body, "<html") || strings.Contains(body, "You are offline") {
		t.Fatalf("the front with the upstream down: %d %.300s", code, body)
	}
	var served bool
	for _, cl := range h.Core().Clients("https://news.example") {
		served = served || (cl.URL == "https://news.example/article/offline-first" && cl.ServedByWorker)
	}
	if !served {
		t.Error("no window client for the opened article served by the worker")
	}
	if got, _ := h.FindEntry(e.RegID, e.Description.ID); got.Opens != 1 {
		t.Errorf("opens %d, want 1", got.Opens)
	}

	if !uiCached(t, h, con, "offline-first") {
		t.Fatal("the article is not uiCached before the delete")
	}
	var del map[string]any
	if code := s.api(t, "POST", "/api/index/"+e.RegID+"/"+e.Description.ID+"/delete", nil, &del); code != 200 || del["ok"] != true || del["warning"] != nil {
		t.Fatalf("delete: %d %v", code, del)
	}
	if uiCached(t, h, con, "offline-first") {
		t.Error("the worker's contentdelete handler did not remove the uiCached article")
	}
	if code := s.api(t, "GET", "/api/index?all=1", nil, &list); code != 200 || len(list) != 0 {
		t.Errorf("after delete: %+v", list)
	}
	var events []struct{ Type, Outcome string }
	s.api(t, "GET", "/api/events", nil, &events)
	if !slices.ContainsFunc(events, func(e struct{ Type, Outcome string }) bool { return e.Type == "contentdelete" && e.Outcome == "ok" }) {
		t.Errorf("events %+v", events)
	}
	if code := s.api(t, "POST", "/api/index/"+e.RegID+"/"+e.Description.ID+"/delete", nil, nil); code != 404 {
		t.Errorf("delete again: %d", code)
	}
	// The front still refuses to let the browser install the worker.
	req, _ := http.NewRequest("GET", "http://news.localhost/sw.js", nil)
	req.Header.Set("Service-Worker", "script")
	if resp, err := s.client().Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("the browser registering the worker: %v %v", resp, err)
	}
}

// TestUIHeadlessOpen: open with {"headless": true} activates the entry in
// a headless page (the CLI's `index open` against a running host).
func TestUIHeadlessOpen(t *testing.T) {
	h, _, _ := uiNewsHost(t, swhost.Config{})
	s := newUIServer(t, h)
	if err := h.Push(uiCtx(t, time.Minute), "https://news.example/", uiArticlePush("welcome", "Welcome")); err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if code := s.api(t, "POST", "/api/index/1/welcome/open", map[string]bool{"headless": true}, &res); code != 200 {
		t.Fatalf("open: %d", code)
	}
	if res["status"] != 200.0 || res["servedByWorker"] != true || res["url"] != "https://news.example/article/welcome" ||
		!strings.Contains(fmt.Sprint(res["body"]), "Welcome to the offline news") {
		t.Errorf("headless open: %v", res)
	}
}

// TestUIListenNeedsToken: serve refuses a non-loopback address without
// --token, and listens on loopback by default.
func TestUIListenNeedsToken(t *testing.T) {
	if cli.DefaultListen != "127.0.0.1:8087" {
		t.Errorf("default listen address %s", cli.DefaultListen)
	}
	for _, listen := range []string{"0.0.0.0:0", "[::]:0", ":0", "192.0.2.10:8087", "example.com:8087"} {
		t.Run(listen, func(t *testing.T) {
			var stderr bytes.Buffer
			started := false
			code := cli.Main(&cli.Env{Args: []string{"serve", "--data", "", "--listen", listen}, Stdout: io.Discard, Stderr: &stderr,
				Ctx: context.Background(), Ready: func(string) { started = true }})
			if code == 0 || started || !strings.Contains(stderr.String(), "refusing to start without --token") {
				t.Errorf("exit %d, started %v: %s", code, started, stderr.String())
			}
		})
	}
}

type uiLockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *uiLockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *uiLockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestUIFirstRun follows the README on a fresh checkout: `swhost serve`
// hosts examples/news; `swhost push` puts an article on the shelf; the
// shelf lists it; Open gives the front URL the browser shows; Delete
// removes it.
func TestUIFirstRun(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	var out, errOut uiLockedBuffer
	go func() {
		done <- cli.Main(&cli.Env{Args: []string{"serve", "--data", data, "--listen", "127.0.0.1:0"}, Stdout: &out, Stderr: &errOut,
			Ctx: ctx, Ready: func(a string) { addrc <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var addr string
	select {
	case addr = <-addrc:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	}
	tok, err := os.ReadFile(filepath.Join(data, "api-token"))
	if err != nil {
		t.Fatal(err)
	}
	s := &uiServer{addr: addr, url: "http://" + addr, token: string(tok)}
	if !strings.Contains(out.String(), "front http://news.localhost:") {
		t.Errorf("serve's output does not name the front:\n%s", out.String())
	}
	// serve opens the example's home page, which registers its worker.
	for i := 0; ; i++ {
		var regs []swhost.RegistrationInfo
		s.api(t, "GET", "/api/registrations", nil, &regs)
		if len(regs) == 1 && regs[0].Active != nil && regs[0].Active.State == "activated" {
			break
		}
		if i == 600 {
			t.Fatalf("the example's worker is not active: %+v\n%s", regs, errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var pushOut, pushErr bytes.Buffer
	code := cli.Main(&cli.Env{Args: []string{"push", "--data", data, "https://news.example/",
		`{"id":"welcome","title":"Welcome","description":"…"}`}, Stdout: &pushOut, Stderr: &pushErr, Ctx: context.Background()})
	if code != 0 {
		t.Fatalf("push: %d %s", code, pushErr.String())
	}
	c, page := s.get(t, s.url+"/")
	if c != 200 || !strings.Contains(page, `<p class="origin">https://news.example</p>`) || !strings.Contains(page, ">Welcome</h2>") {
		t.Fatalf("the shelf after the push: %d\n%s", c, page)
	}
	var opened map[string]string
	if code := s.api(t, "POST", "/api/index/1/welcome/open", nil, &opened); code != 200 {
		t.Fatalf("open: %d", code)
	}
	if c, body := s.get(t, opened["url"]); c != 200 || !strings.Contains(body, "Welcome to the offline news") {
		t.Errorf("the article on the front: %d %.200s", c, body)
	}
	if code := s.api(t, "POST", "/api/index/1/welcome/delete", nil, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if _, page := s.get(t, s.url+"/"); strings.Contains(page, ">Welcome</h2>") || !strings.Contains(page, "Nothing on the shelf yet") {
		t.Errorf("the shelf after the delete:\n%s", page)
	}
}

// TestUIFrontCannotReachAPI (no browser): a request that a browser marks
// as coming from a page of the front is refused, reads included; the
// front's own /api/ paths are the site's, not the UI's.
func TestUIFrontCannotReachAPI(t *testing.T) {
	h, _, _ := uiNewsHost(t, swhost.Config{})
	s := newUIServer(t, h)
	if err := h.Push(uiCtx(t, time.Minute), "https://news.example/", uiArticlePush("content-index", "A")); err != nil {
		t.Fatal(err)
	}
	front := "http://news.localhost:" + strings.Split(s.addr, ":")[1]
	for _, tc := range []struct {
		method, url string
		header      map[string]string
		body        string
	}{
		{"GET", s.url + "/api/index", map[string]string{"Origin": front, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}, ""},
		{"POST", s.url + "/api/index/1/content-index/delete", map[string]string{"Origin": front, "Sec-Fetch-Site": "cross-site", "X-Swhost-Token": s.token}, ""},
		{"POST", s.url + "/api/index/1/content-index/delete", map[string]string{"Origin": front, "Content-Type": "application/x-www-form-urlencoded"}, "token=" + url.QueryEscape(s.token)},
	} {
		req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := s.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("%s %s %v: %d", tc.method, tc.url, tc.header, resp.StatusCode)
		}
	}
	// On the front, /api/index is the hosted site's path (its worker, then
	// its upstream): the UI is never behind it.
	if code, body := s.get(t, front+"/api/index"); code == 200 && strings.Contains(body, `"regID"`) {
		t.Errorf("the front answered with the UI's API: %s", body)
	}
	if _, err := h.FindEntry("1", "content-index"); err != nil {
		t.Errorf("the entry is gone: %v", err)
	}
}

// TestUIInspectorActions (no browser): push, update and unregister through
// the API; unregistering takes the registration's entries off the shelf.
func TestUIInspectorActions(t *testing.T) {
	h, _, _ := uiNewsHost(t, swhost.Config{})
	s := newUIServer(t, h)
	if code := s.api(t, "POST", "/api/push", map[string]string{"scope": "https://news.example/", "data": string(uiArticlePush("welcome", "Welcome"))}, nil); code != 200 {
		t.Fatalf("push: %d", code)
	}
	if code := s.api(t, "POST", "/api/push", map[string]string{"scope": "https://nowhere.example/", "data": "x"}, nil); code != 409 {
		t.Errorf("push to no registration: %d", code)
	}
	if code := s.api(t, "POST", "/api/registrations/1/update", nil, nil); code != 200 {
		t.Errorf("update: %d", code)
	}
	if code := s.api(t, "POST", "/api/registrations/99/update", nil, nil); code != 404 {
		t.Errorf("update of no registration: %d", code)
	}
	var list []swhost.IndexEntry
	if s.api(t, "GET", "/api/index", nil, &list); len(list) != 1 {
		t.Fatalf("before unregister: %d entries", len(list))
	}
	if code := s.api(t, "POST", "/api/registrations/1/unregister", nil, nil); code != 200 {
		t.Fatalf("unregister: %d", code)
	}
	var regs []swhost.RegistrationInfo
	if s.api(t, "GET", "/api/registrations", nil, &regs); len(regs) != 0 {
		t.Errorf("registrations after unregister: %+v", regs)
	}
	// The entries go in the registration's queue order, after the job.
	for i := 0; ; i++ {
		if s.api(t, "GET", "/api/index?all=1", nil, &list); len(list) == 0 {
			break
		}
		if i == 400 {
			t.Fatalf("entries after unregister: %+v", list)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
