package ua

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/sw"
)

// TestGuard: which requests reach the API. State changes need the token
// and, from a browser, a same-origin request; reads from another site (a
// hosted origin's page on the front) are refused; another host name (DNS
// rebinding) is refused.
func TestGuard(t *testing.T) {
	b := &fakeBackend{idx: newIndex(t, contentindex.Policy{})}
	h := newTestHandler(t, b)
	const front = "http://news.localhost:8087"
	form := "application/x-www-form-urlencoded"
	push := `{"scope":"https://news.example/","data":"x"}`
	pushForm := "scope=https%3A%2F%2Fnews.example%2F&data=x&token=" + testToken
	tests := []struct {
		name string
		req  req
		want int
	}{
		{"read", req{target: "/api/health"}, 200},
		{"read as localhost", req{target: "/api/health", header: map[string]string{"Host": "localhost:8087"}}, 200},
		{"read as [::1]", req{target: "/api/health", header: map[string]string{"Host": "[::1]:8087"}}, 200},
		{"rebound DNS name", req{target: "/api/health", header: map[string]string{"Host": "attacker.example:8087"}}, 421},
		{"other port", req{target: "/api/health", header: map[string]string{"Host": "127.0.0.1:9999"}}, 421},
		{"the page itself", req{target: "/"}, 200},
		{"CLI with the token", req{method: "POST", target: "/api/push", body: push,
			header: map[string]string{"X-Swhost-Token": testToken}}, 200},
		{"no token", req{method: "POST", target: "/api/push", body: push}, 403},
		{"wrong token", req{method: "POST", target: "/api/push", body: push,
			header: map[string]string{"X-Swhost-Token": "guess"}}, 403},
		{"token in the query string", req{method: "POST", target: "/api/push?token=" + testToken, body: push}, 403},
		{"same-origin form with the token", req{method: "POST", target: "/api/push", body: pushForm,
			header: map[string]string{"Content-Type": form, "Origin": "http://" + testAddr, "Sec-Fetch-Site": "same-origin"}}, 303},
		{"cross-site form without the token", req{method: "POST", target: "/api/push",
			body:   "scope=https%3A%2F%2Fnews.example%2F&data=x",
			header: map[string]string{"Content-Type": form, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}}, 403},
		{"cross-site form even with the token", req{method: "POST", target: "/api/push", body: pushForm,
			header: map[string]string{"Content-Type": form, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}}, 403},
		{"cross-origin form from an old browser (no Sec-Fetch-Site)", req{method: "POST", target: "/api/push", body: pushForm,
			header: map[string]string{"Content-Type": form, "Origin": "https://evil.example"}}, 403},
		{"opaque origin", req{method: "POST", target: "/api/push", body: pushForm,
			header: map[string]string{"Content-Type": form, "Origin": "null"}}, 403},
		{"a front page posting with the token", req{method: "POST", target: "/api/push", body: push,
			header: map[string]string{"X-Swhost-Token": testToken, "Origin": front, "Sec-Fetch-Site": "same-site"}}, 403},
		{"a front page reading the index", req{target: "/api/index",
			header: map[string]string{"Origin": front, "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"}}, 403},
		{"a front page embedding an icon", req{target: "/api/index/1/a/icon/0",
			header: map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}}, 403},
		{"a front page listening to the shelf", req{target: "/api/index/events",
			header: map[string]string{"Origin": front, "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"}}, 403},
		{"a link from another site to the shelf", req{target: "/",
			header: map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}}, 200},
		{"another site fetching the shelf page", req{target: "/",
			header: map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}}, 403},
		{"GET cannot change state", req{target: "/api/push"}, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.req.do(h)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if v := w.Header().Get("Access-Control-Allow-Origin"); v != "" {
				t.Errorf("Access-Control-Allow-Origin: %q", v)
			}
		})
	}
	if got := b.called(); !slices.Equal(got, []string{"push https://news.example/ x", "push https://news.example/ x"}) {
		t.Errorf("pushes done: %q (want only the CLI's and the same-origin form's)", got)
	}
}

// TestBodyTooLarge: a JSON body past the bound is refused whole, as too
// large (not read cut short, then refused as bad JSON); one at the bound is
// read.
func TestBodyTooLarge(t *testing.T) {
	b := &fakeBackend{idx: newIndex(t, contentindex.Policy{})}
	h := newTestHandler(t, b)
	tok := map[string]string{"X-Swhost-Token": testToken, "Content-Type": "application/json"}
	body := func(n int) string {
		s := `{"scope":"https://news.example/","data":"`
		return s + strings.Repeat("x", n-len(s)-2) + `"}`
	}
	w := req{method: "POST", target: "/api/push", body: body(maxBody + 1), header: tok}.do(h)
	if w.Code != 400 || !strings.Contains(w.Body.String(), "request body too large") {
		t.Fatalf("a body of 8 MiB + 1 byte: HTTP %d %s", w.Code, w.Body.String())
	}
	if len(b.calls) != 0 {
		t.Fatalf("the backend was called: %d calls", len(b.calls))
	}
	if w := (req{method: "POST", target: "/api/push", body: body(maxBody), header: tok}).do(h); w.Code != 200 || len(b.calls) != 1 {
		t.Fatalf("a body of 8 MiB: HTTP %d %.200s, %d calls", w.Code, w.Body.String(), len(b.calls))
	}
}

// TestNoToken: a handler without a token refuses every state change.
func TestNoToken(t *testing.T) {
	b := &fakeBackend{idx: newIndex(t, contentindex.Policy{})}
	h := New(b, Options{Addr: testAddr})
	defer h.Close()
	w := req{method: "POST", target: "/api/push", body: `{"scope":"https://a.example/"}`, header: map[string]string{"X-Swhost-Token": ""}}.do(h)
	if w.Code != 403 {
		t.Fatalf("status %d", w.Code)
	}
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decoding %q: %v", w.Body, err)
	}
	return v
}

func shelfFixture(t *testing.T, p contentindex.Policy) (*fakeBackend, *Handler) {
	t.Helper()
	x := newIndex(t, p)
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "welcome", Title: "Welcome to the offline news", Category: "article"})
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "home", Title: "Front page", Category: "homepage"})
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "a/b c?d", Title: "Odd id", Description: "Slashes and spaces", Category: ""})
	add(t, x, "2", "https://video.example", contentindex.Description{ID: "v1", Title: "A film about caches", Category: "video"})
	add(t, x, "2", "https://video.example", contentindex.Description{ID: "v2", Title: "Ünïcode títle", Category: "video"})
	b := &fakeBackend{idx: x}
	return b, newTestHandler(t, b)
}

// TestIndexList: GET /api/index and its filters.
func TestIndexList(t *testing.T) {
	_, h := shelfFixture(t, contentindex.Policy{MaxPerOrigin: -1, MaxTotal: -1})
	tests := []struct {
		query string
		want  []string // ids, any order
		total int
	}{
		{"", []string{"welcome", "home", "a/b c?d", "v1", "v2"}, 5},
		{"q=CACHES", []string{"v1"}, 1},
		{"q=offline", []string{"welcome"}, 1},
		{"q=spaces", []string{"a/b c?d"}, 1},
		{"q=ÜNÏ", []string{"v2"}, 1},
		{"category=video", []string{"v1", "v2"}, 2},
		{"category=none", []string{"a/b c?d"}, 1},
		{"category=podcast", nil, 0},
		{"origin=https://news.example", []string{"welcome", "home", "a/b c?d"}, 3},
		{"origin=https://news.example&category=article", []string{"welcome"}, 1},
		{"origin=https://nobody.example", nil, 0},
		{"all=1&origin=https://video.example", []string{"v1", "v2"}, 2},
		{"limit=2", nil, 5},
		{"offset=4", nil, 5},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			w := req{target: "/api/index?" + tc.query}.do(h)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			list := decode[[]contentindex.Entry](t, w)
			if got := w.Header().Get("X-Total-Count"); got != fmt.Sprint(tc.total) {
				t.Errorf("X-Total-Count %s, want %d", got, tc.total)
			}
			var ids []string
			for _, e := range list {
				ids = append(ids, e.Description.ID)
				if e.Origin == "" || e.RegID == "" || e.LaunchURL == "" {
					t.Errorf("entry %+v lacks origin, regID or launchURL", e)
				}
			}
			switch {
			case strings.HasPrefix(tc.query, "limit="):
				if len(ids) != 2 {
					t.Errorf("limit=2 gave %d", len(ids))
				}
			case strings.HasPrefix(tc.query, "offset="):
				if len(ids) != 1 {
					t.Errorf("offset=4 gave %d", len(ids))
				}
			default:
				slices.Sort(ids)
				want := slices.Clone(tc.want)
				slices.Sort(want)
				if !slices.Equal(ids, want) {
					t.Errorf("ids %q, want %q", ids, want)
				}
			}
		})
	}
}

// TestIndexListPolicy: the policy decides what is listed; all=1 lists
// every entry.
func TestIndexListPolicy(t *testing.T) {
	_, h := shelfFixture(t, contentindex.Policy{MaxPerOrigin: 1})
	shown := decode[[]contentindex.Entry](t, req{target: "/api/index"}.do(h))
	all := decode[[]contentindex.Entry](t, req{target: "/api/index?all=1"}.do(h))
	if len(shown) != 2 || len(all) != 5 {
		t.Fatalf("shown %d (want 2: one per origin), all %d (want 5)", len(shown), len(all))
	}
	for _, e := range shown {
		if !e.Displayed {
			t.Errorf("%s listed but not displayed", e.Description.ID)
		}
	}
}

// TestEntryEndpoints: one entry, open (JSON, form, headless) and delete
// (JSON, form), with ids that need escaping.
func TestEntryEndpoints(t *testing.T) {
	b, h := shelfFixture(t, contentindex.Policy{})
	odd := "/api/index/1/" + url.PathEscape("a/b c?d")
	tok := map[string]string{"X-Swhost-Token": testToken}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", "Origin": "http://" + testAddr}

	w := req{target: odd}.do(h)
	if w.Code != 200 || decode[contentindex.Entry](t, w).Description.Title != "Odd id" {
		t.Fatalf("GET %s: %d %s", odd, w.Code, w.Body)
	}
	if w := (req{target: "/api/index/1/nope"}).do(h); w.Code != 404 {
		t.Errorf("unknown entry: %d", w.Code)
	}

	w = req{method: "POST", target: odd + "/open", header: tok}.do(h)
	if got := decode[map[string]string](t, w)["url"]; w.Code != 200 || got != "http://news.localhost:8087/article/a/b%20c?d" {
		t.Errorf("open (JSON): %d %q", w.Code, got)
	}
	w = req{method: "POST", target: "/api/index/1/welcome/open", header: form, body: "token=" + testToken}.do(h)
	if w.Code != 303 || w.Header().Get("Location") != "http://news.localhost:8087/article/welcome" {
		t.Errorf("open (form): %d %q", w.Code, w.Header().Get("Location"))
	}
	w = req{method: "POST", target: "/api/index/1/welcome/open", header: tok, body: `{"headless":true}`}.do(h)
	if res := decode[map[string]any](t, w); w.Code != 200 || res["servedByWorker"] != true || res["reg"] != "1" || res["id"] != "welcome" {
		t.Errorf("open (headless): %d %v", w.Code, res)
	}
	if w := (req{method: "POST", target: "/api/index/9/welcome/open", header: tok}).do(h); w.Code != 404 {
		t.Errorf("open unknown: %d", w.Code)
	}

	w = req{method: "POST", target: odd + "/delete", header: tok}.do(h)
	if w.Code != 200 {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	if _, ok := b.idx.Entry("1", "a/b c?d"); ok {
		t.Error("the entry is still there")
	}
	// A form comes back to its page, never to another host.
	for ret, want := range map[string]string{"/?q=x": "/?q=x", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil": "/"} {
		add(t, b.idx, "2", "https://video.example", contentindex.Description{ID: "tmp", Title: "Tmp"})
		w = req{method: "POST", target: "/api/index/2/tmp/delete", header: form,
			body: "token=" + testToken + "&return=" + url.QueryEscape(ret)}.do(h)
		if w.Code != 303 || w.Header().Get("Location") != want {
			t.Errorf("delete (form, return %q): %d %q, want %q", ret, w.Code, w.Header().Get("Location"), want)
		}
	}
	if w := (req{method: "POST", target: odd + "/delete", header: tok}).do(h); w.Code != 404 {
		t.Errorf("delete again: %d", w.Code)
	}
	// The entry is gone but its contentdelete event failed: success, with
	// a warning.
	b.deleteErr = fmt.Errorf("%w: a waitUntil promise rejected", ErrEventFailed)
	w = req{method: "POST", target: "/api/index/2/v1/delete", header: tok}.do(h)
	if res := decode[map[string]any](t, w); w.Code != 200 || res["ok"] != true || !strings.Contains(fmt.Sprint(res["warning"]), "rejected") {
		t.Errorf("delete with a failed event: %d %v", w.Code, res)
	}
}

// TestIcon: icons are served from the store, SVG sandboxed.
func TestIcon(t *testing.T) {
	st := contentindex.NewMemStore()
	png := []byte("\x89PNG fake")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	rec := contentindex.Record{RegID: "1", Scope: "https://news.example/", Seq: 1, LaunchURL: "https://news.example/a", Added: time.Now(),
		Description: contentindex.Description{ID: "a", Title: "A", Description: "a", URL: "/a"},
		Icons:       []contentindex.Icon{{ContentType: "image/png", Width: 64, Height: 64, Data: png}, {ContentType: "image/svg+xml", Data: svg}}}
	if err := st.Apply(context.Background(), []contentindex.Mutation{{RegID: "1", ID: "a", Put: &rec}}); err != nil {
		t.Fatal(err)
	}
	x, err := contentindex.New(context.Background(), contentindex.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	h := newTestHandler(t, &fakeBackend{idx: x})
	w := req{target: "/api/index/1/a/icon/0"}.do(h)
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/png" || w.Body.String() != string(png) {
		t.Errorf("png: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	etag := w.Header().Get("ETag")
	if w := (req{target: "/api/index/1/a/icon/0", header: map[string]string{"If-None-Match": etag}}).do(h); w.Code != 304 {
		t.Errorf("revalidation: %d", w.Code)
	}
	w = req{target: "/api/index/1/a/icon/1"}.do(h)
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/svg+xml" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("svg: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Security-Policy"))
	}
	for _, p := range []string{"/api/index/1/a/icon/2", "/api/index/1/a/icon/x", "/api/index/1/b/icon/0"} {
		if w := (req{target: p}).do(h); w.Code != 404 {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	// The shelf shows the SVG (scalable) in preference.
	page := req{target: "/"}.do(h).Body.String()
	if !strings.Contains(page, `src="/api/index/1/a/icon/1"`) {
		t.Errorf("the shelf does not show icon 1:\n%s", page)
	}
}

func TestPickIcon(t *testing.T) {
	ic := func(ct string, w int) contentindex.Icon {
		return contentindex.Icon{ContentType: ct, Width: w, Height: w}
	}
	tests := []struct {
		name  string
		icons []contentindex.Icon
		want  int
	}{
		{"none", nil, -1},
		{"one", []contentindex.Icon{ic("image/png", 16)}, 0},
		{"the largest below 96", []contentindex.Icon{ic("image/png", 16), ic("image/png", 64), ic("image/png", 32)}, 1},
		{"the smallest from 96", []contentindex.Icon{ic("image/png", 512), ic("image/png", 96), ic("image/png", 192), ic("image/png", 48)}, 1},
		{"svg", []contentindex.Icon{ic("image/png", 96), ic("image/svg+xml", 0)}, 1},
		{"not an image", []contentindex.Icon{ic("text/html", 96)}, -1},
	}
	for _, tc := range tests {
		if got := pickIcon(tc.icons); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestShelfPage: what a displayed entry shows, the filters and paging.
func TestShelfPage(t *testing.T) {
	_, h := shelfFixture(t, contentindex.Policy{MaxPerOrigin: 2})
	page := req{target: "/"}.do(h).Body.String()
	for _, want := range []string{
		`<p class="origin">https://news.example</p>`, `<p class="origin">https://video.example</p>`,
		`Ünïcode títle`, `About Ünïcode títle`, `<span class="category">Video</span>`,
		`action="/api/index/2/v2/open" target="_blank"`, `action="/api/index/2/v2/delete"`,
		`name="token" value="` + testToken + `"`,
		`<option value="https://news.example">https://news.example (2)</option>`,
		`4 entries.`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the shelf lacks %s", want)
		}
	}
	// MaxPerOrigin 2: one of news.example's three is not shown.
	if n := strings.Count(page, `class="entry"`); n != 4 {
		t.Errorf("%d entries shown, want 4", n)
	}
	page = req{target: "/?q=film&origin=https%3A%2F%2Fvideo.example"}.do(h).Body.String()
	if !strings.Contains(page, "A film about caches") || strings.Contains(page, "Ünïcode") || !strings.Contains(page, "1 of 4 entries match.") {
		t.Errorf("filtered shelf:\n%s", page)
	}
	page = req{target: "/?q=nothing-matches"}.do(h).Body.String()
	if !strings.Contains(page, "Nothing on the shelf matches") {
		t.Error("no empty-result message")
	}
}

func TestShelfPaging(t *testing.T) {
	x := newIndex(t, contentindex.Policy{MaxPerOrigin: -1, MaxTotal: -1})
	for i := range pageSize + 5 {
		add(t, x, "1", "https://news.example", contentindex.Description{ID: fmt.Sprint("n", i), Title: fmt.Sprint("N ", i), Category: "article"})
	}
	h := newTestHandler(t, &fakeBackend{idx: x})
	p1 := req{target: "/"}.do(h).Body.String()
	p2 := req{target: "/?page=2"}.do(h).Body.String()
	if n := strings.Count(p1, `class="entry"`); n != pageSize {
		t.Errorf("page 1: %d entries", n)
	}
	if n := strings.Count(p2, `class="entry"`); n != 5 {
		t.Errorf("page 2: %d entries", n)
	}
	if !strings.Contains(p1, `href="/?page=2" rel="next"`) || !strings.Contains(p2, `href="/" rel="prev"`) || !strings.Contains(p2, "Page 2 of 2.") {
		t.Error("pager links missing")
	}
}

// TestIndexEvents: the shelf's event stream follows the index from the
// page's cursor: display (with the card's HTML), undisplay, the filter, and
// reload for a cursor it cannot resume from.
func TestIndexEvents(t *testing.T) {
	x := newIndex(t, contentindex.Policy{MaxPerOrigin: -1, MaxTotal: -1})
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "old", Title: "Old"})
	h, srv := newTestServer(t, &fakeBackend{idx: x})

	cursor := h.indexHub().cursor()
	s := openSSE(t, srv, "/api/index/events?since="+cursor, nil)
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "new", Title: "Brand <new>", Category: "article"})
	ev := s.nextOf(t)
	var d displayEvent
	if err := json.Unmarshal([]byte(ev.data), &d); err != nil || ev.event != "display" || d.Key != "1/new" {
		t.Fatalf("first event %+v (%v)", ev, err)
	}
	if !strings.Contains(d.HTML, "Brand &lt;new&gt;") || !strings.Contains(d.HTML, "https://news.example") || d.Entry.Description.Title != "Brand <new>" {
		t.Errorf("display card: %s", d.HTML)
	}
	if err := x.Delete("1", "new").Err(); err != nil {
		t.Fatal(err)
	}
	ev = s.nextOf(t)
	if ev.event != "undisplay" || !strings.Contains(ev.data, `"1/new"`) {
		t.Fatalf("after delete: %+v", ev)
	}

	// A filtered stream: an entry that does not match comes as undisplay.
	f := openSSE(t, srv, "/api/index/events?q=cache&since="+h.indexHub().cursor(), nil)
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "c", Title: "About caches"})
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "c", Title: "Renamed"})
	if ev := f.nextOf(t); ev.event != "display" {
		t.Errorf("matching: %+v", ev)
	}
	if ev := f.nextOf(t); ev.event != "undisplay" || !strings.Contains(ev.data, `"1/c"`) {
		t.Errorf("no longer matching: %+v", ev)
	}

	// Resuming with Last-Event-ID.
	if ev := s.nextOf(t); ev.event != "display" {
		t.Fatalf("%+v", ev)
	}
	last := ""
	for {
		ev, _ := s.next()
		if ev.id != "" {
			last = ev.id
		}
		if ev.event == "" || strings.Contains(ev.data, "Renamed") {
			break
		}
	}
	if last == "" {
		t.Fatal("no event id")
	}
	add(t, x, "2", "https://other.example", contentindex.Description{ID: "later", Title: "Later"})
	r := openSSE(t, srv, "/api/index/events?since=garbage", map[string]string{"Last-Event-ID": last})
	if ev := r.nextOf(t); ev.event != "display" || !strings.Contains(ev.data, `"2/later"`) {
		t.Errorf("resumed: %+v", ev)
	}

	// No cursor: the current selection first.
	n := openSSE(t, srv, "/api/index/events?origin=https%3A%2F%2Fnews.example", nil)
	var keys []string
	for {
		ev, ok := n.next()
		if !ok || ev.event == "" {
			break
		}
		var d displayEvent
		_ = json.Unmarshal([]byte(ev.data), &d)
		keys = append(keys, d.Key)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"1/c", "1/old"}) {
		t.Errorf("fresh stream: %q", keys)
	}

	// Cursors it cannot resume from.
	for _, c := range []string{"otherepoch-1", h.indexHub().epoch + "-999999"} {
		r := openSSE(t, srv, "/api/index/events?since="+c, nil)
		if ev := r.nextOf(t); ev.event != "reload" {
			t.Errorf("cursor %s: %+v", c, ev)
		}
	}
}

// TestHubWindow: a cursor older than the kept events must reload.
func TestHubWindow(t *testing.T) {
	x := newIndex(t, contentindex.Policy{})
	hb := newHub(x)
	defer hb.close()
	start, _ := hb.parse(hb.cursor())
	for i := range hubKeep + 10 {
		hb.add(contentindex.Event{Kind: contentindex.Display, Entry: contentindex.Entry{Record: contentindex.Record{RegID: "1",
			Description: contentindex.Description{ID: fmt.Sprint(i)}}}})
	}
	if _, _, ok := hb.since(start); ok {
		t.Error("resumed from a cursor older than the window")
	}
	cur, _ := hb.parse(hb.cursor())
	evs, _, ok := hb.since(cur - 3)
	if !ok || len(evs) != 3 || evs[2].seq != cur || evs[0].entry.Description.ID != fmt.Sprint(hubKeep+7) {
		t.Errorf("last three: ok=%v %d", ok, len(evs))
	}
	if evs, _, ok := hb.since(cur - hubKeep); !ok || len(evs) != hubKeep {
		t.Errorf("the whole window: ok=%v %d", ok, len(evs))
	}
	if _, _, ok := hb.since(cur - hubKeep - 1); ok {
		t.Error("one past the window")
	}
}

// TestInspector: the inspector's page and API.
func TestInspector(t *testing.T) {
	x := newIndex(t, contentindex.Policy{})
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "a", Title: "A"})
	b := &fakeBackend{idx: x,
		regs: []sw.RegistrationInfo{{ID: 1, Scope: "https://news.example/", Origin: "https://news.example",
			Active:  &sw.WorkerInfo{ID: 3, ScriptURL: "https://news.example/sw.js", State: sw.Activated, Running: true, Events: []string{"fetch", "push"}},
			Waiting: &sw.WorkerInfo{ID: 4, ScriptURL: "https://news.example/sw.js", State: sw.Installed}}},
		events: []sw.EventRecord{{RegistrationID: 1, Scope: "https://news.example/", WorkerID: 3, Type: "push", Outcome: "rejected", Error: "boom", Duration: 1500000}},
		errs: []ScriptError{{Kind: "exception", Message: "TypeError: x is undefined", File: "https://news.example/sw.js", Line: 42,
			Source: ScriptSource{Kind: "worker", URL: "https://news.example/sw.js", Scope: "https://news.example/"}}},
	}
	h := newTestHandler(t, b)
	page := req{target: "/inspector"}.do(h).Body.String()
	for _, want := range []string{
		"<code>https://news.example/</code>", `<td class="state">activated</td>`, `<td class="running">running</td>`,
		`<td class="state">installed</td>`, `<td class="running">stopped</td>`, "fetch, push",
		`<td class="outcome rejected">rejected: boom</td>`, "1.5 ms",
		`<code class="where">https://news.example/sw.js:42</code>`, "TypeError: x is undefined",
		`action="/api/registrations/1/update"`, `action="/api/registrations/1/unregister"`, `name="scope" value="https://news.example/"`,
		"1 content index entry",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the inspector lacks %s", want)
		}
	}
	evs := decode[[]eventJSON](t, req{target: "/api/events?registration=1"}.do(h))
	if len(evs) != 1 || evs[0].DurationMs != 1.5 || evs[0].Outcome != "rejected" {
		t.Errorf("/api/events: %+v", evs)
	}
	if evs := decode[[]eventJSON](t, req{target: "/api/events?registration=2"}.do(h)); len(evs) != 0 {
		t.Errorf("other registration: %+v", evs)
	}
	errs := decode[[]ScriptError](t, req{target: "/api/errors"}.do(h))
	if len(errs) != 1 || errs[0].Line != 42 {
		t.Errorf("/api/errors: %+v", errs)
	}
	tok := map[string]string{"X-Swhost-Token": testToken}
	for _, r := range []req{
		{method: "POST", target: "/api/registrations/1/update", header: tok},
		{method: "POST", target: "/api/registrations/1/unregister", header: tok},
		{method: "POST", target: "/api/push", header: tok, body: `{"scope":"https://news.example/","data":"{\"id\":\"x\"}"}`},
	} {
		if w := r.do(h); w.Code != 200 {
			t.Errorf("%s: %d %s", r.target, w.Code, w.Body)
		}
	}
	if got := b.called(); !slices.Equal(got, []string{"update 1", "unregister 1", `push https://news.example/ {"id":"x"}`}) {
		t.Errorf("calls %q", got)
	}
	for _, r := range []req{
		{method: "POST", target: "/api/registrations/x/update", header: tok},
		{method: "POST", target: "/api/push", header: tok, body: `{"scope":"nowhere"}`},
	} {
		if w := r.do(h); w.Code != 404 {
			t.Errorf("%s: %d", r.target, w.Code)
		}
	}
	if w := (req{method: "POST", target: "/api/push", header: tok, body: `{"data":"x"}`}).do(h); w.Code != 400 {
		t.Errorf("push without scope: %d", w.Code)
	}
	if w := (req{method: "POST", target: "/api/push", header: tok, body: `{not json`}).do(h); w.Code != 400 {
		t.Errorf("push with bad JSON: %d", w.Code)
	}
}

func TestUnknownAPI(t *testing.T) {
	h := newTestHandler(t, &fakeBackend{idx: newIndex(t, contentindex.Policy{})})
	w := req{target: "/api/nope"}.do(h)
	if w.Code != 404 || !strings.Contains(w.Body.String(), "no API endpoint") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	// Without discovery, the grants API says so.
	if w := (req{target: "/api/grants"}).do(h); w.Code != 404 {
		t.Errorf("grants without discovery: %d", w.Code)
	}
	if w := (req{target: "/grants"}).do(h); w.Code != 200 || !strings.Contains(w.Body.String(), "not enabled") {
		t.Errorf("grants page without discovery: %d", w.Code)
	}
}

// TestShutdownEndsStreams: Shutdown ends the event streams, so that
// http.Server.Shutdown does not wait for open pages.
func TestShutdownEndsStreams(t *testing.T) {
	_, h, srv := grantsFixture(t)
	shelf := openSSE(t, srv, "/api/index/events", nil)
	prompts := openSSE(t, srv, "/api/grants/events", nil)
	if ev := prompts.nextOf(t); ev.event != "reset" {
		t.Fatalf("%+v", ev)
	}
	h.Shutdown()
	for name, s := range map[string]*sseReader{"shelf": shelf, "prompts": prompts} {
		for {
			if _, ok := s.next(); !ok {
				break
			}
		}
		t.Logf("the %s stream ended", name)
	}
}
