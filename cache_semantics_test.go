package swhost_test

import (
	"testing"
)

// TestCacheSemantics: Cache Storage as a page and a worker see it. Each
// case runs in a fresh cache (named after the case and the realm) and
// returns what it observed; the cases are the Service Workers spec's Query
// Cache (Vary, ignoreSearch, ignoreMethod, ignoreVary), Batch Cache
// Operations (put replaces, addAll is all or nothing) and the checks of
// put/add/addAll.
func TestCacheSemantics(t *testing.T) {
	f := newFetchFixture(t)
	cases := []struct{ name, body, want string }{
		{"VaryMatchesOnTheNamedRequestHeader", `
			await c.put(new Request('/v', { headers: { 'Accept-Language': 'fr' } }), new Response('fr', { headers: { Vary: 'Accept-Language' } }));
			const text = async (p) => p.then((r) => r ? r.text() : 'miss');
			return [await text(c.match(new Request('/v', { headers: { 'Accept-Language': 'fr' } }))),
			        await text(c.match(new Request('/v', { headers: { 'Accept-Language': 'en' } }))),
			        await text(c.match('/v')),
			        await text(c.match('/v', { ignoreVary: true }))];`,
			`["fr","miss","miss","fr"]`},
		{"VaryKeepsOneEntryPerVariant", `
			const put = (lang) => c.put(new Request('/v', { headers: { 'Accept-Language': lang } }), new Response(lang, { headers: { Vary: 'Accept-Language' } }));
			await put('fr'); await put('en'); await put('fr');
			const all = await c.matchAll('/v', { ignoreVary: true });
			const keys = await c.keys();
			return [await Promise.all(all.map((r) => r.text())), keys.map((k) => k.headers.get('accept-language')),
			        (await c.matchAll(new Request('/v', { headers: { 'Accept-Language': 'en' } }))).length];`,
			`[["en","fr"],["en","fr"],1]`},
		{"VaryOnSeveralHeaders", `
			const req = (a, b) => new Request('/v2', { headers: { 'X-A': a, 'X-B': b } });
			await c.put(req('1', '2'), new Response('12', { headers: { Vary: 'X-A, x-b' } }));
			return [!!(await c.match(req('1', '2'))), !!(await c.match(req('1', '3'))), !!(await c.match(req('0', '2')))];`,
			`[true,false,false]`},
		{"VaryStarIsATypeError", `
			try { await c.put('/s', new Response('x', { headers: { Vary: 'Accept, *' } })); return 'stored'; } catch (e) { return e.name; }`,
			`"TypeError"`},
		{"IgnoreSearch", `
			await c.put('/q?a=1', new Response('a1'));
			await c.put('/q?a=2', new Response('a2'));
			const text = async (p) => p.then((r) => r ? r.text() : 'miss');
			return [await text(c.match('/q?a=3')), await text(c.match('/q?a=3', { ignoreSearch: true })), await text(c.match('/q', { ignoreSearch: true })),
			        (await c.matchAll('/q', { ignoreSearch: true })).length, (await c.keys('/q?z', { ignoreSearch: true })).length,
			        await c.delete('/q', { ignoreSearch: true }), (await c.keys()).length];`,
			`["miss","a1","a1",2,2,true,0]`},
		{"FragmentIsIgnored", `
			await c.put('/frag#one', new Response('f'));
			return [await (await c.match('/frag#two')).text(), !!(await c.match('/frag')), (await c.keys())[0].url];`,
			`["f",true,"https://app.example/frag#one"]`},
		{"PutReplacesAndAppends", `
			await c.put('/a', new Response('a1')); await c.put('/b', new Response('b')); await c.put('/a', new Response('a2'));
			return [(await c.keys()).map((k) => new URL(k.url).pathname), await (await c.match('/a')).text()];`,
			`[["/b","/a"],"a2"]`},
		{"Method", `
			await c.put('/m', new Response('get'));
			const post = new Request('/m', { method: 'POST', body: 'x' });
			let putPost; try { await c.put(post, new Response('p')); putPost = 'stored'; } catch (e) { putPost = e.name; }
			return [await c.match(new Request('/m', { method: 'POST', body: 'y' })) === undefined,
			        await (await c.match(new Request('/m', { method: 'POST', body: 'y' }), { ignoreMethod: true })).text(),
			        await c.match(new Request('/m', { method: 'HEAD' })) === undefined,
			        (await c.matchAll(new Request('/m', { method: 'PUT' }))).length,
			        putPost,
			        await c.delete(new Request('/m', { method: 'POST' })),
			        await c.delete(new Request('/m', { method: 'POST' }), { ignoreMethod: true })];`,
			`[true,"get",true,0,"TypeError",false,true]`},
		{"PutChecks", `
			const out = [];
			for (const [req, resp] of [['data:text/plain,x', new Response('x')], ['/p', new Response('x', { status: 206 })], ['/p', 'not a response']]) {
			  try { await c.put(req, resp); out.push('stored'); } catch (e) { out.push(e.name); }
			}
			return out;`,
			`["TypeError","TypeError","TypeError"]`},
		{"PutOfAUsedBodyIsATypeError", `
			const used = new Response('used'); await used.text();
			let err; try { await c.put('/u', used); err = 'stored'; } catch (e) { err = e.name; }
			const fresh = new Response('fresh'); await c.put('/u2', fresh);
			let reread; try { await fresh.text(); reread = 'readable'; } catch (e) { reread = e.name; }
			return [err, await c.match('/u') === undefined, fresh.bodyUsed, reread];`,
			`["TypeError",true,true,"TypeError"]`},
		{"BodiesAndHeadersRoundTrip", `
			const bytes = new Uint8Array(256); for (let i = 0; i < 256; i++) bytes[i] = i;
			await c.put('/bin', new Response(bytes, { status: 203, statusText: 'Kept', headers: { 'X-One': 'a', 'Content-Type': 'application/x-bin' } }));
			const a = await c.match('/bin'), b = await c.match('/bin');
			const got = new Uint8Array(await a.arrayBuffer());
			let same = got.length === 256; for (let i = 0; i < got.length; i++) same = same && got[i] === i;
			return [same, a.status, a.statusText, a.headers.get('x-one'), a.headers.get('content-type'), a.type, a.bodyUsed, b.bodyUsed, (await b.arrayBuffer()).byteLength];`,
			`[true,203,"Kept","a","application/x-bin","default",true,false,256]`},
		{"NullBodyStaysNull", `
			await c.put('/nb', new Response(null, { status: 200 }));
			const r = await c.match('/nb');
			return [r.body === null, await r.text()];`,
			`[true,""]`},
		{"FetchedResponseKeepsTypeAndURL", `
			await c.add('/net/fetched?x=1');
			const r = await c.match('/net/fetched?x=1');
			return [r.type, r.url, r.status, await r.text()];`,
			`["basic","https://app.example/net/fetched?x=1",200,"network GET /net/fetched?x=1"]`},
		{"OpaqueResponses", `
			const resp = await fetch('https://cdn.example/opaque.txt', { mode: 'no-cors' });
			await c.put('https://cdn.example/opaque.txt', resp);
			const r = await c.match('https://cdn.example/opaque.txt');
			let add; try { await c.add(new Request('https://cdn.example/opaque.txt', { mode: 'no-cors' })); add = 'stored'; } catch (e) { add = e.name; }
			return [r.type, r.status, r.ok, r.url, [...r.headers].length, await r.text(), add, (await c.keys()).length];`,
			`["opaque",0,false,"",0,"","TypeError",1]`},
		{"AddAllIsAllOrNothing", `
			await c.put('/net/one', new Response('old one'));
			let err; try { await c.addAll(['/net/one', '/net/two', '/net/missing']); err = 'stored'; } catch (e) { err = e.name; }
			return [err, (await c.keys()).map((k) => new URL(k.url).pathname), await (await c.match('/net/one')).text()];`,
			`["TypeError",["/net/one"],"old one"]`},
		{"AddAllFailures", `
			const out = [];
			for (const list of [['/net/vary'], ['/net/partial'], ['data:text/plain,x'], [new Request('/net/p', { method: 'POST' })], ['/net/a', '/net/a']]) {
			  try { await c.addAll(list); out.push('stored'); } catch (e) { out.push(e.name); }
			}
			return [out, (await c.keys()).length];`,
			`[["TypeError","TypeError","TypeError","TypeError","InvalidStateError"],0]`},
		{"AddAllStoresEverything", `
			await c.addAll(['/net/x', new Request('/net/y'), '/net/z?q']);
			return Promise.all((await c.keys()).map(async (k) => [new URL(k.url).pathname + new URL(k.url).search, await (await c.match(k)).text()]));`,
			`[["/net/x","network GET /net/x"],["/net/y","network GET /net/y"],["/net/z?q","network GET /net/z?q"]]`},
		{"MatchAllAndKeysWithoutArguments", `
			await c.put('/1', new Response('1')); await c.put('/2', new Response('2'));
			return [await Promise.all((await c.matchAll()).map((r) => r.text())), (await c.keys()).length, await c.delete('/3')];`,
			`[["1","2"],2,false]`},
		{"StringRequestsParseLikeNewRequest", `
			await c.put('item', new Response('relative'));
			const out = [(await c.keys())[0].url, (await c.keys())[0].method];
			for (const bad of ['http://[::1', 'https://user:pw@app.example/x']) {
			  for (const f of [() => c.match(bad), () => c.delete(bad), () => caches.match(bad), () => c.put(bad, new Response(''))]) {
			    try { await f(); out.push('resolved'); } catch (e) { out.push(e.name); }
			  }
			}
			out.push(await (await c.match('https://app.example/item')).text(), await (await caches.match('item', { cacheName: name })).text());
			return out;`,
			`["https://app.example/item","GET","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","relative","relative"]`},
		{"CacheObjectOutlivesCachesDelete", `
			await c.put('/d', new Response('still here'));
			const deleted = await caches.delete(name);
			return [deleted, await caches.has(name), await (await c.match('/d')).text(), (await caches.open(name).then((n) => n.keys())).length];`,
			`[true,false,"still here",0]`},
	}
	for _, realm := range ffRealms {
		for _, c := range cases {
			t.Run(realm+"/"+c.name, func(t *testing.T) {
				body := "const name = " + jsString(realm+"/"+c.name) + "; const c = await caches.open(name);\n" + c.body
				if got := f.in(t, realm, body); got.String() != c.want {
					t.Errorf("got  %s\nwant %s", got, c.want)
				}
			})
		}
	}

	// CacheStorage across caches, and one origin's caches are its own.
	storage := []struct{ name, body, want string }{
		{"OpenHasDeleteKeys", `
			for (const n of await caches.keys()) await caches.delete(n);
			await caches.open('one'); await caches.open('two'); await caches.open('one');
			const keys = await caches.keys();
			return [keys, await caches.has('two'), await caches.delete('two'), await caches.delete('two'), await caches.has('two'), await caches.keys()];`,
			`[["one","two"],true,true,false,false,["one"]]`},
		{"MatchAcrossCachesInCreationOrder", `
			for (const n of await caches.keys()) await caches.delete(n);
			await (await caches.open('first')).put('/x', new Response('first'));
			await (await caches.open('second')).put('/x', new Response('second'));
			await (await caches.open('second')).put('/y', new Response('only second'));
			const text = async (p) => p.then((r) => r ? r.text() : 'undefined');
			return [await text(caches.match('/x')), await text(caches.match('/y')), await text(caches.match('/x', { cacheName: 'second' })),
			        await text(caches.match('/x', { cacheName: 'unknown' })), await caches.has('unknown'),
			        await text(caches.match(new Request('/x', { method: 'POST' }), { ignoreMethod: true }))];`,
			`["first","only second","second","undefined",false,"first"]`},
		// WebIDL: match needs its request; the options dictionary is
		// converted after the request, members in lexicographic order; a
		// non-object is a TypeError; errors reject, never throw.
		{"MatchArgumentsAndOptions", `
			await (await caches.open('args')).put('/a', new Response('a'));
			const c = await caches.open('args');
			const order = [];
			const spy = new Proxy({}, { get(t, k) { if (typeof k === 'string') order.push(k); return undefined; } });
			const req = { toString() { order.push('request'); return '/a'; } };
			const got = [await (await caches.match(req, spy)).text()];
			const rejects = async (f) => { try { const p = f(); if (!(p instanceof Promise)) return 'threw'; await p; return 'resolved'; } catch (e) { return e.name; } };
			got.push(await rejects(() => caches.match()), await rejects(() => c.match()), await rejects(() => caches.match('/a', 5)),
			         await rejects(() => c.match('/a', 'x')), await rejects(() => caches.match('/a', { cacheName: Symbol() })),
			         await rejects(() => CacheStorage.prototype.match.call({}, '/a')), await rejects(() => Cache.prototype.match.call({}, '/a')));
			got.push(CacheStorage.prototype.match.length, Cache.prototype.match.length, (await c.match(undefined)) === undefined, (await caches.match('/a', null)) !== undefined);
			got.push(await rejects(() => caches.open()), await rejects(() => caches.open(Symbol())), CacheStorage.prototype.open.length,
			         (await caches.open({ toString() { return 'args'; } })) instanceof Cache);
			return [got, order];`,
			`[["a","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError",1,1,true,true,"TypeError","TypeError",1,true],["request","cacheName","ignoreMethod","ignoreSearch","ignoreVary"]]`},
	}
	for _, realm := range ffRealms {
		for _, c := range storage {
			t.Run(realm+"/"+c.name, func(t *testing.T) {
				if got := f.in(t, realm, c.body); got.String() != c.want {
					t.Errorf("got  %s\nwant %s", got, c.want)
				}
			})
		}
	}

	t.Run("CachesBelongToOneOrigin", func(t *testing.T) {
		if got := f.window(t, `await (await caches.open('mine')).put('/secret', new Response('app only')); return (await caches.keys()).includes('mine');`); got.String() != "true" {
			t.Fatalf("put: %s", got)
		}
		other, err := f.h.OpenPage(testCtx(t), "https://cdn.example/page.html")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		got := f.h.eval(t, other, `return [await caches.keys(), await caches.has('mine'), await caches.match('https://app.example/secret') === undefined];`)
		if got.String() != `[[],false,true]` {
			t.Errorf("another origin sees %s", got)
		}
	})
}

func jsString(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			b = append(b, '\\')
		}
		b = append(b, string(r)...)
	}
	return string(append(b, '"'))
}
