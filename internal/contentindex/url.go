package contentindex

import (
	"strings"
	"sync"
	"sync/atomic"

	wurl "github.com/nlnwa/whatwg-url/url"
)

// baseCache holds parsed base URLs (a realm's base URL is resolved against
// many times). Entries are cloned before use: the parser may modify the
// base's path while resolving a relative reference.
var baseCache sync.Map // string → *wurl.Url

const baseCacheMax = 1024

var baseCacheLen atomic.Int32

// rootCache holds each base URL's root ("https://host:port"), for the fast
// path of path-absolute references.
var rootCache sync.Map // string → string ("" when the base has no fast path)

var rootCacheLen atomic.Int32

// fastPathChars are the bytes a path-absolute reference may hold for the URL
// Standard's parser to leave it as it is (none is percent-encoded, no
// backslash, no fragment).
var fastPathChars = func() (t [256]bool) {
	for _, c := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&()*+,;=:@/?%" {
		t[c] = true
	}
	return t
}()

// resolvePathAbsolute resolves "/path?query" against an http(s) base without
// the full parser when the result is the base's root followed by ref
// verbatim: ref starts with one slash, has only fastPathChars, and no dot
// segment (nor "%2e") in its path.
func resolvePathAbsolute(base, ref string) (string, bool) {
	if len(ref) == 0 || ref[0] != '/' || (len(ref) > 1 && ref[1] == '/') {
		return "", false
	}
	path := ref
	if i := strings.IndexByte(ref, '?'); i >= 0 {
		path = ref[:i]
	}
	// Dot segments, also percent-encoded ("%2e"), are normalised away.
	if strings.Contains(path, "/.") || strings.Contains(path, "%2e") || strings.Contains(path, "%2E") {
		return "", false
	}
	for i := 0; i < len(ref); i++ {
		if !fastPathChars[ref[i]] {
			return "", false
		}
	}
	root, ok := rootCache.Load(base)
	if !ok {
		r := ""
		if isHTTP(base) {
			if u, err := resolveFull(base, "/"); err == nil && isHTTP(u) && strings.HasSuffix(u, "/") {
				r = strings.TrimSuffix(u, "/")
			}
		}
		if rootCacheLen.Load() < baseCacheMax {
			if _, loaded := rootCache.LoadOrStore(base, r); !loaded {
				rootCacheLen.Add(1)
			}
		}
		root = r
	}
	if root == "" {
		return "", false
	}
	return root.(string) + ref, true
}

// ResolveURL parses ref against base with the URL Standard's parser and
// returns the serialized URL. base may be "" when ref is absolute.
func ResolveURL(base, ref string) (string, error) {
	if base != "" {
		if u, ok := resolvePathAbsolute(base, ref); ok {
			return u, nil
		}
	}
	return resolveFull(base, ref)
}

func resolveFull(base, ref string) (string, error) {
	if base == "" {
		u, err := wurl.Parse(ref)
		if err != nil {
			return "", err
		}
		return u.Href(false), nil
	}
	var b *wurl.Url
	if v, ok := baseCache.Load(base); ok {
		b = v.(*wurl.Url)
	} else {
		var err error
		if b, err = wurl.Parse(base); err != nil {
			return "", err
		}
		if baseCacheLen.Load() < baseCacheMax {
			if _, loaded := baseCache.LoadOrStore(base, b.Clone()); !loaded {
				baseCacheLen.Add(1)
			}
		}
	}
	u, err := b.Clone().Parse(ref)
	if err != nil {
		return "", err
	}
	return u.Href(false), nil
}

// Origin returns the serialized origin of an http(s) URL
// ("https://a.example", with the port when not the default), or "null".
func Origin(rawURL string) string {
	u, err := wurl.Parse(rawURL)
	if err != nil {
		return "null"
	}
	switch u.Scheme() {
	case "http", "https", "ws", "wss", "ftp":
		return u.Scheme() + "://" + u.Host()
	}
	return "null"
}

func isHTTP(href string) bool {
	return strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")
}
