// Package cachestorage implements Cache Storage (Service Workers §Cache
// objects) on the store: CacheStorage per origin, Cache with the Query
// Cache and Batch Cache Operations algorithms (Vary, ignoreSearch,
// ignoreMethod, ignoreVary). A promise that reports success resolves only
// after the store committed.
package cachestorage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/store"
	"github.com/swhost/swhost/internal/web"
)

// QueryOptions are CacheQueryOptions.
type QueryOptions struct {
	IgnoreSearch bool
	IgnoreMethod bool
	IgnoreVary   bool
}

// Storage is the Cache Storage of every origin of a host.
type Storage struct {
	st   store.CacheStore
	memo memo
}

// New returns Cache Storage over a store.
func New(st store.CacheStore) *Storage { return &Storage{st: st} }

// Open is caches.open(name): the cache's id, created if needed.
func (s *Storage) Open(ctx context.Context, origin, name string) (int64, error) {
	// An existing cache is found without asking the store.
	if info, ok, err := s.lookup(ctx, origin, name); err == nil && ok {
		return info.ID, nil
	}
	if memoOnly(ctx) {
		return 0, errNotInMemo
	}
	id, created, err := s.st.OpenCache(ctx, origin, name)
	if err != nil {
		return 0, fmt.Errorf("caches.open(%q): %w", name, err)
	}
	if created {
		s.memo.forgetCaches(origin)
	}
	return id, nil
}

// Has is caches.has(name).
func (s *Storage) Has(ctx context.Context, origin, name string) (bool, error) {
	_, ok, err := s.lookup(ctx, origin, name)
	return ok, err
}

// lookup finds origin's cache called name.
func (s *Storage) lookup(ctx context.Context, origin, name string) (store.CacheInfo, bool, error) {
	list, err := s.listCaches(ctx, origin)
	if err != nil {
		return store.CacheInfo{}, false, err
	}
	for _, c := range list {
		if c.Name == name {
			return c, true, nil
		}
	}
	return store.CacheInfo{}, false, nil
}

// Delete is caches.delete(name).
func (s *Storage) Delete(ctx context.Context, origin, name string) (bool, error) {
	existed, err := s.st.DeleteCache(ctx, origin, name)
	s.memo.forgetCaches(origin)
	return existed, err
}

// Names is caches.keys(): cache names in creation order.
func (s *Storage) Names(ctx context.Context, origin string) ([]string, error) {
	infos, err := s.listCaches(ctx, origin)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(infos))
	for i, c := range infos {
		names[i] = c.Name
	}
	return names, nil
}

// DeleteAll removes every cache of an origin (site data cleared).
func (s *Storage) DeleteAll(ctx context.Context, origin string) error {
	_, err := s.st.DeleteAllCaches(ctx, origin)
	s.memo.forgetAll()
	return err
}

// Match is caches.match(request, options): with cacheName, only that cache
// (undefined — nil, nil — when it does not exist); otherwise every cache in
// creation order, the first match winning.
func (s *Storage) Match(ctx context.Context, origin string, req *web.Request, opts QueryOptions, cacheName *string) (*web.Response, error) {
	if cacheName != nil {
		info, ok, err := s.lookup(ctx, origin, *cacheName)
		if err != nil || !ok {
			return nil, err
		}
		return s.MatchOne(ctx, info.ID, req, opts)
	}
	infos, err := s.listCaches(ctx, origin)
	if err != nil {
		return nil, err
	}
	for _, c := range infos {
		resp, err := s.MatchOne(ctx, c.ID, req, opts)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if resp != nil {
			return resp, nil
		}
	}
	return nil, nil
}

// MatchOne is Cache.match: the first response of MatchAll, or nil.
func (s *Storage) MatchOne(ctx context.Context, cacheID int64, req *web.Request, opts QueryOptions) (*web.Response, error) {
	list, err := s.query(ctx, cacheID, req, opts, true, 1)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0].resp, nil
}

// MatchAll is Cache.matchAll(request, options); a nil request matches every
// entry.
func (s *Storage) MatchAll(ctx context.Context, cacheID int64, req *web.Request, opts QueryOptions) ([]*web.Response, error) {
	list, err := s.query(ctx, cacheID, req, opts, true, 0)
	if err != nil {
		return nil, err
	}
	out := make([]*web.Response, len(list))
	for i, p := range list {
		out[i] = p.resp
	}
	return out, nil
}

// Keys is Cache.keys(request, options): the requests of matching entries
// in insertion order.
func (s *Storage) Keys(ctx context.Context, cacheID int64, req *web.Request, opts QueryOptions) ([]*web.Request, error) {
	list, err := s.query(ctx, cacheID, req, opts, false, 0)
	if err != nil {
		return nil, err
	}
	out := make([]*web.Request, len(list))
	for i, p := range list {
		out[i] = p.req
	}
	return out, nil
}

type pair struct {
	req  *web.Request
	resp *web.Response
}

// query is Query Cache over the store's candidates.
func (s *Storage) query(ctx context.Context, cacheID int64, req *web.Request, opts QueryOptions, bodies bool, limit int) ([]pair, error) {
	// Cache.match/matchAll step: a non-GET request without ignoreMethod
	// matches nothing.
	if req != nil && req.Method != http.MethodGet && !opts.IgnoreMethod {
		return nil, nil
	}
	var cands []store.CacheEntry
	var err error
	if req != nil && !opts.IgnoreSearch {
		cands, err = s.candidates(ctx, cacheID, req.URL)
	} else {
		q := store.CacheQuery{IgnoreSearch: opts.IgnoreSearch, WithBodies: bodies}
		if req != nil {
			q.URL = req.URL
		}
		cands, err = s.entries(ctx, cacheID, q)
	}
	if err != nil {
		return nil, err
	}
	var out []pair
	for i := range cands {
		e := &cands[i]
		if req != nil && !RequestMatchesCachedItem(req, e, opts) {
			continue
		}
		p := pair{req: entryRequest(e)}
		if bodies {
			resp, err := s.entryResponse(ctx, e)
			if err != nil {
				return nil, err
			}
			p.resp = resp
		}
		out = append(out, p)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// RequestMatchesCachedItem is the spec's algorithm of that name, with the
// candidate already selected by URL (and query, unless ignoreSearch).
func RequestMatchesCachedItem(query *web.Request, e *store.CacheEntry, opts QueryOptions) bool {
	// 1. If ignoreMethod is false and the cached request's method is not
	// GET, return false.
	if !opts.IgnoreMethod && e.Method != http.MethodGet {
		return false
	}
	// 2-4. URLs compared with fragments excluded (and queries when
	// ignoreSearch): done by the store's candidate lookup; checked again.
	qu, cu := store.URLKey(query.URL), store.URLKey(e.URL)
	if opts.IgnoreSearch {
		qu, cu = store.URLNoQuery(qu), store.URLNoQuery(cu)
	}
	if qu != cu {
		return false
	}
	// 5. No response, ignoreVary, or no Vary: match.
	vary := headerValues(e.ResponseHeaders, "Vary")
	if opts.IgnoreVary || len(vary) == 0 {
		return true
	}
	// 6. For each field-name in Vary: "*" never matches; otherwise the
	// query's and the cached request's values must be equal.
	for _, v := range vary {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if name == "*" {
				return false
			}
			if combined(query.Header.Values(name)) != combined(headerValues(e.RequestHeaders, name)) {
				return false
			}
		}
	}
	return true
}

func combined(vals []string) string { return strings.Join(vals, ", ") }

func headerValues(h []store.Header, name string) []string {
	var out []string
	for _, kv := range h {
		if strings.EqualFold(kv.Name, name) {
			out = append(out, kv.Value)
		}
	}
	return out
}

func toHeaders(h http.Header) []store.Header {
	var out []store.Header
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, store.Header{Name: strings.ToLower(k), Value: v})
		}
	}
	return out
}

func fromHeaders(h []store.Header) http.Header {
	out := http.Header{}
	for _, kv := range h {
		out.Add(textproto.CanonicalMIMEHeaderKey(kv.Name), kv.Value)
	}
	return out
}

func entryRequest(e *store.CacheEntry) *web.Request {
	return &web.Request{Method: e.Method, URL: e.URL, Header: fromHeaders(e.RequestHeaders), Mode: "no-cors",
		Credentials: "include", Cache: "default", Redirect: "follow"}
}

func (s *Storage) entryResponse(ctx context.Context, e *store.CacheEntry) (*web.Response, error) {
	resp := &web.Response{Type: e.ResponseType, Status: e.Status, StatusText: e.StatusText,
		Header: fromHeaders(e.ResponseHeaders), URLList: e.URLList, Redirected: e.Redirected, HasBody: !e.NullBody}
	if !e.NullBody {
		body := e.Body
		if body == nil && e.BodySize > 0 {
			if memoOnly(ctx) {
				return nil, errNotInMemo
			}
			b, err := s.st.ReadCacheBody(ctx, e)
			if err != nil {
				return nil, fmt.Errorf("reading cached body of %s: %w", e.URL, err)
			}
			body = b
		}
		resp.Body = body
	}
	return resp, nil
}

// Put is Cache.put(request, response) after the JS-side checks: replace the
// entries the request matches (Batch Cache Operations, put) and append the
// new one, committed when Put returns.
func (s *Storage) Put(ctx context.Context, cacheID int64, req *web.Request, resp *web.Response) error {
	return s.PutAll(ctx, cacheID, []*web.Request{req}, []*web.Response{resp})
}

// PutAll puts several pairs atomically (addAll: all or nothing).
func (s *Storage) PutAll(ctx context.Context, cacheID int64, reqs []*web.Request, resps []*web.Response) error {
	if len(reqs) != len(resps) {
		return errors.New("cachestorage: requests and responses differ in number")
	}
	ops := make([]store.CacheOp, len(reqs))
	for i := range reqs {
		if err := CheckPut(reqs[i], resps[i]); err != nil {
			return err
		}
		req, resp := reqs[i], resps[i]
		ops[i] = store.CacheOp{
			Put: &store.CacheEntry{Method: req.Method, URL: req.URL, RequestHeaders: toHeaders(req.Header),
				ResponseType: resp.Type, Status: resp.Status, StatusText: resp.StatusText, ResponseHeaders: toHeaders(resp.Header),
				URLList: resp.URLList, Redirected: resp.Redirected, NullBody: !resp.HasBody && len(resp.Body) == 0, Body: resp.Body},
			URL: req.URL,
			// Batch Cache Operations (put): the entries Query Cache finds
			// for the request are replaced.
			Match: func(c *store.CacheEntry) bool { return RequestMatchesCachedItem(req, c, QueryOptions{}) },
		}
		// Batch Cache Operations, put: a request that matches an item
		// added earlier in the same batch is an InvalidStateError.
		for j := 0; j < i; j++ {
			if RequestMatchesCachedItem(req, ops[j].Put, QueryOptions{}) {
				return js.Errorf("InvalidStateError", "Failed to execute 'addAll' on 'Cache': duplicate requests (%s)", req.URL)
			}
		}
	}
	urls := make([]string, len(reqs))
	for i, r := range reqs {
		urls[i] = r.URL
	}
	_, err := s.st.BatchCache(ctx, cacheID, ops)
	s.memo.forgetEntries(cacheID, urls)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return js.Errorf("InvalidStateError", "The cache was deleted.")
		}
		return fmt.Errorf("cache put: %w", err)
	}
	return nil
}

// CheckPut runs Cache.put's request and response checks.
func CheckPut(req *web.Request, resp *web.Response) error {
	// put step 3-4: the request URL must be http(s) and its method GET.
	if !strings.HasPrefix(req.URL, "http://") && !strings.HasPrefix(req.URL, "https://") {
		return js.TypeError("Failed to execute 'put' on 'Cache': Request scheme '%s' is unsupported", strings.SplitN(req.URL, ":", 2)[0])
	}
	if req.Method != http.MethodGet {
		return js.TypeError("Failed to execute 'put' on 'Cache': Request method '%s' is unsupported", req.Method)
	}
	// 6. A 206 response is a TypeError.
	if resp.Status == http.StatusPartialContent {
		return js.TypeError("Failed to execute 'put' on 'Cache': Partial response (status code 206) is unsupported")
	}
	// 7. Vary: * is a TypeError.
	for _, v := range resp.Header.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.TrimSpace(f) == "*" {
				return js.TypeError("Failed to execute 'put' on 'Cache': Vary header contains *")
			}
		}
	}
	return nil
}

// DeleteEntries is Cache.delete(request, options).
func (s *Storage) DeleteEntries(ctx context.Context, cacheID int64, req *web.Request, opts QueryOptions) (bool, error) {
	if req.Method != http.MethodGet && !opts.IgnoreMethod {
		return false, nil
	}
	res, err := s.st.BatchCache(ctx, cacheID, []store.CacheOp{{
		URL: req.URL, IgnoreSearch: opts.IgnoreSearch,
		Match: func(c *store.CacheEntry) bool { return RequestMatchesCachedItem(req, c, opts) },
	}})
	if opts.IgnoreSearch {
		s.memo.forgetEntries(cacheID, nil)
	} else {
		s.memo.forgetEntries(cacheID, []string{req.URL})
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	return len(res[0].Removed) > 0, nil
}
