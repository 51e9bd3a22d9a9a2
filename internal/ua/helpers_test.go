package ua

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/sw"
)

const (
	testAddr  = "127.0.0.1:8087"
	testToken = "s3cret-token"
)

// fakeBackend is a Backend over a real content index (in memory) and,
// optionally, a real discovery service; the rest is recorded.
type fakeBackend struct {
	idx  *contentindex.Index
	disc Discovery

	mu        sync.Mutex
	regs      []sw.RegistrationInfo
	events    []sw.EventRecord
	errs      []ScriptError
	calls     []string
	deleteErr error // returned after the delete was done
}

func (b *fakeBackend) record(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, s)
}

func (b *fakeBackend) called() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}

func (b *fakeBackend) Registrations() []sw.RegistrationInfo { return b.regs }
func (b *fakeBackend) Events() []sw.EventRecord             { return b.events }
func (b *fakeBackend) ScriptErrors() []ScriptError          { return b.errs }
func (b *fakeBackend) Push(ctx context.Context, scope string, data []byte) error {
	b.record("push " + scope + " " + string(data))
	if !strings.HasPrefix(scope, "https://") {
		return fmt.Errorf("%w: no registration for %s", ErrNotFound, scope)
	}
	return nil
}
func (b *fakeBackend) Update(ctx context.Context, id int64) error {
	b.record(fmt.Sprint("update ", id))
	return nil
}
func (b *fakeBackend) Unregister(ctx context.Context, id int64) error {
	b.record(fmt.Sprint("unregister ", id))
	return nil
}
func (b *fakeBackend) Index() Index { return b.idx }
func (b *fakeBackend) OpenEntry(ctx context.Context, regID, id string) (string, error) {
	e, ok := b.idx.Entry(regID, id)
	if !ok {
		return "", fmt.Errorf("%w: %s/%s", ErrNotFound, regID, id)
	}
	b.record("open " + regID + "/" + id)
	return "http://news.localhost:8087" + strings.TrimPrefix(e.LaunchURL, "https://news.example"), nil
}
func (b *fakeBackend) OpenEntryHeadless(ctx context.Context, regID, id string) (HeadlessOpen, error) {
	e, ok := b.idx.Entry(regID, id)
	if !ok {
		return HeadlessOpen{}, fmt.Errorf("%w: %s/%s", ErrNotFound, regID, id)
	}
	b.record("open headless " + regID + "/" + id)
	return HeadlessOpen{URL: e.LaunchURL, Status: 200, ServedByWorker: true, ClientID: "c1", Body: "<h1>hi</h1>"}, nil
}
func (b *fakeBackend) DeleteEntry(ctx context.Context, regID, id string) error {
	if _, ok := b.idx.Entry(regID, id); !ok {
		return fmt.Errorf("%w: %s/%s", ErrNotFound, regID, id)
	}
	if _, err := b.idx.UserDelete(regID, id).Wait(ctx); err != nil {
		return err
	}
	b.record("delete " + regID + "/" + id)
	return b.deleteErr
}
func (b *fakeBackend) Discovery() Discovery { return b.disc }

func newIndex(t testing.TB, p contentindex.Policy) *contentindex.Index {
	t.Helper()
	x, err := contentindex.New(context.Background(), contentindex.Options{Store: contentindex.NewMemStore(),
		Icons: contentindex.IconsNone, Policy: p, Limits: contentindex.Limits{MaxEntriesPerRegistration: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// add adds an entry to registration regID, whose scope is origin + "/".
func add(t testing.TB, x *contentindex.Index, regID, origin string, d contentindex.Description) {
	t.Helper()
	if d.URL == "" {
		d.URL = "/article/" + d.ID
	}
	if d.Description == "" {
		d.Description = "About " + d.Title
	}
	scope := origin + "/"
	if err := x.Add(context.Background(), regID, scope, d, contentindex.Env{BaseURL: scope, Origin: origin}).Err(); err != nil {
		t.Fatalf("add %s: %v", d.ID, err)
	}
}

func newTestHandler(t testing.TB, b *fakeBackend) *Handler {
	t.Helper()
	h := New(b, Options{Token: testToken, Addr: testAddr})
	t.Cleanup(h.Close)
	return h
}

// newTestServer serves a handler that accepts any Host (requests come both
// as testAddr and as the server's address).
func newTestServer(t *testing.T, b *fakeBackend) (*Handler, *httptest.Server) {
	t.Helper()
	h := New(b, Options{Token: testToken})
	t.Cleanup(h.Close)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	deadline(t, srv)
	return h, srv
}

type req struct {
	method, target string
	header         map[string]string
	body           string
}

func (r req) do(h http.Handler) *httptest.ResponseRecorder {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	hr := httptest.NewRequest(method, r.target, body)
	hr.Host = testAddr
	for k, v := range r.header {
		if k == "Host" {
			hr.Host = v
			continue
		}
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hr)
	return w
}

// sseEvent is one server-sent event.
type sseEvent struct{ event, id, data string }

// sseReader reads events from a stream.
type sseReader struct {
	resp *http.Response
	sc   *bufio.Scanner
}

func openSSE(t *testing.T, srv *httptest.Server, path string, header map[string]string) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hr, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	for k, v := range header {
		hr.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return &sseReader{resp: resp, sc: sc}
}

// next returns the next event (an id-only event has event ""); ok is false
// at the end of the stream.
func (s *sseReader) next() (ev sseEvent, ok bool) {
	seen := false
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "":
			if seen {
				return ev, true
			}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			ev.event, seen = line[len("event: "):], true
		case strings.HasPrefix(line, "id: "):
			ev.id, seen = line[len("id: "):], true
		case strings.HasPrefix(line, "data: "):
			ev.data, seen = line[len("data: "):], true
		case strings.HasPrefix(line, "retry: "):
		}
	}
	return ev, false
}

// nextOf skips id-only events.
func (s *sseReader) nextOf(t *testing.T) sseEvent {
	t.Helper()
	for {
		ev, ok := s.next()
		if !ok {
			t.Fatal("the event stream ended")
		}
		if ev.event != "" {
			return ev
		}
	}
}

// deadline bounds a test that waits on a stream, so that a bug ends it
// with a failure rather than a hang; no assertion depends on it.
func deadline(t *testing.T, srv *httptest.Server) {
	t.Helper()
	timer := time.AfterFunc(30*time.Second, srv.CloseClientConnections)
	t.Cleanup(func() { timer.Stop() })
}
