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

// ResolveURL parses ref against base with the URL Standard's parser and
// returns the serialized URL. base may be "" when ref is absolute.
func ResolveURL(base, ref string) (string, error) {
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
