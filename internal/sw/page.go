package sw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/sobek"
	"golang.org/x/net/html"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// PageOptions configure a headless page.
type PageOptions struct {
	// Visible sets the client's visibilityState to "visible" (a page shown
	// to a person); headless pages are "hidden" otherwise.
	Visible bool
	// NoScripts skips running the document's <script> elements.
	NoScripts bool
}

// Page is a window realm without a DOM: a top-level browsing context whose
// document's scripts ran.
type Page struct {
	core *Core
	// Client is the page's window client.
	Client *Client
	// Env is its realm.
	Env *Env
	// Response is the navigation's response.
	Response *web.Response
}

// OpenPage navigates a new top-level browsing context to url: the
// navigation request goes through Handle Fetch (the matching registration's
// active worker answers it when it has a fetch listener), a window client
// is created, and the document's classic <script> elements run in order.
func (c *Core) OpenPage(ctx context.Context, rawURL string, opts PageOptions) (*Page, error) {
	u, err := ResolveURL(rawURL, "")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("open page: %q is not an http(s) URL", rawURL)
	}
	url := stripFragment(u)
	req := &web.Request{Method: http.MethodGet, URL: url, Header: http.Header{"Accept": {"text/html,*/*"}}, Cache: "default"}
	resp, cl, err := c.Navigate(ctx, req, opts.Visible)
	if err != nil {
		return nil, err
	}
	if resp.Type == "error" {
		c.RemoveClient(cl.ID)
		return nil, fmt.Errorf("open %s: network error", url)
	}
	env, err := c.newEnv(ctx, envWindow, cl.Origin, cl.URL, nil, cl)
	if err != nil {
		c.RemoveClient(cl.ID)
		return nil, err
	}
	cl.mu.Lock()
	cl.env = env
	cl.mu.Unlock()
	p := &Page{core: c, Client: cl, Env: env, Response: resp}
	if isHTML(resp) {
		tree := documentTree(resp.Body)
		if err := env.Realm.Do(ctx, func(*sobek.Runtime) error { _, err := env.callInternal("setDocument", tree); return err }); err != nil {
			env.core.log.Warn("building the document", "url", cl.URL, "error", err)
		}
	}
	if !opts.NoScripts && isHTML(resp) {
		for _, s := range extractScripts(resp.Body) {
			// An exception in one script does not stop the next.
			if err := p.runElement(ctx, s); err != nil && !errors.Is(err, ErrUncaught) {
				p.core.scriptError(env, &js.ScriptError{Kind: "exception", Message: err.Error(), Cause: err})
			}
		}
	}
	// DOMContentLoaded, then load (a headless page loads no subresources).
	_ = env.Realm.Do(ctx, func(*sobek.Runtime) error { _, err := env.callInternal("documentLoaded"); return err })
	// The client message queue is enabled once the document is loaded.
	env.enableMessages()
	return p, nil
}

func isHTML(resp *web.Response) bool {
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

type scriptElement struct {
	src    string
	inline string
	line   int
}

// extractScripts returns the classic scripts of a document in order.
func extractScripts(doc []byte) []scriptElement {
	var out []scriptElement
	z := html.NewTokenizer(bytes.NewReader(doc))
	line := 1
	for {
		tt := z.Next()
		raw := z.Raw()
		switch tt {
		case html.ErrorToken:
			return out
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "script" {
				break
			}
			el := scriptElement{line: line}
			typ := ""
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "src":
					el.src = string(v)
				case "type":
					typ = strings.ToLower(strings.TrimSpace(string(v)))
				}
			}
			line += bytes.Count(raw, []byte("\n"))
			if z.Next() == html.TextToken {
				el.inline = string(z.Text())
				line += bytes.Count(z.Raw(), []byte("\n"))
			}
			// Classic scripts only: no type, or a JavaScript MIME type.
			if typ == "" || IsJavaScriptMIME(typ) {
				out = append(out, el)
			}
			continue
		}
		line += bytes.Count(raw, []byte("\n"))
	}
}

func (p *Page) runElement(ctx context.Context, s scriptElement) error {
	if s.src == "" {
		// Keep line numbers of inline scripts right in stack traces.
		src := strings.Repeat("\n", max(0, s.line-1)) + s.inline
		return p.Eval(ctx, p.Client.URL, src)
	}
	return p.RunScriptURL(ctx, s.src)
}

// RunScriptURL fetches a script like <script src> (through the page's
// fetch, so its service worker may answer) and runs it.
func (p *Page) RunScriptURL(ctx context.Context, ref string) error {
	u, err := ResolveURL(p.Client.URL, ref)
	if err != nil {
		return fmt.Errorf("script %q: invalid URL", ref)
	}
	url := stripFragment(u)
	if u.Scheme == "file" {
		return fmt.Errorf("script %s: file URLs are not fetched; map an origin to the directory", url)
	}
	req := &web.Request{Method: http.MethodGet, URL: url, Header: http.Header{}, Mode: "no-cors", Credentials: "include",
		Destination: "script", Redirect: "follow", Origin: p.Client.Origin, Cache: "default"}
	resp, err := p.Env.Fetcher.Fetch(ctx, req)
	if err != nil {
		return fmt.Errorf("script %s: %w", url, err)
	}
	if resp.Type == "error" || resp.Status < 200 || resp.Status > 299 {
		return fmt.Errorf("script %s: HTTP %d", url, resp.Status)
	}
	return p.Eval(ctx, url, string(resp.Body))
}

// Navigate runs a navigation request for a new top-level browsing context:
// Handle Fetch through the matching registration's active worker (when it
// has a fetch listener), the network otherwise, and creates the window
// client (its realm, if any, is the caller's to make). req.URL must be an
// http(s) URL; its mode, destination and client ids are set here.
func (c *Core) Navigate(ctx context.Context, req *web.Request, visible bool) (*web.Response, *Client, error) {
	url := req.URL
	cl := &Client{core: c, ID: newID(), Type: "window", URL: url, Origin: OriginOf(url), FrameType: "top-level",
		Created: time.Now(), visible: visible, focused: visible}
	req.Mode, req.Destination, req.Credentials = "navigate", "document", "include"
	req.Redirect = "manual"
	req.Origin = cl.Origin
	req.ResultingClientID = cl.ID
	if req.Header == nil {
		req.Header = http.Header{}
	}
	// Handle Fetch: the reserved client's active service worker is the
	// matching registration's active worker.
	var controller *Worker
	if reg := c.Match(url); reg != nil {
		controller = reg.Active()
	}
	var resp *web.Response
	var err error
	if controller != nil {
		resp, err = c.DispatchFetch(ctx, controller, req)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s: the service worker failed the navigation: %w", url, err)
		}
		cl.ServedByWorker = resp != nil
	}
	if resp == nil {
		req.Redirect = "follow"
		resp, err = c.net.Fetch(ctx, req)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s: %w", url, err)
		}
	}
	// A navigation that ends on another URL creates its client there.
	if final := resp.URL(); final != "" && final != url {
		cl.URL = final
		cl.Origin = OriginOf(final)
		if OriginOf(final) != OriginOf(url) || (controller != nil && c.Match(final) != controller.Reg) {
			controller = nil
			if reg := c.Match(final); reg != nil {
				controller = reg.Active()
			}
		}
	}
	cl.controller = controller
	c.addClient(cl)
	return resp, cl, nil
}

// ClientFetch is a subresource fetch by a client (Handle Fetch, then the
// network): what a page's fetch() does, for clients without a realm.
func (c *Core) ClientFetch(ctx context.Context, cl *Client, req *web.Request) (*web.Response, error) {
	return c.clientFetcher(cl).Fetch(ctx, req)
}

// ErrUncaught marks the error Eval returns when the script threw: the
// exception was reported (as the page's uncaught error), like a browser
// does, and later scripts of the document still run.
var ErrUncaught = errors.New("uncaught exception")

// Eval runs a classic script in the page.
func (p *Page) Eval(ctx context.Context, name, src string) error {
	var runErr error
	err := p.Env.Realm.Do(ctx, func(rt *sobek.Runtime) error {
		_, runErr = p.Env.Realm.Run(&js.Script{Name: name, Source: src})
		var ex *sobek.Exception
		var ie *sobek.InterruptedError
		switch {
		case errors.As(runErr, &ex):
			p.Env.Realm.ReportException(ex)
		case errors.As(runErr, &ie):
			p.Env.Realm.ReportInterrupt(ie)
		case runErr != nil:
			// A syntax error: reported like an exception of the script.
			p.core.scriptError(p.Env, &js.ScriptError{Kind: "exception", Message: runErr.Error(), File: name, Cause: runErr})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("%s: %w: %v", name, ErrUncaught, runErr)
	}
	return nil
}

// Wait returns once nothing is pending in the page (no tasks, timers,
// operations or lifecycle jobs of its origin), or ctx ends.
func (p *Page) Wait(ctx context.Context) error {
	select {
	case <-p.Env.Realm.Idle():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes the page: its realm stops and its client goes away.
func (p *Page) Close() {
	p.Env.Realm.Close()
	p.core.removeEnv(p.Env)
	p.core.RemoveClient(p.Client.ID)
}
