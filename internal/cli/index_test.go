package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/origins"
	"github.com/swhost/swhost/internal/sw"
)

// upstream serves a directory like a plain web server (a directory's
// index.html without a redirect), can go down, and lets a test add routes.
type upstream struct {
	dir     string
	srv     *httptest.Server
	down    atomic.Bool
	version atomic.Int64 // appended to /sw.js when not 0 (a new worker version)
	mu      sync.Mutex
	routes  map[string]http.HandlerFunc
}

func newUpstream(t *testing.T, dir string) *upstream {
	u := &upstream{dir: dir, routes: map[string]http.HandlerFunc{}}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) handle(p string, f http.HandlerFunc) {
	u.mu.Lock()
	u.routes[p] = f
	u.mu.Unlock()
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	if u.down.Load() {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close() // the upstream is down: the connection drops
				return
			}
		}
	}
	p := path.Clean("/" + r.URL.Path)
	u.mu.Lock()
	route := u.routes[p]
	u.mu.Unlock()
	if route != nil {
		route(w, r)
		return
	}
	name := filepath.Join(u.dir, filepath.FromSlash(p))
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		name = filepath.Join(name, "index.html")
	}
	body, err := os.ReadFile(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch filepath.Ext(name) {
	case ".js":
		w.Header().Set("Content-Type", "text/javascript")
	case ".html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	case ".css":
		w.Header().Set("Content-Type", "text/css")
	case ".png":
		w.Header().Set("Content-Type", "image/png")
	}
	w.Write(body)
	if v := u.version.Load(); v != 0 && p == "/sw.js" {
		fmt.Fprintf(w, "\n// version %d\n", v)
	}
}

// openHost opens a host on dir in the test (the CLI has exited).
func openHost(t *testing.T, dir string, m origins.Mapping) *swhost.Host {
	t.Helper()
	h, err := swhost.New(context.Background(), swhost.Config{DataDir: dir, Origins: []origins.Mapping{m}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// evalIn opens a page at url and returns what the async function body
// returns (as a string), logged by the page.
func evalIn(t *testing.T, h *swhost.Host, url, body string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	page, err := h.OpenPage(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	var out string
	done := make(chan struct{})
	src := `(async () => {` + body + `})().then((v) => __done(String(v)), (e) => __done('threw ' + e));`
	err = page.Env.Realm.Do(ctx, func(rt *sobek.Runtime) error {
		return rt.Set("__done", func(s string) { out = s; close(done) })
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := page.Eval(ctx, "eval.js", src); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the page's script did not finish")
	}
	return out
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("swhost %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// Issue 4, point 7: the seed's own example (examples/news/sw.js, the §1.1
// worker verbatim) driven through the CLI: a push stores and indexes an
// article; index list shows it; index open serves it with the upstream
// down; index delete fires contentdelete, which deletes the cached article;
// activating a new worker version removes old articles.
func TestIndexNewsExample(t *testing.T) {
	up := newUpstream(t, filepath.Join("..", "..", "examples", "news"))
	// Articles not in the directory are made up (an old one and a new one).
	for _, id := range []string{"2020-01-01-old", time.Now().UTC().Format("2006-01-02") + "-fresh"} {
		up.handle("/article/"+id, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, "<!doctype html><title>%s</title><h1>%s</h1>", id, id)
		})
	}
	fresh := time.Now().UTC().Format("2006-01-02") + "-fresh"
	dir := t.TempDir()
	const news = "https://news.example"
	mapping := news + "=" + up.srv.URL
	data := []string{"--data", dir, "--origin", mapping}

	// The home page registers the worker (its app.js).
	mustCLI(t, append([]string{"run", "--timeout", "60s"}, append(data, news+"/")...)...)
	for _, p := range []struct{ id, title string }{
		{"welcome", "Welcome to the offline news"}, {"2020-01-01-old", "An old article"}, {fresh, "A fresh article"},
	} {
		payload := fmt.Sprintf(`{"id":%q,"title":%q,"description":"About %s","icons":[{"src":"/icons/news.png","sizes":"32x32","type":"image/png"}]}`, p.id, p.title, p.id)
		mustCLI(t, append(append([]string{"push"}, data...), news+"/", payload)...)
	}

	// index list: what the host would display (the default policy shows 3
	// per origin) and, with --all, everything.
	out := mustCLI(t, "index", "list", "--data", dir)
	for _, want := range []string{"ENTRY", "1/welcome", "Welcome to the offline news", news + "/article/welcome", "article", "yes"} {
		if !strings.Contains(out, want) {
			t.Fatalf("index list lacks %q:\n%s", want, out)
		}
	}
	var list []swhost.IndexEntry
	if err := json.Unmarshal([]byte(mustCLI(t, "index", "list", "--data", dir, "--all", "--json", "--origin", news)), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Description.ID != "welcome" || len(list[0].Icons) != 1 || list[0].Icons[0].ContentType != "image/png" {
		t.Fatalf("index list --json: %+v", list)
	}
	if out := mustCLI(t, "index", "list", "--data", dir, "--origin", "https://other.example"); strings.Count(out, "\n") != 1 {
		t.Fatalf("another origin's list:\n%s", out)
	}
	// The display policy is configurable: one per origin, the newest.
	if out := mustCLI(t, "index", "list", "--data", dir, "--index-max-per-origin", "1"); strings.Count(out, "\n") != 2 || !strings.Contains(out, "1/"+fresh) {
		t.Fatalf("index list --index-max-per-origin 1:\n%s", out)
	}
	if out := mustCLI(t, "index", "list", "--data", dir, "--index-categories", "video"); strings.Count(out, "\n") != 1 {
		t.Fatalf("index list --index-categories video:\n%s", out)
	}

	// A new worker version activates: its activate handler removes the
	// articles shouldRemoveOldArticle picks (older than 30 days).
	up.version.Store(2)
	h := openHost(t, dir, origins.Mapping{Origin: news, Upstream: up.srv.URL})
	reg := h.Core().Match(news + "/")
	old := reg.Active().ID
	if _, err := h.Core().Update(context.Background(), reg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Core().WaitFor(ctx, func() bool {
		w := reg.Active()
		return w != nil && w.ID != old && w.State() == sw.Activated
	}); err != nil {
		t.Fatal(err)
	}
	// The activate event's waitUntil is done once the worker is activated.
	if got := evalIn(t, h, news+"/", `
const ids = (await (await navigator.serviceWorker.ready).index.getAll()).map((d) => d.id).join(',');
const cached = await caches.open('offline-articles').then((c) => c.keys()).then((ks) => ks.map((r) => new URL(r.url).pathname).sort().join(','));
return ids + ' | ' + cached;`); got != "welcome,"+fresh+" | /article/"+fresh+",/article/welcome" {
		t.Fatalf("after the new version's activation: %s", got)
	}
	h.Close()

	// index open with the upstream down: the worker serves the cached article.
	up.down.Store(true)
	out = mustCLI(t, append(append([]string{"index", "open", "--body"}, data...), "welcome")...)
	if !strings.HasPrefix(out, "opened 1/welcome: "+news+"/article/welcome (HTTP 200, served by the service worker, client ") ||
		!strings.Contains(out, "<h1>Welcome to the offline news</h1>") {
		t.Fatalf("index open:\n%s", out)
	}

	// index delete: contentdelete deletes the cached article.
	if out := mustCLI(t, append(append([]string{"index", "delete"}, data...), "1/welcome")...); out != "deleted 1/welcome\n" {
		t.Fatalf("index delete: %q", out)
	}
	if _, errOut, code := runCLI(t, append(append([]string{"index", "open"}, data...), "welcome")...); code != ExitError || !strings.Contains(errOut, "no such content index entry") {
		t.Fatalf("open of a deleted entry: exit %d, %s", code, errOut)
	}
	h = openHost(t, dir, origins.Mapping{Origin: news, Upstream: up.srv.URL})
	defer h.Close()
	if got := evalIn(t, h, news+"/", `
const ids = (await (await navigator.serviceWorker.ready).index.getAll()).map((d) => d.id).join(',');
const hit = await caches.match('/article/welcome');
return ids + ' | cached: ' + (hit !== undefined);`); got != fresh+" | cached: false" {
		t.Fatalf("after index delete: %s", got)
	}
}

func TestResolveEntry(t *testing.T) {
	e := func(reg, id string) swhost.IndexEntry {
		return swhost.IndexEntry{Record: contentindex.Record{RegID: reg, Description: contentindex.Description{ID: id}}}
	}
	list := []swhost.IndexEntry{e("1", "a"), e("1", "12/x"), e("2", "shared"), e("3", "shared"), e("12", "x"), e("4", "5/b")}
	tests := []struct {
		ref, want, err string
	}{
		{"a", "1/a", ""},
		{"1/a", "1/a", ""},
		{"12/x", "12/x", ""}, // registration 12's "x" wins over the id "12/x"
		{"1/12/x", "1/12/x", ""},
		{"5/b", "4/5/b", ""}, // no registration 5: the id "5/b"
		{"shared", "", "entry id \"shared\" is in 2 registrations; name one: 2/shared, 3/shared"},
		{"3/shared", "3/shared", ""},
		{"missing", "", "no such content index entry: \"missing\""},
		{"9/a", "", "no such content index entry"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := resolveEntry(list, tt.ref)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got.Reg+"/"+got.ID != tt.want {
				t.Fatalf("got %v, %v; want %s", got, err, tt.want)
			}
		})
	}
}

// syncBuffer is an io.Writer a test can wait on.
type syncBuffer struct {
	mu      sync.Mutex
	b       strings.Builder
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{})} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
	return s.b.Write(p)
}

func (s *syncBuffer) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		s.mu.Lock()
		has, ch := strings.Contains(s.b.String(), text), s.changed
		s.mu.Unlock()
		if has {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %q in the output", text)
		}
	}
}

// The index commands talk to the running host's JSON API when one serves
// the data directory (the host holds the directory's lock).
func TestIndexCommandsViaAPI(t *testing.T) {
	up := newUpstream(t, filepath.Join("..", "..", "testdata", "contentindex", "site"))
	dir := t.TempDir()
	const origin = "https://ci.example"
	ctx, cancel := context.WithCancel(context.Background())
	out := newSyncBuffer()
	served := make(chan int, 1)
	go func() {
		served <- Main(&Env{Args: []string{"serve", "--data", dir, "--listen", "127.0.0.1:0", "--origin", origin + "=" + up.srv.URL,
			"--open", origin + "/seed.html"}, Stdout: out, Stderr: out, Ctx: ctx})
	}()
	defer func() {
		cancel()
		if code := <-served; code != ExitOK {
			t.Errorf("serve exited %d:\n%s", code, out.b.String())
		}
	}()
	out.waitFor(t, "seeded")

	list := mustCLI(t, "index", "list", "--data", dir, "--all")
	if !strings.Contains(list, "1/one") || !strings.Contains(list, "1/two") || !strings.Contains(list, "One") {
		t.Fatalf("list:\n%s", list)
	}
	if got := mustCLI(t, "index", "list", "--data", dir, "--origin", "https://other.example"); strings.Count(got, "\n") != 1 {
		t.Fatalf("another origin:\n%s", got)
	}
	opened := mustCLI(t, "index", "open", "--data", dir, "--body", "one")
	if !strings.HasPrefix(opened, "opened 1/one: "+origin+"/a/one (HTTP 200, served by the service worker, client ") || !strings.Contains(opened, "launched /a/one") {
		t.Fatalf("open:\n%s", opened)
	}
	if got := mustCLI(t, "index", "delete", "--data", dir, "1/one"); got != "deleted 1/one\n" {
		t.Fatalf("delete: %q", got)
	}
	var entries []swhost.IndexEntry
	if err := json.Unmarshal([]byte(mustCLI(t, "index", "list", "--data", dir, "--all", "--json")), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Description.ID != "two" {
		t.Fatalf("after delete: %+v", entries)
	}
	if _, errOut, code := runCLI(t, "index", "delete", "--data", dir, "one"); code != ExitError || !strings.Contains(errOut, "no such content index entry") {
		t.Fatalf("second delete: exit %d %s", code, errOut)
	}
}

func TestIndexUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"index"}, ExitUsage, "Usage: swhost index COMMAND"},
		{[]string{"index", "--help"}, ExitOK, "delete ENTRY"},
		{[]string{"index", "bogus"}, ExitUsage, "unknown command \"bogus\""},
		{[]string{"index", "open"}, ExitUsage, "Usage: swhost index open"},
		{[]string{"index", "delete", "a", "b"}, ExitUsage, "Usage: swhost index delete"},
		{[]string{"index", "list", "--index-icons", "sometimes", "--data", ""}, ExitError, "--index-icons: \"sometimes\" is not fetch or none"},
		{[]string{"index", "list", "--index-categories", "news", "--data", ""}, ExitError, "\"news\" is not a ContentCategory"},
		{[]string{"index", "list", "--data", ""}, ExitOK, "ENTRY"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.out) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s\nwant %q", code, tt.code, out, errOut, tt.out)
			}
		})
	}
}

// Issue 4, point 4: an entry whose add() resolved survives kill -9. The
// host runs as a child process whose worker adds entries four at a time and
// reports each resolved add; the test kills it with SIGKILL mid-stream, then
// opens the data directory again: every reported entry is there, with its
// icon. Adds with icons are prepared on goroutines; adds without are applied
// on the worker's loop and journaled (contentindex.Journal): both paths, in
// both durability modes.
func TestIndexKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the swhost binary")
	}
	bin := filepath.Join(t.TempDir(), "swhost")
	build := exec.Command("go", "build", "-o", bin, "github.com/swhost/swhost/cmd/swhost")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		name       string
		icons      bool
		durability string
	}{
		{"icons", true, "process"},
		{"no-icons", false, "process"},
		{"no-icons-full", false, "full"},
	} {
		t.Run(tc.name, func(t *testing.T) { indexKill9(t, bin, tc.icons, tc.durability) })
	}
}

func indexKill9(t *testing.T, bin string, icons bool, durability string) {
	up := newUpstream(t, filepath.Join("..", "..", "testdata", "contentindex", "site"))
	var mu sync.Mutex
	resolved := map[string]bool{}
	enough := make(chan struct{})
	want := 300
	page := "/kill.html"
	if !icons {
		want = 1000
		page += "?icons=0"
	}
	up.handle("/resolved", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		resolved[r.URL.Query().Get("id")] = true
		if len(resolved) == want {
			close(enough)
		}
		mu.Unlock()
	})
	dir := t.TempDir()
	const origin = "https://ci.example"
	cmd := exec.Command(bin, "serve", "--data", dir, "--durability", durability, "--listen", "127.0.0.1:0", "--origin", origin+"="+up.srv.URL, "--open", origin+page)
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
		}
		cmd.Wait()
		close(exited)
	}()
	select {
	case <-enough:
	case <-exited:
		t.Fatalf("the host exited: %s", stderr.String())
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("fewer than %d adds resolved; stderr: %s", want, stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	mu.Lock()
	reported := make([]string, 0, len(resolved))
	for id := range resolved {
		reported = append(reported, id)
	}
	mu.Unlock()
	journal, _ := os.Stat(filepath.Join(dir, "contentindex.journal"))

	// The host is gone; the CLI opens the directory itself (its api-addr
	// answers no more).
	var list []swhost.IndexEntry
	if err := json.Unmarshal([]byte(mustCLI(t, "index", "list", "--data", dir, "--all", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	have := map[string]swhost.IndexEntry{}
	for _, e := range list {
		have[e.Description.ID] = e
	}
	wantIcons := 0
	if icons {
		wantIcons = 1
	}
	for _, id := range reported {
		e, ok := have[id]
		if !ok {
			t.Fatalf("entry %s resolved before the kill but is gone (%d reported, %d stored)", id, len(reported), len(list))
		}
		if len(e.Icons) != wantIcons || (icons && e.Icons[0].ContentType != "image/png") {
			t.Fatalf("entry %s: icons %+v", id, e.Icons)
		}
	}
	if icons {
		h := openHost(t, dir, origins.Mapping{Origin: origin, Upstream: up.srv.URL})
		defer h.Close()
		ic, err := h.Index().Icon(context.Background(), list[0].RegID, reported[0], 0)
		if err != nil || len(ic.Data) == 0 {
			t.Fatalf("icon data of %s: %v", reported[0], err)
		}
	}
	var jsize int64
	if journal != nil {
		jsize = journal.Size()
	}
	t.Logf("%d adds resolved before kill -9, %d entries stored; the journal held %d bytes at the kill", len(reported), len(list), jsize)
}
