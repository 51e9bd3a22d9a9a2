package web_test

import (
	"context"
	"testing"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
	"github.com/swhost/swhost/internal/webtest"
)

const testOrigin = "https://app.example"

func newFetchRealm(t testing.TB, env web.FetchEnv) (*js.Realm, *capture) {
	t.Helper()
	if env.BaseURL == "" {
		env.BaseURL = testOrigin + "/sw.js"
	}
	if env.Origin == "" {
		env.Origin = testOrigin
	}
	c := &capture{}
	r := js.NewRealm(js.Options{Name: "fetch-test", OnError: c.onError})
	t.Cleanup(r.Close)
	err := r.Do(context.Background(), func(*sobek.Runtime) error {
		if err := web.InstallBase(r, c.console); err != nil {
			return err
		}
		if err := web.InstallPlatform(r, web.PlatformEnv{Location: env.BaseURL}); err != nil {
			return err
		}
		return web.InstallFetch(r, env)
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, c
}

// evalAsync runs src as the body of an async function and returns its
// result as JSON, or "threw Name: message" when it throws.
func evalAsync(t testing.TB, r *js.Realm, src string) string {
	t.Helper()
	return webtest.EvalAsync(t, r, "https://app.example/test.js", src)
}

type jsCase struct{ name, src, want string }

// runCases evaluates each case in one realm (a fresh one per test).
func runCases(t *testing.T, env web.FetchEnv, cases []jsCase) {
	t.Helper()
	r, c := newFetchRealm(t, env)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := evalAsync(t, r, tc.src); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errs {
		t.Errorf("reported: %v", e)
	}
}

func TestHeaders(t *testing.T) {
	runCases(t, web.FetchEnv{}, []jsCase{
		{"combine and sort", `const h = new Headers([['b','1'],['A','2'],['b','3']]); return [...h];`, `[["a","2"],["b","1, 3"]]`},
		{"record init", `return [...new Headers({'X-Y': 'z', 'a': 'b'})];`, `[["a","b"],["x-y","z"]]`},
		{"copy a Headers", `const a = new Headers({x: '1'}); a.append('x', '2'); return [...new Headers(a)];`, `[["x","1, 2"]]`},
		{"case-insensitive", `const h = new Headers({'Content-Type': 'a'}); return [h.get('CONTENT-TYPE'), h.has('content-type'), h.get('nope')];`, `["a",true,null]`},
		{"set-cookie kept apart", `const h = new Headers(); h.append('Set-Cookie', 'a=1'); h.append('set-cookie', 'b=2'); h.append('X', 'y');
			return [[...h], h.get('set-cookie'), h.getSetCookie(), new Headers().getSetCookie()];`,
			`[[["set-cookie","a=1"],["set-cookie","b=2"],["x","y"]],"a=1, b=2",["a=1","b=2"],[]]`},
		{"value normalised", `const h = new Headers({a: ' \t v w \r\n'}); h.set('b', '\n x '); return [h.get('a'), h.get('b')];`, `["v w","x"]`},
		{"empty value", `const h = new Headers(); h.append('a', ''); return [...h];`, `[["a",""]]`},
		{"invalid name", `new Headers({'a b': 'x'});`, `threw TypeError: Failed to execute 'append' on 'Headers': Invalid name`},
		{"empty name", `new Headers().get('');`, `threw TypeError: Failed to execute 'get' on 'Headers': Invalid name`},
		{"invalid value NUL", `new Headers().append('a', 'x\0y');`, `threw TypeError: Failed to execute 'append' on 'Headers': Invalid value`},
		{"invalid value LF", `new Headers().set('a', 'x\ny');`, `threw TypeError: Failed to execute 'set' on 'Headers': Invalid value`},
		{"not a ByteString", `new Headers().append('a', '\u0100');`, `threw TypeError: Cannot convert to ByteString: character at index 0 has a value of 256 which is greater than 255.`},
		{"pair of one", `new Headers([['a']]);`, `threw TypeError: Failed to construct 'Headers': Invalid value`},
		{"not an object", `new Headers(5);`, `threw TypeError: Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.`},
		{"delete", `const h = new Headers({a: '1', b: '2'}); h.delete('A'); h.delete('zz'); return [...h.keys()];`, `["b"]`},
		{"set replaces all", `const h = new Headers([['a','1'],['b','x'],['a','2']]); h.set('A', '3'); return [...h];`, `[["a","3"],["b","x"]]`},
		{"keys values forEach", `const h = new Headers({b: '2', a: '1'}); const out = []; h.forEach(function (v, k, o) { out.push(k + '=' + v, o === h, this.t); }, {t: 't'});
			return [[...h.keys()], [...h.values()], out];`, `[["a","b"],["1","2"],["a=1",true,"t","b=2",true,"t"]]`},
		{"iterator sees changes", `const h = new Headers({a: '1'}); const it = h.entries(); h.append('b', '2'); return [it.next().value, it.next().value, it.next().done];`, `[["a","1"],["b","2"],true]`},
		{"toStringTag", `const h = new Headers(); return [String(h), Object.prototype.toString.call(h[Symbol.iterator]()), h[Symbol.iterator] === h.entries];`, `["[object Headers]","[object Headers Iterator]",true]`},
		{"interface object", `const d = Object.getOwnPropertyDescriptor(globalThis, 'Headers'); return [d.enumerable, d.writable, Object.getOwnPropertyDescriptor(Headers.prototype, 'append').enumerable];`, `[false,true,true]`},
		{"illegal invocation", `Headers.prototype.get.call({}, 'a');`, `threw TypeError: Illegal invocation`},
		{"immutable", `Response.error().headers.append('a', 'b');`, `threw TypeError: Failed to execute 'append' on 'Headers': Headers are immutable`},
		{"immutable delete", `Response.error().headers.delete('a');`, `threw TypeError: Failed to execute 'delete' on 'Headers': Headers are immutable`},
		{"request guard", `const r = new Request('/', {headers: {'Cookie': 'x', 'Host': 'h', 'Sec-Fetch-Mode': 'x', 'Proxy-Auth': 'x',
			'X-HTTP-Method-Override': 'get, Trace', 'X-HTTP-Method': 'PATCH', 'Accept-Encoding': 'gzip', 'X-Ok': '1'}});
			r.headers.set('Content-Length', '5'); r.headers.append('referer', 'x'); r.headers.delete('x-http-method'); return [...r.headers];`, `[["x-ok","1"]]`},
		{"response guard", `const r = new Response('', {headers: {'Set-Cookie': 'a=b', 'Set-Cookie2': 'c', 'X': 'y'}}); r.headers.append('set-cookie', 'z');
			return [...r.headers];`, `[["content-type","text/plain;charset=UTF-8"],["x","y"]]`},
		{"request-no-cors guard", `const r = new Request('/', {mode: 'no-cors', headers: {'Accept': 'text/html', 'X-Custom': '1', 'Content-Type': 'application/json',
			'Content-Language': 'en', 'Range': 'bytes=0-1'}}); r.headers.set('Content-Type', 'text/plain;charset=utf-8'); r.headers.delete('X-Custom');
			r.headers.append('Accept-Language', 'fr('); return [...r.headers];`,
			`[["accept","text/html"],["content-language","en"],["content-type","text/plain;charset=utf-8"]]`},
		{"no-cors 128 bytes", `const r = new Request('/', {mode: 'no-cors'}); r.headers.append('Accept', 'a'.repeat(100)); r.headers.append('Accept', 'b'.repeat(30));
			return r.headers.get('accept').length;`, `100`},
	})
}

func TestRequest(t *testing.T) {
	runCases(t, web.FetchEnv{}, []jsCase{
		{"defaults", `const r = new Request('a/b?c#d'); return [r.url, r.method, r.mode, r.credentials, r.cache, r.redirect, r.destination,
			r.referrer, r.referrerPolicy, r.integrity, r.keepalive, r.isReloadNavigation, r.isHistoryNavigation, r.duplex, r.body, r.bodyUsed,
			r.signal instanceof AbortSignal, r.signal.aborted, String(r)];`,
			`["https://app.example/a/b?c#d","GET","cors","same-origin","default","follow","","about:client","","",false,false,false,"half",null,false,true,false,"[object Request]"]`},
		{"init", `const r = new Request('https://other.example/', {method: 'put', mode: 'same-origin', credentials: 'include', cache: 'no-store',
			redirect: 'manual', referrerPolicy: 'no-referrer', integrity: 'sha256-x', keepalive: true, headers: [['X', '1']]});
			return [r.method, r.mode, r.credentials, r.cache, r.redirect, r.referrerPolicy, r.integrity, r.keepalive, [...r.headers]];`,
			`["PUT","same-origin","include","no-store","manual","no-referrer","sha256-x",true,[["x","1"]]]`},
		{"method normalisation", `return ['get', 'Post', 'delete', 'patch', 'Custom', 'options'].map((m) => new Request('/', {method: m}).method);`,
			`["GET","POST","DELETE","patch","Custom","OPTIONS"]`},
		{"forbidden method", `new Request('/', {method: 'connect'});`, `threw TypeError: Failed to construct 'Request': 'connect' HTTP method is unsupported.`},
		{"invalid method", `new Request('/', {method: 'a b'});`, `threw TypeError: Failed to construct 'Request': 'a b' is not a valid HTTP method.`},
		{"navigate mode", `new Request('/', {mode: 'navigate'});`, `threw TypeError: Failed to construct 'Request': Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'.`},
		{"bad enum", `new Request('/', {cache: 'sometimes'});`, `threw TypeError: The provided value 'sometimes' is not a valid enum value of type RequestCache.`},
		{"GET with body", `new Request('/', {body: 'x'});`, `threw TypeError: Failed to construct 'Request': Request with GET/HEAD method cannot have body.`},
		{"HEAD with body", `new Request('/', {method: 'HEAD', body: new Blob([])});`, `threw TypeError: Failed to construct 'Request': Request with GET/HEAD method cannot have body.`},
		{"GET with null body", `return new Request('/', {body: null}).body;`, `null`},
		{"only-if-cached", `new Request('/', {cache: 'only-if-cached'});`, `threw TypeError: Failed to construct 'Request': 'only-if-cached' can be set only with 'same-origin' mode`},
		{"only-if-cached same-origin", `return new Request('/', {cache: 'only-if-cached', mode: 'same-origin'}).cache;`, `"only-if-cached"`},
		{"bad URL", `new Request('http://[');`, `threw TypeError: Failed to construct 'Request': Failed to parse URL from http://[`},
		{"credentials in URL", `new Request('https://u:p@app.example/');`, `threw TypeError: Failed to construct 'Request': Request cannot be constructed from a URL that includes credentials: https://u:p@app.example/`},
		{"no-cors method", `new Request('/', {mode: 'no-cors', method: 'PUT'});`, `threw TypeError: Failed to construct 'Request': 'PUT' is unsupported in no-cors mode.`},
		{"referrer", `return [new Request('/', {referrer: ''}).referrer, new Request('/', {referrer: '/page'}).referrer,
			new Request('/', {referrer: 'https://other.example/'}).referrer, new Request('/', {referrer: 'about:client'}).referrer];`,
			`["","https://app.example/page","about:client","about:client"]`},
		{"bad referrer", `new Request('/', {referrer: 'http://['});`, `threw TypeError: Failed to construct 'Request': Referrer 'http://[' is not a valid URL.`},
		{"window", `new Request('/', {window: {}});`, `threw TypeError: Failed to construct 'Request': The 'window' member of RequestInit must be null`},
		{"window null", `return new Request('/', {window: null}).url;`, `"https://app.example/"`},
		{"signal type", `new Request('/', {signal: {}});`, `threw TypeError: Failed to construct 'Request': Failed to read the 'signal' property from 'RequestInit': Failed to convert value to 'AbortSignal'.`},
		{"signal follows", `const c = new AbortController(); const r = new Request('/', {signal: c.signal}); const r2 = new Request(r);
			c.abort('why'); return [r.signal !== c.signal, r.signal.aborted, r.signal.reason, r2.signal.aborted, r.clone().signal.aborted];`,
			`[true,true,"why",true,true]`},
		{"from Request", `const a = new Request('/x', {method: 'POST', body: 'data', headers: {'X-A': '1'}, mode: 'same-origin'}); const b = new Request(a);
			return [b.url, b.method, b.mode, [...b.headers], a.bodyUsed, b.bodyUsed, await b.text()];`,
			`["https://app.example/x","POST","same-origin",[["content-type","text/plain;charset=UTF-8"],["x-a","1"]],true,false,"data"]`},
		{"from used Request", `const a = new Request('/x', {method: 'POST', body: 'data'}); await a.text(); new Request(a);`,
			`threw TypeError: Failed to construct 'Request': Cannot construct a Request with a Request object that has already been used.`},
		{"from Request with new body", `const a = new Request('/x', {method: 'POST', body: 'data'}); const b = new Request(a, {body: 'other'});
			return [a.bodyUsed, await b.text()];`, `[false,"other"]`},
		{"from Request with init resets", `const a = new Request('/x', {referrer: '/r', referrerPolicy: 'origin', headers: {a: '1'}});
			const b = new Request(a, {headers: {b: '2'}}); const c = new Request(a, {}); return [b.referrer, b.referrerPolicy, [...b.headers], c.referrer, c.referrerPolicy];`,
			`["about:client","",[["b","2"]],"https://app.example/r","origin"]`},
		{"content types", `const t = (body) => new Request('/', {method: 'POST', body}).headers.get('content-type');
			return [t('s'), t(new Blob([], {type: 'a/b'})), t(new Blob([])), t(new Uint8Array(1)), t(new FormData()).replace(/boundary=.*/, 'boundary=…'),
			new Request('/', {method: 'POST', body: 's', headers: {'Content-Type': 'x/y'}}).headers.get('content-type')];`,
			`["text/plain;charset=UTF-8","a/b",null,null,"multipart/form-data; boundary=…","x/y"]`},
		{"stream body needs duplex", `new Request('/', {method: 'POST', body: new ReadableStream()});`,
			`threw TypeError: Failed to construct 'Request': The duplex member must be specified for a request with a streaming body`},
		{"stream body", `const s = new ReadableStream({start(c) { c.enqueue(new Uint8Array([104, 105])); c.close(); }});
			return await new Request('/', {method: 'POST', body: s, duplex: 'half'}).text();`, `"hi"`},
		{"keepalive stream", `new Request('/', {method: 'POST', body: new ReadableStream(), keepalive: true, duplex: 'half'});`,
			`threw TypeError: A keepalive request cannot have a ReadableStream body`},
		{"clone", `const a = new Request('/x', {method: 'POST', body: 'data'}); const b = a.clone(); return [await a.text(), await b.text(), b.method];`, `["data","data","POST"]`},
		{"clone used", `const a = new Request('/x', {method: 'POST', body: 'data'}); await a.text(); a.clone();`,
			`threw TypeError: Failed to execute 'clone' on 'Request': Request body is already used`},
		{"read-only destination", `const r = new Request('/'); return [Reflect.set(r, 'destination', 'image'), r.destination];`, `[false,""]`},
		{"needs an argument", `new Request();`, `threw TypeError: Failed to construct 'Request': 1 argument required, but only 0 present.`},
	})
}

func TestResponse(t *testing.T) {
	runCases(t, web.FetchEnv{}, []jsCase{
		{"defaults", `const r = new Response(); return [r.type, r.url, r.redirected, r.status, r.ok, r.statusText, [...r.headers], r.body, r.bodyUsed, String(r)];`,
			`["default","",false,200,true,"",[],null,false,"[object Response]"]`},
		{"init", `const r = new Response('x', {status: 404, statusText: 'Not Found', headers: {'X-A': 'b'}}); return [r.status, r.ok, r.statusText, [...r.headers]];`,
			`[404,false,"Not Found",[["content-type","text/plain;charset=UTF-8"],["x-a","b"]]]`},
		{"status range", `new Response('', {status: 199});`, `threw RangeError: Failed to construct 'Response': The status provided (199) is outside the range [200, 599].`},
		{"status 600", `new Response(null, {status: 600});`, `threw RangeError: Failed to construct 'Response': The status provided (600) is outside the range [200, 599].`},
		{"null body status", `new Response('', {status: 204});`, `threw TypeError: Failed to construct 'Response': Response with null body status cannot have body`},
		{"null body status without body", `return [new Response(null, {status: 204}).status, new Response(undefined, {status: 304}).body];`, `[204,null]`},
		{"bad statusText", `new Response('', {statusText: 'a\nb'});`, `threw TypeError: Failed to construct 'Response': Invalid statusText`},
		{"empty string body is a body", `const r = new Response(''); return [r.body !== null, await r.text()];`, `[true,""]`},
		{"error", `const r = Response.error(); return [r.type, r.status, r.ok, r.statusText, r.url, r.body, [...r.headers]];`, `["error",0,false,"","",null,[]]`},
		{"redirect", `const r = Response.redirect('/next?a', 301); return [r.type, r.status, r.headers.get('location'), r.body, r.url];`,
			`["default",301,"https://app.example/next?a",null,""]`},
		{"redirect default status", `return Response.redirect('https://x.example/').status;`, `302`},
		{"redirect bad status", `Response.redirect('/x', 200);`, `threw RangeError: Failed to execute 'redirect' on 'Response': Invalid status code`},
		{"redirect bad URL", `Response.redirect('http://[');`, `threw TypeError: Failed to execute 'redirect' on 'Response': Failed to parse URL from http://[`},
		{"redirect immutable", `Response.redirect('/x').headers.set('a', 'b');`, `threw TypeError: Failed to execute 'set' on 'Headers': Headers are immutable`},
		{"json", `const r = Response.json({a: [1, 'é']}, {status: 202, headers: {'X': 'y'}}); return [r.status, [...r.headers], await r.json()];`,
			`[202,[["content-type","application/json"],["x","y"]],{"a":[1,"é"]}]`},
		{"json keeps content-type", `return Response.json(1, {headers: {'Content-Type': 'application/ld+json'}}).headers.get('content-type');`, `"application/ld+json"`},
		{"json not serializable", `Response.json(undefined);`, `threw TypeError: Failed to execute 'json' on 'Response': The data is not JSON serializable`},
		{"json bigint", `Response.json(1n);`, `threw TypeError: Do not know how to serialize a BigInt`},
		{"clone", `const a = new Response('body', {status: 201, headers: {x: 'y'}}); const b = a.clone();
			return [await a.text(), await b.text(), b.status, [...b.headers], a.bodyUsed, b.bodyUsed];`,
			`["body","body",201,[["content-type","text/plain;charset=UTF-8"],["x","y"]],true,true]`},
		{"clone of used", `const a = new Response('body'); await a.text(); a.clone();`, `threw TypeError: Failed to execute 'clone' on 'Response': Response body is already used`},
		{"clone headers are separate", `const a = new Response(''); const b = a.clone(); b.headers.set('x', '1'); return [a.headers.has('x'), b.headers.has('x')];`, `[false,true]`},
		{"clone after body read starts", `const a = new Response('abc'); const s = a.body; const b = a.clone(); return [await b.text(), a.bodyUsed, s.locked];`, `["abc",false,true]`},
		{"body stream", `const r = new Response('abc'); const rd = r.body.getReader(); const x = await rd.read(); const y = await rd.read();
			return [Array.from(x.value), x.done, y.done, y.value === undefined, r.bodyUsed, r.body === r.body];`, `[[97,98,99],false,true,true,true,true]`},
		{"body stream then text", `const r = new Response('abc'); r.body.getReader(); return await r.text();`,
			`threw TypeError: Failed to execute 'text' on 'Response': body stream already read`},
		{"response from a body stream", `const a = new Response('abc', {headers: {'Content-Type': 'x/y'}}); const b = new Response(a.body, {headers: a.headers});
			return [a.bodyUsed, await b.text(), a.bodyUsed, b.headers.get('content-type')];`, `[false,"abc",true,"x/y"]`},
		{"response from a locked stream", `const a = new Response('abc'); a.body.getReader(); new Response(a.body);`, `threw TypeError: The ReadableStream is disturbed or locked`},
		{"copyResponse (Workbox 7)", `
			// workbox-core copyResponse with canConstructResponseFromBodyStream, as shipped in Workbox 7.4.
			let supportStatus;
			function canConstructResponseFromBodyStream() {
				if (supportStatus === undefined) {
					const testResponse = new Response('');
					if ('body' in testResponse) {
						try { new Response(testResponse.body); supportStatus = true; } catch (error) { supportStatus = false; }
					}
					supportStatus = false;
				}
				return supportStatus;
			}
			async function copyResponse(response, modifier) {
				const clonedResponse = response.clone();
				const responseInit = { headers: new Headers(clonedResponse.headers), status: clonedResponse.status, statusText: clonedResponse.statusText };
				const modifiedResponseInit = modifier ? modifier(responseInit) : responseInit;
				const body = canConstructResponseFromBodyStream() ? clonedResponse.body : await clonedResponse.blob();
				return new Response(body, modifiedResponseInit);
			}
			const orig = new Response('cached', {status: 200, statusText: 'OK', headers: {'Content-Type': 'text/html', 'X-Keep': '1'}});
			const copy = await copyResponse(orig, (init) => { init.headers.set('X-Added', 'yes'); return init; });
			// And the stream path Workbox would take if the check passed.
			const viaStream = new Response(orig.clone().body, {headers: orig.headers});
			return [await copy.text(), copy.status, copy.statusText, [...copy.headers], await viaStream.text(), await orig.text()];`,
			`["cached",200,"OK",[["content-type","text/html"],["x-added","yes"],["x-keep","1"]],"cached","cached"]`},
		{"illegal", `new Response('', 5);`, `threw TypeError: Failed to construct 'Response' is not of type 'dictionary'.`},
	})
}

func TestBody(t *testing.T) {
	runCases(t, web.FetchEnv{}, []jsCase{
		{"read twice", `const r = new Response('x'); await r.text(); await r.arrayBuffer();`,
			`threw TypeError: Failed to execute 'arrayBuffer' on 'Response': body stream already read`},
		{"null body reads empty", `const r = new Response(null); return [await r.text(), r.bodyUsed, (await new Response().arrayBuffer()).byteLength];`, `["",false,0]`},
		{"json", `return await new Response('{"a": [1, null]}').json();`, `{"a":[1,null]}`},
		{"json syntax error", `await new Response('{').json();`, `threw SyntaxError: Unexpected end of JSON input (EOF)`},
		{"arrayBuffer", `const b = await new Response(new Uint8Array([1, 2, 3])).arrayBuffer(); return [b instanceof ArrayBuffer, b.byteLength];`, `[true,3]`},
		{"bytes", `const b = await new Response('hé').bytes(); return [b instanceof Uint8Array, Array.from(b)];`, `[true,[104,195,169]]`},
		{"blob", `const b = await new Response('abc', {headers: {'Content-Type': 'Text/HTML; Charset="utf-8"'}}).blob(); return [b.size, b.type, await b.text()];`,
			`[3,"text/html;charset=utf-8","abc"]`},
		{"blob without type", `return (await new Response(new Uint8Array(2)).blob()).type;`, `""`},
		{"BOM stripped", `return await new Response(new Uint8Array([0xEF, 0xBB, 0xBF, 0x61])).text();`, `"a"`},
		{"invalid UTF-8", `return await new Response(new Uint8Array([0x61, 0xFF, 0xE2, 0x82, 0x62, 0xF0, 0x9F, 0x98])).text();`, `"a��b�"`},
		{"lone surrogate encodes as U+FFFD", `return Array.from(await new Response('a\ud800b').bytes());`, `[97,239,191,189,98]`},
		{"buffer source copied", `const u = new Uint8Array([1, 2]); const r = new Response(u); u[0] = 9; return Array.from(await r.bytes());`, `[1,2]`},
		{"views", `const b = new ArrayBuffer(4); new Uint8Array(b).set([1, 2, 3, 4]);
			return [Array.from(await new Response(new DataView(b, 1, 2)).bytes()), Array.from(await new Response(new Uint16Array(b, 2, 1)).bytes()), Array.from(await new Response(b).bytes())];`,
			`[[2,3],[3,4],[1,2,3,4]]`},
		{"stringified", `return [await new Response(12).text(), await new Response({}).text()];`, `["12","[object Object]"]`},
		{"symbol body", `new Response(Symbol());`, `threw TypeError: Cannot convert a Symbol value to a string`},
		{"urlencoded formData", `const f = await new Response('a=1&b=%20x+y&a=2&&c', {headers: {'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8'}}).formData();
			return [f.getAll('a'), f.get('b'), f.get('c'), [...f.keys()]];`, `[["1","2"]," x y","",["a","b","a","c"]]`},
		{"multipart round trip", `const fd = new FormData(); fd.append('a', 'x\ny'); fd.append('q"\n', 'v');
			fd.append('f', new Blob(['data'], {type: 'text/csv'}), 'f.csv'); fd.append('g', new Blob(['z']));
			const r = new Response(fd); const ct = r.headers.get('content-type'); const back = await r.formData(); const f = back.get('f'), g = back.get('g');
			return [ct.startsWith('multipart/form-data; boundary='), back.get('a'), [...back.keys()], f instanceof File, f.name, f.type, await f.text(), g.name, g.type];`,
			`[true,"x\r\ny",["a","q%22%0D%0A","f","g"],true,"f.csv","text/csv","data","blob","application/octet-stream"]`},
		{"multipart from text", `const body = '--B\r\nContent-Disposition: form-data; name="t"\r\n\r\nhello\r\n--B\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nfile\r\n--B--\r\n';
			const f = await new Response(body, {headers: {'Content-Type': 'multipart/form-data; boundary=B'}}).formData();
			return [f.get('t'), f.get('f').name, f.get('f').type, await f.get('f').text()];`, `["hello","a.txt","text/plain","file"]`},
		{"multipart garbage", `await new Response('nope', {headers: {'Content-Type': 'multipart/form-data; boundary=B'}}).formData();`,
			`threw TypeError: Could not parse content as FormData.`},
		{"formData wrong type", `await new Response('a=1', {headers: {'Content-Type': 'text/plain'}}).formData();`, `threw TypeError: Could not parse content as FormData.`},
		{"body methods on foreign object", `await Response.prototype.text.call({});`, `threw TypeError: Illegal invocation`},
		{"stream of non-bytes", `await new Response(new ReadableStream({start(c) { c.enqueue('str'); c.close(); }})).text();`,
			`threw TypeError: Failed to read the body: a chunk is not a Uint8Array`},
		{"async stream", `let n = 0; const s = new ReadableStream({pull(c) { n++; if (n > 3) c.close(); else c.enqueue(new Uint8Array([96 + n])); }});
			return await new Response(s).text();`, `"abc"`},
		{"erroring stream", `const s = new ReadableStream({pull(c) { c.error(new RangeError('broken')); }}); await new Response(s).text();`, `threw RangeError: broken`},
		{"clone of stream body", `const s = new ReadableStream({start(c) { setTimeout(() => { c.enqueue(new Uint8Array([65])); c.close(); }, 1); }});
			const a = new Response(s); const b = a.clone(); return [await a.text(), await b.text()];`, `["A","A"]`},
		{"URLSearchParams", `const r = new Request('/', {method: 'POST', body: new URLSearchParams('a=b c&d=é')});
			return [r.headers.get('content-type'), await r.text()];`, `["application/x-www-form-urlencoded;charset=UTF-8","a=b+c&d=%C3%A9"]`},
	})
}

func TestBlobFileFormData(t *testing.T) {
	runCases(t, web.FetchEnv{}, []jsCase{
		{"blob parts", `const b = new Blob(['ab', new Uint8Array([99]), new Blob(['d']), new Uint16Array([0x6665]).buffer], {type: 'Text/Plain'});
			return [b.size, b.type, await b.text(), String(b), b instanceof Blob];`, `[6,"text/plain","abcdef","[object Blob]",true]`},
		{"blob type not ASCII", `return [new Blob([], {type: 'a/é'}).type, new Blob().size];`, `["",0]`},
		{"endings", `return [await new Blob(['a\r\nb\rc\n'], {endings: 'native'}).text(), await new Blob(['a\r\n']).text()];`, `["a\nb\nc\n","a\r\n"]`},
		{"slice", `const b = new Blob(['0123456789'], {type: 'x/y'}); return [await b.slice(2, 5).text(), await b.slice(-3).text(), await b.slice(5, 2).text(),
			b.slice().type, b.slice(0, 1, 'A/B').type, await b.slice(-100, 100).text()];`, `["234","789","","","a/b","0123456789"]`},
		{"blob bytes and stream", `const b = new Blob(['hi']); const rd = b.stream().getReader(); const c = await rd.read();
			return [Array.from(await b.bytes()), (await b.arrayBuffer()).byteLength, Array.from(c.value)];`, `[[104,105],2,[104,105]]`},
		{"blob parts not a sequence", `new Blob('abc');`, `threw TypeError: Failed to construct 'Blob': The provided value cannot be converted to a sequence.`},
		{"file", `const f = new File(['x'], 'a/b.txt', {type: 'text/plain', lastModified: 42}); return [f.name, f.lastModified, f.type, f.size, f instanceof Blob, String(f), f.webkitRelativePath];`,
			`["a/b.txt",42,"text/plain",1,true,"[object File]",""]`},
		{"file default lastModified", `const t = Date.now(); const f = new File([], 'n'); return f.lastModified >= t && f.lastModified <= Date.now();`, `true`},
		{"file needs a name", `new File([]);`, `threw TypeError: Failed to construct 'File': 2 arguments required, but only 1 present.`},
		{"formdata", `const f = new FormData(); f.append('a', '1'); f.append('b', '2'); f.append('a', '3'); f.set('b', '4'); f.delete('zz');
			return [f.get('a'), f.getAll('a'), f.has('b'), f.get('no'), [...f], String(f)];`, `["1",["1","3"],true,null,[["a","1"],["b","4"],["a","3"]],"[object FormData]"]`},
		{"formdata set replaces", `const f = new FormData(); f.append('a', '1'); f.append('b', '2'); f.append('a', '3'); f.set('a', 'x'); return [...f.entries()];`,
			`[["a","x"],["b","2"]]`},
		{"formdata files", `const f = new FormData(); f.append('b', new Blob(['x'], {type: 't/t'})); f.append('n', new File(['y'], 'orig.txt'), 'renamed.txt');
			f.set('k', new File([], 'keep.txt')); const b = f.get('b');
			return [b instanceof File, b.name, b.type, f.get('n').name, f.get('k').name];`, `[true,"blob","t/t","renamed.txt","keep.txt"]`},
		{"formdata 3 args needs a blob", `new FormData().append('a', 'b', 'c');`, `threw TypeError: Failed to execute 'append' on 'FormData': parameter 2 is not of type 'Blob'.`},
		{"formdata values stringified", `const f = new FormData(); f.append('a', 1); f.append('b', null); return [...f.values()];`, `["1","null"]`},
		{"formdata no form", `new FormData({});`, `threw TypeError: Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.`},
		{"structured clone", `const f = structuredClone(new File(['xy'], 'a.txt', {type: 't/p', lastModified: 5}));
			const b = structuredClone(new Blob(['0123']).slice(1, 3, 'q/r'));
			let e; try { structuredClone(new Request('/')); } catch (x) { e = x.name; }
			return [f instanceof File, f.name, f.type, f.lastModified, await f.text(), b instanceof File, b.type, await b.text(), e];`,
			`[true,"a.txt","t/p",5,"xy",false,"q/r","12","DataCloneError"]`},
		{"formdata forEach", `const f = new FormData(); f.append('a', '1'); const out = []; f.forEach((v, k) => out.push(k, v)); return out;`, `["a","1"]`},
	})
}

func TestAbort(t *testing.T) {
	runCases(t, web.FetchEnv{}, []jsCase{
		{"controller", `const c = new AbortController(); const s = c.signal; const out = [s.aborted, s.reason];
			s.onabort = (e) => out.push('onabort', e.type, e.isTrusted, e instanceof Event);
			s.addEventListener('abort', () => out.push('listener'));
			c.abort(); c.abort('again');
			out.push(s.aborted, s.reason instanceof DOMException, s.reason.name, s.reason.message, s.reason.code, c.signal === s, String(s));
			return out;`,
			`[false,null,"onabort","abort",true,true,"listener",true,true,"AbortError","signal is aborted without reason",20,true,"[object AbortSignal]"]`},
		{"reason", `const c = new AbortController(); c.abort({why: 1}); try { c.signal.throwIfAborted(); } catch (e) { return [c.signal.reason, e]; }`, `[{"why":1},{"why":1}]`},
		{"throwIfAborted when not", `new AbortController().signal.throwIfAborted(); return 'ok';`, `"ok"`},
		{"static abort", `const a = AbortSignal.abort(), b = AbortSignal.abort(5); return [a.aborted, a.reason.name, b.reason];`, `[true,"AbortError",5]`},
		{"timeout", `const s = AbortSignal.timeout(5); const ev = new Promise((res) => s.onabort = res); const first = s.aborted;
			await ev; return [first, s.aborted, s.reason.name, s.reason.message, s.reason.code];`, `[false,true,"TimeoutError","signal timed out",23]`},
		{"timeout range", `AbortSignal.timeout(-1);`, `threw TypeError: Failed to execute 'timeout' on 'AbortSignal': Value is outside the 'unsigned long long' value range.`},
		{"timeout NaN", `AbortSignal.timeout(NaN);`, `threw TypeError: Failed to execute 'timeout' on 'AbortSignal': Value is not of type 'unsigned long long'.`},
		{"any", `const a = new AbortController(), b = new AbortController(); const s = AbortSignal.any([a.signal, b.signal]);
			const s2 = AbortSignal.any([s]); const out = []; s.onabort = () => out.push('s'); s2.onabort = () => out.push('s2');
			b.abort('b'); a.abort('a'); return [s.aborted, s.reason, s2.reason, out];`, `[true,"b","b",["s","s2"]]`},
		{"any of aborted", `return AbortSignal.any([new AbortController().signal, AbortSignal.abort('x')]).reason;`, `"x"`},
		{"any of empty", `return AbortSignal.any([]).aborted;`, `false`},
		{"any type check", `AbortSignal.any([{}]);`, `threw TypeError: Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.`},
		{"not constructible", `new AbortSignal();`, `threw TypeError: Illegal constructor`},
		{"addEventListener signal", `const t = new EventTarget(), c = new AbortController(); let n = 0; t.addEventListener('x', () => n++, {signal: c.signal});
			t.dispatchEvent(new Event('x')); c.abort(); t.dispatchEvent(new Event('x')); return n;`, `1`},
		{"addEventListener bad signal", `new EventTarget().addEventListener('x', () => {}, {signal: 1});`,
			`threw TypeError: Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type AbortSignal.`},
	})
}

func TestReadableStream(t *testing.T) {
	runCases(t, web.FetchEnv{}, []jsCase{
		{"start enqueue close", `const s = new ReadableStream({start(c) { c.enqueue(1); c.enqueue(2); c.close(); }}); const r = s.getReader();
			return [s.locked, await r.read(), await r.read(), await r.read(), await r.closed];`, `[true,{"value":1,"done":false},{"value":2,"done":false},{"done":true},null]`},
		{"pull with backpressure", `let pulls = 0; const s = new ReadableStream({pull(c) { pulls++; c.enqueue(pulls); if (pulls === 3) c.close(); }}, {highWaterMark: 1});
			await null; await null; const first = pulls; const r = s.getReader(); const out = [];
			for (;;) { const x = await r.read(); if (x.done) break; out.push(x.value); } return [first, out];`, `[1,[1,2,3]]`},
		{"desiredSize", `let ctrl; new ReadableStream({start(c) { ctrl = c; }}, {highWaterMark: 3}); const a = ctrl.desiredSize; ctrl.enqueue('x'); return [a, ctrl.desiredSize];`, `[3,2]`},
		{"size strategy", `let ctrl; new ReadableStream({start(c) { ctrl = c; }}, {highWaterMark: 10, size: (ch) => ch.length}); ctrl.enqueue('abcd'); return ctrl.desiredSize;`, `6`},
		{"locked", `const s = new ReadableStream(); s.getReader(); s.getReader();`, `threw TypeError: ReadableStream is locked`},
		{"releaseLock", `const s = new ReadableStream({start(c) { c.enqueue('a'); }}); const r = s.getReader(); r.releaseLock();
			const r2 = s.getReader(); let e; try { await r.read(); } catch (x) { e = x.name; } return [(await r2.read()).value, e, s.locked];`, `["a","TypeError",true]`},
		{"cancel", `let why; const s = new ReadableStream({start(c) { c.enqueue(1); }, cancel(r) { why = r; }}); await s.cancel('stop');
			const r = s.getReader(); return [why, await r.read()];`, `["stop",{"done":true}]`},
		{"cancel locked", `const s = new ReadableStream(); s.getReader(); await s.cancel();`, `threw TypeError: Failed to execute 'cancel' on 'ReadableStream': Cannot cancel a locked stream`},
		{"error", `let ctrl; const s = new ReadableStream({start(c) { ctrl = c; }}); const r = s.getReader(); const p = r.read(); ctrl.error(new TypeError('bad'));
			try { await p; } catch (e) { return [e.message, await r.closed.catch((e) => 'closed: ' + e.message)]; }`, `["bad","closed: bad"]`},
		{"enqueue after close", `new ReadableStream({start(c) { c.close(); c.enqueue(1); }});`,
			`threw TypeError: Failed to execute 'enqueue' on 'ReadableStreamDefaultController': Cannot enqueue a chunk into a readable stream that is closed or has been requested to be closed`},
		{"tee", `const s = new ReadableStream({start(c) { c.enqueue(new Uint8Array([1])); setTimeout(() => { c.enqueue(new Uint8Array([2])); c.close(); }, 1); }});
			const [a, b] = s.tee(); const all = async (x) => { const r = x.getReader(), o = []; for (;;) { const c = await r.read(); if (c.done) return o; o.push(...c.value); } };
			return [s.locked, await all(a), await all(b)];`, `[true,[1,2],[1,2]]`},
		{"values", `const s = new ReadableStream({start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); }}); const it = s.values(); const out = [];
			for (;;) { const x = await it.next(); if (x.done) break; out.push(x.value); } return [out, s.locked];`, `[["a","b"],false]`},
		{"byte stream", `const s = new ReadableStream({type: 'bytes', start(c) { c.enqueue(new Uint8Array([7])); c.close(); }}); return Array.from((await s.getReader().read()).value);`, `[7]`},
		{"byob unsupported", `new ReadableStream().getReader({mode: 'byob'});`, `threw TypeError: Failed to execute 'getReader' on 'ReadableStream': BYOB readers are not supported`},
		{"reader constructor", `const s = new ReadableStream(); const r = new ReadableStreamDefaultReader(s); return [s.locked, r instanceof ReadableStreamDefaultReader];`, `[true,true]`},
		{"controller not constructible", `new ReadableStreamDefaultController();`, `threw TypeError: Illegal constructor`},
	})
}
