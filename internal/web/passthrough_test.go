package web_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/web"
)

// passthroughCases are Go responses as Cache Storage and fetch() hand to
// ResponseToJS, odd ones included (names that are not canonical, a name
// without values, Latin-1 bytes, bodies that are there or not).
func passthroughCases() map[string]*web.Response {
	body := []byte(strings.Repeat("a", 1024))
	return map[string]*web.Response{
		"basic": {Type: "basic", Status: 200, StatusText: "OK", HasBody: true, Body: body,
			Header:  http.Header{"Content-Type": {"text/html"}, "Content-Length": {"1024"}, "Set-Cookie": {"a=1", "b=2"}},
			URLList: []string{"https://x.example/page"}},
		"default-odd": {Status: 203, StatusText: "\xe9t\xe9", HasBody: true, Body: []byte("caf\xe9"),
			Header:  http.Header{"x-lower": {"1"}, "X-Lower": {"2", "3"}, "X-Empty": {}, "X-Latin": {"caf\xe9"}, "Content-Type": {"text/plain; charset=latin1"}},
			URLList: []string{"https://x.example/a", "https://x.example/b#frag"}, Redirected: true, ServiceWorker: true},
		"cors-computed": {Type: "cors", Status: 201, StatusText: "Created", HasBody: true, Body: []byte("{}"),
			Header:  http.Header{"Content-Type": {"application/json"}, "Access-Control-Expose-Headers": {"X-A, x-b"}, "X-A": {"a"}, "X-B": {"b"}, "X-C": {"c"}},
			URLList: []string{"https://api.example/x"}},
		"cors-given": {Type: "cors", Status: 200, HasBody: true, Body: []byte("x"), Header: http.Header{"X-A": {"a"}, "X-B": {"b"}},
			CORSExposedHeaders: []string{"X-B"}, URLList: []string{"https://api.example/y"}},
		"cors-none": {Type: "cors", Status: 200, HasBody: true, Body: []byte("x"), Header: http.Header{"X-A": {"a"}},
			URLList: []string{"https://api.example/z"}},
		"opaque": {Type: "opaque", Status: 200, StatusText: "OK", HasBody: true, Body: []byte("secret"),
			Header: http.Header{"X-Secret": {"s"}}, URLList: []string{"https://other.example/s"}},
		"opaqueredirect": {Type: "opaqueredirect", Status: 302, StatusText: "Found",
			Header: http.Header{"Location": {"/next"}}, URLList: []string{"https://x.example/r"}},
		"error":             {Type: "error"},
		"nil-header-body":   {Type: "basic", Status: 200, HasBody: true},
		"body-no-hasbody":   {Type: "basic", Status: 200, Body: []byte("stray"), Header: http.Header{}},
		"empty-no-hasbody":  {Type: "basic", Status: 200, Body: []byte{}, Header: http.Header{}, URLList: []string{}},
		"null-body-status":  {Type: "basic", Status: 204, StatusText: "No Content", Header: http.Header{"X-A": {"1"}}},
		"empty-body":        {Type: "basic", Status: 200, HasBody: true, Body: []byte{}, Header: http.Header{"Content-Length": {"0"}}},
		"redirected-single": {Type: "basic", Status: 200, HasBody: true, Body: []byte("r"), Redirected: true, URLList: []string{"https://x.example/"}},
	}
}

// TestResponsePassthrough: a Response ResponseToJS made comes back from
// ResponseFromJS and ResponseFromJSAsync as it would through JS (compared
// with one made while passthrough is off), whatever script did to it, and
// is passed through (not rebuilt) while script has not touched its body.
func TestResponsePassthrough(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	modes := []string{"peek", "consume", "async"}
	from := func(v sobek.Value, mode string) (*web.Response, string) {
		var resp *web.Response
		var err error
		switch mode {
		case "peek":
			resp, err = web.ResponseFromJS(r, v)
		case "consume":
			resp, err = web.ResponseFromJS(r, v, web.ConsumeBody)
		default:
			called := false
			web.ResponseFromJSAsync(r, v, func(x *web.Response, e error) { resp, err, called = x, e, true })
			if !called {
				t.Fatal("ResponseFromJSAsync did not answer at once")
			}
		}
		if err != nil {
			return nil, err.Error()
		}
		return resp, ""
	}
	// What script does to the Response first (on A, the passthrough one,
	// and B, made with passthrough off), and whether A still passes.
	scenarios := []struct {
		name, script string
		pass         bool
	}{
		{"untouched", ``, true},
		{"headers-read", `for (const x of [A, B]) { x.headers.get('content-type'); [...x.headers]; x.headers.has('x-a'); x.status; x.statusText; x.ok; x.url; x.redirected; x.type; x.bodyUsed; }`, true},
		{"headers-set", `for (const x of [A, B]) { try { x.headers.set('x-new', '1'); throw new Error('set worked'); } catch (e) { if (!(e instanceof TypeError)) throw e; } }`, true},
		{"body-read", `for (const x of [A, B]) if (x.body !== null) await x.text();`, false},
		{"array-buffer", `for (const x of [A, B]) await x.arrayBuffer();`, false},
		{"body-stream", `for (const x of [A, B]) x.body;`, false},
		{"body-locked", `for (const x of [A, B]) if (x.body !== null) x.body.getReader();`, false},
		{"body-chunk-read", `for (const x of [A, B]) if (x.body !== null) await x.body.getReader().read();`, false},
		{"clone-read", `for (const x of [A, B]) await x.clone().text();`, false},
		{"clone-kept", `globalThis.CA = A.clone(); globalThis.CB = B.clone();`, false},
	}
	for name, resp := range passthroughCases() {
		for _, sc := range scenarios {
			for _, mode := range modes {
				t.Run(fmt.Sprintf("%s/%s/%s", name, sc.name, mode), func(t *testing.T) {
					before := fmt.Sprintf("%#v", resp)
					var a, b sobek.Value
					loopDo(t, r, func(rt *sobek.Runtime) error {
						web.SetResponsePassthrough(true)
						a = web.ResponseToJS(r, resp)
						web.SetResponsePassthrough(false)
						b = web.ResponseToJS(r, resp)
						web.SetResponsePassthrough(true)
						_ = rt.Set("A", a)
						_ = rt.Set("B", b)
						return nil
					})
					if sc.script != "" {
						if got := evalAsync(t, r, sc.script); got != "undefined" {
							t.Fatalf("script: %s", got)
						}
					}
					loopDo(t, r, func(rt *sobek.Runtime) error {
						if web.IsPassthrough(r, b) {
							t.Error("passthrough while off")
						}
						hasBody := resp.HasBody || len(resp.Body) > 0
						// A body that is read is not taken back as it was
						// (script sees none in an opaque or error response).
						filtered := resp.Type == "opaque" || resp.Type == "opaqueredirect" || resp.Type == "error"
						wantPass := sc.pass || !hasBody || filtered
						if strings.HasPrefix(sc.name, "clone") { // clone() drops it
							wantPass = false
						}
						if got := web.IsPassthrough(r, a); got != wantPass {
							t.Errorf("passthrough %v, want %v", got, wantPass)
						}
						ga, ea := from(a, mode)
						gb, eb := from(b, mode)
						if ea != eb || !reflect.DeepEqual(ga, gb) {
							t.Errorf("passthrough: %#v %q\nthrough JS:  %#v %q", ga, ea, gb, eb)
						}
						if ga != nil {
							if ga == resp {
								t.Error("the Go response itself came back")
							}
							// Changing what came back leaves the Go response be.
							ga.Header.Set("X-Changed", "1")
							ga.ServiceWorker = true
							if len(ga.URLList) > 0 {
								ga.URLList[0] = "changed"
							}
						}
						// The JS bodies are in the same state after.
						for _, expr := range []string{`A.bodyUsed === B.bodyUsed`, `(A.body === null) === (B.body === null)`} {
							if v, err := rt.RunString(expr); err != nil || !v.ToBoolean() {
								t.Errorf("%s: %v %v", expr, v, err)
							}
						}
						// And a second conversion sees the same.
						ga, ea = from(a, mode)
						gb, eb = from(b, mode)
						if ea != eb || !reflect.DeepEqual(ga, gb) {
							t.Errorf("second: %+v %q\nthrough JS:  %+v %q", ga, ea, gb, eb)
						}
						if mode != "peek" && hasBody && ea != "TypeError: Response body is already used" {
							t.Errorf("second consume: %q", ea)
						}
						if sc.name == "clone-kept" {
							if !web.IsPassthrough(r, rt.Get("CA")) && hasBody {
								t.Error("the clone is not passed through")
							}
							ca, eca := from(rt.Get("CA"), mode)
							cb, ecb := from(rt.Get("CB"), mode)
							if eca != ecb || !reflect.DeepEqual(ca, cb) {
								t.Errorf("clone: %+v %q\nthrough JS:  %+v %q", ca, eca, cb, ecb)
							}
						}
						return nil
					})
					if after := fmt.Sprintf("%#v", resp); after != before {
						t.Errorf("the Go response changed:\n%s\n%s", before, after)
					}
				})
			}
		}
	}
}

// TestResponsePassthroughBody: a passed-through body is used afterwards,
// to script as to a second respondWith.
func TestResponsePassthroughBody(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	resp := passthroughCases()["basic"]
	loopDo(t, r, func(rt *sobek.Runtime) error {
		v := web.ResponseToJS(r, resp)
		_ = rt.Set("hit", v)
		var got *web.Response
		web.ResponseFromJSAsync(r, v, func(x *web.Response, err error) {
			if err != nil {
				t.Fatal(err)
			}
			got = x
		})
		if got == nil || string(got.Body) != string(resp.Body) || got.Header.Get("Content-Type") != "text/html" || got.Header.Values("Set-Cookie")[1] != "b=2" {
			t.Errorf("%+v", got)
		}
		if !web.IsBodyUsed(r, v) {
			t.Error("not used")
		}
		web.ResponseFromJSAsync(r, v, func(x *web.Response, err error) {
			if !isTypeError(err) {
				t.Errorf("second respondWith: %+v %v", x, err)
			}
		})
		return nil
	})
	if got := evalAsync(t, r, `const u = hit.bodyUsed; try { await hit.text(); return 'read'; } catch (e) { return [u, e.name]; }`); got != `[true,"TypeError"]` {
		t.Error(got)
	}
	if got := evalAsync(t, r, `try { hit.clone(); return 'cloned'; } catch (e) { return e.name; }`); got != `"TypeError"` {
		t.Error(got)
	}
	// Through JS, the lazily fetched parts are those of the Go response.
	loopDo(t, r, func(rt *sobek.Runtime) error {
		_ = rt.Set("hit2", web.ResponseToJS(r, passthroughCases()["default-odd"]))
		return nil
	})
	want := "[203,\"\u00e9t\u00e9\",\"https://x.example/b\",true,[[\"content-type\",\"text/plain; charset=latin1\"],[\"x-latin\",\"caf\u00e9\"],[\"x-lower\",\"2, 3, 1\"]],[99,97,102,233]]"
	if got := evalAsync(t, r, `return [hit2.status, hit2.statusText, hit2.url, hit2.redirected, [...hit2.headers], [...new Uint8Array(await hit2.arrayBuffer())]];`); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
