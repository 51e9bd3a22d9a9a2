package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// onLoop runs fn as a task of r and waits for it.
func loopDo(t testing.TB, r *js.Realm, fn func(rt *sobek.Runtime) error) {
	t.Helper()
	// A task that is interrupted never answers Do: bound the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Do(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// jsEval evaluates an expression on the loop.
func evalOnLoop(t testing.TB, r *js.Realm, src string) sobek.Value {
	t.Helper()
	var v sobek.Value
	loopDo(t, r, func(rt *sobek.Runtime) error {
		var err error
		v, err = rt.RunString(src)
		return err
	})
	return v
}

func isTypeError(err error) bool {
	var e *js.Error
	return errors.As(err, &e) && e.Name == "TypeError"
}

func TestRequestToJS(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	req := &web.Request{
		Method: "POST", URL: "https://app.example/page?x#h", Header: http.Header{"Content-Type": {"text/plain"}, "X-Multi": {"a", "b"}, "X-Latin": {"caf\xe9"}},
		Body: []byte("form body"), HasBody: true, Mode: "navigate", Credentials: "include", Cache: "no-cache", Redirect: "manual",
		Destination: "document", Referrer: "https://app.example/from", ReferrerPolicy: "origin", Integrity: "", Keepalive: true,
	}
	loopDo(t, r, func(rt *sobek.Runtime) error {
		_ = rt.Set("goReq", web.RequestToJS(r, req))
		_ = rt.Set("goGet", web.RequestToJS(r, &web.Request{URL: "https://app.example/"}))
		return nil
	})
	got := evalAsync(t, r, `const q = goReq; const set = Reflect.set(q, 'mode', 'cors'); let immutable; try { q.headers.set('a', 'b'); } catch (e) { immutable = e.name; }
		const text = await q.text(); const copy = new Request(q, {headers: {'X-New': '1'}, body: 'new'});
		return [q instanceof Request, q.method, q.url, q.mode, q.credentials, q.cache, q.redirect, q.destination, q.referrer, q.referrerPolicy, q.keepalive,
			[...q.headers], immutable, q.signal.aborted, text, copy.mode, copy.destination,
			goGet.method, goGet.mode, goGet.credentials, goGet.cache, goGet.redirect, goGet.referrer, goGet.body];`)
	want := `[true,"POST","https://app.example/page?x#h","navigate","include","no-cache","manual","document","https://app.example/from","origin",true,` +
		`[["content-type","text/plain"],["x-latin","café"],["x-multi","a, b"]],"TypeError",false,"form body","same-origin","document",` +
		`"GET","no-cors","same-origin","default","follow","",null]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestRequestFromJS(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{ClientID: "c1"})
	v := evalOnLoop(t, r, `new Request('/p?q#frag', {method: 'PUT', body: 'data', headers: {'X-Latin': 'caf\xe9', 'X-A': '1'}, mode: 'same-origin',
		credentials: 'omit', cache: 'reload', redirect: 'error', referrer: '', referrerPolicy: 'unsafe-url', integrity: 'sha256-abc', keepalive: true})`)
	loopDo(t, r, func(rt *sobek.Runtime) error {
		got, err := web.RequestFromJS(r, v)
		if err != nil {
			t.Fatal(err)
		}
		want := &web.Request{Method: "PUT", URL: "https://app.example/p?q#frag", Body: []byte("data"), HasBody: true, Mode: "same-origin", Credentials: "omit",
			Cache: "reload", Redirect: "error", Referrer: "", ReferrerPolicy: "unsafe-url", Integrity: "sha256-abc", Keepalive: true,
			Origin: testOrigin, ClientID: "c1", ServiceWorkers: "all"}
		hdr := got.Header
		got.Header = nil
		if !equalRequest(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if hdr.Get("X-Latin") != "caf\xe9" || hdr.Get("X-A") != "1" || hdr.Get("Content-Type") != "text/plain;charset=UTF-8" {
			t.Errorf("headers %v", hdr)
		}
		if web.IsBodyUsed(r, v) {
			t.Error("converting without ConsumeBody used the body")
		}
		if _, err := web.RequestFromJS(r, v, web.ConsumeBody); err != nil {
			t.Fatal(err)
		}
		if !web.IsBodyUsed(r, v) {
			t.Error("ConsumeBody did not use the body")
		}
		if _, err := web.RequestFromJS(r, v, web.ConsumeBody); !isTypeError(err) {
			t.Errorf("second consume: %v", err)
		}
		// Strings: only with AcceptURLString.
		if _, err := web.RequestFromJS(r, rt.ToValue("/x")); !isTypeError(err) {
			t.Errorf("string without option: %v", err)
		}
		s, err := web.RequestFromJS(r, rt.ToValue("/x?y"), web.AcceptURLString)
		if err != nil || s.Method != "GET" || s.URL != "https://app.example/x?y" || s.Mode != "cors" || s.HasBody {
			t.Errorf("string: %+v %v", s, err)
		}
		if _, err := web.RequestFromJS(r, rt.ToValue("http://["), web.AcceptURLString); !isTypeError(err) {
			t.Errorf("bad string: %v", err)
		}
		if _, err := web.RequestFromJS(r, rt.NewObject(), web.AcceptURLString); !isTypeError(err) {
			t.Errorf("object: %v", err)
		}
		if _, err := web.RequestFromJS(r, nil, web.AcceptURLString); !isTypeError(err) {
			t.Errorf("nil: %v", err)
		}
		if _, err := web.RequestFromJS(r, sobek.Undefined()); !isTypeError(err) {
			t.Errorf("undefined: %v", err)
		}
		if !web.IsRequest(r, v) || web.IsResponse(r, v) || web.IsRequest(r, rt.ToValue(1)) {
			t.Error("IsRequest/IsResponse")
		}
		return nil
	})
}

func equalRequest(a, b *web.Request) bool {
	a2, b2 := *a, *b
	if !slices.Equal(a2.Body, b2.Body) {
		return false
	}
	a2.Body, b2.Body, a2.Header, b2.Header = nil, nil, nil, nil
	return fmt.Sprintf("%+v", a2) == fmt.Sprintf("%+v", b2)
}

func TestResponseToJSFilters(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	hdr := http.Header{"Content-Type": {"text/plain"}, "Set-Cookie": {"a=1"}, "X-Secret": {"s"}, "X-Exposed": {"e"}, "Cache-Control": {"max-age=1"}}
	mk := func(typ string) *web.Response {
		return &web.Response{Type: typ, Status: 201, StatusText: "Created", Header: hdr, Body: []byte("body"), HasBody: true,
			URLList: []string{"https://x.example/a", "https://x.example/b#f"}, CORSExposedHeaders: []string{"X-Exposed", "Set-Cookie"}}
	}
	loopDo(t, r, func(rt *sobek.Runtime) error {
		for _, typ := range []string{"", "basic", "cors", "opaque", "opaqueredirect", "error"} {
			_ = rt.Set("res_"+typ, web.ResponseToJS(r, mk(typ)))
		}
		_ = rt.Set("noBody", web.ResponseToJS(r, &web.Response{Status: 200, Header: http.Header{}}))
		return nil
	})
	show := `const show = async (x) => [x.type, x.status, x.statusText, x.url, x.redirected, [...x.headers].map((h) => h[0]), x.body === null, await x.text()];`
	cases := []struct{ name, want string }{
		{"", `["default",201,"Created","https://x.example/b",true,["cache-control","content-type","set-cookie","x-exposed","x-secret"],false,"body"]`},
		{"basic", `["basic",201,"Created","https://x.example/b",true,["cache-control","content-type","x-exposed","x-secret"],false,"body"]`},
		{"cors", `["cors",201,"Created","https://x.example/b",true,["cache-control","content-type","x-exposed"],false,"body"]`},
		{"opaque", `["opaque",0,"","",false,[],true,""]`},
		{"opaqueredirect", `["opaqueredirect",0,"","https://x.example/b",true,[],true,""]`},
		{"error", `["error",0,"","",false,[],true,""]`},
	}
	for _, tc := range cases {
		if got := evalAsync(t, r, show+`return await show(res_`+tc.name+`);`); got != tc.want {
			t.Errorf("%q: got  %s\n     want %s", tc.name, got, tc.want)
		}
	}
	if got := evalAsync(t, r, `return [noBody.body, await noBody.text()];`); got != `[null,""]` {
		t.Error(got)
	}
	// The internal response survives a round trip through JS, clones included.
	loopDo(t, r, func(rt *sobek.Runtime) error {
		for _, typ := range []string{"opaque", "cors", "basic"} {
			v := web.ResponseToJS(r, mk(typ))
			_ = rt.Set("fresh", v)
			c, err := rt.RunString(`fresh.clone()`)
			if err != nil {
				return err
			}
			for _, x := range []sobek.Value{c, v} {
				back, err := web.ResponseFromJS(r, x)
				if err != nil {
					t.Fatal(err)
				}
				if back.Type != typ || back.Status != 201 || string(back.Body) != "body" || back.Header.Get("Set-Cookie") != "a=1" || len(back.URLList) != 2 {
					t.Errorf("%s round trip: %+v", typ, back)
				}
			}
		}
		return nil
	})
}

func TestResponseFromJS(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	loopDo(t, r, func(rt *sobek.Runtime) error {
		v, _ := rt.RunString(`new Response('hi', {status: 203, statusText: 'Odd', headers: {'X-A': '1'}})`)
		resp, err := web.ResponseFromJS(r, v)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Type != "default" || resp.Status != 203 || resp.StatusText != "Odd" || string(resp.Body) != "hi" || !resp.HasBody ||
			resp.Header.Get("X-A") != "1" || resp.Header.Get("Content-Type") != "text/plain;charset=UTF-8" || len(resp.URLList) != 0 || resp.Redirected {
			t.Errorf("%+v", resp)
		}
		if web.IsBodyUsed(r, v) {
			t.Error("used")
		}
		if err := web.MarkBodyUsed(r, v); err != nil {
			t.Fatal(err)
		}
		if !web.IsBodyUsed(r, v) {
			t.Error("not used after MarkBodyUsed")
		}
		if err := web.MarkBodyUsed(r, v); !isTypeError(err) {
			t.Errorf("second MarkBodyUsed: %v", err)
		}
		if _, err := web.ResponseFromJS(r, v, web.ConsumeBody); !isTypeError(err) {
			t.Errorf("consume a used body: %v", err)
		}
		used, _ := rt.RunString(`globalThis.used = new Response('x'); used`)
		if _, err := web.ResponseFromJS(r, used, web.ConsumeBody); err != nil {
			t.Fatal(err)
		}
		if b, _ := rt.RunString(`used.bodyUsed`); !b.ToBoolean() {
			t.Error("ConsumeBody did not mark bodyUsed")
		}
		nb, _ := rt.RunString(`new Response(null, {status: 204})`)
		if resp, err := web.ResponseFromJS(r, nb, web.ConsumeBody); err != nil || resp.HasBody || resp.Body != nil {
			t.Errorf("null body: %+v %v", resp, err)
		}
		if web.IsBodyUsed(r, nb) || web.MarkBodyUsed(r, nb) != nil {
			t.Error("null body used")
		}
		if _, err := web.ResponseFromJS(r, rt.ToValue("x")); !isTypeError(err) {
			t.Errorf("string: %v", err)
		}
		if _, err := web.ResponseFromJS(r, rt.NewObject()); !isTypeError(err) {
			t.Errorf("object: %v", err)
		}
		// A stream script has fully written converts at once.
		sv, _ := rt.RunString(`new Response(new ReadableStream({start(c) { c.enqueue(new Uint8Array([1])); c.enqueue(new Uint8Array([2])); c.close(); }}))`)
		if resp, err := web.ResponseFromJS(r, sv); err != nil || !slices.Equal(resp.Body, []byte{1, 2}) {
			t.Errorf("full stream: %+v %v", resp, err)
		}
		return nil
	})
}

func TestResponseFromJSAsync(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	type result struct {
		resp *web.Response
		err  error
	}
	done := make(chan result, 5)
	loopDo(t, r, func(rt *sobek.Runtime) error {
		used, _ := rt.RunString(`const u = new Response('used'); u.text(); u`)
		web.ResponseFromJSAsync(r, used, func(resp *web.Response, err error) { done <- result{resp, err} })
		v, _ := rt.RunString(`globalThis.streamed = new Response(new ReadableStream({start(c) {
			setTimeout(() => { c.enqueue(new Uint8Array([104, 105])); setTimeout(() => c.close(), 1); }, 1); }}), {status: 202}); streamed`)
		if _, err := web.ResponseFromJS(r, v); !errors.Is(err, web.ErrBodyPending) {
			t.Errorf("sync conversion of a pending stream: %v", err)
		}
		web.ResponseFromJSAsync(r, v, func(resp *web.Response, err error) { done <- result{resp, err} })
		plain, _ := rt.RunString(`new Response('now')`)
		web.ResponseFromJSAsync(r, plain, func(resp *web.Response, err error) { done <- result{resp, err} })
		bad, _ := rt.RunString(`new Response(new ReadableStream({pull(c) { c.error(new RangeError('nope')); }}))`)
		web.ResponseFromJSAsync(r, bad, func(resp *web.Response, err error) { done <- result{resp, err} })
		web.ResponseFromJSAsync(r, rt.ToValue(1), func(resp *web.Response, err error) { done <- result{resp, err} })
		return nil
	})
	var got []result
	for len(got) < 5 {
		select {
		case x := <-done:
			got = append(got, x)
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d results", len(got))
		}
	}
	var texts []string
	var errs []string
	for _, x := range got {
		if x.err != nil {
			errs = append(errs, x.err.Error())
		} else {
			texts = append(texts, string(x.resp.Body))
		}
	}
	slices.Sort(texts)
	slices.Sort(errs)
	if !slices.Equal(texts, []string{"hi", "now"}) || !slices.Equal(errs, []string{"RangeError: nope", "TypeError: Response body is already used", "TypeError: The provided value is not of type 'Response'."}) {
		t.Errorf("texts %q errs %q", texts, errs)
	}
	if got := evalOnLoop(t, r, `streamed.bodyUsed`); !got.ToBoolean() {
		t.Error("async conversion did not use the body")
	}
}

func TestRequestFromJSAsync(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	done := make(chan *web.Request, 1)
	loopDo(t, r, func(rt *sobek.Runtime) error {
		v, _ := rt.RunString(`new Request('/up', {method: 'POST', duplex: 'half', body: new ReadableStream({start(c) {
			setTimeout(() => { c.enqueue(new Uint8Array([111, 107])); c.close(); }, 1); }})})`)
		web.RequestFromJSAsync(r, v, func(req *web.Request, err error) {
			if err != nil {
				t.Error(err)
			}
			done <- req
		})
		return nil
	})
	select {
	case req := <-done:
		if req == nil || string(req.Body) != "ok" || req.Method != "POST" || req.Origin != testOrigin {
			t.Errorf("%+v", req)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no result")
	}
}

func TestAbortRequest(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	loopDo(t, r, func(rt *sobek.Runtime) error {
		v := web.RequestToJS(r, &web.Request{URL: "https://app.example/"})
		_ = rt.Set("q", v)
		_ = rt.Set("q2", web.RequestToJS(r, &web.Request{URL: "https://app.example/"}))
		_, err := rt.RunString(`globalThis.follow = new Request(q); q.signal.onabort = () => globalThis.heard = q.signal.reason.name;`)
		if err != nil {
			return err
		}
		web.AbortRequest(r, v, nil)
		web.AbortRequest(r, rt.Get("q2"), &js.Error{Name: "TimeoutError", Message: "late"})
		return nil
	})
	if got := evalAsync(t, r, `return [q.signal.aborted, heard, follow.signal.aborted, q2.signal.reason.name, q2.signal.reason.message];`); got != `[true,"AbortError",true,"TimeoutError","late"]` {
		t.Error(got)
	}
}
