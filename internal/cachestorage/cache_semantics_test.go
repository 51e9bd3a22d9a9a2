package cachestorage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/store"
	"github.com/swhost/swhost/internal/web"
)

func get(url string, h ...string) *web.Request {
	hdr := http.Header{}
	for i := 0; i+1 < len(h); i += 2 {
		hdr.Add(h[i], h[i+1])
	}
	return &web.Request{Method: http.MethodGet, URL: url, Header: hdr}
}

func resp(body string, h ...string) *web.Response {
	hdr := http.Header{}
	for i := 0; i+1 < len(h); i += 2 {
		hdr.Add(h[i], h[i+1])
	}
	return &web.Response{Type: "basic", Status: 200, Header: hdr, Body: []byte(body), HasBody: true, URLList: []string{"https://a.example/x"}}
}

// TestRequestMatchesCachedItem is the spec algorithm on its own.
func TestRequestMatchesCachedItem(t *testing.T) {
	entry := func(method, url string, reqH, respH []store.Header) *store.CacheEntry {
		return &store.CacheEntry{Method: method, URL: url, RequestHeaders: reqH, ResponseHeaders: respH}
	}
	h := func(kv ...string) []store.Header {
		var out []store.Header
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, store.Header{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	cases := []struct {
		name  string
		query *web.Request
		entry *store.CacheEntry
		opts  QueryOptions
		want  bool
	}{
		{"same URL", get("https://a.example/x"), entry("GET", "https://a.example/x", nil, nil), QueryOptions{}, true},
		{"fragment ignored", get("https://a.example/x#a"), entry("GET", "https://a.example/x#b", nil, nil), QueryOptions{}, true},
		{"query differs", get("https://a.example/x?1"), entry("GET", "https://a.example/x?2", nil, nil), QueryOptions{}, false},
		{"ignoreSearch", get("https://a.example/x?1"), entry("GET", "https://a.example/x?2", nil, nil), QueryOptions{IgnoreSearch: true}, true},
		{"path differs", get("https://a.example/y"), entry("GET", "https://a.example/x", nil, nil), QueryOptions{IgnoreSearch: true}, false},
		{"cached POST", get("https://a.example/x"), entry("POST", "https://a.example/x", nil, nil), QueryOptions{}, false},
		{"cached POST, ignoreMethod", get("https://a.example/x"), entry("POST", "https://a.example/x", nil, nil), QueryOptions{IgnoreMethod: true}, true},
		{"vary equal", get("https://a.example/x", "Accept", "a"), entry("GET", "https://a.example/x", h("accept", "a"), h("vary", "Accept")), QueryOptions{}, true},
		{"vary differs", get("https://a.example/x", "Accept", "b"), entry("GET", "https://a.example/x", h("accept", "a"), h("vary", "Accept")), QueryOptions{}, false},
		{"vary absent both", get("https://a.example/x"), entry("GET", "https://a.example/x", nil, h("vary", "Accept")), QueryOptions{}, true},
		{"vary absent in query", get("https://a.example/x"), entry("GET", "https://a.example/x", h("accept", "a"), h("vary", "Accept")), QueryOptions{}, false},
		{"vary, ignoreVary", get("https://a.example/x", "Accept", "b"), entry("GET", "https://a.example/x", h("accept", "a"), h("vary", "Accept")), QueryOptions{IgnoreVary: true}, true},
		{"vary list, case-insensitive", get("https://a.example/x", "X-A", "1", "X-B", "2"), entry("GET", "https://a.example/x", h("x-a", "1", "x-b", "2"), h("vary", "x-a , X-B")), QueryOptions{}, true},
		{"vary list, second differs", get("https://a.example/x", "X-A", "1", "X-B", "3"), entry("GET", "https://a.example/x", h("x-a", "1", "x-b", "2"), h("vary", "X-A, X-B")), QueryOptions{}, false},
		{"vary star", get("https://a.example/x"), entry("GET", "https://a.example/x", nil, h("vary", "*")), QueryOptions{}, false},
		{"vary, combined values", get("https://a.example/x", "X-A", "1", "X-A", "2"), entry("GET", "https://a.example/x", h("x-a", "1, 2"), h("vary", "X-A")), QueryOptions{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RequestMatchesCachedItem(c.query, c.entry, c.opts); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func openStorage(t *testing.T) (*Storage, int64) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "data"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := New(st)
	id, err := s.Open(context.Background(), "https://a.example", "c")
	if err != nil {
		t.Fatal(err)
	}
	return s, id
}

func jsErrorName(err error) string {
	var je *js.Error
	if errors.As(err, &je) {
		return je.Name
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return ""
}

// TestPutAllChecks: the checks of put and Batch Cache Operations, and that
// a failing batch stores nothing.
func TestPutAllChecks(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		reqs  []*web.Request
		resps []*web.Response
		want  string // error name, "" for success
	}{
		{"ok", []*web.Request{get("https://a.example/1"), get("https://a.example/2")}, []*web.Response{resp("1"), resp("2")}, ""},
		{"non-http scheme", []*web.Request{get("data:,x")}, []*web.Response{resp("x")}, "TypeError"},
		{"POST", []*web.Request{{Method: "POST", URL: "https://a.example/p", Header: http.Header{}}}, []*web.Response{resp("x")}, "TypeError"},
		{"206", []*web.Request{get("https://a.example/p")}, []*web.Response{{Status: 206, Header: http.Header{}}}, "TypeError"},
		{"vary star", []*web.Request{get("https://a.example/p")}, []*web.Response{resp("x", "Vary", "a, *")}, "TypeError"},
		{"duplicates", []*web.Request{get("https://a.example/d"), get("https://a.example/d#f")}, []*web.Response{resp("1"), resp("2")}, "InvalidStateError"},
		{"same URL, other variant", []*web.Request{get("https://a.example/v", "Accept", "a"), get("https://a.example/v", "Accept", "b")},
			[]*web.Response{resp("a", "Vary", "Accept"), resp("b", "Vary", "Accept")}, ""},
		{"one bad among good", []*web.Request{get("https://a.example/g1"), get("https://a.example/g2")}, []*web.Response{resp("1"), {Status: 206, Header: http.Header{}}}, "TypeError"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, id := openStorage(t)
			err := s.PutAll(ctx, id, c.reqs, c.resps)
			if got := jsErrorName(err); got != c.want {
				t.Fatalf("error %q (%v), want %q", got, err, c.want)
			}
			keys, err := s.Keys(ctx, id, nil, QueryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if c.want == "" {
				want = len(c.reqs)
			}
			if len(keys) != want {
				t.Errorf("%d entries stored, want %d", len(keys), want)
			}
		})
	}
}

// TestStorageDurable: what Put committed is there, with its body, for a
// store opened anew on the same directory; large bodies (blob files) too.
func TestStorageDurable(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(st)
	id, err := s.Open(ctx, "https://a.example", "c")
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	small := resp("small", "Content-Type", "text/plain")
	large := &web.Response{Type: "basic", Status: 200, Header: http.Header{}, Body: big, HasBody: true}
	if err := s.PutAll(ctx, id, []*web.Request{get("https://a.example/small"), get("https://a.example/large")}, []*web.Response{small, large}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s2 := New(st2)
	for _, c := range []struct {
		url  string
		body []byte
	}{{"https://a.example/small", []byte("small")}, {"https://a.example/large", big}} {
		r, err := s2.Match(ctx, "https://a.example", get(c.url), QueryOptions{}, nil)
		if err != nil || r == nil {
			t.Fatalf("%s: %v %v", c.url, r, err)
		}
		if string(r.Body) != string(c.body) {
			t.Errorf("%s: body of %d bytes, want %d", c.url, len(r.Body), len(c.body))
		}
	}
	// Another origin has no such cache.
	if r, err := s2.Match(ctx, "https://b.example", get("https://a.example/small"), QueryOptions{}, nil); r != nil || err != nil {
		t.Errorf("another origin matched: %v %v", r, err)
	}
}

// gatedStore holds one CacheEntries answer until the test lets it go.
type gatedStore struct {
	store.CacheStore
	mu      sync.Mutex
	read    chan struct{} // receives once the store answered
	release chan struct{}
}

func (g *gatedStore) gate() (read, release chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.read, g.release = make(chan struct{}), make(chan struct{})
	return g.read, g.release
}

func (g *gatedStore) CacheEntries(ctx context.Context, id int64, q store.CacheQuery) ([]store.CacheEntry, error) {
	list, err := g.CacheStore.CacheEntries(ctx, id, q)
	g.mu.Lock()
	read, release := g.read, g.release
	g.read, g.release = nil, nil
	g.mu.Unlock()
	if read != nil {
		read <- struct{}{}
		<-release
	}
	return list, err
}

// TestMemoNeverServesStale: the in-memory memo of matches forgets what
// writes change, and a read that raced with a write does not fill it.
func TestMemoNeverServesStale(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "data"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g := &gatedStore{CacheStore: st}
	s := New(g)
	id, err := s.Open(ctx, "https://a.example", "c")
	if err != nil {
		t.Fatal(err)
	}
	body := func() string {
		t.Helper()
		r, err := s.MatchOne(ctx, id, get("https://a.example/x"), QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			return "miss"
		}
		return string(r.Body)
	}
	put := func(v string) {
		t.Helper()
		if err := s.Put(ctx, id, get("https://a.example/x"), resp(v)); err != nil {
			t.Fatal(err)
		}
	}
	put("v1")
	if got := body(); got != "v1" {
		t.Fatalf("after put v1: %s", got)
	}
	put("v2")
	if got := body(); got != "v2" {
		t.Fatalf("after put v2: %s", got)
	}
	if ok, err := s.DeleteEntries(ctx, id, get("https://a.example/x?q"), QueryOptions{IgnoreSearch: true}); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if got := body(); got != "miss" {
		t.Fatalf("after delete: %s", got)
	}

	// A read that saw v3 in the store, then a put of v4 before the read
	// returned: the read may answer v3, but the next one answers v4.
	put("v3")
	read, release := g.gate()
	raced := make(chan string)
	go func() {
		r, err := s.MatchOne(ctx, id, get("https://a.example/x"), QueryOptions{})
		if err != nil || r == nil {
			raced <- fmt.Sprintf("%v %v", r, err)
			return
		}
		raced <- string(r.Body)
	}()
	<-read
	put("v4")
	close(release)
	if got := <-raced; got != "v3" {
		t.Fatalf("the raced read: %s", got)
	}
	if got := body(); got != "v4" {
		t.Fatalf("after the raced read: %s (the memo kept a stale answer)", got)
	}

	// The list of caches follows open and delete.
	if _, err := s.Open(ctx, "https://a.example", "d"); err != nil {
		t.Fatal(err)
	}
	if names, _ := s.Names(ctx, "https://a.example"); len(names) != 2 {
		t.Fatalf("names %v", names)
	}
	if ok, _ := s.Delete(ctx, "https://a.example", "c"); !ok {
		t.Fatal("delete c")
	}
	if ok, _ := s.Has(ctx, "https://a.example", "c"); ok {
		t.Fatal("c still there")
	}
	if r, _ := s.Match(ctx, "https://a.example", get("https://a.example/x"), QueryOptions{}, nil); r != nil {
		t.Fatal("a deleted cache still matches through caches.match")
	}
	// The Cache object of the deleted cache still works.
	if got := body(); got != "v4" {
		t.Fatalf("the deleted cache's object: %s", got)
	}
}
