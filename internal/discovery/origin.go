package discovery

import (
	"net"
	"net/url"
	"strings"

	"github.com/swhost/swhost/internal/js"
)

// Origins and script URLs are compared as strings in one canonical form, so
// that grant keys are exact: an origin is "scheme://host[:port]" (scheme and
// host lower case, the scheme's default port omitted, IPv6 hosts in
// brackets), which is HTML's serialization of a tuple origin; a script URL
// is its WHATWG serialization without the fragment. The binding hands in
// strings already serialized by the WHATWG URL parser (internal/web), for
// which these functions are the identity (less the fragment); they exist to
// validate and to normalize what people type (--grant, the CLI, the API).
//
// https://news.example, https://evil.news.example, http://news.example and
// https://news.example:8443 are four different origins.

// SerializeOrigin validates an origin and returns it in canonical form.
// It accepts "scheme://host[:port]" with an optional trailing "/", for the
// schemes http and https only; anything with a path, query, fragment or
// credentials, opaque origins ("null") and non-ASCII hosts (give the
// punycode form) are TypeErrors.
func SerializeOrigin(s string) (string, error) {
	u, err := parseHTTP(s, "origin")
	if err != nil {
		return "", err
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		return "", jsErr(TypeError, "%q is not an origin (want scheme://host[:port], like https://news.example)", s)
	}
	return originOf(u), nil
}

// CanonicalScriptURL validates an absolute http(s) script URL and returns it
// without its fragment, with scheme and host lower case and the default port
// omitted. Paths with "." or ".." segments are refused (resolve them first).
func CanonicalScriptURL(s string) (string, error) {
	u, err := parseHTTP(s, "script URL")
	if err != nil {
		return "", err
	}
	// Keep the path and query exactly as given (they are already serialized
	// by the WHATWG parser when they come from a realm).
	rest := s[strings.Index(s, "://")+3:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[i:]
	} else {
		rest = ""
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if rest == "" || rest[0] == '?' {
		rest = "/" + rest
	}
	path, _, _ := strings.Cut(rest, "?")
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." || strings.EqualFold(seg, "%2e") || strings.EqualFold(seg, "%2e%2e") {
			return "", jsErr(TypeError, "script URL %q has dot segments; give it resolved", s)
		}
	}
	return originOf(u) + rest, nil
}

// OriginOfScript returns the canonical origin of a canonical script URL.
func OriginOfScript(scriptURL string) string {
	i := strings.Index(scriptURL, "://")
	if i < 0 {
		return "null"
	}
	if j := strings.IndexAny(scriptURL[i+3:], "/?#"); j >= 0 {
		return scriptURL[:i+3+j]
	}
	return scriptURL
}

// PotentiallyTrustworthy reports whether a canonical origin is potentially
// trustworthy (Secure Contexts §3.1): https, or http on a loopback host
// (127.0.0.0/8, [::1], localhost, *.localhost).
func PotentiallyTrustworthy(origin string) bool {
	scheme, hostport, ok := strings.Cut(origin, "://")
	if !ok {
		return false
	}
	switch scheme {
	case "https":
		return true
	case "http":
	default:
		return false
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

func parseHTTP(s, what string) (*url.URL, *js.Error) {
	if s == "" || strings.TrimSpace(s) != s {
		return nil, jsErr(TypeError, "%s %q is not valid", what, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] >= 0x7f {
			return nil, jsErr(TypeError, "%s %q has spaces, control or non-ASCII characters (give the punycode/percent-encoded form)", what, s)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, jsErr(TypeError, "%s %q is not a valid URL", what, s)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return nil, jsErr(TypeError, "%s %q: scheme must be http or https", what, s)
	}
	if u.Opaque != "" || u.Host == "" || !strings.HasPrefix(strings.ToLower(s), scheme+"://") {
		return nil, jsErr(TypeError, "%s %q is not an absolute http(s) URL", what, s)
	}
	if u.User != nil {
		return nil, jsErr(TypeError, "%s %q must not have credentials", what, s)
	}
	if u.Hostname() == "" {
		return nil, jsErr(TypeError, "%s %q has an empty host", what, s)
	}
	if p := u.Port(); p != "" {
		n := 0
		for _, c := range p {
			if c < '0' || c > '9' {
				return nil, jsErr(TypeError, "%s %q has an invalid port", what, s)
			}
			n = n*10 + int(c-'0')
			if n > 65535 {
				return nil, jsErr(TypeError, "%s %q has an invalid port", what, s)
			}
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, jsErr(TypeError, "%s %q has an empty port", what, s)
	}
	u.Scheme = scheme
	return u, nil
}

// originOf serializes the origin of a parsed http(s) URL.
func originOf(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := strings.TrimLeft(u.Port(), "0")
	if u.Port() != "" && port == "" {
		port = "0"
	}
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host
}
