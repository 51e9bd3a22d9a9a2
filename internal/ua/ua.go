// Package ua is the user agent's surface: the web UI (offline shelf, grant
// prompts, inspector) and its JSON API, served on loopback. State-changing
// requests need the host's token and a same-origin request; pages served
// for hosted origins (on *.localhost) cannot reach it.
package ua

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/swhost/swhost/internal/sw"
)

// Backend is what the UI needs of the host.
type Backend interface {
	Registrations() []sw.RegistrationInfo
	Push(ctx context.Context, scope string, data []byte) error
	Events() []sw.EventRecord
	Update(ctx context.Context, regID int64) error
	Unregister(ctx context.Context, regID int64) error
}

// Options configure the handler.
type Options struct {
	// Token authorises state-changing requests.
	Token string
	// Addr is the listen address (host:port), for the same-origin check.
	Addr string
}

// Handler serves the UI and the API.
type Handler struct {
	b    Backend
	opts Options
	mux  *http.ServeMux
}

// New builds the handler.
func New(b Backend, opts Options) *Handler {
	h := &Handler{b: b, opts: opts, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, map[string]bool{"ok": true}) })
	h.mux.HandleFunc("GET /api/registrations", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, nonNil(b.Registrations())) })
	h.mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, nonNil(b.Events())) })
	h.mux.HandleFunc("POST /api/push", h.mutating(h.push))
	h.mux.HandleFunc("POST /api/registrations/{id}/update", h.mutating(h.update))
	h.mux.HandleFunc("POST /api/registrations/{id}/unregister", h.mutating(h.unregister))
	h.mux.HandleFunc("GET /{$}", h.status)
	return h
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ServeHTTP implements http.Handler: the UI answers only requests addressed
// to its own host (no DNS rebinding through another name).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.ownHost(r.Host) {
		http.Error(w, "misdirected request", http.StatusMisdirectedRequest)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
	h.mux.ServeHTTP(w, r)
}

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
	if hn == "localhost" {
		return true
	}
	ip := net.ParseIP(hn)
	return ip != nil && ip.IsLoopback()
}

// mutating guards a state-changing endpoint: the token must match (header
// X-Swhost-Token or form field "token"), and a browser request must be
// same-origin (Origin / Sec-Fetch-Site).
func (h *Handler) mutating(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			writeError(w, http.StatusForbidden, errors.New("cross-site request refused"))
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !h.ownHost(strings.TrimPrefix(strings.TrimPrefix(origin, "http://"), "https://")) {
			writeError(w, http.StatusForbidden, errors.New("cross-origin request refused"))
			return
		}
		tok := r.Header.Get("X-Swhost-Token")
		if tok == "" {
			tok = r.FormValue("token")
		}
		if h.opts.Token == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(h.opts.Token)) != 1 {
			writeError(w, http.StatusForbidden, errors.New("missing or wrong token"))
			return
		}
		next(w, r)
	}
}

func (h *Handler) push(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Scope string `json:"scope"`
		Data  string `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 8<<20)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad JSON: %w", err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	if err := h.b.Push(ctx, body.Scope, []byte(body.Data)); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err)
		return
	}
	writeJSON(w, map[string]bool{"ok": true})
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	var id int64
	fmt.Sscan(r.PathValue("id"), &id)
	if err := h.b.Update(r.Context(), id); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err)
		return
	}
	writeJSON(w, map[string]bool{"ok": true})
}

func (h *Handler) unregister(w http.ResponseWriter, r *http.Request) {
	var id int64
	fmt.Sscan(r.PathValue("id"), &id)
	if err := h.b.Unregister(r.Context(), id); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err)
		return
	}
	writeJSON(w, map[string]bool{"ok": true})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

var statusTmpl = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>swhost</title>
<style>body{font:16px/1.4 system-ui,sans-serif;margin:1rem;max-width:60rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}code{word-break:break-all}</style>
</head><body>
<h1>swhost</h1>
<h2>Registrations</h2>
{{if .Regs}}<table><thead><tr><th>Scope</th><th>Active</th><th>Waiting</th><th>Installing</th></tr></thead><tbody>
{{range .Regs}}<tr><td><code>{{.Scope}}</code></td><td>{{with .Active}}<code>{{.ScriptURL}}</code> {{.State}}{{if .Running}} (running){{end}}{{else}}-{{end}}</td><td>{{with .Waiting}}{{.State}}{{else}}-{{end}}</td><td>{{with .Installing}}{{.State}}{{else}}-{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p>No registrations yet.</p>{{end}}
<p>JSON: <a href="/api/registrations">/api/registrations</a>, <a href="/api/events">/api/events</a></p>
</body></html>`))

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = statusTmpl.Execute(w, map[string]any{"Regs": h.b.Registrations()})
}
