package web

import (
	"context"
	"net/http"
)

// Request is a Fetch request as Go sees it: what crosses between realms,
// the network, Cache Storage and the service worker's fetch event. Bodies are
// fully buffered.
type Request struct {
	Method         string
	URL            string // serialized, fragment removed where Fetch says so
	Header         http.Header
	Body           []byte
	HasBody        bool
	Mode           string // "navigate", "same-origin", "no-cors", "cors"
	Credentials    string // "omit", "same-origin", "include"
	Cache          string
	Redirect       string // "follow", "error", "manual"
	Destination    string // "", "document", "image", "script", ...
	Referrer       string
	ReferrerPolicy string
	Integrity      string
	Keepalive      bool
	// Origin is the serialized origin of the request's client ("null" for
	// opaque), used for CORS and same-origin checks.
	Origin string
	// ClientID is the id of the environment that made the request, if any;
	// ResultingClientID the id of the client a navigation will create.
	ClientID          string
	ResultingClientID string
	// ServiceWorkers is "all" or "none" (a request from a worker's own fetch,
	// or with skip-service-worker, bypasses the worker).
	ServiceWorkers string
}

// Clone returns a deep copy.
func (r *Request) Clone() *Request {
	c := *r
	c.Header = r.Header.Clone()
	if r.Body != nil {
		c.Body = append([]byte(nil), r.Body...)
	}
	return &c
}

// Response is a Fetch response as Go sees it.
type Response struct {
	// Type is "basic", "cors", "default", "error", "opaque" or
	// "opaqueredirect".
	Type       string
	Status     int
	StatusText string
	Header     http.Header
	Body       []byte
	HasBody    bool
	// URLList is the response's URL list; the last is its URL.
	URLList    []string
	Redirected bool
	// CORSExposedHeaders is Fetch's CORS-exposed header-name list: for a
	// "cors" response, the names script may read beyond the safelisted ones.
	CORSExposedHeaders []string
	// ServiceWorker is set by a Fetcher when a service worker's respondWith
	// provided the response instead of the network: fetch() then skips the
	// CORS check, which Fetch applies to network responses only.
	ServiceWorker bool
}

// URL is the response's URL: the last of its URL list, or "".
func (r *Response) URL() string {
	if len(r.URLList) == 0 {
		return ""
	}
	return r.URLList[len(r.URLList)-1]
}

// Clone returns a deep copy.
func (r *Response) Clone() *Response {
	c := *r
	c.Header = r.Header.Clone()
	c.URLList = append([]string(nil), r.URLList...)
	if r.Body != nil {
		c.Body = append([]byte(nil), r.Body...)
	}
	return &c
}

// NetworkError is the Fetch network error response.
func NetworkError() *Response { return &Response{Type: "error", Header: http.Header{}} }

// Fetcher performs a fetch for a realm. The host gives each realm one: a
// page's routes through its controlling service worker first; a worker's goes
// to the network (through the host's origin map and RoundTripper). A network
// failure is returned as an error (the JS fetch() rejects with TypeError).
type Fetcher interface {
	Fetch(ctx context.Context, req *Request) (*Response, error)
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, req *Request) (*Response, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, req *Request) (*Response, error) { return f(ctx, req) }
