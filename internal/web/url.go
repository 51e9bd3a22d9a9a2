package web

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/grafana/sobek"
	wurl "github.com/nlnwa/whatwg-url/url"
)

// The WHATWG URL Standard (https://url.spec.whatwg.org/) in Go: parsing and
// the API's getters and setters come from github.com/nlnwa/whatwg-url; the
// origin, application/x-www-form-urlencoded and the glue to the JS URL class
// are here.

// URL is a parsed URL record as the URL API shows it: every field is the
// value of the attribute of the same name on a JS URL object. It is
// immutable and safe to share between goroutines.
type URL struct {
	Href     string
	Protocol string // "https:"
	Username string
	Password string
	Host     string // hostname with ":port" when the port is not the default
	Hostname string
	Port     string
	Pathname string
	Search   string // "" or "?query"
	Hash     string // "" or "#fragment"
	// Origin is the serialization of the URL's origin: "https://a.example"
	// for tuple origins, "null" for opaque ones.
	Origin string

	// hrefNoFragment is the serialization with exclude fragment set.
	hrefNoFragment string
	opaquePath     bool
}

// ErrInvalidURL is returned (wrapped) by ParseURL for input that is not a
// valid URL.
var ErrInvalidURL = errors.New("invalid URL")

var urlParser = wurl.NewParser()

// ParseURL runs the API URL parser: raw is parsed against base when base is
// not empty (a base that fails to parse is an error, as in new URL(raw, base)).
func ParseURL(raw, base string) (*URL, error) {
	u, err := parseRecord(raw, base, base != "")
	if err != nil {
		return nil, err
	}
	return newURL(u), nil
}

// MustParseURL is ParseURL for URLs known to be valid; it panics otherwise.
func MustParseURL(raw string) *URL {
	u, err := ParseURL(raw, "")
	if err != nil {
		panic(err)
	}
	return u
}

// ResolveURL parses raw against base and returns the serialized result.
func ResolveURL(raw, base string) (string, error) {
	u, err := parseRecord(raw, base, base != "")
	if err != nil {
		return "", err
	}
	return u.Href(false), nil
}

// parseRecord is the API URL parser (URL Standard, "API URL parser"): parse
// base first if given (failure is failure), then url against it.
func parseRecord(raw, base string, hasBase bool) (u *wurl.Url, err error) {
	defer func() {
		// The library must never bring down a realm; treat a panic on hostile
		// input as failure.
		if p := recover(); p != nil {
			u, err = nil, &url.Error{Op: "parse", URL: raw, Err: ErrInvalidURL}
		}
	}()
	raw = ToUSV(raw)
	var b *wurl.Url
	if hasBase {
		b, err = urlParser.Parse(ToUSV(base))
		if err != nil {
			return nil, &url.Error{Op: "parse", URL: base, Err: ErrInvalidURL}
		}
	}
	u, err = urlParser.BasicParser(raw, b, nil, wurl.NoState)
	if err != nil {
		return nil, &url.Error{Op: "parse", URL: raw, Err: ErrInvalidURL}
	}
	return u, nil
}

func newURL(u *wurl.Url) *URL {
	return &URL{
		Href:           u.Href(false),
		Protocol:       u.Protocol(),
		Username:       u.Username(),
		Password:       u.Password(),
		Host:           u.Host(),
		Hostname:       u.Hostname(),
		Port:           u.Port(),
		Pathname:       u.Pathname(),
		Search:         u.Search(),
		Hash:           u.Hash(),
		Origin:         originOf(u),
		hrefNoFragment: u.Href(true),
		opaquePath:     u.OpaquePath(),
	}
}

// String returns Href.
func (u *URL) String() string { return u.Href }

// Scheme is the protocol without its colon.
func (u *URL) Scheme() string { return strings.TrimSuffix(u.Protocol, ":") }

// HrefNoFragment is the URL serialized with "exclude fragment" set (what
// Fetch keeps in a request's URL list and Cache Storage matches on).
func (u *URL) HrefNoFragment() string { return u.hrefNoFragment }

// OpaquePath reports whether the URL has an opaque path ("mailto:x").
func (u *URL) OpaquePath() bool { return u.opaquePath }

// IsSpecial reports whether the scheme is special (http, https, ws, wss,
// ftp, file).
func (u *URL) IsSpecial() bool { return specialSchemes[u.Scheme()] }

// Resolve parses ref against u.
func (u *URL) Resolve(ref string) (*URL, error) { return ParseURL(ref, u.Href) }

// NetURL converts to a net/url URL for the host's HTTP client. The WHATWG
// serialization is already percent-encoded, so the conversion is lossless for
// special URLs.
func (u *URL) NetURL() (*url.URL, error) { return url.Parse(u.Href) }

var specialSchemes = map[string]bool{"ftp": true, "file": true, "http": true, "https": true, "ws": true, "wss": true}

// originOf is the URL Standard's origin of a URL, serialized (HTML's
// "serialization of an origin").
func originOf(u *wurl.Url) string {
	switch u.Scheme() {
	case "blob":
		// 1. If url's blob URL entry is non-null, return its environment's
		// origin. (No blob URL store here: entries are never attached.)
		// 2. Let pathURL be the result of parsing the path of url.
		// 3. If pathURL is failure, return a new opaque origin.
		p, err := urlParser.Parse(u.Pathname())
		if err != nil {
			return "null"
		}
		// 4. If pathURL's scheme is "http" or "https", return pathURL's origin.
		if s := p.Scheme(); s == "http" || s == "https" {
			return originOf(p)
		}
		return "null" // 5. an opaque origin
	case "ftp", "http", "https", "ws", "wss":
		// The tuple origin (scheme, host, port), serialized: scheme "://"
		// host [":" port]; Port() is already empty for the default port.
		s := u.Scheme() + "://" + u.Hostname()
		if p := u.Port(); p != "" {
			s += ":" + p
		}
		return s
	default:
		// "file": an opaque origin (left to implementations); everything
		// else: a new opaque origin.
		return "null"
	}
}

// OriginOf returns the serialized origin of the URL u ("null" for opaque
// origins and for strings that do not parse).
func OriginOf(u string) string {
	rec, err := parseRecord(u, "", false)
	if err != nil {
		return "null"
	}
	return originOf(rec)
}

// SameOrigin reports whether URLs (or serialized origins) a and b are same
// origin (HTML "same origin"): both tuple origins with equal scheme, host and
// port. Opaque origins are never same origin with anything here, since a
// serialization cannot tell two opaque origins apart.
func SameOrigin(a, b string) bool {
	oa, ob := OriginOf(a), OriginOf(b)
	return oa != "null" && oa == ob
}

// PotentiallyTrustworthy implements Secure Contexts' "is origin potentially
// trustworthy?" for a URL or serialized origin: https and wss, loopback hosts
// (127.0.0.0/8, ::1, localhost and *.localhost) and file URLs.
func PotentiallyTrustworthy(u string) bool {
	rec, err := parseRecord(u, "", false)
	if err != nil {
		return false
	}
	switch rec.Scheme() {
	case "https", "wss", "file":
		return true
	case "http", "ws":
	default:
		return false
	}
	h := rec.Hostname()
	switch {
	case h == "[::1]", h == "localhost", strings.HasSuffix(h, ".localhost"):
		return true
	case rec.IsIPv4() && strings.HasPrefix(h, "127."):
		return true
	}
	return false
}

// URL attributes by the index the JS side uses (see platform.js).
const (
	uHref = iota
	uProtocol
	uUsername
	uPassword
	uHost
	uHostname
	uPort
	uPathname
	uSearch
	uHash
	uOrigin
	uCount
)

// urlComponents lists the attributes of u in index order.
func urlComponents(u *wurl.Url) [uCount]string {
	return [uCount]string{
		u.Href(false), u.Protocol(), u.Username(), u.Password(), u.Host(), u.Hostname(),
		u.Port(), u.Pathname(), u.Search(), u.Hash(), originOf(u),
	}
}

// urlSet runs the setter of attribute attr on the URL serialized as href and
// returns the new record. The URL Standard's setters operate on the URL
// record; a record re-parsed from its serialization is equal to it (the
// serializer is built to make that so), which lets the JS side keep only
// strings. ok is false when the href setter fails to parse (a TypeError).
func urlSet(href string, attr int, value string) (u *wurl.Url, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			u, ok = nil, false
		}
	}()
	value = ToUSV(value)
	if attr == uHref {
		// href setter: 1. Let parsedURL be the result of running the basic
		// URL parser on the given value. 2. If failure, throw a TypeError.
		rec, err := urlParser.Parse(value)
		if err != nil {
			return nil, false
		}
		return rec, true
	}
	rec, err := urlParser.Parse(href)
	if err != nil {
		return nil, false
	}
	switch attr {
	case uProtocol:
		rec.SetProtocol(value)
	case uUsername:
		rec.SetUsername(value)
	case uPassword:
		rec.SetPassword(value)
	case uHost:
		rec.SetHost(value)
	case uHostname:
		rec.SetHostname(value)
	case uPort:
		rec.SetPort(value)
	case uPathname:
		rec.SetPathname(value)
	case uSearch:
		rec.SetSearch(value)
	case uHash:
		rec.SetHash(value)
	}
	return rec, true
}

// ---- application/x-www-form-urlencoded ------------------------------------

// ParseForm is the application/x-www-form-urlencoded parser: name/value
// pairs in order.
func ParseForm(input string) [][2]string {
	var out [][2]string
	for len(input) > 0 {
		// 1. Let sequences be the result of splitting input on 0x26 (&).
		var seq string
		if i := strings.IndexByte(input, '&'); i >= 0 {
			seq, input = input[:i], input[i+1:]
		} else {
			seq, input = input, ""
		}
		// 3.1 If bytes is the empty byte sequence, continue.
		if seq == "" {
			continue
		}
		// 3.2-3.3 Split at the first "=", the value being empty without one.
		name, value := seq, ""
		if i := strings.IndexByte(seq, '='); i >= 0 {
			name, value = seq[:i], seq[i+1:]
		}
		// 3.4 Replace any 0x2B (+) with 0x20 (SP). 3.5 Percent-decode, then
		// UTF-8 decode without BOM (invalid sequences become U+FFFD).
		out = append(out, [2]string{formDecode(name), formDecode(value)})
	}
	return out
}

func formDecode(s string) string {
	if strings.IndexByte(s, '+') < 0 && strings.IndexByte(s, '%') < 0 && utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// SerializeForm is the application/x-www-form-urlencoded serializer.
func SerializeForm(pairs [][2]string) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		formEncode(&b, p[0])
		b.WriteByte('=')
		formEncode(&b, p[1])
	}
	return b.String()
}

// formEncode percent-encodes s (as UTF-8) with the
// application/x-www-form-urlencoded percent-encode set, space as "+".
func formEncode(b *strings.Builder, s string) {
	s = ToUSV(s)
	const hexdigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('+')
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexdigits[c>>4])
			b.WriteByte(hexdigits[c&15])
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// parseKey is what a parse result depends on: input, base, and whether a
// base was given.
type parseKey struct {
	input, base string
	hasBase     bool
}

// parseCache keeps the JS values of the last URL parses of a realm (used
// on its loop only): a service worker parses the same few URLs over and
// over. The values must be ones script cannot change.
type parseCache struct{ m map[parseKey]sobek.Value }

const parseCacheSize = 256

func newParseCache() *parseCache { return &parseCache{m: make(map[parseKey]sobek.Value)} }

func (c *parseCache) get(k parseKey) (sobek.Value, bool) {
	v, ok := c.m[k]
	return v, ok
}

func (c *parseCache) put(k parseKey, v sobek.Value) {
	if len(k.input)+len(k.base) > 4096 {
		return
	}
	if len(c.m) >= parseCacheSize {
		clear(c.m)
	}
	c.m[k] = v
}
