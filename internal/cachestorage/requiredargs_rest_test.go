package cachestorage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/sw"
	"github.com/swhost/swhost/internal/web"
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

// evalAsync runs src as the body of an async function in r and returns
// its result as JSON, or "threw Name: message".
func evalAsync(t *testing.T, r *js.Realm, src string) string {
	t.Helper()
	done := make(chan string, 1)
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_ = rt.Set("__report", func(c sobek.FunctionCall) sobek.Value {
			done <- c.Argument(0).String()
			return sobek.Undefined()
		})
		_, err := r.Run(&js.Script{Name: "https://a.example/test.js", Source: "(async () => {\n" + src + "\n})().then(" +
			"(v) => __report(v === undefined ? 'undefined' : JSON.stringify(v)), " +
			"(e) => __report('threw ' + (e && e.name) + ': ' + (e && e.message)))"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-done:
		return s
	case <-time.After(10 * time.Second):
		t.Fatalf("script did not finish: %s", src)
		return ""
	}
}

// TestRestArgsLengthNameMessages: the Cache and CacheStorage operations
// written with rest parameters instead of `arguments` keep their WebIDL
// length, their name, and what a call with too few arguments does (a
// synchronous TypeError or a rejection, with the same message as the code
// that used `arguments`), brand checks first.
func TestRestArgsLengthNameMessages(t *testing.T) {
	r := newCachesRealm(t)
	tooFew := func(what string, n, have int) string {
		s := "s"
		if n == 1 {
			s = ""
		}
		return fmt.Sprintf("TypeError: %s: %d argument%s required, but only %d present.", what, n, s, have)
	}
	cache := func(m string) string { return "Failed to execute '" + m + "' on 'Cache'" }
	storage := func(m string) string { return "Failed to execute '" + m + "' on 'CacheStorage'" }
	cases := []struct {
		fn     string
		length int
		name   string
		call   string
		want   string
	}{
		{"Cache.prototype.add", 1, "add", "c.add()", "throw " + tooFew(cache("add"), 1, 0)},
		{"Cache.prototype.add", 1, "add", "Cache.prototype.add.call({})", "throw TypeError: Illegal invocation"},
		{"Cache.prototype.addAll", 1, "addAll", "c.addAll()", "throw " + tooFew(cache("addAll"), 1, 0)},
		{"Cache.prototype.addAll", 1, "addAll", "c.addAll(['data:,x'])", "reject TypeError: Failed to execute 'addAll' on 'Cache': Request scheme 'data' is unsupported"},
		{"Cache.prototype.put", 2, "put", "c.put()", "throw " + tooFew(cache("put"), 2, 0)},
		{"Cache.prototype.put", 2, "put", "c.put('/x')", "throw " + tooFew(cache("put"), 2, 1)},
		{"Cache.prototype.put", 2, "put", "c.put('/x', 1)", "reject TypeError: Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'."},
		{"Cache.prototype.put", 2, "put", "Cache.prototype.put.call({})", "throw TypeError: Illegal invocation"},
		// (delete's length was 2 before, from its two plain parameters;
		// WebIDL's, and its required-argument count, is 1.)
		{"Cache.prototype.delete", 1, "delete", "c.delete()", "throw " + tooFew(cache("delete"), 1, 0)},
		{"Cache.prototype.delete", 1, "delete", "c.delete('/x', undefined)", "ok"},
		{"Cache.prototype.match", 1, "match", "c.match()", "reject " + tooFew(cache("match"), 1, 0)},
		{"CacheStorage.prototype.has", 1, "has", "caches.has()", "throw " + tooFew(storage("has"), 1, 0)},
		{"CacheStorage.prototype.has", 1, "has", "CacheStorage.prototype.has.call({})", "throw TypeError: Illegal invocation"},
		{"CacheStorage.prototype.has", 1, "has", "caches.has('t')", "ok"},
		{"CacheStorage.prototype.delete", 1, "delete", "caches.delete()", "throw " + tooFew(storage("delete"), 1, 0)},
		{"CacheStorage.prototype.delete", 1, "delete", "CacheStorage.prototype.delete.call({})", "throw TypeError: Illegal invocation"},
		{"CacheStorage.prototype.delete", 1, "delete", "caches.delete('nope')", "ok"},
		{"CacheStorage.prototype.open", 1, "open", "caches.open()", "reject " + tooFew(storage("open"), 1, 0)},
	}
	for _, c := range cases {
		t.Run(c.fn+"/"+c.call, func(t *testing.T) {
			src := fmt.Sprintf(`
				const c = await caches.open('t');
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
			if got := evalAsync(t, r, src); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}
