package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

const plLocation = "https://sw.example/app/sw.js?v=1#frag"

func newPlatformRealm(t testing.TB, env web.PlatformEnv) (*js.Realm, *capture) {
	t.Helper()
	c := &capture{}
	r := js.NewRealm(js.Options{Name: "test", OnError: c.onError})
	t.Cleanup(r.Close)
	if env.Location == "" {
		env.Location = plLocation
	}
	err := r.Do(context.Background(), func(*sobek.Runtime) error {
		if err := web.InstallBase(r, c.console); err != nil {
			return err
		}
		return web.InstallPlatform(r, env)
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, c
}

// plEval runs src in r and returns JSON.stringify of its completion value.
func plEval(t testing.TB, r *js.Realm, src string) string {
	t.Helper()
	var out string
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		// A block scopes each case's declarations.
		v, err := r.Run(&js.Script{Name: "https://test.example/t.js", Source: "{\n" + src + "\n}"})
		if err != nil {
			return err
		}
		s, err := rt.RunString("(v) => JSON.stringify(v)")
		if err != nil {
			return err
		}
		fn, _ := sobek.AssertFunction(s)
		res, err := fn(sobek.Undefined(), v)
		if err != nil {
			return err
		}
		if sobek.IsUndefined(res) {
			out = "undefined"
		} else {
			out = res.String()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v\nscript:\n%s", err, src)
	}
	return out
}

// plCase is one expression and the JSON of its expected value.
type plCase struct {
	expr string
	want string
}

func plRunCases(t *testing.T, r *js.Realm, cases []plCase) {
	t.Helper()
	for _, c := range cases {
		got := plEval(t, r, c.expr)
		if got != c.want {
			t.Errorf("%s\n got  %s\n want %s", c.expr, got, c.want)
		}
	}
}

// plWaitLog waits until the realm logged a line starting with prefix.
func plWaitLog(t testing.TB, c *capture, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for _, l := range c.logs {
			if strings.HasPrefix(l, "log: "+prefix) {
				c.mu.Unlock()
				return strings.TrimPrefix(l, "log: ")
			}
		}
		c.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("no log line %q; logs %q, errors %v", prefix, c.logs, c.errs)
	return ""
}

func plJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPlatformSmoke(t *testing.T) {
	r, c := newPlatformRealm(t, web.PlatformEnv{})
	plRunCases(t, r, []plCase{
		{`new URL('../x?a=1#h', 'https://a.example/b/c/d').href`, `"https://a.example/b/x?a=1#h"`},
		{`typeof URL`, `"function"`},
		{`new TextDecoder().decode(new TextEncoder().encode('héllo'))`, `"héllo"`},
		{`btoa('hello')`, `"aGVsbG8="`},
		{`atob('aGVsbG8=')`, `"hello"`},
		{`crypto.randomUUID().length`, `36`},
		{`typeof performance.now()`, `"number"`},
		{`location.href`, `"https://sw.example/app/sw.js?v=1#frag"`},
		{`structuredClone({a: [1, 2, {b: 3}]})`, `{"a":[1,2,{"b":3}]}`},
		{`typeof MessageChannel`, `"function"`},
	})
	_ = c
}

func TestURLSearchParams(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	plRunCases(t, r, []plCase{
		// constructor overloads
		{`new URLSearchParams('?a=1&b=2&a=3').toString()`, `"a=1&b=2&a=3"`},
		{`new URLSearchParams('??a=1').toString()`, `"%3Fa=1"`},
		{`new URLSearchParams([['a', '1'], ['b', 2]]).toString()`, `"a=1&b=2"`},
		{`new URLSearchParams({a: '1', b: 'x y'}).toString()`, `"a=1&b=x+y"`},
		{`new URLSearchParams(new URLSearchParams('x=1')).get('x')`, `"1"`},
		{`new URLSearchParams(new Map([['m', 'n']])).toString()`, `"m=n"`},
		{`try { new URLSearchParams([['a']]); 'no' } catch (e) { e instanceof TypeError }`, `true`},
		{`try { new URLSearchParams([['a', 'b', 'c']]); 'no' } catch (e) { e instanceof TypeError }`, `true`},
		{`new URLSearchParams(undefined).toString()`, `""`},
		{`new URLSearchParams(null).toString()`, `"null="`},
		{`new URLSearchParams({'\uD800': '\uDFFF'}).toString()`, `"%EF%BF%BD=%EF%BF%BD"`},
		// methods
		{`const p = new URLSearchParams('a=1&b=2&a=3'); [p.get('a'), p.getAll('a'), p.get('z'), p.has('b'), p.has('a', '3'), p.has('a', '4'), p.size]`, `["1",["1","3"],null,true,true,false,3]`},
		{`const p = new URLSearchParams('a=1&b=2&a=3'); p.delete('a', '3'); p.toString()`, `"a=1&b=2"`},
		{`const p = new URLSearchParams('a=1&b=2&a=3'); p.delete('a'); p.toString()`, `"b=2"`},
		{`const p = new URLSearchParams('a=1&b=2&a=3'); p.set('a', 'x'); p.toString()`, `"a=x&b=2"`},
		{`const p = new URLSearchParams('z=1&a=2&z=0&b=3&a=1'); p.sort(); p.toString()`, `"a=2&a=1&b=3&z=1&z=0"`},
		{`const p = new URLSearchParams('\uFFFD=x&\uD83D\uDE00=y&\u00E9=z'); p.sort(); [...p.keys()]`, `["é","😀","�"]`},
		{`const p = new URLSearchParams('a=1&b=2'); [...p].join('|') + ' ' + [...p.values()] + ' ' + [...p.entries()].length`, `"a,1|b,2 1,2 2"`},
		{`const p = new URLSearchParams('a=1&b=2'); const out = []; p.forEach(function (v, k, o) { out.push(k + v + (o === p) + (this == 7)); }, 7); out`, `["a1truetrue","b2truetrue"]`},
		{`const p = new URLSearchParams('a=1'); const it = p.entries(); p.append('b', '2'); [...it].length`, `2`},
		{`Object.prototype.toString.call(new URLSearchParams().entries())`, `"[object URLSearchParams Iterator]"`},
		{`URLSearchParams.prototype[Symbol.iterator] === URLSearchParams.prototype.entries`, `true`},
		{`new URLSearchParams('a=b c&d=e+f&g=%2B').toString()`, `"a=b+c&d=e+f&g=%2B"`},
		{`try { new URLSearchParams().append('a'); } catch (e) { e.constructor.name + ': ' + e.message }`, `"TypeError: Failed to execute 'append' on 'URLSearchParams': 2 arguments required, but only 1 present."`},
		{`try { URLSearchParams.prototype.get.call({}, 'a'); } catch (e) { e.message }`, `"Illegal invocation"`},
		// linked to URL
		{`const u = new URL('https://a.example/?x=1'); u.searchParams.append('y', '2 3'); u.href`, `"https://a.example/?x=1&y=2+3"`},
		{`const u = new URL('https://a.example/?x=1'); const sp = u.searchParams; u.search = '?z=9'; [sp.get('z'), sp.has('x'), u.searchParams === sp]`, `["9",false,true]`},
		{`const u = new URL('https://a.example/?x=1#h'); u.searchParams.delete('x'); [u.href, u.search]`, `["https://a.example/#h",""]`},
		{`const u = new URL('data:space    ?query'); u.searchParams.delete('query'); u.href`, `"data:space"`},
		{`const u = new URL('https://a.example/'); u.href = 'https://b.example/?q=1'; u.searchParams.get('q')`, `"1"`},
		{`const u = new URL('https://a.example/?a=%20b'); u.searchParams.sort(); u.search`, `"?a=+b"`},
	})
}

func TestURLClass(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	plRunCases(t, r, []plCase{
		{`try { new URL('nope'); } catch (e) { [e.constructor.name, e.message] }`, `["TypeError","Failed to construct 'URL': Invalid URL"]`},
		{`try { new URL('/x', 'nope'); } catch (e) { e instanceof TypeError }`, `true`},
		{`try { new URL(); } catch (e) { e.message }`, `"Failed to construct 'URL': 1 argument required, but only 0 present."`},
		{`try { new URL(Symbol()); } catch (e) { e instanceof TypeError }`, `true`},
		{`new URL('https://a.example/\uD800').pathname`, `"/%EF%BF%BD"`},
		{`[URL.canParse('x:'), URL.canParse('x'), URL.canParse('x', 'https://a.example/')]`, `[true,false,true]`},
		{`[URL.parse('nope'), URL.parse('/p', 'https://a.example/').href, URL.parse('https://a/') instanceof URL]`, `[null,"https://a.example/p",true]`},
		{`const u = new URL('https://user:pw@a.example:8080/p?q#h'); [u.origin, u.username, u.password, u.host, u.hostname, u.port]`, `["https://a.example:8080","user","pw","a.example:8080","a.example","8080"]`},
		{`const u = new URL('https://a.example/'); u.port = '443'; u.protocol = 'http'; u.pathname = 'a b'; u.hash = 'x'; u.href`, `"http://a.example/a%20b#x"`},
		{`const u = new URL('https://a.example/'); try { u.href = 'nope'; } catch (e) { [e instanceof TypeError, u.href] }`, `[true,"https://a.example/"]`},
		{`JSON.stringify({u: new URL('https://a.example/x')})`, `"{\"u\":\"https://a.example/x\"}"`},
		{`Object.keys(URL.prototype).includes('href') && Object.keys(URL.prototype).includes('toJSON')`, `true`},
		{`Object.getOwnPropertyDescriptor(URL.prototype, 'origin').set`, `undefined`},
		{`Object.prototype.toString.call(new URL('https://a/'))`, `"[object URL]"`},
		{`[typeof URL.canParse, Object.getOwnPropertyDescriptor(URL, 'canParse').enumerable]`, `["function",true]`},
		{`const d = Object.getOwnPropertyDescriptor(globalThis, 'URL'); [d.writable, d.enumerable, d.configurable, typeof d.value]`, `[true,false,true,"function"]`},
		{`class U extends URL {}; new U('https://a/') instanceof URL`, `true`},
		{`try { URL.prototype.href; } catch (e) { e.message }`, `"Illegal invocation"`},
		{`new URL('http://[::1]:80/').host`, `"[::1]"`},
		{`new URL('https://xn--mnchen-3ya.example/').hostname === new URL('https://MÜNCHEN.example/').hostname`, `true`},
	})
}

func TestGlobalsLazy(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	plRunCases(t, r, []plCase{
		// Before first use the interface is an accessor; assigning replaces it.
		{`typeof Object.getOwnPropertyDescriptor(globalThis, 'TextDecoder').get`, `"function"`},
		{`globalThis.TextDecoder = 5; [TextDecoder, Object.getOwnPropertyDescriptor(globalThis, 'TextDecoder').writable]`, `[5,true]`},
		{`typeof TextEncoder`, `"function"`},
		{`delete globalThis.MessagePort; typeof MessageChannel + ' ' + typeof globalThis.MessagePort`, `"function undefined"`},
		{`new MessageChannel().port1.constructor.name`, `"MessagePort"`},
		{`'URL' in globalThis && !Object.keys(globalThis).includes('URL')`, `true`},
	})
	r2, _ := newPlatformRealm(t, web.PlatformEnv{Eager: true})
	plRunCases(t, r2, []plCase{
		{`['URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'Crypto', 'Performance', 'WorkerLocation', 'MessageEvent', 'MessagePort', 'MessageChannel'].map(n => typeof Object.getOwnPropertyDescriptor(globalThis, n).value)`, `["function","function","function","function","function","function","function","function","function","function"]`},
		{`typeof Location`, `"undefined"`},
	})
}

func TestEncodingAPI(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	plRunCases(t, r, []plCase{
		{`[...new TextEncoder().encode('a\u00e9\u20ac\uD83D\uDE00')]`, `[97,195,169,226,130,172,240,159,152,128]`},
		{`[...new TextEncoder().encode('\uD800x')]`, `[239,191,189,120]`},
		{`[...new TextEncoder().encode()]`, `[]`},
		{`new TextEncoder().encode('x') instanceof Uint8Array`, `true`},
		{`new TextEncoder().encoding`, `"utf-8"`},
		{`const d = new Uint8Array(5); const r = new TextEncoder().encodeInto('a\u20ac\uD83D\uDE00', d); [r.read, r.written, ...d]`, `[2,4,97,226,130,172,0]`},
		{`const d = new Uint8Array(8); const r = new TextEncoder().encodeInto('\uD83D\uDE00\uD800', d); [r.read, r.written]`, `[3,7]`},
		{`const b = new Uint8Array(6); const r = new TextEncoder().encodeInto('hi', b.subarray(4)); [r.written, ...b]`, `[2,0,0,0,0,104,105]`},
		{`try { new TextEncoder().encodeInto('x', new Uint16Array(2)); } catch (e) { e instanceof TypeError }`, `true`},
		{`const d = new TextDecoder(); [d.encoding, d.fatal, d.ignoreBOM]`, `["utf-8",false,false]`},
		{`const d = new TextDecoder(' Latin1 ', {fatal: true, ignoreBOM: 1}); [d.encoding, d.fatal, d.ignoreBOM]`, `["windows-1252",true,true]`},
		{`try { new TextDecoder('bogus'); } catch (e) { [e.constructor.name, e.message] }`, `["RangeError","Failed to construct 'TextDecoder': The encoding label provided ('bogus') is invalid."]`},
		{`try { new TextDecoder('iso-2022-kr'); } catch (e) { e instanceof RangeError }`, `true`},
		{`new TextDecoder().decode(new Uint8Array([0xEF, 0xBB, 0xBF, 104, 105]))`, `"hi"`},
		{`new TextDecoder('utf-8', {ignoreBOM: true}).decode(new Uint8Array([0xEF, 0xBB, 0xBF, 104])).length`, `2`},
		{`new TextDecoder().decode(new Uint8Array([104, 105]).buffer)`, `"hi"`},
		{`new TextDecoder().decode(new DataView(new Uint8Array([120, 104, 105]).buffer, 1))`, `"hi"`},
		{`new TextDecoder().decode(new Uint16Array([0x6968]))`, `"hi"`},
		{`new TextDecoder().decode()`, `""`},
		{`try { new TextDecoder().decode('x'); } catch (e) { e instanceof TypeError }`, `true`},
		{`try { new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xFF])); } catch (e) { [e.constructor.name, e.message] }`, `["TypeError","Failed to execute 'decode' on 'TextDecoder': The encoded data was not valid for encoding utf-8"]`},
		{`const d = new TextDecoder(); d.decode(new Uint8Array([0xE2, 0x82]), {stream: true}) + '|' + d.decode(new Uint8Array([0xAC]), {stream: true}) + '|' + d.decode()`, `"|€|"`},
		{`const d = new TextDecoder(); d.decode(new Uint8Array([0xE2, 0x82]), {stream: true}); d.decode()`, `"�"`},
		{`new TextDecoder('utf-16').decode(new Uint8Array([0xFF, 0xFE, 0x3D, 0xD8, 0x00, 0xDE]))`, `"😀"`},
		{`new TextDecoder('utf-16be').decode(new Uint8Array([0, 0x41]))`, `"A"`},
		{`Object.prototype.toString.call(new TextDecoder())`, `"[object TextDecoder]"`},
	})
}

func TestBase64AndCrypto(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	plRunCases(t, r, []plCase{
		{`btoa('\u00ff\u00fe\u0000')`, `"//4A"`},
		{`[...atob('//4A')].map(c => c.charCodeAt(0))`, `[255,254,0]`},
		{`atob(' YW Jj ')`, `"abc"`},
		{`atob(null) === atob('null')`, `true`},
		{`try { btoa('\u0100'); } catch (e) { [e instanceof DOMException, e.name, e.code] }`, `[true,"InvalidCharacterError",5]`},
		{`try { atob('a'); } catch (e) { e.name }`, `"InvalidCharacterError"`},
		{`try { atob(); } catch (e) { e instanceof TypeError }`, `true`},
		{`const a = new Uint32Array(8); crypto.getRandomValues(a) === a && a.some(x => x !== 0)`, `true`},
		{`const a = new BigUint64Array(2); crypto.getRandomValues(a); typeof a[0]`, `"bigint"`},
		{`crypto.getRandomValues(new Uint8Array(65536)).length`, `65536`},
		{`try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { [e.name, e.code, e instanceof DOMException] }`, `["QuotaExceededError",22,true]`},
		{`try { crypto.getRandomValues(new Float64Array(1)); } catch (e) { [e.name, e.code] }`, `["TypeMismatchError",17]`},
		{`try { crypto.getRandomValues(new DataView(new ArrayBuffer(1))); } catch (e) { e.name }`, `"TypeMismatchError"`},
		{`try { crypto.getRandomValues([1]); } catch (e) { e instanceof TypeError }`, `true`},
		{`/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID())`, `true`},
		{`crypto.randomUUID() !== crypto.randomUUID()`, `true`},
		{`[crypto instanceof Crypto, crypto === self.crypto, Object.prototype.toString.call(crypto)]`, `[true,true,"[object Crypto]"]`},
		{`try { new Crypto(); } catch (e) { [e instanceof TypeError, e.message] }`, `[true,"Illegal constructor"]`},
		{`try { Crypto.prototype.randomUUID.call({}); } catch (e) { e.message }`, `"Illegal invocation"`},
		{`const d = Object.getOwnPropertyDescriptor(globalThis, 'crypto'); [typeof d.get, d.set, d.enumerable]`, `["function",null,true]`},
		{`[crypto.subtle instanceof SubtleCrypto, crypto.subtle === crypto.subtle, typeof crypto.subtle.importKey]`, `[true,true,"undefined"]`},
		{`try { new SubtleCrypto(); } catch (e) { e.message }`, `"Illegal constructor"`},
	})
}

func TestPerformanceAndLocation(t *testing.T) {
	origin := time.Now().Add(-1500 * time.Millisecond)
	r, _ := newPlatformRealm(t, web.PlatformEnv{TimeOrigin: origin})
	plRunCases(t, r, []plCase{
		{`const a = performance.now(), b = performance.now(); a >= 1500 && a < 60000 && b >= a`, `true`},
		{`Math.abs(performance.timeOrigin + performance.now() - Date.now()) < 50`, `true`},
		{`performance.toJSON().timeOrigin === performance.timeOrigin`, `true`},
		{`[performance instanceof Performance, performance instanceof EventTarget]`, `[true,true]`},
		{`new Event('x').timeStamp >= 1500`, `true`},
		{`try { new Performance(); } catch (e) { e.message }`, `"Illegal constructor"`},
		{`self.performance = 1; performance`, `1`},
		{`[location.href, location.origin, location.protocol, location.host, location.hostname, location.port, location.pathname, location.search, location.hash, String(location)]`,
			`["https://sw.example/app/sw.js?v=1#frag","https://sw.example","https:","sw.example","sw.example","","/app/sw.js","?v=1","#frag","https://sw.example/app/sw.js?v=1#frag"]`},
		{`[location instanceof WorkerLocation, typeof Location, Object.prototype.toString.call(location)]`, `[true,"undefined","[object WorkerLocation]"]`},
		{`Object.getOwnPropertyDescriptor(WorkerLocation.prototype, 'href').set`, `undefined`},
		{`origin`, `"https://sw.example"`},
		{`self.origin = 'x'; origin`, `"x"`},
	})

	var navigated []string
	w, _ := newPlatformRealm(t, web.PlatformEnv{Kind: "window", Location: "https://page.example/a/b?c", Navigate: func(u string, replace bool) error {
		navigated = append(navigated, fmt.Sprint(u, " ", replace))
		return nil
	}})
	plRunCases(t, w, []plCase{
		{`[location instanceof Location, typeof WorkerLocation, location.pathname]`, `[true,"undefined","/a/b"]`},
		{`location.assign('../x'); location.replace('https://other.example/'); location.hash = 'h'; location = '/root'; location.reload(); 1`, `1`},
		{`try { location.assign('http://[::1'); } catch (e) { [e.name, e instanceof DOMException] }`, `["SyntaxError",true]`},
		{`Object.getOwnPropertyDescriptor(globalThis, 'location').configurable`, `false`},
	})
	want := []string{"https://page.example/x false", "https://other.example/ true", "https://page.example/a/b?c#h false", "https://page.example/root false", "https://page.example/a/b?c true"}
	if fmt.Sprint(navigated) != fmt.Sprint(want) {
		t.Errorf("navigations %q, want %q", navigated, want)
	}
	h, _ := newPlatformRealm(t, web.PlatformEnv{Kind: "window", Location: "https://page.example/"})
	plRunCases(t, h, []plCase{
		{`try { location.reload(); } catch (e) { e.name }`, `"NotSupportedError"`},
	})
}

func TestNavigatorHelper(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{UserAgent: "Mozilla/5.0 swhost/1", Languages: []string{"fr-FR", "en"}, HardwareConcurrency: 4})
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_, err := rt.RunString(`1`)
		if err != nil {
			return err
		}
		fn, _ := sobek.AssertFunction(r.Internal("defineNavigatorID"))
		proto := rt.NewObject()
		if _, err := fn(sobek.Undefined(), proto); err != nil {
			return err
		}
		return rt.Set("nav", rt.CreateObject(proto))
	})
	if err != nil {
		t.Fatal(err)
	}
	plRunCases(t, r, []plCase{
		{`[nav.userAgent, nav.appVersion, nav.appName, nav.product, nav.language, nav.languages, nav.onLine, nav.hardwareConcurrency]`,
			`["Mozilla/5.0 swhost/1","5.0 swhost/1","Netscape","Gecko","fr-FR",["fr-FR","en"],true,4]`},
		{`[nav.languages === nav.languages, Object.isFrozen(nav.languages)]`, `[true,true]`},
	})
}

func TestSubtleDigest(t *testing.T) {
	r, c := newPlatformRealm(t, web.PlatformEnv{})
	plRun(t, r, `
		const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
		const data = new TextEncoder().encode('abc');
		Promise.all([
			crypto.subtle.digest('SHA-256', data).then(hex),
			crypto.subtle.digest({name: 'sha-1'}, data.buffer).then(hex),
			crypto.subtle.digest('SHA-512', new DataView(data.buffer)).then((b) => b.byteLength),
			crypto.subtle.digest('SHA-384', new Uint8Array()).then((b) => b.byteLength),
			crypto.subtle.digest('MD5', data).catch((e) => e.name),
			crypto.subtle.digest({}, data).catch((e) => e.constructor.name),
			crypto.subtle.digest('SHA-256', 'abc').catch((e) => e.constructor.name),
		]).then((r) => console.log('digest ' + r.join(' ')));
	`)
	want := "digest ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad a9993e364706816aba3e25717850c26c9cd0d89d 64 48 NotSupportedError TypeError TypeError"
	if got := plWaitLog(t, c, "digest"); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
