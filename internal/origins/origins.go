// Package origins maps web origins to local directories or upstream servers,
// so that `https://news.example` can be served from ./examples/news without
// certificates or internet. Everything not mapped goes to the real network.
package origins

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
)

// Mapping sends one origin to a directory, a file system or an upstream
// base URL.
type Mapping struct {
	Origin   string // "https://news.example"
	Dir      string // serve files from here, or
	FS       fs.FS  // from this file system (an embed.FS, say), or
	Upstream string // forward to this base URL ("http://127.0.0.1:8080")
}

// Check reports a mapping that cannot serve: no origin, not exactly one
// target, or a directory that is not there (a typo would otherwise answer
// every request with 404).
func (m Mapping) Check() error {
	n := 0
	for _, set := range []bool{m.Dir != "", m.FS != nil, m.Upstream != ""} {
		if set {
			n++
		}
	}
	switch {
	case m.Origin == "":
		return errors.New("origin mapping: no origin")
	case n != 1:
		return fmt.Errorf("origin mapping %s: want one of a directory, a file system or an upstream URL", m.Origin)
	case m.Dir != "":
		fi, err := os.Stat(m.Dir)
		if err != nil {
			return fmt.Errorf("origin mapping %s=%s: %w", m.Origin, m.Dir, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("origin mapping %s=%s: not a directory", m.Origin, m.Dir)
		}
	}
	return nil
}

// Target describes where the mapping sends its origin, for a person.
func (m Mapping) Target() string {
	switch {
	case m.Dir != "":
		return m.Dir
	case m.FS != nil:
		return "(files built into swhost)"
	}
	return m.Upstream
}

// ParseMapping parses "ORIGIN=DIR" or "ORIGIN=URL".
func ParseMapping(s string) (Mapping, error) {
	origin, target, ok := strings.Cut(s, "=")
	if !ok || origin == "" || target == "" {
		return Mapping{}, fmt.Errorf("origin mapping %q: want ORIGIN=DIR or ORIGIN=URL", s)
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return Mapping{}, fmt.Errorf("origin mapping %q: %q is not an origin like https://news.example", s, origin)
	}
	m := Mapping{Origin: strings.ToLower(u.Scheme + "://" + u.Host)}
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		m.Upstream = strings.TrimRight(target, "/")
	} else {
		m.Dir = target
	}
	return m, nil
}

// Transport is an http.RoundTripper that serves mapped origins and sends the
// rest to Next (http.DefaultTransport when nil). Mappings can change while
// it is in use (an upstream "goes down" in tests by being removed or by its
// server stopping).
type Transport struct {
	Next http.RoundTripper

	mu       sync.RWMutex
	mappings map[string]Mapping
}

// NewTransport builds a transport over mappings.
func NewTransport(next http.RoundTripper, mappings ...Mapping) *Transport {
	t := &Transport{Next: next, mappings: map[string]Mapping{}}
	for _, m := range mappings {
		t.Set(m)
	}
	return t
}

// Set adds or replaces a mapping.
func (t *Transport) Set(m Mapping) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mappings[m.Origin] = m
}

// Remove drops a mapping.
func (t *Transport) Remove(origin string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.mappings, origin)
}

// Mappings lists the mappings.
func (t *Transport) Mappings() []Mapping {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]Mapping, 0, len(t.mappings))
	for _, m := range t.mappings {
		out = append(out, m)
	}
	return out
}

// Lookup returns the mapping of an origin.
func (t *Transport) Lookup(origin string) (Mapping, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	m, ok := t.mappings[origin]
	return m, ok
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	origin := strings.ToLower(req.URL.Scheme + "://" + req.URL.Host)
	if m, ok := t.Lookup(origin); ok {
		switch {
		case m.Dir != "":
			return serveFS(os.DirFS(m.Dir), req)
		case m.FS != nil:
			return serveFS(m.FS, req)
		}
		return t.forward(m, req)
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

func (t *Transport) forward(m Mapping, req *http.Request) (*http.Response, error) {
	up, err := url.Parse(m.Upstream)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: %w", m.Upstream, err)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = up.Scheme
	out.URL.Host = up.Host
	out.URL.Path = strings.TrimRight(up.Path, "/") + req.URL.Path
	if req.URL.RawPath != "" {
		out.URL.RawPath = strings.TrimRight(up.Path, "/") + req.URL.RawPath
	}
	out.Host = req.URL.Host // the upstream sees the origin's host
	out.RequestURI = ""
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(out)
	if err != nil {
		return nil, fmt.Errorf("%s (upstream %s): %w", origin(req), m.Upstream, err)
	}
	resp.Request = req
	// Redirects from the upstream to itself are rewritten back to the origin.
	if loc := resp.Header.Get("Location"); loc != "" && strings.HasPrefix(loc, m.Upstream) {
		resp.Header.Set("Location", m.Origin+strings.TrimPrefix(loc, m.Upstream))
	}
	return resp, nil
}

func origin(req *http.Request) string { return req.URL.Scheme + "://" + req.URL.Host }

// serveFS answers a request from a file system (a directory, or files
// built in): GET/HEAD only, index.html for directories, extension-based
// Content-Type (.js is text/javascript), 404 for missing files, and never a
// path outside it. A file NAME with a sibling NAME.headers adds those header
// lines (for tests of Service-Worker-Allowed, Vary and the like).
func serveFS(fsys fs.FS, req *http.Request) (*http.Response, error) {
	resp := &http.Response{
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{},
		Request: req,
	}
	text := func(code int, msg string) (*http.Response, error) {
		resp.StatusCode = code
		resp.Status = fmt.Sprintf("%d %s", code, http.StatusText(code))
		resp.Header.Set("Content-Type", "text/plain; charset=utf-8")
		resp.Body = io.NopCloser(strings.NewReader(msg))
		resp.ContentLength = int64(len(msg))
		return resp, nil
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		resp.Header.Set("Allow", "GET, HEAD")
		return text(http.StatusMethodNotAllowed, "method not allowed\n")
	}
	// (A clean path from the root, as fs.FS names it: "." for the root.)
	name := strings.TrimPrefix(path.Clean("/"+req.URL.Path), "/")
	if name == "" {
		name = "."
	}
	fi, err := fs.Stat(fsys, name)
	if err == nil && fi.IsDir() {
		name = path.Join(name, "index.html")
		fi, err = fs.Stat(fsys, name)
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) || (err == nil && fi.IsDir()) {
		return text(http.StatusNotFound, "404 page not found\n")
	}
	if err != nil {
		return nil, err
	}
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".js", ".mjs":
		ct = "text/javascript; charset=utf-8"
	case ".txt":
		ct = "text/plain; charset=utf-8"
	case "":
		ct = "application/octet-stream"
	}
	if extra, err := fs.ReadFile(fsys, name+".headers"); err == nil {
		for _, line := range strings.Split(string(extra), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				if strings.EqualFold(strings.TrimSpace(k), "Content-Type") {
					ct = strings.TrimSpace(v)
					continue
				}
				resp.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
	}
	if ct != "" {
		resp.Header.Set("Content-Type", ct)
	}
	resp.StatusCode = http.StatusOK
	resp.Status = "200 OK"
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	if mt := fi.ModTime(); !mt.IsZero() { // (built-in files have none)
		resp.Header.Set("Last-Modified", mt.UTC().Format(http.TimeFormat))
	}
	if req.Method == http.MethodHead {
		body = nil
	}
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp, nil
}
