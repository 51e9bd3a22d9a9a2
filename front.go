package swhost

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/swhost/swhost/internal/sw"
	"github.com/swhost/swhost/internal/web"
)

// The front answers a person's browser for every hosted origin at
// http://<label>.localhost:PORT/ (Chromium resolves *.localhost to loopback
// and treats it as a secure context). Each navigation creates a window client
// of the hosted origin and goes through Handle Fetch, so the site's service
// worker answers as it would in a browser, from its caches when the network
// is gone. Subresource requests are fetches of the client the Referer names.

// frontClients remembers the clients the front created, by URL, so that a
// page's subresources are fetched as that client.
type frontClients struct {
	mu    sync.Mutex
	byURL map[string]*sw.Client
	order []string
}

const maxFrontClients = 256

func (f *frontClients) add(cl *sw.Client, core *sw.Core) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byURL == nil {
		f.byURL = map[string]*sw.Client{}
	}
	if old := f.byURL[cl.URL]; old != nil {
		core.RemoveClient(old.ID)
	}
	f.byURL[cl.URL] = cl
	f.order = append(f.order, cl.URL)
	for len(f.order) > maxFrontClients {
		u := f.order[0]
		f.order = f.order[1:]
		if c := f.byURL[u]; c != nil && !contains(f.order, u) {
			delete(f.byURL, u)
			core.RemoveClient(c.ID)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (f *frontClients) get(url string) *sw.Client {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byURL[url]
}

// hop-by-hop and front-specific headers not forwarded either way.
var skipHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Transfer-Encoding": true, "Upgrade": true,
	"Te": true, "Trailer": true, "Host": true, "Content-Length": true,
}

const maxFrontBody = 32 << 20

// serveFront answers a person's browser for a hosted origin.
func (h *Host) serveFront(w http.ResponseWriter, r *http.Request, origin string) {
	// A browser must never install its own copy of the worker: swhost runs
	// it. Service worker script requests carry "Service-Worker: script".
	if r.Header.Get("Service-Worker") == "script" {
		http.Error(w, "swhost runs this site's service worker itself; the browser may not register it", http.StatusForbidden)
		return
	}
	url := origin + r.URL.RequestURI()
	req := &web.Request{Method: r.Method, URL: url, Header: http.Header{}, Cache: "default", Credentials: "include",
		Redirect: "follow", Origin: origin}
	for k, vs := range r.Header {
		if skipHeaders[k] || strings.HasPrefix(k, "Sec-") || k == "Cookie" {
			continue
		}
		req.Header[k] = vs
	}
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFrontBody))
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			// Refused whole: the worker never sees a body cut short.
			http.Error(w, fmt.Sprintf("the request body is larger than %d MiB", maxFrontBody>>20), http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		req.Body, req.HasBody = body, true
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()

	var resp *web.Response
	var err error
	if isNavigation(r) {
		var cl *sw.Client
		resp, cl, err = h.core.Navigate(ctx, req, true)
		if err == nil {
			h.front.add(cl, h.core)
		}
	} else {
		req.Mode = "no-cors"
		req.Destination = strings.TrimSpace(r.Header.Get("Sec-Fetch-Dest"))
		if req.Destination == "empty" {
			req.Destination = ""
			req.Mode = "cors"
		}
		if m := r.Header.Get("Sec-Fetch-Mode"); m == "cors" || m == "same-origin" || m == "no-cors" {
			req.Mode = m
		}
		referrer := frontToOrigin(r.Header.Get("Referer"), origin, r.Host)
		resp, err = h.frontSubresource(ctx, referrer, req)
	}
	if err != nil || resp == nil || resp.Type == "error" {
		msg := "network error"
		if err != nil {
			msg = err.Error()
		}
		h.log.Info("front: request failed", "url", url, "error", msg)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>Offline</title><h1>This page is not available</h1><p>%s could not be loaded: %s</p>", html.EscapeString(url), html.EscapeString(msg))
		return
	}
	for k, vs := range resp.Header {
		if skipHeaders[k] {
			continue
		}
		w.Header()[k] = vs
	}
	// Redirects to the hosted origin stay on the front.
	if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, origin) {
		w.Header().Set("Location", "http://"+r.Host+strings.TrimPrefix(loc, origin))
	}
	status := resp.Status
	if status == 0 { // an opaque response's body is still the site's
		status = http.StatusOK
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(resp.Body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.Body)
	}
}

// frontSubresource fetches req as a subresource of the window client the
// front created for referrer. A client the front no longer knows (no
// Referer, a page loaded before a restart, one evicted from the list) was
// still loaded through the front: its controller is the active worker of
// the registration matching its URL (the Referer, else the request's URL),
// so Handle Fetch goes there, then to the network.
func (h *Host) frontSubresource(ctx context.Context, referrer string, req *web.Request) (*web.Response, error) {
	if cl := h.front.get(referrer); cl != nil {
		return h.core.ClientFetch(ctx, cl, req)
	}
	clientURL := referrer
	if clientURL == "" {
		clientURL = req.URL
	}
	if reg := h.core.Match(clientURL); reg != nil {
		if w := reg.Active(); w != nil {
			resp, err := h.core.DispatchFetch(ctx, w, req)
			if err != nil || resp != nil {
				return resp, err
			}
		}
	}
	return h.core.ClientFetch(ctx, nil, req)
}

// isNavigation tells a browser's navigation from a subresource request.
func isNavigation(r *http.Request) bool {
	if m := r.Header.Get("Sec-Fetch-Mode"); m != "" {
		return m == "navigate"
	}
	return r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// frontToOrigin turns a front URL (http://news.localhost:8087/x) into the
// hosted origin's URL (https://news.example/x).
func frontToOrigin(frontURL, origin, frontHost string) string {
	prefix := "http://" + frontHost
	if !strings.HasPrefix(frontURL, prefix) {
		return ""
	}
	return origin + strings.TrimPrefix(frontURL, prefix)
}
