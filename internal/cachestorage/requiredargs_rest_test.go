package cachestorage

import (
	"context"
	"testing"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/sw"
	"github.com/swhost/swhost/internal/web"
	"github.com/swhost/swhost/internal/webtest"
)

// newCachesRealm is a realm with the web platform, fetch and caches.
func newCachesRealm(t *testing.T) *js.Realm {
	t.Helper()
	s, _ := openStorage(t)
	const origin = "https://a.example"
	r := js.NewRealm(js.Options{Name: "caches-test"})
	t.Cleanup(r.Close)
	err := r.Do(context.Background(), func(*sobek.Runtime) error {
		if err := web.InstallBase(r, func(string, string) {}); err != nil {
			return err
		}
		if err := web.InstallPlatform(r, web.PlatformEnv{Location: origin + "/sw.js"}); err != nil {
			return err
		}
		if err := web.InstallFetch(r, web.FetchEnv{BaseURL: origin + "/sw.js", Origin: origin}); err != nil {
			return err
		}
		return s.Install(&sw.Env{Realm: r, Origin: origin, URL: origin + "/sw.js"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRestArgsLengthNameMessages: the Cache and CacheStorage operations
// written with rest parameters instead of `arguments` keep their WebIDL
// length, their name, and what a call with too few arguments does (a
// synchronous TypeError or a rejection, with the same message as the code
// that used `arguments`), brand checks first.
func TestRestArgsLengthNameMessages(t *testing.T) {
	r := newCachesRealm(t)
	cache := func(m string) string { return "Failed to execute '" + m + "' on 'Cache'" }
	storage := func(m string) string { return "Failed to execute '" + m + "' on 'CacheStorage'" }
	cases := []webtest.OperationCase{
		webtest.Op("Cache.prototype.add", 1, "add", "c.add()", "throw "+webtest.TooFew(cache("add"), 1, 0)),
		webtest.Op("Cache.prototype.add", 1, "add", "Cache.prototype.add.call({})", "throw TypeError: Illegal invocation"),
		webtest.Op("Cache.prototype.addAll", 1, "addAll", "c.addAll()", "throw "+webtest.TooFew(cache("addAll"), 1, 0)),
		webtest.Op("Cache.prototype.addAll", 1, "addAll", "c.addAll(['data:,x'])", "reject TypeError: Failed to execute 'addAll' on 'Cache': Request scheme 'data' is unsupported"),
		webtest.Op("Cache.prototype.put", 2, "put", "c.put()", "throw "+webtest.TooFew(cache("put"), 2, 0)),
		webtest.Op("Cache.prototype.put", 2, "put", "c.put('/x')", "throw "+webtest.TooFew(cache("put"), 2, 1)),
		webtest.Op("Cache.prototype.put", 2, "put", "c.put('/x', 1)", "reject TypeError: Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'."),
		webtest.Op("Cache.prototype.put", 2, "put", "Cache.prototype.put.call({})", "throw TypeError: Illegal invocation"),
		// (delete's length was 2 before, from its two plain parameters;
		// WebIDL's, and its required-argument count, is 1.)
		webtest.Op("Cache.prototype.delete", 1, "delete", "c.delete()", "throw "+webtest.TooFew(cache("delete"), 1, 0)),
		webtest.Op("Cache.prototype.delete", 1, "delete", "c.delete('/x', undefined)", "ok"),
		webtest.Op("Cache.prototype.match", 1, "match", "c.match()", "reject "+webtest.TooFew(cache("match"), 1, 0)),
		webtest.Op("CacheStorage.prototype.has", 1, "has", "caches.has()", "throw "+webtest.TooFew(storage("has"), 1, 0)),
		webtest.Op("CacheStorage.prototype.has", 1, "has", "CacheStorage.prototype.has.call({})", "throw TypeError: Illegal invocation"),
		webtest.Op("CacheStorage.prototype.has", 1, "has", "caches.has('t')", "ok"),
		webtest.Op("CacheStorage.prototype.delete", 1, "delete", "caches.delete()", "throw "+webtest.TooFew(storage("delete"), 1, 0)),
		webtest.Op("CacheStorage.prototype.delete", 1, "delete", "CacheStorage.prototype.delete.call({})", "throw TypeError: Illegal invocation"),
		webtest.Op("CacheStorage.prototype.delete", 1, "delete", "caches.delete('nope')", "ok"),
		webtest.Op("CacheStorage.prototype.open", 1, "open", "caches.open()", "reject "+webtest.TooFew(storage("open"), 1, 0)),
	}
	eval := func(src string) string { t.Helper(); return webtest.EvalAsync(t, r, "https://a.example/test.js", src) }
	webtest.CheckOperations(t, eval, "const c = await caches.open('t');", cases)
}
