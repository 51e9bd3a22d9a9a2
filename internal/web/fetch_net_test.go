package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/web"
)

// fakeNet answers fetches from a table of canned responses by URL and
// records the requests it saw.
type fakeNet struct {
	mu     sync.Mutex
	seen   []*web.Request
	routes map[string]func(ctx context.Context, req *web.Request) (*web.Response, error)
}

func (f *fakeNet) Fetch(ctx context.Context, req *web.Request) (*web.Response, error) {
	f.mu.Lock()
	f.seen = append(f.seen, req.Clone())
	h := f.routes[req.URL]
	f.mu.Unlock()
	if h == nil {
		return nil, errors.New("connection refused")
	}
	return h(ctx, req)
}

func (f *fakeNet) last() *web.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) == 0 {
		return nil
	}
	return f.seen[len(f.seen)-1]
}

func (f *fakeNet) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.seen)
}

func canned(status int, body string, header ...string) func(context.Context, *web.Request) (*web.Response, error) {
	return func(_ context.Context, req *web.Request) (*web.Response, error) {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Add(header[i], header[i+1])
		}
		return &web.Response{Status: status, StatusText: http.StatusText(status), Header: h, Body: []byte(body), HasBody: true, URLList: []string{req.URL}}, nil
	}
}

func newFakeNet() *fakeNet {
	sum := sha256.Sum256([]byte("integrity body"))
	return &fakeNet{routes: map[string]func(context.Context, *web.Request) (*web.Response, error){
		"https://app.example/data": canned(200, "hello", "Content-Type", "text/plain", "X-A", "1", "Set-Cookie", "s=1"),
		"https://app.example/echo": func(_ context.Context, req *web.Request) (*web.Response, error) {
			return &web.Response{Status: 200, Header: http.Header{"Content-Type": {req.Header.Get("Content-Type")}}, Body: req.Body, HasBody: true}, nil
		},
		"https://other.example/plain": canned(200, "secret", "Content-Type", "text/plain", "X-Secret", "1"),
		"https://other.example/cors": canned(200, "shared", "Access-Control-Allow-Origin", "*", "Content-Type", "text/plain",
			"X-Secret", "1", "X-Exposed", "2", "Access-Control-Expose-Headers", "X-Exposed"),
		"https://other.example/cors-cred": canned(200, "cred", "Access-Control-Allow-Origin", testOrigin, "Access-Control-Allow-Credentials", "true"),
		"https://other.example/cors-star": canned(200, "star", "Access-Control-Allow-Origin", "*", "Access-Control-Expose-Headers", "*", "X-Any", "1"),
		"https://app.example/slow": func(ctx context.Context, req *web.Request) (*web.Response, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
		"https://app.example/redirected": func(_ context.Context, req *web.Request) (*web.Response, error) {
			return &web.Response{Status: 200, Header: http.Header{}, Body: []byte("end"), HasBody: true,
				URLList: []string{req.URL, "https://app.example/final#frag"}, Redirected: true}, nil
		},
		"https://app.example/head":      canned(200, "should vanish"),
		"https://app.example/nocontent": canned(204, ""),
		"https://app.example/integrity": canned(200, "integrity body"),
		"https://app.example/sw-opaque": func(_ context.Context, req *web.Request) (*web.Response, error) {
			return &web.Response{Type: "opaque", Status: 200, Header: http.Header{}, Body: []byte("x"), HasBody: true}, nil
		},
		"https://other.example/sw-made": func(_ context.Context, req *web.Request) (*web.Response, error) {
			return &web.Response{Type: "default", Status: 200, Header: http.Header{"X-Sw": {"1"}}, Body: []byte("from sw"), HasBody: true, ServiceWorker: true}, nil
		},
		"https://app.example/error": func(_ context.Context, req *web.Request) (*web.Response, error) {
			return web.NetworkError(), nil
		},
		"integrity-digest": canned(0, base64.StdEncoding.EncodeToString(sum[:])),
	}}
}

func TestFetchAPI(t *testing.T) {
	net := newFakeNet()
	digest, _ := net.routes["integrity-digest"](context.Background(), &web.Request{})
	r, c := newFetchRealm(t, web.FetchEnv{Fetcher: net, ClientID: "client-1"})
	cases := []struct {
		name, src, want string
		check           func(t *testing.T, req *web.Request)
	}{
		{"same-origin", `const r = await fetch('/data'); return [r.type, r.status, r.statusText, r.url, r.redirected, r.ok, [...r.headers], await r.text()];`,
			`["basic",200,"OK","https://app.example/data",false,true,[["content-type","text/plain"],["x-a","1"]],"hello"]`,
			func(t *testing.T, req *web.Request) {
				want := web.Request{Method: "GET", URL: "https://app.example/data", Mode: "cors", Credentials: "same-origin", Cache: "default", Redirect: "follow",
					Referrer: "https://app.example/sw.js", ReferrerPolicy: "strict-origin-when-cross-origin", Origin: testOrigin, ClientID: "client-1", ServiceWorkers: "all"}
				got := *req
				got.Header = nil
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("request\n got %+v\nwant %+v", got, want)
				}
				if req.Header.Get("Accept") != "*/*" {
					t.Errorf("Accept %q", req.Header.Get("Accept"))
				}
			}},
		{"post", `const r = await fetch('echo', {method: 'POST', body: 'payload', headers: {'X-Custom': 'v', 'Accept': 'text/html'}}); return [r.headers.get('content-type'), await r.text()];`,
			`["text/plain;charset=UTF-8","payload"]`,
			func(t *testing.T, req *web.Request) {
				if req.Method != "POST" || string(req.Body) != "payload" || !req.HasBody || req.Header.Get("X-Custom") != "v" || req.Header.Get("Accept") != "text/html" {
					t.Errorf("request %+v", req)
				}
			}},
		{"request object", `const q = new Request('/echo', {method: 'PUT', body: new Uint8Array([1, 2])}); const r = await fetch(q); return [q.bodyUsed, Array.from(await r.bytes())];`,
			`[true,[1,2]]`, nil},
		{"stream body", `const s = new ReadableStream({start(c) { setTimeout(() => { c.enqueue(new Uint8Array([65, 66])); c.close(); }, 1); }});
			return await (await fetch('/echo', {method: 'POST', body: s, duplex: 'half'})).text();`, `"AB"`, nil},
		{"no-cors is opaque", `const r = await fetch('https://other.example/plain', {mode: 'no-cors'});
			return [r.type, r.status, r.ok, r.statusText, r.url, [...r.headers], r.body, await r.text()];`, `["opaque",0,false,"","",[],null,""]`,
			func(t *testing.T, req *web.Request) {
				if req.Referrer != "https://app.example/" || req.Mode != "no-cors" {
					t.Errorf("cross-origin referrer %q mode %q", req.Referrer, req.Mode)
				}
			}},
		{"cors without ACAO", `await fetch('https://other.example/plain');`, `threw TypeError: Failed to fetch`, nil},
		{"cors", `const r = await fetch('https://other.example/cors'); return [r.type, r.status, [...r.headers], await r.text()];`,
			`["cors",200,[["content-type","text/plain"],["x-exposed","2"]],"shared"]`, nil},
		{"cors star exposes all", `const r = await fetch('https://other.example/cors-star'); return r.headers.get('x-any');`, `"1"`, nil},
		{"cors credentials and star", `await fetch('https://other.example/cors', {credentials: 'include'});`, `threw TypeError: Failed to fetch`, nil},
		{"cors credentials", `const r = await fetch('https://other.example/cors-cred', {credentials: 'include'}); return [r.type, await r.text()];`, `["cors","cred"]`, nil},
		{"same-origin mode", `await fetch('https://other.example/cors', {mode: 'same-origin'});`, `threw TypeError: Failed to fetch`, nil},
		{"no-cors manual redirect", `await fetch('https://other.example/plain', {mode: 'no-cors', redirect: 'manual'});`, `threw TypeError: Failed to fetch`, nil},
		{"network error", `await fetch('/nowhere');`, `threw TypeError: Failed to fetch`, nil},
		{"error response", `await fetch('/error');`, `threw TypeError: Failed to fetch`, nil},
		{"bad input rejects", `return await fetch('/', {method: 'a b'}).catch((e) => e.name + ': ' + e.message);`,
			`"TypeError: Failed to construct 'Request': 'a b' is not a valid HTTP method."`, nil},
		{"no argument", `await fetch();`, `threw TypeError: Failed to execute 'fetch': 1 argument required, but only 0 present.`, nil},
		{"aborted before", `const n = __count(); const p = fetch('/data', {signal: AbortSignal.abort()}); const e = await p.catch((e) => e);
			return [e.name, e instanceof DOMException, __count() === n];`, `["AbortError",true,true]`, nil},
		{"aborted with reason", `await fetch('/data', {signal: AbortSignal.abort(new RangeError('mine'))});`, `threw RangeError: mine`, nil},
		{"aborted while pending", `const c = new AbortController(); const p = fetch('/slow', {signal: c.signal}); setTimeout(() => c.abort(), 5); await p;`,
			`threw AbortError: signal is aborted without reason`, nil},
		{"timeout while pending", `await fetch('/slow', {signal: AbortSignal.timeout(5)});`, `threw TimeoutError: signal timed out`, nil},
		{"aborted after response", `const c = new AbortController(); const r = await fetch('/data', {signal: c.signal}); c.abort(); await r.text();`,
			`threw AbortError: signal is aborted without reason`, nil},
		{"abort after read", `const c = new AbortController(); const r = await fetch('/data', {signal: c.signal}); const t = await r.text(); c.abort(); return t;`, `"hello"`, nil},
		{"data URL", `const r = await fetch('data:text/plain;base64,aGk='); const r2 = await fetch('data:,a%20b#frag');
			return [r.type, r.status, r.statusText, r.url, r.headers.get('content-type'), await r.text(), r2.headers.get('content-type'), await r2.text()];`,
			`["basic",200,"OK","data:text/plain;base64,aGk=","text/plain","hi","text/plain;charset=US-ASCII","a b"]`, nil},
		{"bad data URL", `await fetch('data:nocomma');`, `threw TypeError: Failed to fetch`, nil},
		{"unsupported scheme", `await fetch('ftp://app.example/x');`, `threw TypeError: Failed to fetch`, nil},
		{"HEAD has no body", `const r = await fetch('/head', {method: 'HEAD'}); return [r.body, await r.text()];`, `[null,""]`, nil},
		{"204 has no body", `const r = await fetch('/nocontent'); return [r.status, r.body];`, `[204,null]`, nil},
		{"integrity", `return await (await fetch('/integrity', {integrity: 'sha256-` + string(digest.Body) + `'})).text();`, `"integrity body"`, nil},
		{"integrity mismatch", `await fetch('/integrity', {integrity: 'sha256-AAAA sha512-BBBB'});`, `threw TypeError: Failed to fetch`, nil},
		{"integrity unknown algorithm", `return (await fetch('/integrity', {integrity: 'md5-xyz'})).status;`, `200`, nil},
		{"redirected", `const r = await fetch('/redirected'); return [r.redirected, r.url];`, `[true,"https://app.example/final"]`, nil},
		{"redirected with redirect error", `await fetch('/redirected', {redirect: 'error'});`, `threw TypeError: Failed to fetch`, nil},
		{"service worker opaque for cors", `await fetch('/sw-opaque');`, `threw TypeError: Failed to fetch`, nil},
		{"service worker response skips CORS check", `const r = await fetch('https://other.example/sw-made'); return [r.type, r.headers.get('x-sw'), await r.text()];`,
			`["cors",null,"from sw"]`, nil},
		{"referrer policy no-referrer", `await fetch('/data', {referrerPolicy: 'no-referrer'}); return 'ok';`, `"ok"`,
			func(t *testing.T, req *web.Request) {
				if req.Referrer != "" || req.ReferrerPolicy != "no-referrer" {
					t.Errorf("referrer %q policy %q", req.Referrer, req.ReferrerPolicy)
				}
			}},
		{"referrer given", `await fetch('/data', {referrer: '/page?q#f', referrerPolicy: 'unsafe-url'}); return 'ok';`, `"ok"`,
			func(t *testing.T, req *web.Request) {
				if req.Referrer != "https://app.example/page?q" {
					t.Errorf("referrer %q", req.Referrer)
				}
			}},
		{"response clone", `const r = await fetch('/data'); const c = r.clone(); return [await r.text(), await c.text(), c.type, c.url];`,
			`["hello","hello","basic","https://app.example/data"]`, nil},
		{"copy headers of a fetched response", `const r = await fetch('/data'); const h = new Headers(r.headers); h.set('x-b', '2'); return [...h];`,
			`[["content-type","text/plain"],["x-a","1"],["x-b","2"]]`, nil},
		{"immutable headers", `(await fetch('/data')).headers.set('a', 'b');`, `threw TypeError: Failed to execute 'set' on 'Headers': Headers are immutable`, nil},
	}
	if err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		return rt.Set("__count", func() int { return net.count() })
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := evalAsync(t, r, tc.src); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, net.last())
			}
		})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errs {
		t.Errorf("reported: %v", e)
	}
}

func TestFetchInServiceWorker(t *testing.T) {
	net := newFakeNet()
	r, _ := newFetchRealm(t, web.FetchEnv{Fetcher: net, ServiceWorker: true})
	if got := evalAsync(t, r, `return (await fetch('/data')).status;`); got != "200" {
		t.Fatal(got)
	}
	if sw := net.last().ServiceWorkers; sw != "none" {
		t.Errorf("ServiceWorkers %q", sw)
	}
}

func TestFetchWithoutFetcher(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	got := evalAsync(t, r, `const a = await fetch('/x').catch((e) => e.message); return [a, await (await fetch('data:,ok')).text()];`)
	if got != `["Failed to fetch","ok"]` {
		t.Fatal(got)
	}
}

// ---- NetworkFetcher ------------------------------------------------------

type netServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
	body map[string]string
}

func newNetServer(t *testing.T, handler func(s *netServer, w http.ResponseWriter, r *http.Request)) *netServer {
	s := &netServer{body: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, r)
		s.body[r.URL.Path] = string(b)
		s.mu.Unlock()
		handler(s, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *netServer) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[len(s.reqs)-1]
}

func TestNetworkFetcher(t *testing.T) {
	var other *netServer
	srv := newNetServer(t, func(s *netServer, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Add("Set-Cookie", "a=1")
			fmt.Fprint(w, "ok body")
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/redirect-307":
			http.Redirect(w, r, "/echo", http.StatusTemporaryRedirect)
		case "/redirect-303":
			http.Redirect(w, r, "/echo", http.StatusSeeOther)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/to-other":
			http.Redirect(w, r, other.URL+"/ok", http.StatusFound)
		case "/to-other-cors":
			w.Header().Set("Access-Control-Allow-Origin", "*")
			http.Redirect(w, r, other.URL+"/cors", http.StatusFound)
		case "/echo":
			w.Header().Set("X-Method", r.Method)
			w.Header().Set("X-Content-Type", r.Header.Get("Content-Type"))
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s", s.body[r.URL.Path]+string(b))
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	})
	other = newNetServer(t, func(s *netServer, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cors":
			w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
			fmt.Fprint(w, "cors ok")
		default:
			fmt.Fprint(w, "other")
		}
	})
	origin := srv.URL
	f := web.NetworkFetcher(nil)
	do := func(req web.Request) (*web.Response, error) {
		if req.Origin == "" {
			req.Origin = origin
		}
		if req.Header == nil {
			req.Header = http.Header{}
		}
		return f.Fetch(context.Background(), &req)
	}
	cases := []struct {
		name    string
		req     web.Request
		wantErr bool
		check   func(t *testing.T, resp *web.Response)
	}{
		{"get", web.Request{Method: "GET", URL: origin + "/ok#frag", Mode: "cors", Referrer: origin + "/page"}, false, func(t *testing.T, resp *web.Response) {
			if resp.Type != "default" || resp.Status != 200 || resp.StatusText != "OK" || string(resp.Body) != "ok body" || !resp.HasBody ||
				resp.Header.Get("Set-Cookie") != "a=1" || !slices.Equal(resp.URLList, []string{origin + "/ok#frag"}) || resp.Redirected {
				t.Errorf("%+v", resp)
			}
			if got := srv.last(); got.Header.Get("Referer") != origin+"/page" || got.Header.Get("Origin") != "" || got.URL.Fragment != "" {
				t.Errorf("server saw %v", got.Header)
			}
		}},
		{"follow", web.Request{URL: origin + "/redirect#f", Redirect: "follow"}, false, func(t *testing.T, resp *web.Response) {
			if string(resp.Body) != "ok body" || !resp.Redirected || !slices.Equal(resp.URLList, []string{origin + "/redirect#f", origin + "/ok#f"}) {
				t.Errorf("%+v", resp)
			}
		}},
		{"manual", web.Request{URL: origin + "/redirect", Redirect: "manual"}, false, func(t *testing.T, resp *web.Response) {
			if resp.Type != "opaqueredirect" || resp.Status != 302 || resp.Header.Get("Location") != "/ok" {
				t.Errorf("%+v", resp)
			}
		}},
		{"error mode", web.Request{URL: origin + "/redirect", Redirect: "error"}, true, nil},
		{"too many", web.Request{URL: origin + "/loop", Redirect: "follow"}, true, nil},
		{"307 keeps POST", web.Request{Method: "POST", URL: origin + "/redirect-307", Redirect: "follow", Body: []byte("b"), HasBody: true,
			Header: http.Header{"Content-Type": {"text/plain"}}}, false, func(t *testing.T, resp *web.Response) {
			if resp.Header.Get("X-Method") != "POST" || string(resp.Body) != "b" || resp.Header.Get("X-Content-Type") != "text/plain" {
				t.Errorf("%+v %q", resp.Header, resp.Body)
			}
			if got := srv.last(); got.Header.Get("Origin") != origin {
				t.Errorf("Origin %q", got.Header.Get("Origin"))
			}
		}},
		{"303 becomes GET", web.Request{Method: "POST", URL: origin + "/redirect-303", Redirect: "follow", Body: []byte("b"), HasBody: true,
			Header: http.Header{"Content-Type": {"text/plain"}}}, false, func(t *testing.T, resp *web.Response) {
			if resp.Header.Get("X-Method") != "GET" || string(resp.Body) != "" || resp.Header.Get("X-Content-Type") != "" {
				t.Errorf("%+v %q", resp.Header, resp.Body)
			}
		}},
		{"HEAD", web.Request{Method: "HEAD", URL: origin + "/ok"}, false, func(t *testing.T, resp *web.Response) {
			if resp.HasBody || resp.Body != nil || resp.Status != 200 {
				t.Errorf("%+v", resp)
			}
		}},
		{"204", web.Request{URL: origin + "/nocontent"}, false, func(t *testing.T, resp *web.Response) {
			if resp.HasBody || resp.Status != 204 {
				t.Errorf("%+v", resp)
			}
		}},
		{"404", web.Request{URL: origin + "/missing"}, false, func(t *testing.T, resp *web.Response) {
			if resp.Status != 404 || resp.StatusText != "Not Found" {
				t.Errorf("%+v", resp)
			}
		}},
		{"same-origin mode redirected away", web.Request{URL: origin + "/to-other", Mode: "same-origin", Redirect: "follow"}, true, nil},
		{"cors redirected to a server without ACAO", web.Request{URL: origin + "/to-other", Mode: "cors", Redirect: "follow"}, true, nil},
		{"cors across origins", web.Request{URL: origin + "/to-other-cors", Mode: "cors", Redirect: "follow"}, false, func(t *testing.T, resp *web.Response) {
			if string(resp.Body) != "cors ok" || len(resp.URLList) != 2 {
				t.Errorf("%+v", resp)
			}
			if got := other.last().Header.Get("Origin"); got != origin {
				t.Errorf("Origin %q", got)
			}
		}},
		{"cors to other origin", web.Request{URL: other.URL + "/cors", Mode: "cors"}, false, func(t *testing.T, resp *web.Response) {
			if string(resp.Body) != "cors ok" || other.last().Header.Get("Origin") != origin {
				t.Errorf("%+v", resp)
			}
		}},
		{"no-cors to other origin", web.Request{URL: other.URL + "/plain", Mode: "no-cors"}, false, func(t *testing.T, resp *web.Response) {
			if string(resp.Body) != "other" || other.last().Header.Get("Origin") != "" {
				t.Errorf("%+v", resp)
			}
		}},
		{"cache mode headers", web.Request{URL: origin + "/ok", Cache: "no-store"}, false, func(t *testing.T, resp *web.Response) {
			if h := srv.last().Header; h.Get("Cache-Control") != "no-cache" || h.Get("Pragma") != "no-cache" {
				t.Errorf("%v", h)
			}
		}},
		{"authorization dropped across origins", web.Request{URL: origin + "/to-other", Mode: "no-cors", Redirect: "follow",
			Header: http.Header{"Authorization": {"Bearer x"}}}, false, func(t *testing.T, resp *web.Response) {
			if other.last().Header.Get("Authorization") != "" {
				t.Error("Authorization crossed origins")
			}
		}},
		{"unsupported scheme", web.Request{URL: "ftp://x.example/"}, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := do(tc.req)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, resp)
			}
		})
	}

	t.Run("cancel", func(t *testing.T) {
		block := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}))
		defer slow.Close()
		defer close(block)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := f.Fetch(ctx, &web.Request{URL: slow.URL + "/", Header: http.Header{}})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v", err)
		}
	})

	t.Run("through fetch()", func(t *testing.T) {
		r, _ := newFetchRealm(t, web.FetchEnv{Fetcher: f, Origin: origin, BaseURL: origin + "/app/"})
		src := `const a = await fetch('/redirect'); const b = await fetch('OTHER/cors');
			const c = await fetch('OTHER/x', {mode: 'no-cors'}); const d = await fetch('/redirect', {redirect: 'manual'});
			return [a.type, a.redirected, a.url, [...a.headers].map((h) => h[0]).includes('set-cookie'), await a.text(),
				b.type, await b.text(), c.type, d.type, d.status, d.url];`
		got := evalAsync(t, r, strings.ReplaceAll(src, "OTHER", other.URL))
		want := strings.ReplaceAll(`["basic",true,"ORIGIN/ok",false,"ok body","cors","cors ok","opaque","opaqueredirect",0,"ORIGIN/redirect"]`, "ORIGIN", origin)
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}

// A service worker passing its fetch event's navigation request on.
func TestFetchNavigationRequest(t *testing.T) {
	net := newFakeNet()
	net.routes["https://other.example/nav"] = func(_ context.Context, req *web.Request) (*web.Response, error) {
		return &web.Response{Type: "opaqueredirect", Status: 302, Header: http.Header{"Location": {"/elsewhere"}}, URLList: []string{req.URL}}, nil
	}
	r, _ := newFetchRealm(t, web.FetchEnv{Fetcher: net, ServiceWorker: true})
	loopDo(t, r, func(rt *sobek.Runtime) error {
		_ = rt.Set("navReq", web.RequestToJS(r, &web.Request{Method: "POST", URL: "https://other.example/plain", Mode: "navigate", Redirect: "manual",
			Destination: "document", Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("a=1"), HasBody: true}))
		_ = rt.Set("navReq2", web.RequestToJS(r, &web.Request{URL: "https://other.example/nav", Mode: "navigate", Redirect: "manual"}))
		return nil
	})
	got := evalAsync(t, r, `const a = await fetch(navReq); const b = await fetch(navReq2);
		return [a.type, a.status, await a.text(), navReq.bodyUsed, b.type, b.status, b.url, b.headers.has('location')];`)
	if want := `["basic",200,"secret",true,"opaqueredirect",0,"https://other.example/nav",false]`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if req := net.seen[0]; req.Mode != "navigate" || string(req.Body) != "a=1" || req.Method != "POST" || req.Destination != "document" || req.ServiceWorkers != "none" {
		t.Errorf("%+v", req)
	}
}
