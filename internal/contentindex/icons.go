package contentindex

import (
	"context"
	"fmt"
	"net/http"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// IconMode is the host's icon policy (--index-icons fetch|none).
type IconMode int

const (
	// IconsFetch fetches and decodes every icon of a description (add()
	// step 9 with every icon selected); a failure rejects the add.
	IconsFetch IconMode = iota
	// IconsNone selects no icons (the spec's step 9 is optional): nothing is
	// fetched. Icon srcs are still resolved and must be http(s) so that a
	// description is accepted or refused the same way in both modes.
	IconsNone
)

// ParseIconMode parses the --index-icons flag value.
func ParseIconMode(s string) (IconMode, error) {
	switch s {
	case "fetch", "":
		return IconsFetch, nil
	case "none":
		return IconsNone, nil
	}
	return 0, fmt.Errorf("--index-icons: %q is not fetch or none", s)
}

func (m IconMode) String() string {
	if m == IconsNone {
		return "none"
	}
	return "fetch"
}

// Icon is a fetched icon of a content index entry.
type Icon struct {
	// Resource is the ImageResource as given in the description.
	Resource ImageResource `json:"resource"`
	// URL is Resource.Src parsed against the API base URL.
	URL string `json:"url"`
	// ContentType is sniffed from the bytes ("image/png", ... "image/svg+xml").
	ContentType string `json:"contentType"`
	// Width and Height in pixels (0 for SVG).
	Width  int `json:"width"`
	Height int `json:"height"`
	// Data is the response body. Records loaded from a Store carry no Data;
	// Index.Icon reads it from the store. Note that SVG may contain script:
	// serve it as an image (<img>) or with "Content-Security-Policy: sandbox".
	Data []byte `json:"-"`
}

// ResolveIcons parses each icon's src against base and requires http(s).
// It returns the resolved URLs; errors are TypeErrors naming icons[i].src.
func ResolveIcons(base string, icons []ImageResource, l Limits) ([]string, error) {
	l = l.WithDefaults()
	urls := make([]string, len(icons))
	for i, ic := range icons {
		field := "ContentDescription.icons[" + itoa(i) + "].src"
		u, err := ResolveURL(base, ic.Src)
		if err != nil {
			return nil, typeErr("%s '%s' is not a valid URL", field, ic.Src)
		}
		if !isHTTP(u) {
			return nil, typeErr("%s '%s' is not an http(s) URL", field, u)
		}
		if over(len(u), l.MaxURLLen) {
			return nil, quotaErr("%s resolves to a URL of %d bytes; the limit is %d", field, len(u), l.MaxURLLen)
		}
		urls[i] = u
	}
	return urls, nil
}

// IconRequest is the request add() makes for an icon (step 9.1).
func IconRequest(url, clientOrigin string) *web.Request {
	return &web.Request{
		Method:         "GET",
		URL:            url,
		Header:         http.Header{},
		Mode:           "no-cors",
		Credentials:    "include",
		Cache:          "default",
		Redirect:       "follow",
		Destination:    "image",
		Referrer:       "client",
		Keepalive:      true,
		Origin:         clientOrigin,
		ServiceWorkers: "all",
	}
}

// FetchIcons fetches and decodes the icons of a description (add() step 9):
// each src is parsed against base and must be http(s) (else TypeError), then
// fetched with f as IconRequest; a network error, a non-2xx status or a body
// that does not decode as an image rejects with a TypeError; an icon over the
// byte or pixel limits with a QuotaExceededError. The icons are fetched
// concurrently; the first failure cancels the others and is returned. If ctx
// ends first the error is an AbortError.
//
// An opaque (no-cors) response is decoded like any other: the Go Fetcher
// returns the real body, "opaque" being only what JS may see of it.
func FetchIcons(ctx context.Context, f web.Fetcher, base, clientOrigin string, icons []ImageResource, l Limits) ([]Icon, error) {
	l = l.WithDefaults()
	if over(len(icons), l.MaxIcons) {
		return nil, quotaErr("ContentDescription.icons has %d icons; the limit is %d", len(icons), l.MaxIcons)
	}
	urls, err := ResolveIcons(base, icons, l)
	if err != nil {
		return nil, err
	}
	if len(icons) == 0 {
		return []Icon{}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		i    int
		icon Icon
		err  error
	}
	results := make(chan result, len(icons))
	for i := range icons {
		go func() {
			ic, err := fetchIcon(ctx, f, urls[i], clientOrigin, l)
			ic.Resource = icons[i]
			results <- result{i, ic, err}
		}()
	}
	out := make([]Icon, len(icons))
	var first error
	for range icons {
		r := <-results
		if r.err != nil && first == nil {
			first = withPrefix(r.err, "ContentDescription.icons["+itoa(r.i)+"] ("+urls[r.i]+"): ")
			cancel()
		}
		out[r.i] = r.icon
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}

func fetchIcon(ctx context.Context, f web.Fetcher, url, clientOrigin string, l Limits) (Icon, error) {
	ic := Icon{URL: url}
	if err := ctx.Err(); err != nil {
		return ic, &js.Error{Name: AbortError, Message: "the icon fetch was aborted", Cause: err}
	}
	resp, err := f.Fetch(ctx, IconRequest(url, clientOrigin))
	if err != nil {
		if ctx.Err() != nil {
			return ic, &js.Error{Name: AbortError, Message: "the icon fetch was aborted", Cause: err}
		}
		return ic, &js.Error{Name: TypeError, Message: "the icon fetch failed: " + err.Error(), Cause: err}
	}
	if resp == nil || resp.Type == "error" {
		return ic, typeErr("the icon fetch failed with a network error")
	}
	if resp.Type == "opaqueredirect" {
		return ic, typeErr("the icon fetch returned a redirect")
	}
	if resp.Status != 0 && (resp.Status < 200 || resp.Status > 299) {
		return ic, typeErr("the icon fetch returned HTTP status %d", resp.Status)
	}
	info, err := DecodeIcon(resp.Body, l)
	if err != nil {
		return ic, err
	}
	ic.ContentType, ic.Width, ic.Height, ic.Data = info.ContentType, info.Width, info.Height, resp.Body
	return ic, nil
}
