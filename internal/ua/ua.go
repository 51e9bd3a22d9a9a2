// Package ua is the user agent's surface: the web UI (offline shelf, grant
// prompts, inspector) and its JSON API, served on loopback.
//
// Safety. The handler answers only requests addressed to its own host name
// (the listen address, localhost or an IP literal on its port), so a DNS
// rebinding page cannot reach it through another name. A state-changing
// request needs the host's token (header X-Swhost-Token, or the form field
// "token" the UI's own pages carry) and, from a browser, must be
// same-origin (Sec-Fetch-Site, Origin). API requests a browser marks as
// coming from another site are refused outright, reads included, and no
// response carries CORS headers: pages served for hosted origins on the
// front (http://<label>.localhost:PORT) are another site and cannot read or
// change anything here.
package ua

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the handler.
type Options struct {
	// Token authorises state-changing requests. Empty refuses them all.
	Token string
	// Addr is the listen address (host:port), for the host and same-origin
	// checks. Empty accepts any Host (tests).
	Addr string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Handler serves the UI and the API.
type Handler struct {
	b     Backend
	opts  Options
	log   *slog.Logger
	mux   *http.ServeMux
	pages map[string]*template.Template

	hubOnce sync.Once
	hub     *hub

	stop     chan struct{} // closed by Shutdown: event streams end
	stopOnce sync.Once
}

// New builds the handler.
func New(b Backend, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Handler{b: b, opts: opts, log: opts.Logger, mux: http.NewServeMux(), pages: parsePages(), stop: make(chan struct{})}
	m := h.mux

	// Pages.
	m.HandleFunc("GET /{$}", h.shelfPage)
	m.HandleFunc("GET /grants", h.grantsPage)
	m.HandleFunc("GET /inspector", h.inspectorPage)
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))

	// JSON API (documented in README.md, "JSON API").
	m.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, okJSON) })

	m.HandleFunc("GET /api/index", h.apiIndex)
	m.HandleFunc("GET /api/index/events", h.indexEvents)
	m.HandleFunc("GET /api/index/{regID}/{id}", h.apiEntry)
	m.HandleFunc("GET /api/index/{regID}/{id}/icon/{i}", h.entryIcon)
	m.HandleFunc("POST /api/index/{regID}/{id}/open", h.mutating(h.openEntry))
	m.HandleFunc("POST /api/index/{regID}/{id}/delete", h.mutating(h.deleteEntry))

	m.HandleFunc("GET /api/grants", h.apiGrants)
	m.HandleFunc("GET /api/grants/prompts", h.apiPrompts)
	m.HandleFunc("GET /api/grants/events", h.grantEvents)
	m.HandleFunc("POST /api/grants/prompts/{id}/allow", h.mutating(h.answer(true)))
	m.HandleFunc("POST /api/grants/prompts/{id}/deny", h.mutating(h.answer(false)))
	m.HandleFunc("POST /api/grants/allow", h.mutating(h.decide("allow")))
	m.HandleFunc("POST /api/grants/deny", h.mutating(h.decide("deny")))
	m.HandleFunc("POST /api/grants/revoke", h.mutating(h.decide("revoke")))
	m.HandleFunc("GET /api/publications", h.apiPublications)

	m.HandleFunc("GET /api/registrations", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, nonNil(b.Registrations())) })
	m.HandleFunc("GET /api/events", h.apiEvents)
	m.HandleFunc("GET /api/errors", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, nonNil(b.ScriptErrors())) })
	m.HandleFunc("POST /api/push", h.mutating(h.push))
	m.HandleFunc("POST /api/registrations/{id}/update", h.mutating(h.update))
	m.HandleFunc("POST /api/registrations/{id}/unregister", h.mutating(h.unregister))

	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no API endpoint %s %s", r.Method, r.URL.Path))
	})
	return h
}

// Shutdown ends the server-sent event streams in progress (and refuses
// new ones), so that http.Server.Shutdown need not wait for them: register
// it with the server's RegisterOnShutdown. Browsers reconnect to the next
// server.
func (h *Handler) Shutdown() {
	h.stopOnce.Do(func() { close(h.stop) })
}

// Close ends the event streams and the handler's subscription to the
// content index.
func (h *Handler) Close() {
	h.Shutdown()
	h.hubOnce.Do(func() {}) // a hub started later would never be closed
	if h.hub != nil {
		h.hub.close()
	}
}

// indexHub returns the content index's event hub, subscribing on first use.
func (h *Handler) indexHub() *hub {
	h.hubOnce.Do(func() { h.hub = newHub(h.b.Index()) })
	return h.hub
}

var okJSON = map[string]bool{"ok": true}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.ownHost(r.Host) {
		http.Error(w, "misdirected request: this is swhost's user interface, reachable as "+h.opts.Addr, http.StatusMisdirectedRequest)
		return
	}
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	// Not "no-referrer": that makes a same-origin form POST's Origin
	// "null", which the token check refuses.
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	// The Open form posts here and is redirected to the front
	// (http://<label>.localhost:PORT), which form-action must allow.
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self' http://*.localhost:*; frame-ancestors 'none'; base-uri 'none'")
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		// Another site (a hosted origin's page on the front included) may
		// link to the UI's pages, nothing more.
		if strings.HasPrefix(r.URL.Path, "/api/") || r.Header.Get("Sec-Fetch-Mode") != "navigate" || r.Method != http.MethodGet {
			h.fail(w, r, http.StatusForbidden, errors.New("cross-site request refused"))
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// ownHost reports whether host (a Host header or an Origin's host) names
// this handler: its listen address, or localhost or an IP literal on its
// port. Other names are refused so that a DNS name rebound to 127.0.0.1
// cannot reach the UI.
func (h *Handler) ownHost(host string) bool {
	if h.opts.Addr == "" {
		return true
	}
	if strings.EqualFold(host, h.opts.Addr) {
		return true
	}
	_, port, _ := net.SplitHostPort(h.opts.Addr)
	hn, hp, err := net.SplitHostPort(host)
	if err != nil || hp != port {
		return false
	}
	if strings.EqualFold(hn, "localhost") {
		return true
	}
	return net.ParseIP(hn) != nil
}

// mutating guards a state-changing endpoint: a browser request must be
// same-origin (Sec-Fetch-Site, Origin) and the token must match (header
// X-Swhost-Token, or the form field "token" of a POSTed form).
func (h *Handler) mutating(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			h.fail(w, r, http.StatusForbidden, errors.New("cross-site request refused"))
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			u, err := url.Parse(origin)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !h.ownHost(u.Host) {
				h.fail(w, r, http.StatusForbidden, errors.New("cross-origin request refused"))
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		tok := r.Header.Get("X-Swhost-Token")
		if tok == "" && isForm(r) {
			tok = r.PostFormValue("token")
		}
		if h.opts.Token == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(h.opts.Token)) != 1 {
			h.fail(w, r, http.StatusForbidden, errors.New("missing or wrong token"))
			return
		}
		next(w, r)
	}
}

const maxBody = 8 << 20

func isForm(r *http.Request) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data"
}

// wantsJSON: API clients (the CLI, fetch with Accept: application/json)
// get JSON; a plain HTML form submission gets a redirect or an HTML page.
func wantsJSON(r *http.Request) bool {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		return true
	}
	if r.Method == http.MethodGet {
		return strings.HasPrefix(r.URL.Path, "/api/")
	}
	return !isForm(r)
}

// fields reads a request's parameters: a JSON object (strings, booleans and
// numbers as text) or a form.
func fields(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	if isForm(r) {
		if err := r.ParseMultipartForm(maxBody); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return nil, fmt.Errorf("bad form: %w", err)
		}
		for k, v := range r.PostForm {
			if len(v) > 0 {
				out[k] = v[0]
			}
		}
		return out, nil
	}
	body, err := io.ReadAll(r.Body) // (bounded by maxBody: a larger one is an error, never cut short)
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return out, nil
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case nil:
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out, nil
}

func truthy(s string) bool {
	switch strings.ToLower(s) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// done answers a successful action: JSON v, or for a form a redirect to
// its "return" field (a path of this UI), else to def.
func done(w http.ResponseWriter, r *http.Request, f map[string]string, def string, v any) {
	if wantsJSON(r) {
		writeJSON(w, v)
		return
	}
	http.Redirect(w, r, safeReturn(f["return"], def), http.StatusSeeOther)
}

// safeReturn accepts only a path of this UI ("/x?y"), never another host.
func safeReturn(s, def string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n") {
		return def
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return def
	}
	return s
}

// statusOf maps a backend error to an HTTP status.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusUnprocessableEntity
}

// fail answers an error: JSON for API clients, a small HTML page for a
// form submission.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, code int, err error) {
	if code >= 500 {
		h.log.Warn("ua: request failed", "method", r.Method, "path", r.URL.Path, "status", code, "error", err)
	}
	if wantsJSON(r) {
		writeError(w, code, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = errorTmpl.Execute(w, map[string]any{"Code": code, "Status": http.StatusText(code), "Error": err.Error()})
}

var errorTmpl = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Status}} · swhost</title><link rel="stylesheet" href="/static/ui.css"></head>
<body><main id="main"><h1>{{.Status}}</h1><p class="error">{{.Error}}</p><p><a href="/">Back to the offline shelf</a></p></main></body></html>`))

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// mapSlice returns f of each element of in (never nil: JSON lists are []).
func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}
