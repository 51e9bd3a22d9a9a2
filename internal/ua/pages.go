package ua

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// page is what every page's layout gets.
type page struct {
	Title string
	Page  string // "shelf", "grants", "inspector"
	Token string
	// HasDiscovery: the host has cross-origin discovery (grants page and
	// prompt banner).
	HasDiscovery bool
	PromptCount  int
	Data         any
}

var funcs = template.FuncMap{
	"host":          hostOf,
	"ago":           ago,
	"stamp":         func(t time.Time) string { return t.Format(time.RFC3339) },
	"clock":         func(t time.Time) string { return t.Local().Format("15:04:05") },
	"ms":            func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) },
	"pathEscape":    url.PathEscape,
	"domID":         domID,
	"categoryLabel": categoryLabel,
	"initial":       initial,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}

func parsePages() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"shelf", "grants", "inspector"} {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
	}
	return out
}

// render executes a page into a buffer first, so that a template error is
// a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, p page) {
	p.Token = h.opts.Token
	if d := h.b.Discovery(); d != nil {
		p.HasDiscovery = true
		p.PromptCount = len(d.Pending())
	}
	var buf bytes.Buffer
	if err := h.pages[p.Page].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.fail(w, r, http.StatusInternalServerError, fmt.Errorf("rendering %s: %w", p.Page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The page carries the token: never store it.
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// hostOf returns an origin's host (and port) for compact display.
func hostOf(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return origin
	}
	return u.Host
}

// ago formats how long ago t was, coarsely.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case t.IsZero():
		return ""
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// domID makes an element id from any key (entry ids are arbitrary text).
func domID(prefix, key string) string {
	sum := sha256.Sum256([]byte(key))
	return prefix + hex.EncodeToString(sum[:8])
}

// categoryLabel names a ContentCategory for people.
func categoryLabel(c string) string {
	if c == "" {
		return "No category"
	}
	return strings.ToUpper(c[:1]) + c[1:]
}

// initial is the placeholder letter of an origin without an icon.
func initial(origin string) string {
	h := strings.TrimPrefix(hostOf(origin), "www.")
	for _, r := range h {
		return strings.ToUpper(string(r))
	}
	return "?"
}
