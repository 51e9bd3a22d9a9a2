package contentindex

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// orderLog records the order in which operations complete.
type orderLog struct {
	mu  sync.Mutex
	seq []string
}

func (l *orderLog) add(s string) { l.mu.Lock(); l.seq = append(l.seq, s); l.mu.Unlock() }
func (l *orderLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.seq, " ")
}

func track[T any](l *orderLog, name string, op *Op[T]) *Op[T] {
	op.Then(func(T, error) { l.add(name) })
	return op
}

// The call-order test of the brief: add/delete/getAll interleaved with a slow
// icon fetch apply in call order, each when its turn comes.
func TestIndexCallOrderWithSlowIcons(t *testing.T) {
	s := newIconServer()
	s.serve("https://news.example/slow.png", encPNG(8, 8))
	s.serve("https://news.example/fast.png", encPNG(8, 8))
	release := s.gate("https://news.example/slow.png")
	x := newTestIndex(t, Options{})
	env := testEnv(s)
	ctx := t.Context()
	var l orderLog
	add1 := track(&l, "add(a)", x.Add(ctx, testReg, testScope, desc("a", "/slow.png"), env))
	all2 := track(&l, "getAll", x.GetAll(testReg))
	add3 := track(&l, "add(b)", x.Add(ctx, testReg, testScope, desc("b"), env))
	del4 := track(&l, "delete(a)", x.Delete(testReg, "a"))
	all5 := track(&l, "getAll'", x.GetAll(testReg))
	add6 := track(&l, "add(c)", x.Add(ctx, testReg, testScope, desc("c", "/fast.png"), env))
	if u := <-s.started; u != "https://news.example/slow.png" {
		<-s.started
	}
	notDone(t, add1, "add(a) during its icon fetch")
	notDone(t, all2, "getAll behind add(a)")
	notDone(t, add3, "add(b) behind add(a)")
	notDone(t, del4, "delete behind add(a)")
	notDone(t, all5, "getAll behind add(a)")
	release()
	mustOK(t, add1)
	if got := ids(mustOK(t, all2)); got != "a" {
		t.Fatalf("first getAll %q, want a", got)
	}
	mustOK(t, add3)
	mustOK(t, del4)
	if got := ids(mustOK(t, all5)); got != "b" {
		t.Fatalf("second getAll %q, want b", got)
	}
	mustOK(t, add6)
	if got := ids(mustOK(t, x.GetAll(testReg))); got != "b,c" {
		t.Fatalf("final %q", got)
	}
	if got := l.String(); got != "add(a) getAll add(b) delete(a) getAll' add(c)" {
		t.Fatalf("completion order %q", got)
	}
	e, _ := x.Entry(testReg, "c")
	if len(e.Icons) != 1 || e.Icons[0].ContentType != "image/png" || e.Icons[0].Data != nil {
		t.Fatalf("entry icons %+v", e.Icons)
	}
	ic, err := x.Icon(ctx, testReg, "c", 0)
	if err != nil || len(ic.Data) == 0 || ic.URL != "https://news.example/fast.png" {
		t.Fatalf("icon %+v %v", ic, err)
	}
}

// An add whose icons fail is rejected as soon as they fail (not after earlier
// operations), and later operations wait for it no longer.
func TestIndexFailedPreparationReleasesSlot(t *testing.T) {
	s := newIconServer()
	s.serve("https://news.example/slow.png", encPNG(8, 8))
	release := s.gate("https://news.example/slow.png")
	s.serve("https://news.example/bad.png", []byte("<html>not an image</html>"))
	x := newTestIndex(t, Options{})
	env := testEnv(s)
	ctx := t.Context()
	add1 := x.Add(ctx, testReg, testScope, desc("a", "/slow.png"), env)
	add2 := x.Add(ctx, testReg, testScope, desc("b", "/bad.png"), env)
	add3 := x.Add(ctx, testReg, testScope, desc("c", "/missing.png"), env)
	all := x.GetAll(testReg)
	wantErr(t, add2.Err(), TypeError, "icons[0] (https://news.example/bad.png)")
	wantErr(t, add3.Err(), TypeError, "the icon fetch failed")
	notDone(t, add1, "add(a)")
	notDone(t, all, "getAll")
	release()
	mustOK(t, add1)
	if got := ids(mustOK(t, all)); got != "a" {
		t.Fatalf("%q", got)
	}
	// A failing add behind nothing does not hold what follows either.
	release2 := s.gate("https://news.example/bad.png")
	add4 := x.Add(ctx, testReg, testScope, desc("d", "/bad.png"), env)
	all2 := x.GetAll(testReg)
	notDone(t, all2, "getAll behind a preparing add")
	release2()
	wantErr(t, add4.Err(), TypeError, "not a supported image format")
	if got := ids(mustOK(t, all2)); got != "a" {
		t.Fatalf("%q", got)
	}
}

// Two adds of one id: the later call wins even if it is prepared first.
func TestIndexSameIDTicketOrder(t *testing.T) {
	s := newIconServer()
	s.serve("https://news.example/slow.png", encPNG(8, 8))
	release := s.gate("https://news.example/slow.png")
	x := newTestIndex(t, Options{})
	first := desc("a", "/slow.png")
	first.Title = "first"
	second := desc("a")
	second.Title = "second"
	add1 := x.Add(t.Context(), testReg, testScope, first, testEnv(s))
	add2 := x.Add(t.Context(), testReg, testScope, second, testEnv(s))
	<-s.started
	notDone(t, add2, "the second add")
	release()
	mustOK(t, add1)
	mustOK(t, add2)
	got := mustOK(t, x.GetAll(testReg))
	if len(got) != 1 || got[0].Title != "second" {
		t.Fatalf("%+v", got)
	}
}

func TestIndexAddChecks(t *testing.T) {
	type hooks struct {
		active, fetch bool
		match         string
	}
	ok := hooks{true, true, testReg}
	cases := []struct {
		name  string
		h     hooks
		noHk  bool // no hooks: the default scope check
		mod   func(d *Description)
		scope string
		err   string
		frag  string
	}{
		{"ok", ok, false, nil, testScope, "", ""},
		{"no active worker", hooks{false, true, testReg}, false, nil, testScope, TypeError, "no active worker"},
		{"empty id", ok, false, func(d *Description) { d.ID = "" }, testScope, TypeError, "ContentDescription.id must not be empty"},
		{"empty title", ok, false, func(d *Description) { d.Title = "" }, testScope, TypeError, "ContentDescription.title must not be empty"},
		{"empty description", ok, false, func(d *Description) { d.Description = "" }, testScope, TypeError, "ContentDescription.description must not be empty"},
		{"empty url", ok, false, func(d *Description) { d.URL = "" }, testScope, TypeError, "ContentDescription.url must not be empty"},
		{"bad category", ok, false, func(d *Description) { d.Category = "news" }, testScope, TypeError, "ContentCategory"},
		{"long title", ok, false, func(d *Description) { d.Title = strings.Repeat("t", 1025) }, testScope, QuotaExceededError, "ContentDescription.title"},
		{"invalid url", ok, false, func(d *Description) { d.URL = "https://[bad" }, testScope, TypeError, "ContentDescription.url 'https://[bad' is not a valid URL"},
		{"other registration", hooks{true, true, "reg2"}, false, nil, testScope, TypeError, "not controlled by this service worker registration"},
		{"no registration", hooks{true, true, ""}, false, nil, testScope, TypeError, "not controlled"},
		{"no fetch listener", hooks{true, false, testReg}, false, nil, testScope, TypeError, "no fetch event listener"},
		{"default scope check ok", ok, true, nil, testScope, "", ""},
		{"default scope check: outside", ok, true, func(d *Description) { d.URL = "https://other.example/a" }, testScope, TypeError, "not within the registration's scope"},
		{"default scope check: narrower scope", ok, true, nil, "https://news.example/sub/", TypeError, "not within"},
		{"bad icon src", ok, false, func(d *Description) { d.Icons = []ImageResource{{Src: "data:,x"}} }, testScope, TypeError, "icons[0].src 'data:,x' is not an http(s) URL"},
		{"too many icons", ok, false, func(d *Description) { d.Icons = make([]ImageResource, 11) }, testScope, QuotaExceededError, "icons has 11 icons"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var seen []string
			var mu sync.Mutex
			note := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
			opts := Options{
				HasActiveWorker:   func(reg string) bool { note("active:" + reg); return c.h.active },
				MatchRegistration: func(u string) string { note("match:" + u); return c.h.match },
				HasFetchListener:  func(reg string) bool { note("fetch:" + reg); return c.h.fetch },
			}
			if c.noHk {
				opts = Options{}
			}
			x := newTestIndex(t, opts)
			d := desc("a")
			if c.mod != nil {
				c.mod(&d)
			}
			err := x.Add(t.Context(), testReg, c.scope, d, testEnv(newIconServer())).Err()
			wantErr(t, err, c.err, c.frag)
			n := 0
			if c.err == "" {
				n = 1
			}
			if got := len(mustOK(t, x.GetAll(testReg))); got != n {
				t.Fatalf("%d entries", got)
			}
			if c.name == "ok" && strings.Join(seen, " ") != "active:reg1 match:https://news.example/article/a fetch:reg1" {
				t.Fatalf("hooks %v", seen)
			}
		})
	}
}

func TestIndexIconsNone(t *testing.T) {
	s := newIconServer()
	x := newTestIndex(t, Options{Icons: IconsNone})
	mustOK(t, x.Add(t.Context(), testReg, testScope, desc("a", "/never-fetched.png"), testEnv(s)))
	if len(s.requests()) != 0 {
		t.Fatal("fetched an icon in IconsNone mode")
	}
	e, _ := x.Entry(testReg, "a")
	if len(e.Icons) != 0 || len(e.Description.Icons) != 1 {
		t.Fatalf("%+v", e)
	}
	err := x.Add(t.Context(), testReg, testScope, desc("b", "javascript:void 0"), testEnv(s)).Err()
	wantErr(t, err, TypeError, "not an http(s) URL")
	// No fetcher is needed.
	mustOK(t, x.Add(t.Context(), testReg, testScope, desc("c", "/i.png"), Env{BaseURL: testBase}))
}

func TestIndexAddContextCancelled(t *testing.T) {
	s := newIconServer()
	s.serve("https://news.example/slow.png", encPNG(8, 8))
	release := s.gate("https://news.example/slow.png")
	defer release()
	x := newTestIndex(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	add := x.Add(ctx, testReg, testScope, desc("a", "/slow.png"), testEnv(s))
	all := x.GetAll(testReg)
	<-s.started
	cancel()
	wantErr(t, add.Err(), AbortError, "aborted")
	if got := ids(mustOK(t, all)); got != "" {
		t.Fatalf("%q", got)
	}
}

func TestIndexIconTimeout(t *testing.T) {
	s := newIconServer()
	s.serve("https://news.example/slow.png", encPNG(8, 8))
	release := s.gate("https://news.example/slow.png")
	defer release()
	x := newTestIndex(t, Options{IconTimeout: time.Millisecond})
	wantErr(t, x.Add(t.Context(), testReg, testScope, desc("a", "/slow.png"), testEnv(s)).Err(), AbortError, "aborted")
}

// recorder collects display notifications.
type recorder struct {
	mu  sync.Mutex
	evs []string
}

func (r *recorder) on(e Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e.Kind.String()+":"+e.Entry.ID())
	r.mu.Unlock()
}

func (r *recorder) take() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := strings.Join(r.evs, " ")
	r.evs = nil
	return s
}

func TestIndexUserDelete(t *testing.T) {
	s := newIconServer()
	s.serve("https://news.example/slow.png", encPNG(8, 8))
	type fired struct {
		reg string
		d   Description
	}
	firedCh := make(chan fired, 4)
	finish := make(chan error)
	var x *Index
	var rec recorder
	x = newTestIndex(t, Options{
		Policy: Policy{MaxPerOrigin: -1, MaxTotal: -1},
		FireContentDelete: func(ctx context.Context, reg string, d Description) error {
			rec.on(Event{Kind: 99, Entry: Entry{Record: Record{Description: Description{ID: "fire"}}}})
			firedCh <- fired{reg, d}
			return <-finish
		},
	})
	env := testEnv(s)
	ctx := t.Context()
	mustOK(t, x.Add(ctx, testReg, testScope, desc("a"), env))
	mustOK(t, x.Add(ctx, testReg, testScope, desc("b"), env))
	unsub := x.Subscribe(rec.on)
	defer unsub()
	if got := rec.take(); got != "display:b display:a" {
		t.Fatalf("replay %q", got)
	}
	release := s.gate("https://news.example/slow.png")
	del := x.UserDelete(testReg, "a")
	// An add called before the event starts (usually) but applied while it
	// runs is refused.
	early := x.Add(ctx, testReg, testScope, desc("c", "/slow.png"), env)
	f := <-firedCh
	if f.reg != testReg || f.d.ID != "a" || f.d.Title != "Title a" {
		t.Fatalf("fired %+v", f)
	}
	if got := rec.take(); got != "undisplay:a unknown:fire" {
		t.Fatalf("events %q: undisplay must come before the event", got)
	}
	notDone(t, del, "user delete while its event runs")
	// While the event runs: adds are refused, other operations go on (the
	// handler may call delete(id) and getAll).
	wantErr(t, x.Add(ctx, testReg, testScope, desc("d"), env).Err(), AbortError, "contentdelete")
	release()
	wantErr(t, early.Err(), AbortError, "contentdelete")
	mustOK(t, x.Delete(testReg, "a"))
	if got := ids(mustOK(t, x.GetAll(testReg))); got != "b" {
		t.Fatalf("%q", got)
	}
	// Another registration is not affected.
	mustOK(t, x.Add(ctx, "reg2", "https://other.example/", Description{ID: "z", Title: "t", Description: "d", URL: "https://other.example/z"}, Env{}))
	finish <- errors.New("handler failed")
	if err := del.Err(); err == nil || !strings.Contains(err.Error(), "handler failed") {
		t.Fatalf("user delete: %v", err)
	}
	mustOK(t, x.Add(ctx, testReg, testScope, desc("d"), env))
	wantErr(t, x.UserDelete(testReg, "nope").Err(), NotFoundError, "nope")
	wantErr(t, x.UserDelete("unknown-reg", "a").Err(), NotFoundError, "")
	// Without a FireContentDelete hook the deletion completes at once.
	y := newTestIndex(t, Options{})
	mustOK(t, y.Add(ctx, testReg, testScope, desc("a"), env))
	mustOK(t, y.UserDelete(testReg, "a"))
	mustOK(t, y.Add(ctx, testReg, testScope, desc("a"), env))
}

// A user delete and an add of the same id in one batch: the add is refused.
func TestIndexUserDeleteThenAddSameBatch(t *testing.T) {
	finish := make(chan struct{})
	x := newTestIndex(t, Options{FireContentDelete: func(context.Context, string, Description) error { <-finish; return nil }})
	defer close(finish)
	ctx := t.Context()
	mustOK(t, x.Add(ctx, testReg, testScope, desc("a"), testEnv(nil)))
	q := x.Queue(testReg)
	t0 := q.Reserve()
	del := x.UserDelete(testReg, "a")
	add := x.Add(ctx, testReg, testScope, desc("a"), testEnv(nil))
	t0.Release()
	wantErr(t, add.Err(), AbortError, "contentdelete")
	notDone(t, del, "user delete")
}

func TestBeginContentDelete(t *testing.T) {
	x := newTestIndex(t, Options{})
	end1 := x.BeginContentDelete(testReg)
	end2 := x.BeginContentDelete(testReg)
	wantErr(t, x.Add(t.Context(), testReg, testScope, desc("a"), testEnv(nil)).Err(), AbortError, "")
	end1()
	end1() // idempotent
	wantErr(t, x.Add(t.Context(), testReg, testScope, desc("a"), testEnv(nil)).Err(), AbortError, "")
	end2()
	mustOK(t, x.Add(t.Context(), testReg, testScope, desc("a"), testEnv(nil)))
}

func TestIndexDisplayNotifications(t *testing.T) {
	clock := newClock()
	x := newTestIndex(t, Options{Now: clock.Now, Policy: Policy{MaxPerOrigin: 2}})
	var rec recorder
	x.Subscribe(rec.on)
	ctx := t.Context()
	env := testEnv(nil)
	step := func(op *Op[struct{}], want string) {
		t.Helper()
		mustOK(t, op)
		// Notifications are delivered before the operation completes.
		if got := rec.take(); got != want {
			t.Fatalf("events %q, want %q", got, want)
		}
	}
	step(x.Add(ctx, testReg, testScope, desc("a"), env), "display:a")
	step(x.Add(ctx, testReg, testScope, desc("b"), env), "display:b")
	step(x.Add(ctx, testReg, testScope, desc("c"), env), "undisplay:a display:c")
	step(x.Add(ctx, testReg, testScope, desc("b"), env), "display:b") // overwrite: updated
	step(x.Delete(testReg, "b"), "undisplay:b display:a")
	step(x.Delete(testReg, "nope"), "")
	home := desc("h")
	home.Category = "homepage"
	step(x.Add(ctx, testReg, testScope, home, env), "undisplay:a display:h")
	// Another origin has its own cap.
	other := Description{ID: "o", Title: "t", Description: "d", URL: "https://other.example/o"}
	step(x.Add(ctx, "reg2", "https://other.example/", other, env), "display:o")
	if got := keysOf(x.List(true)); got != "reg2/o reg1/h reg1/c" {
		t.Fatalf("displayed %q", got)
	}
	all := x.List(false)
	if keysOf(all) != "reg1/a reg1/c reg1/h reg2/o" || all[0].Displayed || !all[1].Displayed {
		t.Fatalf("list %+v", all)
	}
	if all[3].Origin != "https://other.example" {
		t.Fatalf("origin %q", all[3].Origin)
	}
	step(x.RemoveRegistration(testReg), "undisplay:h undisplay:c")
	if got := keysOf(x.List(false)); got != "reg2/o" {
		t.Fatalf("%q", got)
	}
	// A second subscriber gets the current state first.
	var rec2 recorder
	cancel := x.Subscribe(rec2.on)
	if got := rec2.take(); got != "display:o" {
		t.Fatalf("replay %q", got)
	}
	cancel()
	step(x.Delete("reg2", "o"), "undisplay:o")
	if got := rec2.take(); got != "" {
		t.Fatalf("after unsubscribe %q", got)
	}
}

func keysOf(es []Entry) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.RegID + "/" + e.ID()
	}
	return strings.Join(s, " ")
}

func TestIndexRefreshWindowAndOpens(t *testing.T) {
	clock := newClock()
	x := newTestIndex(t, Options{Now: clock.Now, Policy: Policy{MaxTotal: 1, Window: 48 * time.Hour, HalfLife: 24 * time.Hour}})
	var rec recorder
	x.Subscribe(rec.on)
	ctx := t.Context()
	mustOK(t, x.Add(ctx, "regB", "https://b.example/", Description{ID: "b", Title: "t", Description: "d", URL: "https://b.example/b"}, Env{}))
	clock.Advance(time.Hour)
	mustOK(t, x.Add(ctx, "regA", "https://a.example/", Description{ID: "a", Title: "t", Description: "d", URL: "https://a.example/a"}, Env{}))
	if got := rec.take(); got != "display:b undisplay:b display:a" {
		t.Fatalf("%q", got)
	}
	// The person keeps opening b.example's entries: it outweighs recency.
	for range 3 {
		if err := x.Opened("regB", "b"); err != nil {
			t.Fatal(err)
		}
	}
	if got := rec.take(); got != "undisplay:a display:b" {
		t.Fatalf("after opens %q", got)
	}
	if e, _ := x.Entry("regB", "b"); e.Opens != 3 || !e.Displayed {
		t.Fatalf("%+v", e)
	}
	wantErr(t, x.Opened("regB", "zz"), NotFoundError, "zz")
	// Out of the window: nothing is displayed.
	clock.Advance(72 * time.Hour)
	x.Refresh()
	if got := rec.take(); got != "undisplay:b" {
		t.Fatalf("after the window %q", got)
	}
	if len(x.List(true)) != 0 {
		t.Fatal("still displayed")
	}
	// A policy change re-selects.
	x.SetPolicy(Policy{MaxTotal: -1, Window: -1})
	if got := rec.take(); got != "display:b display:a" {
		t.Fatalf("after SetPolicy %q", got)
	}
	if p := x.Policy(); p.MaxPerOrigin != 3 || p.MaxTotal != -1 {
		t.Fatalf("%+v", p)
	}
}

func TestIndexReload(t *testing.T) {
	st := NewMemStore()
	s := newIconServer()
	s.serve("https://news.example/i.png", encPNG(4, 4))
	ctx := t.Context()
	x, err := New(ctx, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c", "a", "b"} {
		mustOK(t, x.Add(ctx, testReg, testScope, desc(id, "/i.png"), testEnv(s)))
	}
	mustOK(t, x.Add(ctx, testReg, testScope, desc("c"), testEnv(s)))
	if err := x.Opened(testReg, "a"); err != nil {
		t.Fatal(err)
	}
	shown := keysOf(x.List(true))
	x.Close()
	wantErr(t, x.Add(ctx, testReg, testScope, desc("z"), testEnv(s)).Err(), InvalidStateError, "closed")
	wantErr(t, x.GetAll(testReg).Err(), InvalidStateError, "closed")
	wantErr(t, x.Delete(testReg, "a").Err(), InvalidStateError, "closed")

	y := newTestIndex(t, Options{Store: st})
	if got := ids(mustOK(t, y.GetAll(testReg))); got != "c,a,b" {
		t.Fatalf("order after reload %q", got)
	}
	if got := keysOf(y.List(true)); got != shown {
		t.Fatalf("displayed after reload %q, before %q", got, shown)
	}
	ic, err := y.Icon(ctx, testReg, "a", 0)
	if err != nil || ic.ContentType != "image/png" || len(ic.Data) == 0 {
		t.Fatalf("%+v %v", ic, err)
	}
	if e, _ := y.Entry(testReg, "a"); e.Opens != 1 || e.LaunchURL != "https://news.example/article/a" {
		t.Fatalf("%+v", e)
	}
	_, err = y.Icon(ctx, testReg, "c", 0)
	wantErr(t, err, NotFoundError, "no icon")
	mustOK(t, y.Add(ctx, testReg, testScope, desc("d"), testEnv(s)))
	if got := ids(mustOK(t, y.GetAll(testReg))); got != "c,a,b,d" {
		t.Fatalf("%q", got)
	}
}

func TestIndexStoreFailureKeepsDisplay(t *testing.T) {
	st := NewMemStore()
	fail := make(chan bool, 1)
	st.BeforeApply = func(ctx context.Context, b []Mutation) error {
		select {
		case <-fail:
			return errors.New("io error")
		default:
			return nil
		}
	}
	x := newTestIndex(t, Options{Store: st})
	var rec recorder
	x.Subscribe(rec.on)
	mustOK(t, x.Add(t.Context(), testReg, testScope, desc("a"), testEnv(nil)))
	rec.take()
	fail <- true
	wantErr(t, x.Delete(testReg, "a").Err(), AbortError, "io error")
	if got := rec.take(); got != "" {
		t.Fatalf("events for a failed commit: %q", got)
	}
	if len(x.List(true)) != 1 {
		t.Fatal("undisplayed")
	}
}

// The incremental display state equals Policy.Select over all entries, and
// the event stream reproduces it, through random operations.
func TestIndexDisplayMatchesSelect(t *testing.T) {
	for _, p := range []Policy{
		{MaxPerOrigin: 2, MaxTotal: 3, Categories: []string{"article", "video"}},
		{MaxPerOrigin: 1, MaxTotal: -1},
		{MaxPerOrigin: -1, MaxTotal: 4, Window: 30 * time.Millisecond},
		{MaxPerOrigin: -1, MaxTotal: -1, Categories: []string{""}},
	} {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			clock := newClock()
			clock.step = 0 // time moves only when the test says: ties happen
			x := newTestIndex(t, Options{Now: clock.Now, Policy: p})
			shown := map[string]bool{}
			var mu sync.Mutex
			x.Subscribe(func(e Event) {
				mu.Lock()
				defer mu.Unlock()
				shown[e.Entry.RegID+"/"+e.Entry.ID()] = e.Kind == Display
			})
			regs := []struct{ id, scope string }{
				{"r1", "https://a.example/"}, {"r2", "https://a.example/b/"}, {"r3", "https://c.example/"}, {"r4", "https://d.example/"},
			}
			rng := rand.New(rand.NewPCG(1, 2))
			cats := Categories
			for i := range 600 {
				r := regs[rng.IntN(len(regs))]
				id := fmt.Sprint(rng.IntN(12))
				var op *Op[struct{}]
				switch k := rng.IntN(10); {
				case k < 6:
					d := Description{ID: id, Title: "t", Description: "d", Category: cats[rng.IntN(len(cats))], URL: r.scope + id}
					op = x.Add(t.Context(), r.id, r.scope, d, Env{})
				case k < 8:
					op = x.Delete(r.id, id)
				case k < 9:
					clock.Advance(time.Duration(rng.IntN(10)) * time.Millisecond)
					x.Refresh()
					continue
				default:
					if i%50 == 0 {
						op = x.RemoveRegistration(r.id)
					} else if es := x.List(false); len(es) > 0 {
						e := es[rng.IntN(len(es))]
						x.Opened(e.RegID, e.ID())
						continue
					} else {
						continue
					}
				}
				mustOK(t, op)
				got := x.List(true)
				if want := x.Policy().Select(x.List(false), clock.Now()); keysOf(got) != keysOf(want) {
					t.Fatalf("step %d: displayed %q, Select %q", i, keysOf(got), keysOf(want))
				}
				mu.Lock()
				var fromEvents []string
				for k, v := range shown {
					if v {
						fromEvents = append(fromEvents, k)
					}
				}
				mu.Unlock()
				var cur []string
				for _, e := range got {
					cur = append(cur, e.RegID+"/"+e.ID())
				}
				slices.Sort(fromEvents)
				slices.Sort(cur)
				if !slices.Equal(fromEvents, cur) {
					t.Fatalf("step %d: events say %v, displayed %v", i, fromEvents, cur)
				}
			}
		})
	}
}

func TestIndexRefreshInterval(t *testing.T) {
	clock := newClock()
	undisplayed := make(chan string, 1)
	x := newTestIndex(t, Options{Now: clock.Now, RefreshInterval: time.Millisecond, Policy: Policy{Window: time.Hour}})
	x.Subscribe(func(e Event) {
		if e.Kind == Undisplay {
			undisplayed <- e.Entry.ID()
		}
	})
	mustOK(t, x.Add(t.Context(), testReg, testScope, desc("a"), testEnv(nil)))
	clock.Advance(2 * time.Hour)
	if id := <-undisplayed; id != "a" {
		t.Fatal(id)
	}
}

func TestOpWait(t *testing.T) {
	op := newOp[int]()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := op.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	var got []int
	op.Then(func(v int, err error) { got = append(got, v) })
	op.complete(7, nil)
	op.complete(8, nil) // once
	op.Then(func(v int, err error) { got = append(got, v*10) })
	if v, err := op.Result(); v != 7 || err != nil || !slices.Equal(got, []int{7, 70}) {
		t.Fatal(v, err, got)
	}
}

// Everything at once from many goroutines: no deadlock, no race, and the
// store ends equal to the index.
func TestIndexConcurrentStress(t *testing.T) {
	st := NewMemStore()
	x := newTestIndex(t, Options{Store: st, Policy: Policy{MaxPerOrigin: 2, MaxTotal: 5},
		FireContentDelete: func(ctx context.Context, reg string, d Description) error { return nil }})
	x.Subscribe(func(e Event) { _ = x.List(true) })
	regs := []string{"r0", "r1", "r2"}
	scope := func(r string) string { return "https://" + r + ".example/" }
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for range 300 {
				r := regs[rng.IntN(len(regs))]
				id := fmt.Sprint(rng.IntN(20))
				switch rng.IntN(9) {
				case 0, 1, 2:
					x.Add(context.Background(), r, scope(r), Description{ID: id, Title: "t", Description: "d", URL: scope(r) + id}, Env{})
				case 3:
					x.Delete(r, id)
				case 4:
					x.GetAll(r)
				case 5:
					x.UserDelete(r, id)
				case 6:
					x.List(false)
					x.Refresh()
				case 7:
					x.Opened(r, id)
				case 8:
					if rng.IntN(10) == 0 {
						x.RemoveRegistration(r)
					} else {
						x.Entry(r, id)
					}
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("deadlock?")
	}
	// Drain every queue, then compare with the store.
	for _, r := range regs {
		mustOK(t, x.GetAll(r))
	}
	recs, _ := st.LoadEntries(t.Context())
	if len(recs) != len(x.List(false)) {
		t.Fatalf("store has %d entries, index %d", len(recs), len(x.List(false)))
	}
	if got, want := keysOf(x.List(true)), keysOf(x.Policy().Select(x.List(false), time.Now())); got != want {
		t.Fatalf("displayed %q, Select %q", got, want)
	}
}
