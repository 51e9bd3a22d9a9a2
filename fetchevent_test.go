package swhost_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/origins"
)

// fetchFixture is https://app.example (testdata/fetch: a page and a worker
// whose fetch handler the path selects) with the worker active and a
// controlled page open, and https://cdn.example, another origin.
type fetchFixture struct {
	h    *ffHost
	site *ffSite
	cdn  *ffSite
	page *swhost.Page
}

const appOrigin = "https://app.example"

func newFetchFixture(t *testing.T) *fetchFixture {
	t.Helper()
	f := &fetchFixture{site: newFFSite(t, filepath.Join("testdata", "fetch")), cdn: newFFSite(t, filepath.Join("testdata", "fetch"))}
	// The network's answer for paths the worker lets through.
	f.site.extra = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/fe/") && !strings.HasPrefix(r.URL.Path, "/net/") {
			return false
		}
		switch r.URL.Path {
		case "/net/missing":
			http.NotFound(w, r)
			return true
		case "/net/vary":
			w.Header().Set("Vary", "*")
		case "/net/partial":
			w.Header().Set("Content-Range", "bytes 0-1/10")
			w.WriteHeader(http.StatusPartialContent)
			fmt.Fprint(w, "pa")
			return true
		}
		w.Header().Set("Content-Type", "text/plain")
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "network %s %s%s", r.Method, r.URL.RequestURI(), body)
		return true
	}
	f.cdn.extra = func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case "/cors.txt":
			w.Header().Set("Access-Control-Allow-Origin", "*")
		case "/opaque.txt":
		default:
			return false
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Secret", "hidden from other origins")
		fmt.Fprintf(w, "cdn %s", r.URL.Path)
		return true
	}
	f.h = newFFHost(t, swhost.Config{Origins: []origins.Mapping{
		{Origin: appOrigin, Upstream: f.site.URL()},
		{Origin: "https://cdn.example", Upstream: f.cdn.URL()},
	}})
	ctx := testCtx(t)
	if _, err := f.h.Register(ctx, appOrigin+"/sw.js", "/"); err != nil {
		t.Fatal(err)
	}
	page, err := f.h.OpenPage(ctx, appOrigin+"/page.html")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(page.Close)
	if page.Client.Controller() == nil {
		t.Fatal("the page is not controlled")
	}
	f.page = page
	return f
}

// window runs body in the page; worker runs it in the active worker.
func (f *fetchFixture) window(t *testing.T, body string) ffResult { return f.h.eval(t, f.page, body) }
func (f *fetchFixture) worker(t *testing.T, body string) ffResult {
	b, _ := json.Marshal(body)
	return f.h.eval(t, f.page, "return await inWorker("+string(b)+");")
}
func (f *fetchFixture) in(t *testing.T, realm, body string) ffResult {
	if realm == "worker" {
		return f.worker(t, body)
	}
	return f.window(t, body)
}

var ffRealms = []string{"window", "worker"}

func jsonObj(t *testing.T, r ffResult) map[string]any {
	t.Helper()
	var m map[string]any
	if r.Err != "" || json.Unmarshal(r.OK, &m) != nil {
		t.Fatalf("want an object, got %s", r)
	}
	return m
}

// TestFetchEvent: requests of a controlled client (the page's fetch(), a
// navigation of the scope) go to the worker's fetch event first, with the
// FetchEvent's attributes; without respondWith the network answers; a
// rejected or invalid respondWith is a network error.
func TestFetchEvent(t *testing.T) {
	f := newFetchFixture(t)
	ctx := testCtx(t)

	t.Run("PageFetchAttributes", func(t *testing.T) {
		m := jsonObj(t, f.window(t, `const r = await fetch('/fe/respond'); return await r.json();`))
		want := map[string]any{"url": appOrigin + "/fe/respond", "method": "GET", "mode": "cors", "destination": "",
			"credentials": "same-origin", "clientId": f.page.Client.ID, "resultingClientId": "", "preload": nil,
			"preloadIsPromise": true, "preloadSame": true, "headersImmutable": true, "isFetchEvent": true, "accept": "*/*"}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s: got %#v, want %#v", k, m[k], v)
			}
		}
	})

	t.Run("NavigationAttributes", func(t *testing.T) {
		page, err := f.h.OpenPage(ctx, appOrigin+"/fe/respond?nav")
		if err != nil {
			t.Fatal(err)
		}
		defer page.Close()
		if !page.Client.ServedByWorker {
			t.Error("the navigation was not answered by the worker")
		}
		var m map[string]any
		if err := json.Unmarshal(page.Response.Body, &m); err != nil {
			t.Fatalf("%s: %v", page.Response.Body, err)
		}
		want := map[string]any{"mode": "navigate", "destination": "document", "credentials": "include", "clientId": "",
			"resultingClientId": page.Client.ID, "preload": nil}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s: got %#v, want %#v", k, m[k], v)
			}
		}
	})

	cases := []struct {
		name, body, want string
	}{
		{"NoRespondWithFallsThrough", `const r = await fetch('/fe/none?q=1'); return [r.status, await r.text()];`, `[200,"network GET /fe/none?q=1"]`},
		{"RejectedIsNetworkError", `try { await fetch('/fe/reject'); return 'resolved'; } catch (e) { return e.name + ': ' + e.message; }`, `"TypeError: Failed to fetch"`},
		{"NotAResponseIsNetworkError", `try { await fetch('/fe/not-a-response'); return 'resolved'; } catch (e) { return e.name; }`, `"TypeError"`},
		{"UsedBodyIsNetworkError", `try { await fetch('/fe/used-body'); return 'resolved'; } catch (e) { return e.name; }`, `"TypeError"`},
		{"PreventDefaultIsNetworkError", `try { await fetch('/fe/prevent'); return 'resolved'; } catch (e) { return e.name; }`, `"TypeError"`},
		{"ResponseErrorIsNetworkError", `try { await fetch('/fe/error'); return 'resolved'; } catch (e) { return e.name; }`, `"TypeError"`},
		{"LateRespondWithThrowsAndFallsThrough", `const r = await fetch('/fe/late'); return [await r.text(), await inWorker('return self.lateError')];`,
			`["network GET /fe/late","InvalidStateError"]`},
		{"SecondRespondWithThrows", `const r = await fetch('/fe/twice'); return [await r.text(), await inWorker('return self.twiceError')];`,
			`["first","InvalidStateError"]`},
		{"WorkerFetchBypassesTheWorker", `const r = await fetch('/fe/passthrough'); return [await r.text(), await inWorker("return self.seen.filter(s => s.path === '/fe/passthrough').length")];`,
			`["network GET /fe/passthrough",1]`},
		{"RequestBodyReachesTheEvent", `const r = await fetch('/fe/echo', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/x-test' } }); return await r.json();`,
			`{"method":"POST","body":"hello","type":"text/x-test","bodyUsed":true}`},
		{"RedirectResponseIsFollowed", `const r = await fetch('/fe/redirect'); const m = await r.json(); return [r.redirected, r.url, m.url];`,
			`[true,"https://app.example/fe/respond?from=redirect","https://app.example/fe/respond?from=redirect"]`},
		{"ErrorRedirectIsNetworkError", `try { await fetch('/fe/redirect', { redirect: 'error' }); return 'resolved'; } catch (e) { return e.name; }`, `"TypeError"`},
		{"ManualRedirectIsOpaqueRedirect", `const r = await fetch('/fe/redirect', { redirect: 'manual' }); return [r.type, r.status];`, `["opaqueredirect",0]`},
		{"CacheFirst", `const a = await (await fetch('/fe/cache-first')).text(); const b = await (await fetch('/fe/cache-first')).text();
			return [a, b, await inWorker("return self.seen.filter(s => s.path === '/fe/cache-first').length")];`, `["network GET /fe/cache-first","network GET /fe/cache-first",2]`},
		{"StreamBodyWrittenAfterTheLifetime", `const r = await fetch('/fe/stream'); return [r.status, await r.text()];`, `[200,"streamed body"]`},
		{"Handled", `const text = await (await fetch('/fe/handled')).text();
			while (!(await inWorker('return self.handledEarly === true'))) await new Promise((res) => setTimeout(res, 5));
			return [text, await inWorker('return self.lastEvent.handled.then(() => self.lastEvent.handled === self.lastEvent.handled)')];`, `["handled",true]`},
		{"WaitUntilDoesNotDelayTheResponse", `const r = await fetch('/fe/wait-until'); const text = await r.text();
			const before = !!(await caches.match('/fe/wait-until-done'));
			navigator.serviceWorker.controller.postMessage('release');
			while (!(await caches.match('/fe/wait-until-done'))) await new Promise((res) => setTimeout(res, 5));
			return [text, before];`, `["answered before the lifetime ended",false]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := f.window(t, c.body); got.String() != c.want {
				t.Errorf("got %s\nwant %s", got, c.want)
			}
		})
	}
	if n := f.site.count("/fe/cache-first"); n != 1 {
		t.Errorf("cache-first reached the network %d times", n)
	}

	t.Run("RejectedNavigationIsNetworkError", func(t *testing.T) {
		if page, err := f.h.OpenPage(ctx, appOrigin+"/fe/reject"); err == nil {
			page.Close()
			t.Fatal("the navigation succeeded")
		}
	})

	t.Run("UncontrolledPageSkipsTheWorker", func(t *testing.T) {
		// A page of another origin: its fetches never reach app.example's
		// worker (a cross-origin no-cors fetch is opaque).
		page, err := f.h.OpenPage(ctx, "https://cdn.example/page.html")
		if err != nil {
			t.Fatal(err)
		}
		defer page.Close()
		if page.Client.Controller() != nil {
			t.Fatal("controlled")
		}
		before := f.worker(t, "return self.seen.length").String()
		r := f.h.eval(t, page, `const r = await fetch('https://app.example/fe/respond', { mode: 'no-cors' }); return [r.type, r.status, await r.text()];`)
		if r.String() != `["opaque",0,""]` {
			t.Errorf("cross-origin no-cors fetch: %s", r)
		}
		if after := f.worker(t, "return self.seen.length").String(); after != before {
			t.Errorf("the worker saw the other origin's request (%s → %s)", before, after)
		}
	})
}

// TestFetchAPIInEveryRealm runs the same Fetch API checks in a window and a
// worker realm of the host.
func TestFetchAPIInEveryRealm(t *testing.T) {
	f := newFetchFixture(t)
	cases := []struct{ name, body, want string }{
		{"HeadersGuardsAndSetCookie", `const h = new Headers([['Set-Cookie', 'a=1'], ['set-cookie', 'b=2'], ['X-A', '1'], ['x-a', '2']]);
			const r = new Response('x', { headers: h }); // the response guard drops Set-Cookie
			let immutable = false;
			try { Response.error().headers.set('x', '1'); } catch (e) { immutable = e instanceof TypeError; }
			const req = new Request('/x', { mode: 'no-cors', headers: { 'X-Custom': '1', 'Accept': 'text/plain' } });
			return [h.getSetCookie(), h.get('x-a'), r.headers.getSetCookie(), immutable, req.headers.has('x-custom'), req.headers.get('accept')];`,
			`[["a=1","b=2"],"1, 2",[],true,false,"text/plain"]`},
		{"RequestAttributes", `const r = new Request('/p?q', { method: 'post', body: 'b', mode: 'same-origin', credentials: 'omit', cache: 'no-store', redirect: 'error' });
			const c = r.clone();
			return [r.url, r.method, r.mode, r.credentials, r.cache, r.redirect, r.destination, c.method, await c.text(), r.bodyUsed, c.bodyUsed, r.signal instanceof AbortSignal];`,
			`["https://app.example/p?q","POST","same-origin","omit","no-store","error","","POST","b",false,true,true]`},
		{"RequestErrors", `const out = [];
			for (const f of [() => new Request('/x', { method: 'GET', body: 'no' }), () => new Request('/x', { mode: 'navigate' }),
			                 () => new Request('http://u:p@app.example/'), () => new Request('/x', { method: 'CONNECT' })]) {
			  try { f(); out.push('ok'); } catch (e) { out.push(e.name); }
			}
			return out;`, `["TypeError","TypeError","TypeError","TypeError"]`},
		{"ResponseAttributes", `const r = new Response('body', { status: 201, statusText: 'Made', headers: { 'X-A': '1' } });
			const j = Response.json({ a: 1 }); const red = Response.redirect('https://app.example/next', 301); const err = Response.error();
			return [r.type, r.status, r.ok, r.statusText, r.redirected, r.url, j.headers.get('content-type'), await j.json(),
			        red.status, red.headers.get('location'), err.type, err.status, new Response(null, { status: 404 }).ok];`,
			`["default",201,true,"Made",false,"","application/json",{"a":1},301,"https://app.example/next","error",0,false]`},
		{"BodiesReadOnce", `const r = new Response('once'); const c = r.clone(); const t = await r.text(); let again;
			try { await r.text(); again = 'read twice'; } catch (e) { again = e.name; }
			let cloneUsed; try { r.clone(); cloneUsed = 'cloned'; } catch (e) { cloneUsed = e.name; }
			return [t, again, r.bodyUsed, await c.text(), cloneUsed];`, `["once","TypeError",true,"once","TypeError"]`},
		{"BodyKinds", `const ab = await new Response('abc').arrayBuffer(); const b = await new Response('abcd', { headers: { 'content-type': 'text/x' } }).blob();
			const fd = await new Response('a=1&b=%20two', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData();
			const form = new FormData(); form.append('k', 'v'); const mp = await new Request('/x', { method: 'POST', body: form }).formData();
			return [ab.byteLength, b.size, b.type, await b.text(), fd.get('b'), mp.get('k'), await new Response(new Blob(['x', 'y'])).text(),
			        await new Response(new URLSearchParams('a=1')).text(), await new Response(new Uint8Array([104, 105])).text()];`,
			`[3,4,"text/x","abcd"," two","v","xy","a=1","hi"]`},
		{"AbortController", `const ac = new AbortController(); const p = fetch('/net/slow', { signal: ac.signal }); ac.abort();
			let name; try { await p; name = 'resolved'; } catch (e) { name = e.name; }
			const pre = new AbortController(); pre.abort(new Error('mine'));
			let reason; try { await fetch('/net/x', { signal: pre.signal }); } catch (e) { reason = e.message; }
			return [name, ac.signal.aborted, reason, AbortSignal.abort().aborted];`, `["AbortError",true,"mine",true]`},
		{"FetchSameOriginBasic", `const r = await fetch('/net/x?y'); return [r.type, r.status, r.ok, r.url, r.redirected, await r.text()];`,
			`["basic",200,true,"https://app.example/net/x?y",false,"network GET /net/x?y"]`},
		{"FetchCrossOriginNoCorsIsOpaque", `const r = await fetch('https://cdn.example/opaque.txt', { mode: 'no-cors' });
			return [r.type, r.status, r.ok, r.url, [...r.headers].length, await r.text()];`, `["opaque",0,false,"",0,""]`},
		{"FetchCrossOriginCors", `const ok = await fetch('https://cdn.example/cors.txt'); let fail;
			try { await fetch('https://cdn.example/opaque.txt'); fail = 'resolved'; } catch (e) { fail = e.name; }
			return [ok.type, await ok.text(), ok.headers.get('x-secret'), fail];`, `["cors","cdn /cors.txt",null,"TypeError"]`},
		{"FetchSameOriginModeRefusesCrossOrigin", `try { await fetch('https://cdn.example/cors.txt', { mode: 'same-origin' }); return 'resolved'; } catch (e) { return e.name; }`, `"TypeError"`},
	}
	for _, realm := range ffRealms {
		for _, c := range cases {
			t.Run(realm+"/"+c.name, func(t *testing.T) {
				if got := f.in(t, realm, c.body); got.String() != c.want {
					t.Errorf("got  %s\nwant %s", got, c.want)
				}
			})
		}
	}
}
