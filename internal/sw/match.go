package sw

import (
	"mime"
	"net"
	"net/url"
	"strings"
)

// MatchScope runs Match Service Worker Registration over a set of scope URLs:
// the longest scope that is a prefix of clientURL, among scopes of the same
// origin. It is the plain function behind Core.Match. clientURL and scopes
// must be serialized URLs.
func MatchScope(clientURL string, scopes []string) (string, bool) {
	// Service Workers §Match Service Worker Registration:
	// 1. Let clientURLString be serialized clientURL (fragment excluded).
	if i := strings.IndexByte(clientURL, '#'); i >= 0 {
		clientURL = clientURL[:i]
	}
	origin := OriginOf(clientURL)
	if origin == "null" {
		return "", false
	}
	// 2-5. For each scope of the storage key's registrations, keep the
	// longest that is a prefix of clientURLString.
	best := ""
	found := false
	for _, s := range scopes {
		// (The prefix test first: it is cheap and rules out most scopes
		// before their origin is parsed.)
		if len(s) <= len(best) && found || !strings.HasPrefix(clientURL, s) {
			continue
		}
		if OriginOf(s) == origin {
			best, found = s, true
		}
	}
	return best, found
}

// OriginOf returns the ASCII serialization of a URL's origin, or "null" for
// opaque origins (non-special schemes, unparsable URLs).
func OriginOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "null"
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	switch scheme {
	case "http", "ws":
		if port == "80" {
			port = ""
		}
	case "https", "wss":
		if port == "443" {
			port = ""
		}
	case "ftp":
		if port == "21" {
			port = ""
		}
	default:
		return "null"
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// PotentiallyTrustworthy reports whether an origin is potentially
// trustworthy (Secure Contexts §3.1): https/wss, loopback hosts and
// localhost names.
func PotentiallyTrustworthy(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "https", "wss":
		return true
	case "http", "ws":
	default:
		return false
	}
	host := strings.ToLower(u.Hostname())
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// IsJavaScriptMIME reports whether a Content-Type names a JavaScript MIME
// type essence (MIME Sniffing §4.6).
func IsJavaScriptMIME(contentType string) bool {
	essence, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch essence {
	case "application/ecmascript", "application/javascript", "application/x-ecmascript",
		"application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0",
		"text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
		"text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript", "text/x-javascript":
		return true
	}
	return false
}

// ResolveURL parses ref against base and serializes it without the fragment
// removed (callers strip where the spec says).
func ResolveURL(base, ref string) (*url.URL, error) {
	b, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return nil, err
	}
	u := b.ResolveReference(r)
	if u.Path == "" && (u.Scheme == "http" || u.Scheme == "https") {
		u.Path = "/"
	}
	return u, nil
}

// stripFragment returns u serialized with its fragment removed.
func stripFragment(u *url.URL) string {
	c := *u
	c.Fragment = ""
	c.RawFragment = ""
	return c.String()
}

// dirOf returns the URL with its last path segment removed (the default
// scope of a script: "./" resolved against it).
func dirOf(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	c.ForceQuery = false
	c.Fragment = ""
	c.RawFragment = ""
	if i := strings.LastIndexByte(c.Path, '/'); i >= 0 {
		c.Path = c.Path[:i+1]
	} else {
		c.Path = "/"
	}
	c.RawPath = ""
	return c.String()
}
