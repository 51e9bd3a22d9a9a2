package cachestorage

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/sw"
	"github.com/swhost/swhost/internal/web"
)

//go:embed js/caches.js
var cachesSource string

var cachesPrelude = js.NewPrelude("cachestorage/caches.js", cachesSource)

// Install puts `caches`, Cache and CacheStorage into a realm; the realm's
// origin is its storage key. Use it as an sw.Options.RealmSetup hook.
func (s *Storage) Install(env *sw.Env) error {
	r := env.Realm
	rt := r.Runtime()
	origin := env.Origin
	async := func(work func(call sobek.FunctionCall) (func(*sobek.Runtime) sobek.Value, error)) func(sobek.FunctionCall) sobek.Value {
		return func(call sobek.FunctionCall) sobek.Value {
			p, res := r.NewPromise()
			go func() {
				v, err := work(call)
				if err != nil {
					res.Reject(err)
					return
				}
				res.Resolve(v)
			}()
			return rt.ToValue(p)
		}
	}
	// fast runs a read with what Storage has in memory, on the loop, and
	// settles the promise at once when that sufficed (the reactions still
	// run as microtasks); otherwise it reads the store on a goroutine.
	fast := func(work func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error)) sobek.Value {
		p, res := r.NewPromise()
		var v func(*sobek.Runtime) sobek.Value
		ok, err := s.Cached(func(ctx context.Context) error {
			var err error
			v, err = work(ctx)
			return err
		})
		if ok {
			res.SettleNow(v, err)
			return rt.ToValue(p)
		}
		go func() {
			v, err := work(context.Background())
			res.Settle(v, err)
		}()
		return rt.ToValue(p)
	}
	// A worker matches the same few URL strings again and again: their
	// parses (against the realm's fixed base URL) are kept, up to a bound.
	parsed := map[string]parsedURL{}
	fromURL := func(input string) (*web.Request, error) {
		if p, ok := parsed[input]; ok {
			if p.err != nil {
				return nil, p.err
			}
			return newURLRequest(p.href), nil
		}
		req, err := requestFromURL(input, env.URL)
		if len(parsed) >= 256 {
			clear(parsed)
		}
		p := parsedURL{err: err}
		if req != nil {
			p.href = req.URL
		}
		parsed[input] = p
		return req, err
	}
	// Requests and responses are read on the loop, before the goroutine.
	request := func(v sobek.Value) *web.Request {
		if sobek.IsNull(v) || sobek.IsUndefined(v) {
			return nil
		}
		if s, ok := v.(sobek.String); ok {
			req, err := fromURL(s.String())
			if err != nil {
				r.Throw(err)
			}
			return req
		}
		req, err := web.RequestFromJS(r, v)
		if err != nil {
			r.Throw(err)
		}
		return req
	}
	options := func(v sobek.Value) QueryOptions {
		o := v.ToObject(rt)
		return QueryOptions{IgnoreSearch: o.Get("ignoreSearch").ToBoolean(), IgnoreMethod: o.Get("ignoreMethod").ToBoolean(), IgnoreVary: o.Get("ignoreVary").ToBoolean()}
	}
	responses := func(list []*web.Response) func(*sobek.Runtime) sobek.Value {
		return func(rt *sobek.Runtime) sobek.Value {
			vals := make([]any, len(list))
			for i, resp := range list {
				vals[i] = web.ResponseToJS(r, resp)
			}
			return rt.NewArray(vals...)
		}
	}
	ctx := context.Background()
	value := func(v any) func(*sobek.Runtime) sobek.Value {
		return func(rt *sobek.Runtime) sobek.Value { return rt.ToValue(v) }
	}

	// cachesOpen(name, makeCache) resolves with makeCache(id).
	r.SetOp("cachesOpen", func(call sobek.FunctionCall) sobek.Value {
		name := call.Argument(0).String()
		makeCache, ok := sobek.AssertFunction(call.Argument(1))
		if !ok {
			panic(rt.NewTypeError("cachesOpen: no Cache maker"))
		}
		return fast(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
			id, err := s.Open(ctx, origin, name)
			return func(rt *sobek.Runtime) sobek.Value {
				c, err := makeCache(sobek.Undefined(), rt.ToValue(id))
				if err != nil {
					panic(err)
				}
				return c
			}, err
		})
	})
	r.SetOp("cachesHas", func(call sobek.FunctionCall) sobek.Value {
		name := call.Argument(0).String()
		return async(func(sobek.FunctionCall) (func(*sobek.Runtime) sobek.Value, error) {
			ok, err := s.Has(ctx, origin, name)
			return value(ok), err
		})(call)
	})
	r.SetOp("cachesDelete", func(call sobek.FunctionCall) sobek.Value {
		name := call.Argument(0).String()
		return async(func(sobek.FunctionCall) (func(*sobek.Runtime) sobek.Value, error) {
			ok, err := s.Delete(ctx, origin, name)
			return value(ok), err
		})(call)
	})
	r.SetOp("cachesKeys", async(func(sobek.FunctionCall) (func(*sobek.Runtime) sobek.Value, error) {
		names, err := s.Names(ctx, origin)
		if names == nil {
			names = []string{}
		}
		return func(rt *sobek.Runtime) sobek.Value {
			vals := make([]any, len(names))
			for i, n := range names {
				vals[i] = n
			}
			return rt.NewArray(vals...)
		}, err
	}))
	// match(request, options): the options dictionary is converted here,
	// after the request, its members in lexicographic order.
	queryOptions := func(v sobek.Value, multi bool) (QueryOptions, *string) {
		o := js.Dictionary(rt, v, "")
		var name *string
		if multi {
			if x := js.Member(o, "cacheName"); !sobek.IsUndefined(x) {
				n := js.DOMString(rt, x)
				name = &n
			}
		}
		return QueryOptions{IgnoreMethod: js.Member(o, "ignoreMethod").ToBoolean(), IgnoreSearch: js.Member(o, "ignoreSearch").ToBoolean(),
			IgnoreVary: js.Member(o, "ignoreVary").ToBoolean()}, name
	}
	response := func(resp *web.Response, err error) (func(*sobek.Runtime) sobek.Value, error) {
		if err != nil || resp == nil {
			return func(*sobek.Runtime) sobek.Value { return sobek.Undefined() }, err
		}
		return func(*sobek.Runtime) sobek.Value { return web.ResponseToJS(r, resp) }, nil
	}
	r.SetOp("cachesMatch", func(call sobek.FunctionCall) sobek.Value {
		req := request(call.Argument(0))
		opts, name := queryOptions(call.Argument(1), true)
		return fast(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
			return response(s.Match(ctx, origin, req, opts, name))
		})
	})
	r.SetOp("cacheMatch", func(call sobek.FunctionCall) sobek.Value {
		id := call.Argument(0).ToInteger()
		req := request(call.Argument(1))
		opts, _ := queryOptions(call.Argument(2), false)
		return fast(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
			return response(s.MatchOne(ctx, id, req, opts))
		})
	})
	r.SetOp("cacheMatchAll", func(call sobek.FunctionCall) sobek.Value {
		id := call.Argument(0).ToInteger()
		req := request(call.Argument(1))
		opts := options(call.Argument(2))
		limit := call.Argument(3).ToInteger()
		return fast(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
			var list []*web.Response
			var err error
			if limit == 1 && req != nil {
				var resp *web.Response
				resp, err = s.MatchOne(ctx, id, req, opts)
				if resp != nil {
					list = append(list, resp)
				}
			} else {
				list, err = s.MatchAll(ctx, id, req, opts)
			}
			return responses(list), err
		})
	})
	r.SetOp("cachePutAll", func(call sobek.FunctionCall) sobek.Value {
		id := call.Argument(0).ToInteger()
		reqVals := call.Argument(1).ToObject(rt)
		respVals := call.Argument(2).ToObject(rt)
		n := int(reqVals.Get("length").ToInteger())
		reqs := make([]*web.Request, n)
		resps := make([]*web.Response, n)
		for i := 0; i < n; i++ {
			reqs[i] = request(reqVals.Get(fmt.Sprint(i)))
			resp, err := web.ResponseFromJS(r, respVals.Get(fmt.Sprint(i)))
			if err != nil {
				r.Throw(err)
			}
			resps[i] = resp
			if err := CheckPut(reqs[i], resp); err != nil {
				r.Throw(err)
			}
		}
		return async(func(sobek.FunctionCall) (func(*sobek.Runtime) sobek.Value, error) {
			err := s.PutAll(ctx, id, reqs, resps)
			return func(*sobek.Runtime) sobek.Value { return sobek.Undefined() }, err
		})(call)
	})
	r.SetOp("cacheDelete", func(call sobek.FunctionCall) sobek.Value {
		id := call.Argument(0).ToInteger()
		req := request(call.Argument(1))
		opts := options(call.Argument(2))
		return async(func(sobek.FunctionCall) (func(*sobek.Runtime) sobek.Value, error) {
			ok, err := s.DeleteEntries(ctx, id, req, opts)
			return value(ok), err
		})(call)
	})
	r.SetOp("cacheKeys", func(call sobek.FunctionCall) sobek.Value {
		id := call.Argument(0).ToInteger()
		req := request(call.Argument(1))
		opts := options(call.Argument(2))
		return async(func(sobek.FunctionCall) (func(*sobek.Runtime) sobek.Value, error) {
			list, err := s.Keys(ctx, id, req, opts)
			return func(rt *sobek.Runtime) sobek.Value {
				vals := make([]any, len(list))
				for i, q := range list {
					vals[i] = web.RequestToJS(r, q)
				}
				return rt.NewArray(vals...)
			}, err
		})(call)
	})
	return r.RunPrelude(cachesPrelude)
}

// requestFromURL is the request new Request(input) makes for a string:
// input parsed against the realm's API base URL (a TypeError when that
// fails or the URL has credentials), method GET, no headers.
func requestFromURL(input, base string) (*web.Request, error) {
	input = web.ToUSV(input)
	u, err := web.ParseURL(input, base)
	if err != nil {
		return nil, js.TypeError("Failed to construct 'Request': Failed to parse URL from %s", input)
	}
	if u.Username != "" || u.Password != "" {
		return nil, js.TypeError("Failed to construct 'Request': Request cannot be constructed from a URL that includes credentials: %s", input)
	}
	return newURLRequest(u.Href), nil
}

func newURLRequest(href string) *web.Request {
	return &web.Request{Method: http.MethodGet, URL: href, Header: http.Header{}, Mode: "cors", Credentials: "same-origin",
		Cache: "default", Redirect: "follow"}
}

type parsedURL struct {
	href string
	err  error
}
