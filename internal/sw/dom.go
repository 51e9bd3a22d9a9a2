package sw

import (
	"bytes"
	_ "embed"

	"golang.org/x/net/html"

	"github.com/swhost/swhost/internal/js"
)

//go:embed js/dom.js
var domSource string

// domPrelude is the inert document of window realms (js/dom.js).
var domPrelude = js.NewPrelude("sw/dom.js", domSource)

// maxDocumentNodes bounds the tree handed to a page's document.
const maxDocumentNodes = 50000

// documentTree parses an HTML document into the tree internals.setDocument
// builds: [tag, [[name, value]...], children...] for elements, strings for
// text. Comments, doctypes and nodes past maxDocumentNodes are left out.
func documentTree(doc []byte) []any {
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		return []any{"html", []any{}, []any{"head", []any{}}, []any{"body", []any{}}}
	}
	n := 0
	var conv func(*html.Node) any
	conv = func(h *html.Node) any {
		n++
		if h.Type == html.TextNode {
			return h.Data
		}
		attrs := make([]any, 0, len(h.Attr))
		for _, a := range h.Attr {
			attrs = append(attrs, []any{a.Key, a.Val})
		}
		out := []any{h.Data, attrs}
		for c := h.FirstChild; c != nil && n < maxDocumentNodes; c = c.NextSibling {
			if c.Type == html.ElementNode || c.Type == html.TextNode {
				out = append(out, conv(c))
			}
		}
		return out
	}
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return conv(c).([]any)
		}
	}
	return []any{"html", []any{}, []any{"head", []any{}}, []any{"body", []any{}}}
}
