package swhost

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/swhost/swhost/internal/ua"
)

// HandlerOptions configure Host.Handler.
type HandlerOptions struct {
	// Token authorises state-changing API requests.
	Token string
	// Addr is the address the handler is served on (host:port).
	Addr string
}

// Handler serves the user agent's UI and JSON API on the listen address
// itself, and the front for hosted origins on <label>.localhost names.
//
// The handler has a method Shutdown() that ends the UI's server-sent event
// streams; register it with http.Server.RegisterOnShutdown so that
// Shutdown does not wait for open shelf pages:
//
//	h := host.Handler(opts)
//	srv.RegisterOnShutdown(h.(interface{ Shutdown() }).Shutdown)
func (h *Host) Handler(opts HandlerOptions) http.Handler {
	ui := ua.New(uiBackend{h: h, addr: opts.Addr}, ua.Options{Token: opts.Token, Addr: opts.Addr, Logger: h.log})
	return &hostHandler{h: h, ui: ui}
}

type hostHandler struct {
	h  *Host
	ui *ua.Handler
}

func (hh *hostHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if origin, ok := hh.h.frontOrigin(r.Host); ok {
		hh.h.serveFront(w, r, origin)
		return
	}
	hh.ui.ServeHTTP(w, r)
}

// Shutdown ends the UI's event streams.
func (hh *hostHandler) Shutdown() { hh.ui.Shutdown() }

// FrontHost is the host name under which the front serves origin: the
// origin's first DNS label under .localhost ("news.example" →
// "news.localhost:PORT").
func FrontHost(origin, addr string) string {
	u, err := url.Parse(origin)
	if err != nil {
		return ""
	}
	label := strings.SplitN(u.Hostname(), ".", 2)[0]
	_, port, _ := net.SplitHostPort(addr)
	return label + ".localhost:" + port
}

// frontOrigin maps a request's Host to a hosted origin: "<label>.localhost"
// where label is the first DNS label of a mapped origin, or the whole host
// name with dots as dashes ("news-example.localhost").
func (h *Host) frontOrigin(host string) (string, bool) {
	name := host
	if hn, _, err := net.SplitHostPort(host); err == nil {
		name = hn
	}
	name = strings.ToLower(name)
	label, ok := strings.CutSuffix(name, ".localhost")
	if !ok || label == "" {
		return "", false
	}
	for _, m := range h.transport.Mappings() {
		u, err := url.Parse(m.Origin)
		if err != nil {
			continue
		}
		hn := u.Hostname()
		if strings.SplitN(hn, ".", 2)[0] == label || strings.ReplaceAll(hn, ".", "-") == label {
			return m.Origin, true
		}
	}
	return "", false
}
