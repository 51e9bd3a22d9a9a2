package web_test

import (
	"fmt"
	"testing"

	"github.com/swhost/swhost/internal/web"
)

// restArgsCase is one WebIDL operation or constructor whose argument count
// check is written with a rest parameter instead of `arguments` (cheaper in
// sobek): its length (set back to the WebIDL required-argument count), its
// name, and what calling it with too few arguments does, captured from the
// code that used `arguments`.
type restArgsCase struct {
	fn     string // expression for the function object
	length int
	name   string
	call   string // a call with too few arguments (or a wrong this)
	want   string // "throw Name: message", "reject Name: message" or "ok"
}

// checkRestArgs runs each case in an async function of realm r (evalAsync):
// a synchronous throw and a rejection are told apart.
func checkRestArgs(t *testing.T, eval func(src string) string, cases []restArgsCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.fn+"/"+c.call, func(t *testing.T) {
			src := fmt.Sprintf(`
				const f = %s;
				const d = Object.getOwnPropertyDescriptor(f, 'length');
				const nd = Object.getOwnPropertyDescriptor(f, 'name');
				const attrs = (x) => [x.writable, x.enumerable, x.configurable].join();
				if (attrs(d) !== 'false,false,true') return 'length attributes ' + attrs(d);
				if (attrs(nd) !== 'false,false,true') return 'name attributes ' + attrs(nd);
				const head = f.length + ' ' + f.name + ' ';
				let p;
				try { p = %s; } catch (e) { return head + 'throw ' + e.name + ': ' + e.message + (e instanceof TypeError ? '' : ' (not a TypeError)'); }
				try { await p; } catch (e) { return head + 'reject ' + e.name + ': ' + e.message + (e instanceof TypeError ? '' : ' (not a TypeError)'); }
				return head + 'ok';`, c.fn, c.call)
			want := fmt.Sprintf("%q", fmt.Sprintf("%d %s %s", c.length, c.name, c.want))
			if got := eval(src); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func tooFew(what string, n, have int) string {
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf("TypeError: %s: %d argument%s required, but only %d present.", what, n, s, have)
}

// TestRestArgsLengthNameMessages: the platform and fetch operations
// converted from `arguments` to rest parameters keep their WebIDL length,
// their name and their too-few-arguments TypeErrors (and brand checks
// still come first).
func TestRestArgsLengthNameMessages(t *testing.T) {
	r, _ := newFetchRealm(t, web.FetchEnv{})
	eval := func(src string) string { t.Helper(); return evalAsync(t, r, src) }
	usp := func(m string) string { return "Failed to execute '" + m + "' on 'URLSearchParams'" }
	hd := func(m string) string { return "Failed to execute '" + m + "' on 'Headers'" }
	checkRestArgs(t, eval, []restArgsCase{
		// URL (platform.js)
		{"URL", 1, "URL", "new URL()", "throw " + tooFew("Failed to construct 'URL'", 1, 0)},
		{"URL", 1, "URL", "new URL('https://a.example/x').href", "ok"},
		{"URL", 1, "URL", "URL('https://a.example/x')", "throw TypeError: Class constructor cannot be invoked without 'new'"},
		{"URL.parse", 1, "parse", "URL.parse()", "throw " + tooFew("Failed to execute 'parse' on 'URL'", 1, 0)},
		{"URL.canParse", 1, "canParse", "URL.canParse()", "throw " + tooFew("Failed to execute 'canParse' on 'URL'", 1, 0)},
		// URLSearchParams (platform.js)
		{"URLSearchParams.prototype.append", 2, "append", "new URLSearchParams().append()", "throw " + tooFew(usp("append"), 2, 0)},
		{"URLSearchParams.prototype.append", 2, "append", "new URLSearchParams().append('a')", "throw " + tooFew(usp("append"), 2, 1)},
		{"URLSearchParams.prototype.append", 2, "append", "URLSearchParams.prototype.append.call({})", "throw TypeError: Illegal invocation"},
		{"URLSearchParams.prototype.delete", 1, "delete", "new URLSearchParams().delete()", "throw " + tooFew(usp("delete"), 1, 0)},
		{"URLSearchParams.prototype.get", 1, "get", "new URLSearchParams().get()", "throw " + tooFew(usp("get"), 1, 0)},
		{"URLSearchParams.prototype.get", 1, "get", "URLSearchParams.prototype.get.call({})", "throw TypeError: Illegal invocation"},
		{"URLSearchParams.prototype.getAll", 1, "getAll", "new URLSearchParams().getAll()", "throw " + tooFew(usp("getAll"), 1, 0)},
		{"URLSearchParams.prototype.has", 1, "has", "new URLSearchParams().has()", "throw " + tooFew(usp("has"), 1, 0)},
		{"URLSearchParams.prototype.set", 2, "set", "new URLSearchParams().set()", "throw " + tooFew(usp("set"), 2, 0)},
		{"URLSearchParams.prototype.set", 2, "set", "new URLSearchParams().set('a')", "throw " + tooFew(usp("set"), 2, 1)},
		// Headers (fetch.js)
		{"Headers.prototype.append", 2, "append", "new Headers().append()", "throw " + tooFew(hd("append"), 2, 0)},
		{"Headers.prototype.append", 2, "append", "new Headers().append('a')", "throw " + tooFew(hd("append"), 2, 1)},
		{"Headers.prototype.append", 2, "append", "Headers.prototype.append.call({})", "throw TypeError: Illegal invocation"},
		{"Headers.prototype.delete", 1, "delete", "new Headers().delete()", "throw " + tooFew(hd("delete"), 1, 0)},
		{"Headers.prototype.get", 1, "get", "new Headers().get()", "throw " + tooFew(hd("get"), 1, 0)},
		{"Headers.prototype.get", 1, "get", "Headers.prototype.get.call({})", "throw TypeError: Illegal invocation"},
		{"Headers.prototype.has", 1, "has", "new Headers().has()", "throw " + tooFew(hd("has"), 1, 0)},
		{"Headers.prototype.set", 2, "set", "new Headers().set()", "throw " + tooFew(hd("set"), 2, 0)},
		{"Headers.prototype.set", 2, "set", "new Headers().set('a')", "throw " + tooFew(hd("set"), 2, 1)},
		{"Headers.prototype.forEach", 1, "forEach", "new Headers().forEach()", "throw " + tooFew(hd("forEach"), 1, 0)},
		{"Headers.prototype.forEach", 1, "forEach", "Headers.prototype.forEach.call({})", "throw TypeError: Illegal invocation"},
		{"FormData.prototype.forEach", 1, "forEach", "new FormData().forEach()", "throw " + tooFew("Failed to execute 'forEach' on 'FormData'", 1, 0)},
		// Request, Response, fetch (fetch.js)
		{"Request", 1, "Request", "new Request()", "throw " + tooFew("Failed to construct 'Request'", 1, 0)},
		{"Request", 1, "Request", "new Request('/x').url", "ok"},
		{"Response", 0, "Response", "new Response()", "ok"},
		{"Response.redirect", 1, "redirect", "Response.redirect()", "throw " + tooFew("Failed to execute 'redirect' on 'Response'", 1, 0)},
		{"Response.json", 1, "json", "Response.json()", "throw " + tooFew("Failed to execute 'json' on 'Response'", 1, 0)},
		{"fetch", 1, "fetch", "fetch()", "reject " + tooFew("Failed to execute 'fetch'", 1, 0)},
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
