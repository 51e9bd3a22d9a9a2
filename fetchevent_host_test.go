package swhost_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/origins"
	"github.com/swhost/swhost/internal/sw"
	"github.com/swhost/swhost/internal/web"
)

// TestFetchEventMadeByTheHost: the FetchEvent Handle Fetch fires is what
// `new FetchEvent('fetch', { request, clientId, resultingClientId,
// cancelable: true })` makes, trusted, dispatched at the global scope; its
// request (made when first read) is the request as it was dispatched.
func TestFetchEventMadeByTheHost(t *testing.T) {
	src := `
self.log = [];
self.addEventListener('fetch', (e) => {
  self.kept = e;
  self.log.push([e.type, e.isTrusted, e.eventPhase, e.currentTarget === self, e.target === self, e.srcElement === self,
    e.composedPath().length, e.cancelable, e.bubbles, e.composed, e.defaultPrevented, e.returnValue, typeof e.timeStamp,
    e.timeStamp > 0, JSON.stringify(e.clientId), JSON.stringify(e.resultingClientId), JSON.stringify(e.replacesClientId),
    Object.getPrototypeOf(e) === FetchEvent.prototype, e instanceof ExtendableEvent, e instanceof Event,
    Object.getOwnPropertyNames(e).join('+'), String(e), e.preloadResponse instanceof Promise].join());
});
self.addEventListener('fetch', { handleEvent(e) { self.log.push('object listener ' + (this !== self)); } });
self.addEventListener('fetch', (e) => { if (self.cancelNext) { self.cancelNext = false; e.preventDefault(); } });
`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte(src))
	}))
	defer srv.Close()
	h := newFFHost(t, swhost.Config{Origins: []origins.Mapping{{Origin: "https://host-event.example", Upstream: srv.URL}}})
	ctx := testCtx(t)
	info, err := h.Register(ctx, "https://host-event.example/sw.js", "/")
	if err != nil {
		t.Fatal(err)
	}
	w := h.Core().RegistrationByID(info.ID).Active()
	inWorker := func(expr string) string {
		t.Helper()
		var out string
		err := w.Env().Realm.Do(ctx, func(rt *sobek.Runtime) error {
			v, err := rt.RunString(expr)
			if err == nil {
				out = v.String()
			}
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return out
	}

	req := &web.Request{Method: "POST", URL: "https://host-event.example/x?q=1", Header: http.Header{"Accept": {"text/plain"}},
		Body: []byte("body"), HasBody: true, Mode: "cors", Credentials: "include", Cache: "default", Redirect: "follow",
		Origin: "https://host-event.example", ClientID: "client-1", ResultingClientID: "client-2"}
	resp, err := h.Core().DispatchFetch(ctx, w, req)
	if resp != nil || err != nil {
		t.Fatalf("no respondWith: got %v, %v", resp, err)
	}
	// The host's request changes afterwards: the event's request does not.
	req.Header.Set("Accept", "changed")
	req.URL = "https://host-event.example/changed"
	if got, want := inWorker(`self.log.join('|')`), `fetch,true,2,true,true,true,1,true,false,false,false,true,number,true,"client-1","client-2","",true,true,true,isTrusted,[object FetchEvent],true|object listener true`; got != want {
		t.Errorf("during dispatch:\n got %s\nwant %s", got, want)
	}
	got := inWorker(`const e = self.kept; const r = e.request;
		[r === e.request, r instanceof Request, r.method, r.url, r.headers.get('accept'), r.mode, r.credentials, e.eventPhase, e.currentTarget,
		 e.target === self, e.isTrusted, Object.getOwnPropertyDescriptor(e, 'isTrusted').configurable].join()`)
	if want := "true,true,POST,https://host-event.example/x?q=1,text/plain,cors,include,0,,true,true,false"; got != want {
		t.Errorf("after dispatch:\n got %s\nwant %s", got, want)
	}
	if got := inWorker(`let body; self.kept.request.text().then((t) => { self.body = t; }); 'started'`); got != "started" {
		t.Fatal(got)
	}
	if got := inWorker(`self.body`); got != "body" {
		t.Errorf("request body %q", got)
	}
	if got := inWorker(`[FetchEvent.prototype.respondWith.length, ExtendableEvent.prototype.waitUntil.length, EventTarget.prototype.dispatchEvent.length,
		JSON.stringify(Object.getOwnPropertyDescriptor(FetchEvent.prototype.respondWith, 'length')), Object.getOwnPropertyDescriptor(FetchEvent.prototype, 'respondWith').enumerable].join()`); got != `1,1,1,{"value":1,"writable":false,"enumerable":false,"configurable":true},true` {
		t.Errorf("interface: %s", got)
	}
	// After the dispatch respondWith and waitUntil throw InvalidStateError.
	if got := inWorker(`[(() => { try { self.kept.respondWith(new Response('late')); } catch (e) { return e.name; } })(),
		(() => { try { self.kept.waitUntil(Promise.resolve()); } catch (e) { return e.name; } })()].join()`); got != "InvalidStateError,InvalidStateError" {
		t.Errorf("late respondWith/waitUntil: %s", got)
	}

	// Handle Fetch reads the event's canceled flag (not an overridable
	// attribute): preventDefault() without respondWith is a network error.
	inWorker(`self.cancelNext = true; Object.defineProperty(FetchEvent.prototype, 'defaultPrevented', { get() { return true; }, configurable: true }); 0`)
	if _, err := h.Core().DispatchFetch(ctx, w, req); err == nil {
		t.Error("a canceled fetch event did not make a network error")
	}
	if resp, err := h.Core().DispatchFetch(ctx, w, req); resp != nil || err != nil {
		t.Errorf("an event not canceled (defaultPrevented overridden by the script): got %v, %v", resp, err)
	}
	inWorker(`delete FetchEvent.prototype.defaultPrevented; 0`)

	// A FetchEvent a script makes and dispatches itself is not the host's:
	// its respondWith goes nowhere, and is no error.
	inWorker(`const t = new EventTarget(); const fe = new FetchEvent('fetch', { request: new Request('/y'), clientId: 'c' });
		t.addEventListener('fetch', (e) => e.respondWith(new Response('mine')));
		self.scriptMade = [t.dispatchEvent(fe), fe.isTrusted, fe.request.url, fe.clientId].join(); 0`)
	if got := inWorker(`self.scriptMade`); got != "true,false,https://host-event.example/y,c" {
		t.Errorf("script-made FetchEvent: %s", got)
	}
	time.Sleep(50 * time.Millisecond) // its response promise settles
	for _, e := range h.con.errors() {
		if !strings.Contains(e, "object listener") {
			t.Errorf("script error: %s", e)
		}
	}
}

// TestEventDeadlines: an answered fetch event whose lifetime goes on
// (waitUntil) does not hold its caller; an event with a shorter deadline
// than one already in flight times out first, which stops the worker and
// fails the other; the next event starts the worker again. A caller whose
// context ends stops waiting.
func TestEventDeadlines(t *testing.T) {
	src := `
self.addEventListener('fetch', (e) => {
  // The lifetime's end is a microtask after respondWith's promise settles:
  // a reaction of the script's own registered after it may still extend it,
  // one a microtask later may not.
  if (!e.request.url.endsWith('/chain')) return;
  const p = Promise.resolve(new Response('chained'));
  const extend = () => { try { e.waitUntil(Promise.resolve()); return 'extended'; } catch (err) { return err.name; } };
  self.chain = [];
  e.respondWith(p);
  p.then(() => self.chain.push('1:' + extend()));
  p.then(() => 0).then(() => 0).then(() => self.chain.push('3:' + extend()));
});
self.addEventListener('fetch', (e) => {
  if (e.request.url.endsWith('/chain')) return;
  if (e.request.url.endsWith('/hang')) e.waitUntil(new Promise(() => {}));
  e.respondWith(new Response('ok'));
});
self.addEventListener('hang', (e) => e.waitUntil(new Promise(() => {})));
self.addEventListener('quick', (e) => e.waitUntil(Promise.reject(new Error('nope'))));
`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte(src))
	}))
	defer srv.Close()
	h := newFFHost(t, swhost.Config{EventDeadline: 20 * time.Second, Origins: []origins.Mapping{{Origin: "https://deadline.example", Upstream: srv.URL}}})
	ctx := testCtx(t)
	info, err := h.Register(ctx, "https://deadline.example/sw.js", "/")
	if err != nil {
		t.Fatal(err)
	}
	w := h.Core().RegistrationByID(info.ID).Active()
	req := func(path string) *web.Request {
		return &web.Request{Method: "GET", URL: "https://deadline.example" + path, Header: http.Header{}, Mode: "no-cors",
			Credentials: "include", Cache: "default", Redirect: "follow", Origin: "https://deadline.example"}
	}
	resp, err := h.Core().DispatchFetch(ctx, w, req("/hang"))
	if err != nil || resp == nil || string(resp.Body) != "ok" {
		t.Fatalf("fetch with a lifetime going on: %v, %v", resp, err)
	}
	env := w.Env()
	if resp, err := h.Core().DispatchFetch(ctx, w, req("/chain")); err != nil || resp == nil || string(resp.Body) != "chained" {
		t.Fatalf("chain: %v, %v", resp, err)
	}
	var chain string
	if err := env.Realm.Do(ctx, func(rt *sobek.Runtime) error {
		chain = rt.GlobalObject().Get("chain").String()
		return nil
	}); err != nil || chain != "1:extended,3:InvalidStateError" {
		t.Errorf("lifetime extension from the script's reactions: %s, %v", chain, err)
	}

	res, err := h.Core().Dispatch(ctx, w, sw.Event{Type: "quick"})
	if err != nil || !res.Rejected || len(res.Reasons) != 1 || res.Reasons[0] != "Error: nope" || res.Extended != 1 {
		t.Fatalf("quick event: %+v, %v", res, err)
	}

	start := time.Now()
	_, err = h.Core().Dispatch(ctx, w, sw.Event{Type: "hang", Deadline: 300 * time.Millisecond})
	if !errors.Is(err, sw.ErrEventTimeout) || err.Error() != "hang event: event exceeded its deadline (300ms)" {
		t.Fatalf("hang event: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the 300ms deadline passed after %s", d)
	}
	// The worker was stopped.
	for i := 0; w.Env() == env; i++ {
		if i > 200 {
			t.Fatal("the worker was not stopped")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The next event starts it again.
	if resp, err := h.Core().DispatchFetch(ctx, w, req("/again")); err != nil || resp == nil || string(resp.Body) != "ok" {
		t.Fatalf("after the stop: %v, %v", resp, err)
	}

	// A caller's context ends: it stops waiting (the event goes on until
	// its deadline or the worker stops).
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := h.Core().Dispatch(cctx, w, sw.Event{Type: "hang"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled dispatch: %v", err)
	}
	w.Stop()
}

// TestFetchWaitsForActivation: a fetch for an activating worker waits until
// its activate event is over ("If activeWorker's state is "activating", wait
// for activeWorker's state to become "activated""; WPT
// fetch-waits-for-activate): the handler sees what activate did.
func TestFetchWaitsForActivation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<!doctype html><script>navigator.serviceWorker.register('/sw.js')</script>`))
		case "/sw.js":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte(`
self.addEventListener('activate', (e) => e.waitUntil(new Promise((r) => setTimeout(r, 1000)).then(() => { self.ready = 'migrated'; })));
self.addEventListener('fetch', (e) => e.respondWith(new Response('the worker found: ' + self.ready)));`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	const origin = "https://activating.example"
	h := newFFHost(t, swhost.Config{Origins: []origins.Mapping{{Origin: origin, Upstream: srv.URL}}})
	ctx := testCtx(t)
	page, err := h.OpenPage(ctx, origin+"/")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	// The worker becomes active (activating) and its activate event runs
	// for a second.
	var w *sw.Worker
	for w == nil {
		if reg := h.Core().Match(origin + "/"); reg != nil {
			if a := reg.Active(); a != nil && a.State() == sw.Activating {
				w = a
				break
			}
			if a := reg.Active(); a != nil && a.State() == sw.Activated {
				t.Fatal("the worker was activated before the test saw it activating")
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("the worker never became active")
		case <-time.After(2 * time.Millisecond):
		}
	}
	resp, err := h.Core().DispatchFetch(ctx, w, &web.Request{Method: "GET", URL: origin + "/x", Header: http.Header{}, Mode: "no-cors",
		Credentials: "include", Cache: "default", Redirect: "follow", Origin: origin})
	if err != nil || resp == nil {
		t.Fatalf("fetch: %v, %v", resp, err)
	}
	if got := string(resp.Body); got != "the worker found: migrated" {
		t.Fatalf("the handler answered %q: it ran before activate ended", got)
	}
	if s := w.State(); s != sw.Activated {
		t.Fatalf("state %s after the fetch", s)
	}
}
