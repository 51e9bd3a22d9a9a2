package web_test

import (
	"fmt"
	"testing"

	"github.com/swhost/swhost/internal/web"
	"github.com/swhost/swhost/internal/webtest"
)

// TestRestArgsLengthNameMessages: the platform and fetch operations
// converted from `arguments` to rest parameters keep their WebIDL length,
// their name and their too-few-arguments TypeErrors (and brand checks
// still come first).
func TestRestArgsLengthNameMessages(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	eval := func(src string) string { t.Helper(); return evalAsync(t, r, src) }
	usp := func(m string) string { return "Failed to execute '" + m + "' on 'URLSearchParams'" }
	hd := func(m string) string { return "Failed to execute '" + m + "' on 'Headers'" }
	webtest.CheckOperations(t, eval, "", []webtest.OperationCase{
		// URL (platform.js)
		webtest.Op("URL", 1, "URL", "new URL()", "throw "+webtest.TooFew("Failed to construct 'URL'", 1, 0)),
		webtest.Op("URL", 1, "URL", "new URL('https://a.example/x').href", "ok"),
		webtest.Op("URL", 1, "URL", "URL('https://a.example/x')", "throw TypeError: Class constructor cannot be invoked without 'new'"),
		webtest.Op("URL.parse", 1, "parse", "URL.parse()", "throw "+webtest.TooFew("Failed to execute 'parse' on 'URL'", 1, 0)),
		webtest.Op("URL.canParse", 1, "canParse", "URL.canParse()", "throw "+webtest.TooFew("Failed to execute 'canParse' on 'URL'", 1, 0)),
		// URLSearchParams (platform.js)
		webtest.Op("URLSearchParams.prototype.append", 2, "append", "new URLSearchParams().append()", "throw "+webtest.TooFew(usp("append"), 2, 0)),
		webtest.Op("URLSearchParams.prototype.append", 2, "append", "new URLSearchParams().append('a')", "throw "+webtest.TooFew(usp("append"), 2, 1)),
		webtest.Op("URLSearchParams.prototype.append", 2, "append", "URLSearchParams.prototype.append.call({})", "throw TypeError: Illegal invocation"),
		webtest.Op("URLSearchParams.prototype.delete", 1, "delete", "new URLSearchParams().delete()", "throw "+webtest.TooFew(usp("delete"), 1, 0)),
		webtest.Op("URLSearchParams.prototype.get", 1, "get", "new URLSearchParams().get()", "throw "+webtest.TooFew(usp("get"), 1, 0)),
		webtest.Op("URLSearchParams.prototype.get", 1, "get", "URLSearchParams.prototype.get.call({})", "throw TypeError: Illegal invocation"),
		webtest.Op("URLSearchParams.prototype.getAll", 1, "getAll", "new URLSearchParams().getAll()", "throw "+webtest.TooFew(usp("getAll"), 1, 0)),
		webtest.Op("URLSearchParams.prototype.has", 1, "has", "new URLSearchParams().has()", "throw "+webtest.TooFew(usp("has"), 1, 0)),
		webtest.Op("URLSearchParams.prototype.set", 2, "set", "new URLSearchParams().set()", "throw "+webtest.TooFew(usp("set"), 2, 0)),
		webtest.Op("URLSearchParams.prototype.set", 2, "set", "new URLSearchParams().set('a')", "throw "+webtest.TooFew(usp("set"), 2, 1)),
		// Headers (fetch.js)
		webtest.Op("Headers.prototype.append", 2, "append", "new Headers().append()", "throw "+webtest.TooFew(hd("append"), 2, 0)),
		webtest.Op("Headers.prototype.append", 2, "append", "new Headers().append('a')", "throw "+webtest.TooFew(hd("append"), 2, 1)),
		webtest.Op("Headers.prototype.append", 2, "append", "Headers.prototype.append.call({})", "throw TypeError: Illegal invocation"),
		webtest.Op("Headers.prototype.delete", 1, "delete", "new Headers().delete()", "throw "+webtest.TooFew(hd("delete"), 1, 0)),
		webtest.Op("Headers.prototype.get", 1, "get", "new Headers().get()", "throw "+webtest.TooFew(hd("get"), 1, 0)),
		webtest.Op("Headers.prototype.get", 1, "get", "Headers.prototype.get.call({})", "throw TypeError: Illegal invocation"),
		webtest.Op("Headers.prototype.has", 1, "has", "new Headers().has()", "throw "+webtest.TooFew(hd("has"), 1, 0)),
		webtest.Op("Headers.prototype.set", 2, "set", "new Headers().set()", "throw "+webtest.TooFew(hd("set"), 2, 0)),
		webtest.Op("Headers.prototype.set", 2, "set", "new Headers().set('a')", "throw "+webtest.TooFew(hd("set"), 2, 1)),
		webtest.Op("Headers.prototype.forEach", 1, "forEach", "new Headers().forEach()", "throw "+webtest.TooFew(hd("forEach"), 1, 0)),
		webtest.Op("Headers.prototype.forEach", 1, "forEach", "Headers.prototype.forEach.call({})", "throw TypeError: Illegal invocation"),
		webtest.Op("FormData.prototype.forEach", 1, "forEach", "new FormData().forEach()", "throw "+webtest.TooFew("Failed to execute 'forEach' on 'FormData'", 1, 0)),
		// Request, Response, fetch (fetch.js)
		webtest.Op("Request", 1, "Request", "new Request()", "throw "+webtest.TooFew("Failed to construct 'Request'", 1, 0)),
		webtest.Op("Request", 1, "Request", "new Request('/x').url", "ok"),
		webtest.Op("Response", 0, "Response", "new Response()", "ok"),
		webtest.Op("Response.redirect", 1, "redirect", "Response.redirect()", "throw "+webtest.TooFew("Failed to execute 'redirect' on 'Response'", 1, 0)),
		webtest.Op("Response.json", 1, "json", "Response.json()", "throw "+webtest.TooFew("Failed to execute 'json' on 'Response'", 1, 0)),
		webtest.Op("fetch", 1, "fetch", "fetch()", "reject "+webtest.TooFew("Failed to execute 'fetch'", 1, 0)),
	})
}

// TestRestArgsConversionOrder: the operations converted to rest parameters
// still count the arguments first and then convert them left to right, and
// a missing optional argument is the same as undefined.
func TestRestArgsConversionOrder(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	cases := []struct{ src, want string }{
		{`const log = []; const v = (s) => ({ toString() { log.push(s); return s; } });
		  new URL(v('https://a.example/p'), v('https://b.example/')); return log.join();`, `"https://a.example/p,https://b.example/"`},
		{`let m; try { new URL('/p', undefined); } catch (e) { m = e.message; }
		  return [m, URL.parse('/p'), URL.parse('/p', undefined), URL.canParse('/p'), URL.canParse('/p', undefined), URL.canParse('/p', 'https://a.example/')];`,
			`["Failed to construct 'URL': Invalid URL",null,null,false,false,true]`},
		{`return new URL('/p', 'https://a.example/q').href;`, `"https://a.example/p"`},
		{`const log = []; const v = (s) => ({ toString() { log.push(s); return s; } });
		  const u = new URLSearchParams('a=1&a=2&b=3');
		  u.append(v('n1'), v('v1')); u.set(v('n2'), v('v2')); u.delete(v('a'), v('2')); u.has(v('b'), v('3')); u.get(v('b')); u.getAll(v('a'));
		  return [log.join(), u.toString(), u.has('b', undefined), u.has('b', '4')];`,
			`["n1,v1,n2,v2,a,2,b,3,b,a","a=1&b=3&n1=v1&n2=v2",true,false]`},
		{`const log = []; const v = (s) => ({ toString() { log.push(s); return s; } });
		  const h = new Headers();
		  h.append(v('x-a'), v('1')); h.set(v('x-b'), v('2')); h.get(v('x-a')); h.has(v('x-b')); h.delete(v('x-a'));
		  const seen = []; h.forEach(function (val, k, o) { seen.push(k, val, o === h, this.t); }, { t: 'T' });
		  return [log.join(), seen];`,
			`["x-a,1,x-b,2,x-a,x-b,x-a",["x-b","2",true,"T"]]`},
		{`const log = []; const v = (s) => ({ toString() { log.push(s); return s; } });
		  try { new Request(v('/x'), { get method() { log.push('init'); return 'POST'; } }); } catch (e) { log.push(e.message); }
		  return log;`, `["/x","init"]`},
		{`return [new Request('/x', undefined).method, new Response(undefined, undefined).status, Response.redirect('/r').status, Response.redirect('/r', undefined).status];`,
			`["GET",200,302,302]`},
		{`return (await Response.json({ a: 1 }, undefined).json()).a;`, `1`},
		// A missing optional argument is undefined even when Array.prototype
		// has an element there (the rest array has no own element).
		{`Array.prototype[1] = 'https://b.example/';
		  try {
		    const seen = []; const h = new Headers({ a: '1' });
		    h.forEach(function () { 'use strict'; seen.push(typeof this); });
		    return [URL.parse('/p'), URL.canParse('/p'), new URLSearchParams('a=1').has('a'), new Request('/x').method, Response.redirect('/r').status, seen];
		  } finally { delete Array.prototype[1]; }`, `[null,false,true,"GET",302,["undefined"]]`},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := evalAsync(t, r, c.src); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}
