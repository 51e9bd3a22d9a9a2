package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	_ "embed"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

// The Fetch API (https://fetch.spec.whatwg.org/): Headers, Request,
// Response, the Body mixin, fetch(), and what they need (AbortController,
// AbortSignal, Blob, File, FormData and a minimal ReadableStream) live in
// js/fetch.js; this file holds its native operations, the part of fetch()
// that runs off the loop ("main fetch" around a Fetcher), NetworkFetcher,
// and the conversions between JS Request/Response objects and the Go
// Request/Response of http.go.

//go:embed js/fetch.js
var fetchSource string

var fetchPrelude = js.NewPrelude("web/fetch.js", fetchSource)

// FetchEnv is what a realm's Fetch API needs from its host.
type FetchEnv struct {
	// Fetcher performs fetch() requests. Nil: every fetch is a network
	// error (data: URLs still work).
	Fetcher Fetcher
	// BaseURL is the realm's API base URL, against which relative URLs in
	// new Request(), fetch() and Response.redirect() are parsed. It is
	// also the client's URL used as the default referrer.
	BaseURL string
	// Origin is the realm's serialized origin ("https://a.example").
	// Requests record it as their origin, and it decides same-origin versus
	// cross-origin (response tainting, CORS).
	Origin string
	// ClientID is the id of the realm's environment, recorded on requests.
	ClientID string
	// ServiceWorker is set for a ServiceWorkerGlobalScope: its own fetches
	// bypass service workers (fetch() step 6: service-workers mode "none").
	ServiceWorker bool
}

type fetchKey struct{}

// fetchRealm is the per-realm state of the Fetch API, kept in Realm.Data.
type fetchRealm struct {
	r   *js.Realm
	env FetchEnv
	ctx context.Context // cancelled when the realm ends

	makeResponse, makeRequest, requestData, responseData, bufferedData,
	bodyUnusable, markBodyUsed, abortRequest, newRequest, isRequest, isResponse sobek.Callable
}

func fetchStateOf(r *js.Realm) *fetchRealm {
	v, ok := r.Data.Load(fetchKey{})
	if !ok {
		panic("web: InstallFetch has not run in this realm")
	}
	return v.(*fetchRealm)
}

// InstallFetch installs the Fetch API in a realm: Headers, Request,
// Response, fetch, Blob, File, FormData, AbortController, AbortSignal,
// ReadableStream (with its default reader and controller). Call on the
// realm's loop after InstallBase (and the platform prelude, whose
// URLSearchParams it accepts as a body).
//
// It sets internals.isAbortSignal, internals.fetch (the fetch function),
// internals.fetchInterop (the hooks this file calls)
// and internals.{createAbortSignal, signalAbort, addAbortAlgorithm,
// removeAbortAlgorithm, createDependentAbortSignal} for other preludes.
func InstallFetch(r *js.Realm, env FetchEnv) error {
	rt := r.Runtime()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-r.Done(); cancel() }()
	fr := &fetchRealm{r: r, env: env, ctx: ctx}

	envObj := rt.NewObject()
	_ = envObj.Set("baseURL", env.BaseURL)
	_ = envObj.Set("origin", env.Origin)
	_ = r.Ops().Set("fetchEnv", envObj)

	r.SetOp("fetchEncode", func(c sobek.FunctionCall) sobek.Value {
		return rt.ToValue(rt.NewArrayBuffer([]byte(ToUSV(c.Argument(0).String()))))
	})
	r.SetOp("fetchDecode", func(c sobek.FunctionCall) sobek.Value {
		return rt.ToValue(decodeUTF8(exportBytes(c.Argument(0))))
	})
	// The parser is slow next to everything else a Request takes: the
	// results (arrays script never changes) are kept for the URLs seen
	// last.
	parsed := newParseCache()
	r.SetOp("fetchParseURL", func(c sobek.FunctionCall) sobek.Value {
		input, base := c.Argument(0).String(), ""
		if b := c.Argument(1); !sobek.IsUndefined(b) && !sobek.IsNull(b) {
			base = b.String()
		}
		key := parseKey{input, base, true}
		if v, ok := parsed.get(key); ok {
			return v
		}
		var v sobek.Value = sobek.Null()
		if u, err := ParseURL(input, base); err == nil {
			v = rt.NewArray(u.Href, u.Origin, u.Username != "" || u.Password != "")
		}
		parsed.put(key, v)
		return v
	})
	r.SetOp("fetchMIME", func(c sobek.FunctionCall) sobek.Value {
		value := isoEncode(c.Argument(0).String())
		var m *mimeType
		if c.Argument(1).ToBoolean() {
			m = extractMIMEType(value)
		} else {
			m = parseMIMEType(value)
		}
		if m == nil {
			return sobek.Null()
		}
		return rt.NewArray(isoDecode(m.String()), m.Essence(), m.Param("boundary"))
	})
	r.SetOp("fetchParseMultipart", func(c sobek.FunctionCall) sobek.Value {
		parts, err := parseMultipartForm(exportBytes(c.Argument(0)), isoEncode(c.Argument(1).String()))
		if err != nil {
			r.Throw(js.TypeError("Could not parse content as FormData."))
		}
		vals := make([]any, 0, 4*len(parts))
		for _, p := range parts {
			if p.file {
				vals = append(vals, p.name, p.filename, p.contentType, rt.NewArrayBuffer(p.data))
			} else { // a text entry: null filename, the text
				vals = append(vals, p.name, nil, "", p.text)
			}
		}
		return rt.NewArray(vals...)
	})
	r.SetOp("fetchParseURLEncoded", func(c sobek.FunctionCall) sobek.Value {
		pairs := ParseForm(string(exportBytes(c.Argument(0))))
		vals := make([]any, 0, 2*len(pairs))
		for _, p := range pairs {
			vals = append(vals, p[0], p[1])
		}
		return rt.NewArray(vals...)
	})
	r.SetOp("fetchTimer", func(c sobek.FunctionCall) sobek.Value {
		fn, ok := sobek.AssertFunction(c.Argument(1))
		if !ok {
			return sobek.Undefined()
		}
		ms := c.Argument(0).ToFloat()
		if ms > float64(math.MaxInt64/int64(time.Millisecond)) {
			return sobek.Undefined() // beyond what a Duration holds: never fires
		}
		time.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
			r.Enqueue(func() { _, _ = r.Call(fn, sobek.Undefined()) })
		})
		return sobek.Undefined()
	})
	r.SetOp("fetchStart", fr.start)
	// The header list, body and URL list of a Response made by
	// ResponseToJS, fetched when script (or responseData) first needs them.
	r.SetOp("fetchGoHeaders", func(c sobek.FunctionCall) sobek.Value {
		return headerList(rt, goResponseOf(c.Argument(0)).resp.Header)
	})
	r.SetOp("fetchGoBody", func(c sobek.FunctionCall) sobek.Value {
		return rt.ToValue(rt.NewArrayBuffer(goResponseOf(c.Argument(0)).resp.Body))
	})
	r.SetOp("fetchGoURLList", func(c sobek.FunctionCall) sobek.Value {
		l := goResponseOf(c.Argument(0)).resp.URLList
		urls := make([]any, len(l))
		for i, u := range l {
			urls[i] = u
		}
		return rt.NewArray(urls...)
	})
	hops := &headerOps{rt: rt}
	if idl, ok := r.Internal("idl").(*sobek.Object); ok {
		hops.byteString, _ = sobek.AssertFunction(idl.Get("ByteString"))
	}
	objectProto := rt.GlobalObject().Get("Object").ToObject(rt).Get("prototype").ToObject(rt)
	hops.isEnum, _ = sobek.AssertFunction(objectProto.Get("propertyIsEnumerable"))
	if hops.byteString == nil || hops.isEnum == nil {
		return errors.New("web: InstallFetch needs internals.idl.ByteString (InstallBase)")
	}
	hops.install(fr)

	if err := r.RunPrelude(fetchPrelude); err != nil {
		return err
	}
	api, ok := r.Internal("fetchInterop").(*sobek.Object)
	if !ok {
		return errors.New("web: fetch prelude did not set internals.fetchInterop")
	}
	for name, dst := range map[string]*sobek.Callable{
		"makeResponse": &fr.makeResponse, "makeRequest": &fr.makeRequest, "requestData": &fr.requestData,
		"responseData": &fr.responseData, "bufferedData": &fr.bufferedData, "bodyUnusable": &fr.bodyUnusable,
		"markBodyUsed": &fr.markBodyUsed, "abortRequest": &fr.abortRequest, "newRequest": &fr.newRequest,
		"isRequest": &fr.isRequest, "isResponse": &fr.isResponse,
	} {
		fn, ok := sobek.AssertFunction(api.Get(name))
		if !ok {
			return fmt.Errorf("web: internals.fetchInterop.%s is not a function", name)
		}
		*dst = fn
	}
	r.Data.Store(fetchKey{}, fr)
	return nil
}

// ---- fetch() ---------------------------------------------------------------

// start is ops.fetchStart(requestData): it runs the rest of fetch() for the
// request off the loop and returns [promise, cancel]. The promise resolves
// with a Response object or rejects with TypeError("Failed to fetch").
func (fr *fetchRealm) start(c sobek.FunctionCall) sobek.Value {
	rt := fr.r.Runtime()
	req, err := requestFromData(c.Argument(0))
	if err != nil {
		fr.r.Throw(err)
	}
	fr.prepare(req)
	p, res := fr.r.NewPromise()
	ctx, cancel := context.WithCancel(fr.ctx)
	go func() {
		defer cancel()
		resp, err := fr.mainFetch(ctx, req)
		if err != nil {
			res.Reject(&js.Error{Name: "TypeError", Message: "Failed to fetch", Cause: err})
			return
		}
		res.Resolve(func(*sobek.Runtime) sobek.Value { return fr.responseToJS(resp) })
	}()
	return rt.NewArray(p, func(sobek.FunctionCall) sobek.Value { cancel(); return sobek.Undefined() })
}

// prepare carries out the steps of fetch() and Fetch's "fetch" and "main
// fetch" that only touch the request.
func (fr *fetchRealm) prepare(req *Request) {
	env := fr.env
	req.Origin = env.Origin // "client" origin
	req.ClientID = env.ClientID
	req.ServiceWorkers = "all"
	if env.ServiceWorker { // fetch() step 6
		req.ServiceWorkers = "none"
	}
	// Fetch "fetch" step 12: a default Accept header.
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "*/*")
	}
	// Main fetch step 7: the policy container's referrer policy (HTML's
	// default) fills an empty one; step 8: determine request's referrer.
	if req.ReferrerPolicy == "" {
		req.ReferrerPolicy = "strict-origin-when-cross-origin"
	}
	req.Referrer = determineReferrer(req, env.BaseURL)
}

var errNetwork = errors.New("network error")

func networkError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errNetwork, fmt.Sprintf(format, args...))
}

// mainFetch is Fetch's "main fetch" for a request made by fetch() in this
// realm, around the realm's Fetcher (which does "HTTP fetch": a service
// worker, then the network).
func (fr *fetchRealm) mainFetch(ctx context.Context, req *Request) (*Response, error) {
	u, err := ParseURL(req.URL, "")
	if err != nil {
		return nil, networkError("bad URL %q", req.URL)
	}
	scheme := strings.TrimSuffix(u.Protocol, ":")
	// Step 12: the response, by scheme and mode.
	if scheme == "data" {
		resp, err := fetchDataURL(u)
		if err != nil {
			return nil, err
		}
		return finishResponse(req, resp)
	}
	if scheme != "http" && scheme != "https" {
		return nil, networkError("scheme %q is not supported", scheme)
	}
	if u.Origin != req.Origin && req.Mode != "navigate" {
		switch req.Mode {
		case "same-origin":
			return nil, networkError("a same-origin request to %s", u.Origin)
		case "no-cors":
			if req.Redirect != "follow" {
				return nil, networkError("a no-cors request must follow redirects")
			}
		}
	}
	if fr.env.Fetcher == nil {
		return nil, networkError("no fetcher")
	}
	resp, err := fr.env.Fetcher.Fetch(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, networkError("the fetcher returned no response")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if resp.ServiceWorker && redirectStatus(resp.Status) && resp.Header.Get("Location") != "" && resp.Type != "opaque" && resp.Type != "opaqueredirect" {
		return fr.serviceWorkerRedirect(ctx, req, resp)
	}
	return finishResponse(req, resp)
}

// serviceWorkerRedirect is HTTP fetch step 6 for a redirect a service
// worker answered with (the network's own redirects are NetworkFetcher's):
// by the request's redirect mode, a network error, an opaque-redirect
// response, or HTTP-redirect fetch, whose request goes through main fetch
// (and the service worker) again.
func (fr *fetchRealm) serviceWorkerRedirect(ctx context.Context, req *Request, resp *Response) (*Response, error) {
	switch req.Redirect {
	case "error":
		return nil, networkError("redirected with redirect mode \"error\"")
	case "manual":
		r := *resp
		r.Type = "opaqueredirect"
		if len(r.URLList) == 0 {
			r.URLList = []string{req.URL}
		}
		return finishResponse(req, &r)
	}
	base := resp.URL()
	if base == "" {
		base = req.URL
	}
	next, err := ParseURL(resp.Header.Get("Location"), base)
	if err != nil {
		return nil, networkError("bad Location %q", resp.Header.Get("Location"))
	}
	if next.Protocol != "http:" && next.Protocol != "https:" {
		return nil, networkError("redirect to scheme %q", next.Protocol)
	}
	hops, _ := ctx.Value(redirectHops{}).(int)
	if hops+1 > maxRedirects {
		return nil, networkError("too many redirects")
	}
	if (next.Username != "" || next.Password != "") && req.Mode == "cors" && next.Origin != req.Origin {
		return nil, networkError("a cors redirect to a URL with credentials")
	}
	nreq := req.Clone()
	nreq.URL = next.Href
	if ((resp.Status == 301 || resp.Status == 302) && req.Method == http.MethodPost) ||
		(resp.Status == 303 && req.Method != http.MethodGet && req.Method != http.MethodHead) {
		nreq.Method, nreq.Body, nreq.HasBody = http.MethodGet, nil, false
		for _, h := range []string{"Content-Encoding", "Content-Language", "Content-Location", "Content-Type"} {
			nreq.Header.Del(h)
		}
	}
	if next.Origin != OriginOf(req.URL) {
		nreq.Header.Del("Authorization")
	}
	final, err := fr.mainFetch(context.WithValue(ctx, redirectHops{}, hops+1), nreq)
	if err != nil {
		return nil, err
	}
	// The response's URL list starts with the URLs redirected from.
	out := *final
	out.URLList = append([]string{req.URL}, final.URLList...)
	out.Redirected = true
	return &out, nil
}

// redirectHops counts the service worker redirects main fetch followed.
type redirectHops struct{}

// finishResponse applies the response tainting (main fetch step 14: the
// basic, CORS or opaque filter), the CORS check for network responses, the
// checks HTTP fetch makes on a service worker's response, the null body of
// HEAD and null body statuses, and integrity metadata.
func finishResponse(req *Request, in *Response) (*Response, error) {
	resp := *in
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	if len(resp.URLList) == 0 { // main fetch step 16
		resp.URLList = []string{req.URL}
	}
	switch resp.Type {
	case "error":
		return nil, networkError("a network error response")
	case "basic", "cors", "opaque", "opaqueredirect":
		// Already filtered: a service worker's answer (HTTP fetch step
		// 4.4), or a network opaque-redirect.
		switch {
		case req.Mode == "same-origin" && resp.Type == "cors",
			req.Mode != "no-cors" && resp.Type == "opaque",
			req.Redirect != "manual" && resp.Type == "opaqueredirect":
			return nil, networkError("a %s response to a %s request", resp.Type, req.Mode)
		}
	default:
		tainting, originSerialized := responseTainting(req, resp.URLList)
		switch tainting {
		case "error":
			return nil, networkError("a same-origin request was redirected to another origin")
		case "basic":
			resp.Type = "basic"
		case "opaque":
			resp.Type = "opaque"
		case "cors":
			// HTTP fetch step 5: the CORS check, for network responses.
			// No CORS preflight is made (see NetworkFetcher).
			if !resp.ServiceWorker {
				if err := corsCheck(originSerialized, req.Credentials, resp.Header); err != nil {
					return nil, err
				}
			}
			resp.Type = "cors"
			resp.CORSExposedHeaders = corsExposedHeaders(resp.Header, req.Credentials)
		}
	}
	if req.Redirect != "follow" && len(resp.URLList) > 1 && resp.Type != "opaqueredirect" {
		return nil, networkError("redirected with redirect mode %q", req.Redirect)
	}
	// Main fetch step 19: no body for HEAD, CONNECT or a null body status.
	if req.Method == "HEAD" || req.Method == "CONNECT" || nullBodyStatus(resp.Status) {
		resp.Body, resp.HasBody = nil, false
	}
	// Main fetch step 22: integrity metadata (Subresource Integrity).
	if req.Integrity != "" {
		if resp.Type == "opaque" || resp.Type == "opaqueredirect" {
			if len(parseIntegrity(req.Integrity)) > 0 {
				return nil, networkError("integrity metadata on an opaque response")
			}
		} else if !integrityMatches(resp.Body, req.Integrity) {
			return nil, networkError("integrity metadata does not match")
		}
	}
	return &resp, nil
}

// responseTainting walks a response's URL list the way main fetch step 12
// sets request's response tainting on each (re)visit, and returns it with
// the serialized request origin the CORS check compares against ("null"
// once the tainted origin flag is set by a cross-origin redirect chain).
func responseTainting(req *Request, urls []string) (tainting, origin string) {
	tainting = "basic"
	tainted := false
	prev := ""
	for i, raw := range urls {
		o := OriginOf(raw)
		if i > 0 && o != prev && req.Origin != prev { // HTTP-redirect fetch step 11
			tainted = true
		}
		prev = o
		if req.Mode == "navigate" || strings.HasPrefix(raw, "data:") {
			continue
		}
		if o == req.Origin && o != "null" && tainting == "basic" {
			continue
		}
		switch req.Mode {
		case "same-origin":
			return "error", ""
		case "no-cors":
			if tainting == "basic" {
				tainting = "opaque"
			}
		default:
			if tainting == "basic" {
				tainting = "cors"
			}
		}
	}
	origin = req.Origin
	if tainted || origin == "" {
		origin = "null"
	}
	return tainting, origin
}

// corsCheck is Fetch's "CORS check".
func corsCheck(origin, credentials string, h http.Header) error {
	vals := h.Values("Access-Control-Allow-Origin")
	if len(vals) != 1 || strings.Contains(vals[0], ",") { // 1-2
		return networkError("CORS: no single Access-Control-Allow-Origin")
	}
	allow := strings.Trim(vals[0], " \t")
	if credentials != "include" && allow == "*" { // 3
		return nil
	}
	if allow != origin { // 4
		return networkError("CORS: Access-Control-Allow-Origin %q does not match %q", allow, origin)
	}
	if credentials != "include" { // 5
		return nil
	}
	if strings.Trim(h.Get("Access-Control-Allow-Credentials"), " \t") == "true" { // 6-7
		return nil
	}
	return networkError("CORS: credentials not allowed") // 8
}

// corsExposedHeaders is main fetch step 14.1 (CORS-exposed header-name
// list): the names in Access-Control-Expose-Headers, all names for "*"
// unless credentials are included.
func corsExposedHeaders(h http.Header, credentials string) []string {
	var names []string
	star := false
	for _, v := range h.Values("Access-Control-Expose-Headers") {
		for _, n := range strings.Split(v, ",") {
			n = strings.Trim(n, " \t")
			if n == "" {
				continue
			}
			if n == "*" {
				star = true
			}
			names = append(names, n)
		}
	}
	if star && credentials != "include" {
		names = names[:0]
		for k := range h {
			names = append(names, k)
		}
		slices.Sort(names)
	}
	return names
}

func nullBodyStatus(s int) bool { return s == 101 || s == 103 || s == 204 || s == 205 || s == 304 }

func redirectStatus(s int) bool { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308 }

// determineReferrer is Referrer Policy's "determine request's referrer":
// the Referer to send ("" for none) given the request's referrer ("" for
// no-referrer, "about:client" for the client) and policy, and the client's
// URL.
func determineReferrer(req *Request, clientURL string) string {
	var source string
	switch req.Referrer {
	case "", "no-referrer":
		return ""
	case "about:client", "client":
		source = clientURL
	default:
		source = req.Referrer
	}
	full := stripReferrer(source, false)
	if full == "" {
		return ""
	}
	originOnly := stripReferrer(source, true)
	if len(full) > 4096 { // step 6
		full = originOnly
	}
	same := SameOrigin(full, req.URL)
	downgrade := PotentiallyTrustworthy(full) && !PotentiallyTrustworthy(req.URL)
	switch req.ReferrerPolicy {
	case "no-referrer":
		return ""
	case "origin":
		return originOnly
	case "unsafe-url":
		return full
	case "strict-origin":
		if downgrade {
			return ""
		}
		return originOnly
	case "same-origin":
		if same {
			return full
		}
		return ""
	case "origin-when-cross-origin":
		if same {
			return full
		}
		return originOnly
	case "no-referrer-when-downgrade":
		if downgrade {
			return ""
		}
		return full
	default: // "strict-origin-when-cross-origin"
		if same {
			return full
		}
		if downgrade {
			return ""
		}
		return originOnly
	}
}

// stripReferrer is "strip url for use as a referrer".
func stripReferrer(raw string, originOnly bool) string {
	u, err := ParseURL(raw, "")
	if err != nil {
		return ""
	}
	switch u.Protocol {
	case "about:", "blob:", "data:": // local schemes
		return ""
	}
	if originOnly {
		if u.Origin == "null" {
			return ""
		}
		return u.Origin + "/"
	}
	s := u.Protocol + "//" + u.Host + u.Pathname + u.Search
	if u.Host == "" && !strings.HasPrefix(u.Href, u.Protocol+"//") {
		s = u.Protocol + u.Pathname + u.Search
	}
	return s
}

// fetchDataURL is scheme fetch for "data" (the data: URL processor).
func fetchDataURL(u *URL) (*Response, error) {
	// 2. The URL serialized without fragment, less "data:".
	input := strings.TrimPrefix(u.HrefNoFragment(), "data:")
	// 3-5. The MIME type up to the first ",".
	comma := strings.IndexByte(input, ',')
	if comma < 0 {
		return nil, networkError("a data: URL without a comma")
	}
	mimeStr := strings.Trim(input[:comma], "\t\n\f\r ")
	// 6-7. Percent-decode the body.
	body := percentDecode(input[comma+1:])
	// 8. ";base64" (with optional spaces before "base64").
	if i := strings.LastIndexByte(mimeStr, ';'); i >= 0 && strings.EqualFold(strings.TrimLeft(mimeStr[i+1:], " "), "base64") {
		decoded, ok := ForgivingBase64Decode(string(body))
		if !ok {
			return nil, networkError("bad base64 in a data: URL")
		}
		body = decoded
		mimeStr = mimeStr[:i]
	}
	// 9. A leading ";" means text/plain.
	if strings.HasPrefix(mimeStr, ";") {
		mimeStr = "text/plain" + mimeStr
	}
	// 10. Parse, falling back to text/plain;charset=US-ASCII.
	mt := parseMIMEType(mimeStr)
	ct := "text/plain;charset=US-ASCII"
	if mt != nil {
		ct = mt.String()
	}
	return &Response{
		Type: "basic", Status: 200, StatusText: "OK", Header: http.Header{"Content-Type": {ct}},
		Body: body, HasBody: true, URLList: []string{u.Href},
	}, nil
}

func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, fromHex(s[i+1])<<4|fromHex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, c)
	}
	return b
}

func fromHex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// ---- Subresource Integrity ---------------------------------------------------

type integrityItem struct{ alg, digest string }

// parseIntegrity is SRI's "parse metadata": the well-formed items with a
// supported algorithm.
func parseIntegrity(metadata string) []integrityItem {
	var out []integrityItem
	for _, tok := range strings.Fields(metadata) {
		alg, rest, ok := strings.Cut(tok, "-")
		if !ok {
			continue
		}
		alg = strings.ToLower(alg)
		if alg != "sha256" && alg != "sha384" && alg != "sha512" {
			continue
		}
		digest, _, _ := strings.Cut(rest, "?")
		out = append(out, integrityItem{alg, digest})
	}
	return out
}

// integrityMatches is SRI's "does bytes match metadataList?": any item of
// the strongest algorithm present must match.
func integrityMatches(body []byte, metadata string) bool {
	items := parseIntegrity(metadata)
	if len(items) == 0 {
		return true
	}
	strongest := ""
	rank := map[string]int{"sha256": 1, "sha384": 2, "sha512": 3}
	for _, it := range items {
		if rank[it.alg] > rank[strongest] {
			strongest = it.alg
		}
	}
	var h hash.Hash
	switch strongest {
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	default:
		h = sha512.New()
	}
	h.Write(body)
	sum := h.Sum(nil)
	std, urlEnc := base64.StdEncoding.EncodeToString(sum), base64.RawURLEncoding.EncodeToString(sum)
	for _, it := range items {
		if it.alg == strongest && (it.digest == std || strings.TrimRight(it.digest, "=") == urlEnc) {
			return true
		}
	}
	return false
}

// ---- NetworkFetcher ----------------------------------------------------------

// maxRedirects is Fetch's redirect limit (HTTP-redirect fetch step 5).
const maxRedirects = 20

// NetworkFetcher returns a Fetcher that performs requests over HTTP with
// rt (http.DefaultTransport when nil): HTTP-network fetch plus the parts of
// HTTP fetch and HTTP-redirect fetch around it. It follows redirects as the
// request's redirect mode says ("error" is a network error, "manual" returns
// an "opaqueredirect" response), records the URL list, checks CORS on every
// response of a cors request that left the request's origin, and sends
// Origin and Referer. The response it returns is unfiltered (type
// "default"); fetch() filters it.
//
// Not done: CORS preflight requests (non-simple cross-origin requests are
// sent as they are), cookies (there is no cookie store), the HTTP cache
// (cache modes only add their request headers), and Referrer-Policy
// response headers on redirects.
func NetworkFetcher(rt http.RoundTripper) Fetcher {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return FetcherFunc(func(ctx context.Context, req *Request) (*Response, error) {
		return networkFetch(ctx, rt, req)
	})
}

func networkFetch(ctx context.Context, rt http.RoundTripper, req *Request) (*Response, error) {
	method, header, body, hasBody := req.Method, req.Header.Clone(), req.Body, req.HasBody
	if method == "" {
		method = http.MethodGet
	}
	if header == nil {
		header = http.Header{}
	}
	current, err := ParseURL(req.URL, "")
	if err != nil {
		return nil, networkError("bad URL %q", req.URL)
	}
	urlList := []string{current.Href}
	corsTainting, taintedOrigin := false, false
	for redirects := 0; ; redirects++ {
		if current.Protocol != "http:" && current.Protocol != "https:" {
			return nil, networkError("scheme %q is not supported", current.Protocol)
		}
		cross := req.Origin != "" && current.Origin != req.Origin
		if cross && req.Mode == "same-origin" {
			return nil, networkError("a same-origin request to %s", current.Origin)
		}
		if cross && req.Mode == "cors" {
			corsTainting = true
		}
		origin := req.Origin
		if taintedOrigin || origin == "" {
			origin = "null"
		}
		hreq, err := newHTTPRequest(ctx, method, current, header, body, hasBody)
		if err != nil {
			return nil, err
		}
		// HTTP-network-or-cache fetch: the Origin header (step 11 via
		// "append a request Origin header"), Referer, cache mode headers.
		if req.Origin != "" && (corsTainting || (method != http.MethodGet && method != http.MethodHead)) {
			hreq.Header.Set("Origin", origin)
		}
		if req.Referrer != "" && req.Referrer != "about:client" && req.Referrer != "client" {
			hreq.Header.Set("Referer", req.Referrer)
		}
		switch req.Cache {
		case "no-store", "reload":
			if hreq.Header.Get("Pragma") == "" {
				hreq.Header.Set("Pragma", "no-cache")
			}
			if hreq.Header.Get("Cache-Control") == "" {
				hreq.Header.Set("Cache-Control", "no-cache")
			}
		case "no-cache":
			if hreq.Header.Get("Cache-Control") == "" {
				hreq.Header.Set("Cache-Control", "max-age=0")
			}
		}
		hresp, err := rt.RoundTrip(hreq)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(hresp.Body)
		hresp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp := &Response{
			Type:       "default",
			Status:     hresp.StatusCode,
			StatusText: strings.TrimPrefix(hresp.Status, strconv.Itoa(hresp.StatusCode)+" "),
			Header:     hresp.Header,
			Body:       data,
			HasBody:    method != http.MethodHead && !nullBodyStatus(hresp.StatusCode),
			URLList:    slices.Clone(urlList),
			Redirected: len(urlList) > 1,
		}
		if !resp.HasBody {
			resp.Body = nil
		}
		// HTTP fetch step 5: the CORS check on each response of a request
		// whose response tainting is "cors".
		if corsTainting {
			if err := corsCheck(origin, req.Credentials, hresp.Header); err != nil {
				return nil, err
			}
		}
		loc := hresp.Header.Get("Location")
		if !redirectStatus(hresp.StatusCode) || loc == "" {
			return resp, nil
		}
		// HTTP fetch step 8: redirect modes.
		switch req.Redirect {
		case "error":
			return nil, networkError("redirected with redirect mode \"error\"")
		case "manual":
			resp.Type = "opaqueredirect"
			return resp, nil
		}
		// HTTP-redirect fetch.
		next, err := ParseURL(loc, current.Href) // 3. location URL
		if err != nil {
			return nil, networkError("bad Location %q", loc)
		}
		if next.Hash == "" && current.Hash != "" { // location URL inherits the fragment
			next, _ = ParseURL(next.Href+current.Hash, "")
		}
		if next.Protocol != "http:" && next.Protocol != "https:" { // 4
			return nil, networkError("redirect to scheme %q", next.Protocol)
		}
		if redirects+1 > maxRedirects { // 5
			return nil, networkError("too many redirects")
		}
		hasCreds := next.Username != "" || next.Password != ""
		if req.Mode == "cors" && hasCreds && next.Origin != req.Origin { // 7
			return nil, networkError("a cors redirect to a URL with credentials")
		}
		if corsTainting && hasCreds { // 8
			return nil, networkError("a cors redirect to a URL with credentials")
		}
		// 12. POST becomes GET on 301/302; everything but GET/HEAD on 303.
		if ((hresp.StatusCode == 301 || hresp.StatusCode == 302) && method == http.MethodPost) ||
			(hresp.StatusCode == 303 && method != http.MethodGet && method != http.MethodHead) {
			method, body, hasBody = http.MethodGet, nil, false
			for _, h := range []string{"Content-Encoding", "Content-Language", "Content-Location", "Content-Type"} {
				header.Del(h)
			}
		}
		if next.Origin != current.Origin { // 13. drop Authorization across origins
			header.Del("Authorization")
		}
		if next.Origin != current.Origin && req.Origin != current.Origin { // 11. tainted origin
			taintedOrigin = true
		}
		current = next
		urlList = append(urlList, current.Href)
	}
}

func newHTTPRequest(ctx context.Context, method string, u *URL, header http.Header, body []byte, hasBody bool) (*http.Request, error) {
	nu, err := url.Parse(u.HrefNoFragment())
	if err != nil {
		return nil, networkError("URL %q: %v", u.Href, err)
	}
	var rd io.Reader
	if hasBody {
		rd = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, nu.String(), rd)
	if err != nil {
		return nil, networkError("%v", err)
	}
	hreq.URL = nu
	hreq.Header = header.Clone()
	if hasBody {
		hreq.ContentLength = int64(len(body))
	}
	return hreq, nil
}

// ---- Go ↔ JS conversions -------------------------------------------------

// ConvertOption changes how RequestFromJS and ResponseFromJS convert.
type ConvertOption uint8

const (
	// AcceptURLString lets RequestFromJS take a string too, turned into a
	// Request the way new Request(string) does (a GET request parsed
	// against the realm's base URL), as Cache.match and Cache.delete do.
	// A string that does not parse is a TypeError.
	AcceptURLString ConvertOption = 1 << iota
	// ConsumeBody reads the body as Cache.put and respondWith do: an
	// unusable (used or locked) body is a TypeError, and the body is
	// marked used afterwards.
	ConsumeBody
)

func hasOption(opts []ConvertOption, o ConvertOption) bool {
	for _, x := range opts {
		if x&o != 0 {
			return true
		}
	}
	return false
}

// ErrBodyPending is returned by RequestFromJS and ResponseFromJS when the
// object's body is a ReadableStream made by script that has not been read
// to its end yet; use ResponseFromJSAsync (or RequestFromJSAsync).
var ErrBodyPending = errors.New("web: the body is a stream still being produced")

// RequestToJS makes a JS Request for req in realm r, with immutable
// headers and a fresh AbortSignal (see AbortRequest), as the fetch event
// and Cache.keys do. Call on the realm's loop after InstallFetch.
//
// Empty fields take the Fetch defaults (method GET, mode "no-cors",
// credentials "same-origin", cache "default", redirect "follow"). Referrer
// "" means no referrer, "about:client" the client. The body bytes are
// shared with JS, which never modifies them: do not modify req.Body later.
func RequestToJS(r *js.Realm, req *Request) sobek.Value {
	fr := fetchStateOf(r)
	rt := r.Runtime()
	var body sobek.Value = sobek.Null()
	if req.HasBody || len(req.Body) > 0 {
		body = rt.ToValue(rt.NewArrayBuffer(req.Body))
	}
	v, err := fr.makeRequest(sobek.Undefined(),
		rt.ToValue(orDefault(req.Method, "GET")), rt.ToValue(req.URL), headerList(rt, req.Header), body,
		rt.ToValue(orDefault(req.Mode, "no-cors")), rt.ToValue(orDefault(req.Credentials, "same-origin")), rt.ToValue(orDefault(req.Cache, "default")),
		rt.ToValue(orDefault(req.Redirect, "follow")), rt.ToValue(req.Destination), rt.ToValue(req.Referrer), rt.ToValue(req.ReferrerPolicy),
		rt.ToValue(req.Integrity), rt.ToValue(req.Keepalive))
	if err != nil {
		panic(err)
	}
	return v
}

// RequestFromJS reads the JS Request v. It is a TypeError if v is not a
// Request (unless AcceptURLString allows a string). The Go request gets the
// realm's origin and client id. Call on the realm's loop.
func RequestFromJS(r *js.Realm, v sobek.Value, opts ...ConvertOption) (*Request, error) {
	fr := fetchStateOf(r)
	consume := r.Runtime().ToValue(hasOption(opts, ConsumeBody))
	var data sobek.Value = sobek.Null()
	var err error
	if _, ok := v.(*sobek.Object); ok {
		if data, err = fr.requestData(sobek.Undefined(), v, consume); err != nil {
			return nil, jsError(err)
		}
	}
	if sobek.IsNull(data) { // not a Request
		if v == nil {
			return nil, js.TypeError("The provided value is not of type 'Request'.")
		}
		if _, isString := v.Export().(string); !isString || !hasOption(opts, AcceptURLString) {
			return nil, js.TypeError("The provided value is not of type 'Request'.")
		}
		nv, err := fr.newRequest(sobek.Undefined(), v)
		if err != nil {
			return nil, jsError(err)
		}
		if data, err = fr.requestData(sobek.Undefined(), nv, consume); err != nil {
			return nil, jsError(err)
		}
	}
	if sobek.IsUndefined(data) {
		return nil, ErrBodyPending
	}
	req, err := requestFromData(data)
	if err != nil {
		return nil, err
	}
	fr.stamp(req)
	return req, nil
}

func (fr *fetchRealm) stamp(req *Request) {
	req.Origin = fr.env.Origin
	req.ClientID = fr.env.ClientID
	req.ServiceWorkers = "all"
}

// ResponseToJS makes a JS Response for resp in realm r, with immutable
// headers, as fetch(), Cache.match and the like do. resp describes the
// internal response; its Type ("basic", "cors", "opaque", "opaqueredirect",
// "error", or "" / "default" for none) says which filter JS applies: an
// opaque response shows status 0, no headers and no body, a basic one no
// Set-Cookie, a cors one only the safelisted and CORSExposedHeaders names.
// The body bytes are shared with JS, which never modifies them; JS reads
// the headers, body and URL list only when first needed, and ResponseFromJS
// copies resp itself back while script has not read the body: do not
// modify resp later. Call on the realm's loop after InstallFetch.
func ResponseToJS(r *js.Realm, resp *Response) sobek.Value {
	return fetchStateOf(r).responseToJS(resp)
}

// goResponse is the Go response behind a JS Response made by ResponseToJS
// (its internal state's src, an object script never sees): JS fetches the
// header list, body bytes and URL list from it when first needed, and
// responseData hands it back while the JS Response is as it was made (see
// passthrough).
type goResponse struct {
	resp    *Response
	exposed []string // a cors response's CORS-exposed names, as JS has them
}

// goResponse is a sobek.DynamicObject without properties: the cheapest
// object that carries a Go value.
func (*goResponse) Get(string) sobek.Value       { return nil }
func (*goResponse) Set(string, sobek.Value) bool { return false }
func (*goResponse) Has(string) bool              { return false }
func (*goResponse) Delete(string) bool           { return false }
func (*goResponse) Keys() []string               { return nil }

// responsePassthrough lets ResponseFromJS return a copy of the Go response
// a JS Response was made from (tests turn it off to compare).
var responsePassthrough = func() *atomic.Bool { var b atomic.Bool; b.Store(true); return &b }()

func goResponseOf(v sobek.Value) *goResponse {
	g, ok := v.Export().(*goResponse)
	if !ok {
		panic("web: not a Go response")
	}
	return g
}

// passthrough is what responseFromData makes of the data responseData
// would give for an untouched Response made from g.resp: a copy that
// shares only the body bytes (as the JS body did), with the Type, header
// (canonical names), URL list, redirected and CORS-exposed names as the
// round trip through JS makes them, and ServiceWorker unset.
func (g *goResponse) passthrough() *Response {
	in := g.resp
	out := &Response{Type: orDefault(in.Type, "default"), Status: in.Status, StatusText: in.StatusText,
		Header: copyHeader(in.Header), Redirected: in.Redirected || len(in.URLList) > 1}
	if in.HasBody || len(in.Body) > 0 {
		out.Body, out.HasBody = in.Body, true
	}
	if len(in.URLList) > 0 {
		out.URLList = slices.Clone(in.URLList)
	}
	if out.Type == "cors" {
		out.CORSExposedHeaders = append([]string{}, g.exposed...)
	}
	return out
}

// copyHeader is the header headerFromList(headerList(h)) makes: names
// canonicalized (values of names that become the same joined in sorted
// order of the names), names without values dropped.
func copyHeader(h http.Header) http.Header {
	simple := true
	for k, vs := range h {
		if len(vs) == 0 || http.CanonicalHeaderKey(k) != k {
			simple = false
			break
		}
	}
	if simple {
		if h == nil {
			return http.Header{}
		}
		return h.Clone()
	}
	keys := slices.Sorted(maps.Keys(h))
	out := make(http.Header, len(keys))
	for _, k := range keys {
		for _, v := range h[k] {
			out.Add(k, v)
		}
	}
	return out
}

func (fr *fetchRealm) responseToJS(resp *Response) sobek.Value {
	rt := fr.r.Runtime()
	typ := resp.Type
	if typ == "" {
		typ = "default"
	}
	g := &goResponse{resp: resp}
	var exposed sobek.Value = sobek.Null()
	if typ == "cors" {
		g.exposed = resp.CORSExposedHeaders
		if g.exposed == nil {
			g.exposed = corsExposedHeaders(resp.Header, "same-origin")
		}
		vals := make([]any, len(g.exposed))
		for i, n := range g.exposed {
			vals[i] = n
		}
		exposed = rt.NewArray(vals...)
	}
	src := rt.NewDynamicObject(g)
	v, err := fr.makeResponse(sobek.Undefined(),
		src, rt.ToValue(responsePassthrough.Load()), rt.ToValue(typ), rt.ToValue(resp.Status), isoValue(rt, resp.StatusText),
		rt.ToValue(resp.HasBody || len(resp.Body) > 0), rt.ToValue(resp.Redirected), exposed)
	if err != nil {
		panic(err)
	}
	return v
}

// ResponseFromJS reads the JS Response v: the internal response of a
// filtered one (with Type telling the filter), so an opaque response keeps
// its status, headers and body for Cache Storage and for answering a
// no-cors request. It is a TypeError if v is not a Response. With
// ConsumeBody the body must be usable and is marked used. Call on the
// realm's loop.
func ResponseFromJS(r *js.Realm, v sobek.Value, opts ...ConvertOption) (*Response, error) {
	fr := fetchStateOf(r)
	if _, ok := v.(*sobek.Object); !ok {
		return nil, js.TypeError("The provided value is not of type 'Response'.")
	}
	data, err := fr.responseData(sobek.Undefined(), v, r.Runtime().ToValue(hasOption(opts, ConsumeBody)))
	if err != nil {
		return nil, jsError(err)
	}
	if sobek.IsNull(data) {
		return nil, js.TypeError("The provided value is not of type 'Response'.")
	}
	if sobek.IsUndefined(data) {
		return nil, ErrBodyPending
	}
	return responseFromData(data)
}

// ResponseFromJSAsync is ResponseFromJS with ConsumeBody for a response
// whose body may be a ReadableStream script is still writing: it reads the
// body to its end on the loop, then calls done on the loop. Errors (not a
// Response, an unusable body, a stream that errors or yields a chunk that
// is not a Uint8Array) reach done. Call on the realm's loop.
func ResponseFromJSAsync(r *js.Realm, v sobek.Value, done func(*Response, error)) {
	// Most bodies are in memory already: read them at once, without a
	// promise.
	if resp, err := ResponseFromJS(r, v, ConsumeBody); !errors.Is(err, ErrBodyPending) {
		done(resp, err)
		return
	}
	fr := fetchStateOf(r)
	if !fr.is(fr.isResponse, v) {
		done(nil, js.TypeError("The provided value is not of type 'Response'."))
		return
	}
	fr.buffered(v, func(data sobek.Value, err error) {
		if err != nil {
			done(nil, err)
			return
		}
		done(responseFromData(data))
	})
}

// RequestFromJSAsync is RequestFromJS with ConsumeBody for a request whose
// body may be a ReadableStream script is still writing; done runs on the
// loop.
func RequestFromJSAsync(r *js.Realm, v sobek.Value, done func(*Request, error)) {
	fr := fetchStateOf(r)
	if !fr.is(fr.isRequest, v) {
		done(nil, js.TypeError("The provided value is not of type 'Request'."))
		return
	}
	fr.buffered(v, func(data sobek.Value, err error) {
		if err != nil {
			done(nil, err)
			return
		}
		req, err := requestFromData(data)
		if err == nil {
			fr.stamp(req)
		}
		done(req, err)
	})
}

func (fr *fetchRealm) buffered(v sobek.Value, done func(sobek.Value, error)) {
	rt := fr.r.Runtime()
	pv, err := fr.bufferedData(sobek.Undefined(), v)
	if err != nil {
		done(nil, jsError(err))
		return
	}
	p, ok := pv.Export().(*sobek.Promise)
	if !ok {
		done(nil, errors.New("web: bufferedData did not return a promise"))
		return
	}
	switch p.State() {
	case sobek.PromiseStateFulfilled:
		done(p.Result(), nil)
		return
	case sobek.PromiseStateRejected:
		// Handle it so it is not reported as unhandled.
		obj := pv.ToObject(rt)
		if then, ok := sobek.AssertFunction(obj.Get("then")); ok {
			_, _ = then(obj, sobek.Undefined(), rt.ToValue(func(sobek.FunctionCall) sobek.Value { return sobek.Undefined() }))
		}
		done(nil, valueError(p.Result()))
		return
	}
	obj := pv.ToObject(rt)
	then, _ := sobek.AssertFunction(obj.Get("then"))
	_, _ = then(obj,
		rt.ToValue(func(c sobek.FunctionCall) sobek.Value { done(c.Argument(0), nil); return sobek.Undefined() }),
		rt.ToValue(func(c sobek.FunctionCall) sobek.Value {
			done(nil, valueError(c.Argument(0)))
			return sobek.Undefined()
		}))
}

// IsRequest reports whether v is a JS Request of realm r.
func IsRequest(r *js.Realm, v sobek.Value) bool {
	fr := fetchStateOf(r)
	return fr.is(fr.isRequest, v)
}

// IsResponse reports whether v is a JS Response of realm r.
func IsResponse(r *js.Realm, v sobek.Value) bool {
	fr := fetchStateOf(r)
	return fr.is(fr.isResponse, v)
}

// IsBodyUsed reports whether the body of the JS Request or Response v is
// unusable (Fetch: disturbed, as bodyUsed shows, or its stream locked).
// A null body is never used; v of another kind reports false.
func IsBodyUsed(r *js.Realm, v sobek.Value) bool {
	fr := fetchStateOf(r)
	res, err := fr.bodyUnusable(sobek.Undefined(), v)
	return err == nil && res.ToBoolean()
}

// MarkBodyUsed marks the body of the JS Request or Response v as used
// (disturbed), as when Go has consumed it. It is a TypeError if the body
// is already unusable; a null body is left alone.
func MarkBodyUsed(r *js.Realm, v sobek.Value) error {
	fr := fetchStateOf(r)
	if !fr.is(fr.isRequest, v) && !fr.is(fr.isResponse, v) {
		return js.TypeError("The provided value is not a Request or Response.")
	}
	if _, err := fr.markBodyUsed(sobek.Undefined(), v); err != nil {
		return jsError(err)
	}
	return nil
}

// AbortRequest signals abort on the AbortSignal of the JS Request v (as
// when the client that made a fetch event's request aborts it). A nil
// reason aborts with an "AbortError" DOMException.
func AbortRequest(r *js.Realm, v sobek.Value, reason error) {
	fr := fetchStateOf(r)
	if !fr.is(fr.isRequest, v) {
		return
	}
	var rv sobek.Value = sobek.Undefined()
	if reason != nil {
		rv = r.ErrorValue(reason)
	}
	if _, err := fr.abortRequest(sobek.Undefined(), v, rv); err != nil {
		r.Logger().Debug("abort request", "error", err)
	}
}

func (fr *fetchRealm) is(fn sobek.Callable, v sobek.Value) bool {
	if v == nil {
		return false
	}
	if _, ok := v.(*sobek.Object); !ok {
		return false
	}
	res, err := fn(sobek.Undefined(), v)
	return err == nil && res.ToBoolean()
}

// jsError turns an exception thrown by the prelude into a *js.Error with
// the exception's name and message (ErrorValue then makes a fresh one in
// whichever realm the error reaches). A value that is not an error object
// stays a *js.ValueError.
func jsError(err error) error {
	var ex *sobek.Exception
	if !errors.As(err, &ex) {
		return err
	}
	return valueError(ex.Value())
}

// valueError is jsError for a thrown or rejection value.
func valueError(v sobek.Value) error {
	if obj, ok := v.(*sobek.Object); ok {
		name, msg := obj.Get("name"), obj.Get("message")
		if name != nil && msg != nil && !sobek.IsUndefined(name) && !sobek.IsUndefined(msg) {
			return &js.Error{Name: name.String(), Message: msg.String(), Cause: &js.ValueError{Value: v}}
		}
	}
	return &js.ValueError{Value: v}
}

// requestData's layout (fetch.js requestData): method, url, header list,
// body (Uint8Array or null), mode, credentials, cache, redirect,
// destination, referrer, referrerPolicy, integrity, keepalive.
func requestFromData(v sobek.Value) (*Request, error) {
	a, ok := v.Export().([]any)
	if !ok || len(a) < 13 {
		return nil, errors.New("web: malformed request data")
	}
	req := &Request{
		Method: str(a[0]), URL: str(a[1]), Header: headerFromList(a[2]),
		Mode: str(a[4]), Credentials: str(a[5]), Cache: str(a[6]), Redirect: str(a[7]), Destination: str(a[8]),
		Referrer: str(a[9]), ReferrerPolicy: str(a[10]), Integrity: str(a[11]),
	}
	req.Keepalive, _ = a[12].(bool)
	if b, ok := a[3].([]byte); ok {
		req.Body, req.HasBody = b, true
	}
	return req, nil
}

// responseData's layout (fetch.js responseData): type, status, statusText,
// header list, body, URL list, redirected, CORS-exposed names; or the Go
// response an untouched Response was made from.
func responseFromData(v sobek.Value) (*Response, error) {
	x := v.Export()
	if g, ok := x.(*goResponse); ok {
		return g.passthrough(), nil
	}
	a, ok := x.([]any)
	if !ok || len(a) < 8 {
		return nil, errors.New("web: malformed response data")
	}
	resp := &Response{Type: str(a[0]), StatusText: isoEncode(str(a[2])), Header: headerFromList(a[3])}
	switch n := a[1].(type) {
	case int64:
		resp.Status = int(n)
	case float64:
		resp.Status = int(n)
	}
	if b, ok := a[4].([]byte); ok {
		resp.Body, resp.HasBody = b, true
	}
	if l, ok := a[5].([]any); ok {
		for _, u := range l {
			resp.URLList = append(resp.URLList, str(u))
		}
	}
	resp.Redirected, _ = a[6].(bool)
	if l, ok := a[7].([]any); ok {
		resp.CORSExposedHeaders = []string{}
		for _, n := range l {
			resp.CORSExposedHeaders = append(resp.CORSExposedHeaders, str(n))
		}
	}
	return resp, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// headerFromList builds an http.Header from a JS header list [name,
// lowercased name, value, …] (byte strings: each code unit one byte).
func headerFromList(v any) http.Header {
	l, _ := v.([]any)
	h := make(http.Header, len(l)/3)
	for i := 0; i+2 < len(l); i += 3 {
		h.Add(isoEncode(str(l[i])), isoEncode(str(l[i+2])))
	}
	return h
}

// headerList is a JS header list [name, lowercased name, value, …] of h,
// names sorted, values in order, each byte one code unit (isomorphic
// decode).
func headerList(rt *sobek.Runtime, h http.Header) *sobek.Object {
	keys := make([]string, 0, len(h))
	n := 0
	for k, vs := range h {
		keys = append(keys, k)
		n += len(vs)
	}
	slices.Sort(keys)
	vals := make([]any, 0, 3*n)
	for _, k := range keys {
		name := isoValue(rt, k)
		lname := name
		if lk := lowerLatin1(isoDecode(k)); lk != k {
			lname = rt.ToValue(lk)
		}
		for _, v := range h[k] {
			vals = append(vals, name, lname, isoValue(rt, v))
		}
	}
	return rt.NewArray(vals...)
}

// isoValue is a JS string whose code units are the bytes of s.
func isoValue(rt *sobek.Runtime, s string) sobek.Value {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return rt.ToValue(isoDecode(s))
		}
	}
	return rt.ToValue(s)
}

// isoDecode maps each byte of s to the code point of the same value.
func isoDecode(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			var b strings.Builder
			b.Grow(len(s) + 8)
			for j := 0; j < len(s); j++ {
				b.WriteRune(rune(s[j]))
			}
			return b.String()
		}
	}
	return s
}

// isoEncode maps each code point of s (a ByteString: all ≤ U+00FF) to a
// byte; others become "?".
func isoEncode(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			b := make([]byte, 0, len(s))
			for _, r := range s {
				if r > 0xFF {
					r = '?'
				}
				b = append(b, byte(r))
			}
			return string(b)
		}
	}
	return s
}

// exportBytes returns the bytes of a Uint8Array or ArrayBuffer (aliasing
// JS memory).
func exportBytes(v sobek.Value) []byte {
	switch x := v.Export().(type) {
	case []byte:
		return x
	case sobek.ArrayBuffer:
		return x.Bytes()
	}
	return nil
}

// decodeUTF8 is the Encoding Standard's "UTF-8 decode": BOM removed,
// errors replaced by U+FFFD.
func decodeUTF8(b []byte) string {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:]
	}
	if utf8.Valid(b) {
		return string(b)
	}
	s, _ := NewDecoder("utf-8", false, true).Decode(b, false)
	return s
}

// ---- MIME types (MIME Sniffing §4) ---------------------------------------------

type mimeType struct {
	typ, subtype string
	params       [][2]string
}

func (m *mimeType) Essence() string { return m.typ + "/" + m.subtype }

func (m *mimeType) Param(name string) string {
	for _, p := range m.params {
		if p[0] == name {
			return p[1]
		}
	}
	return ""
}

func (m *mimeType) hasParam(name string) bool {
	for _, p := range m.params {
		if p[0] == name {
			return true
		}
	}
	return false
}

// String is "serialize a MIME type".
func (m *mimeType) String() string {
	var b strings.Builder
	b.WriteString(m.Essence())
	for _, p := range m.params {
		b.WriteByte(';')
		b.WriteString(p[0])
		b.WriteByte('=')
		v := p[1]
		if v == "" || !isHTTPToken(v) {
			b.WriteByte('"')
			for i := 0; i < len(v); i++ {
				if v[i] == '"' || v[i] == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(v[i])
			}
			b.WriteByte('"')
		} else {
			b.WriteString(v)
		}
	}
	return b.String()
}

func isTokenByte(c byte) bool {
	if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

func isQuotedStringByte(c byte) bool { return c == '\t' || c >= 0x20 && c != 0x7F }

const httpWhitespace = "\n\r\t "

// parseMIMEType is "parse a MIME type" over a byte string (each byte one
// code point); nil is failure.
func parseMIMEType(s string) *mimeType {
	s = strings.Trim(s, httpWhitespace) // 1
	pos := 0
	typ := collect(s, &pos, func(c byte) bool { return c != '/' }) // 3
	if !isHTTPToken(typ) || pos >= len(s) {                        // 4-5
		return nil
	}
	pos++                                                          // 6
	sub := collect(s, &pos, func(c byte) bool { return c != ';' }) // 7
	sub = strings.TrimRight(sub, httpWhitespace)                   // 8
	if !isHTTPToken(sub) {                                         // 9
		return nil
	}
	m := &mimeType{typ: strings.ToLower(typ), subtype: strings.ToLower(sub)} // 10
	for pos < len(s) {                                                       // 11
		pos++                                                                                    // 11.1 skip ";"
		collect(s, &pos, func(c byte) bool { return strings.IndexByte(httpWhitespace, c) >= 0 }) // 11.2
		name := strings.ToLower(collect(s, &pos, func(c byte) bool { return c != ';' && c != '=' }))
		if pos < len(s) {
			if s[pos] == ';' {
				continue
			}
			pos++ // skip "="
		}
		if pos >= len(s) {
			break
		}
		var value string
		if s[pos] == '"' {
			value = collectQuoted(s, &pos, true)
			collect(s, &pos, func(c byte) bool { return c != ';' })
		} else {
			value = strings.TrimRight(collect(s, &pos, func(c byte) bool { return c != ';' }), httpWhitespace)
			if value == "" {
				continue
			}
		}
		ok := isHTTPToken(name) && !m.hasParam(name)
		for i := 0; ok && i < len(value); i++ {
			ok = isQuotedStringByte(value[i])
		}
		if ok {
			m.params = append(m.params, [2]string{name, value})
		}
	}
	return m
}

func collect(s string, pos *int, ok func(byte) bool) string {
	start := *pos
	for *pos < len(s) && ok(s[*pos]) {
		*pos++
	}
	return s[start:*pos]
}

// collectQuoted is "collect an HTTP quoted string".
func collectQuoted(s string, pos *int, extract bool) string {
	start := *pos
	var b strings.Builder
	*pos++ // the opening quote
	for {
		b.WriteString(collect(s, pos, func(c byte) bool { return c != '"' && c != '\\' }))
		if *pos >= len(s) {
			break
		}
		q := s[*pos]
		*pos++
		if q == '\\' {
			if *pos >= len(s) {
				b.WriteByte('\\')
				break
			}
			b.WriteByte(s[*pos])
			*pos++
			continue
		}
		break // the closing quote
	}
	if extract {
		return b.String()
	}
	return s[start:*pos]
}

// splitHeaderValue is "getting, decoding, and splitting" over a combined
// value: split on commas outside quoted strings, trimming tabs and spaces.
func splitHeaderValue(v string) []string {
	var out []string
	pos := 0
	var cur strings.Builder
	for {
		cur.WriteString(collect(v, &pos, func(c byte) bool { return c != '"' && c != ',' }))
		if pos < len(v) && v[pos] == '"' {
			cur.WriteString(collectQuoted(v, &pos, false))
			if pos < len(v) {
				continue
			}
		}
		out = append(out, strings.Trim(cur.String(), " \t"))
		cur.Reset()
		if pos >= len(v) {
			return out
		}
		pos++ // ","
	}
}

// extractMIMEType is Fetch's "extract a MIME type" from a combined
// Content-Type value; nil is failure.
func extractMIMEType(combined string) *mimeType {
	var charset string
	hasCharset := false
	var essence string
	var m *mimeType
	for _, v := range splitHeaderValue(combined) {
		t := parseMIMEType(v)
		if t == nil || t.Essence() == "*/*" {
			continue
		}
		m = t
		if m.Essence() != essence {
			hasCharset = false
			if m.hasParam("charset") {
				charset, hasCharset = m.Param("charset"), true
			}
			essence = m.Essence()
		} else if !m.hasParam("charset") && hasCharset {
			m.params = append(m.params, [2]string{"charset", charset})
		}
	}
	return m
}

// ---- multipart/form-data ---------------------------------------------------

type formPart struct {
	name, filename, contentType string
	file                        bool
	data                        []byte // a file's bytes
	text                        string // or a text entry's value
}

// parseMultipartForm parses a multipart/form-data body (RFC 7578) as the
// Body mixin's formData() does: parts with a filename are files (type from
// their Content-Type, text/plain by default), others UTF-8 text.
func parseMultipartForm(body []byte, boundary string) ([]formPart, error) {
	if boundary == "" {
		return nil, errors.New("no boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var out []formPart
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		disp, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if err != nil || !strings.EqualFold(disp, "form-data") {
			return nil, errors.New("a part without form-data disposition")
		}
		name, ok := params["name"]
		if !ok {
			return nil, errors.New("a part without a name")
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		fp := formPart{name: decodeUTF8NoBOM(name)}
		if fn, ok := params["filename"]; ok {
			fp.file, fp.filename, fp.data = true, decodeUTF8NoBOM(fn), data
			fp.contentType = p.Header.Get("Content-Type")
			if fp.contentType == "" {
				fp.contentType = "text/plain"
			}
		} else {
			fp.text = decodeUTF8NoBOM(string(data))
		}
		out = append(out, fp)
	}
}

func decodeUTF8NoBOM(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, _ := NewDecoder("utf-8", false, true).Decode([]byte(s), false)
	return out
}
