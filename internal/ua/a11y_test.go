package ua

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/discovery"
	"github.com/swhost/swhost/internal/sw"
)

// TestLabelledControls: on every page, every visible form control has a
// label, every button and link an accessible name, every image an alt,
// element ids are unique, nothing takes a positive tabindex, and the page
// has a language, a viewport for phones and one h1.
func TestLabelledControls(t *testing.T) {
	svc, err := discovery.New(context.Background(), discovery.Options{Policy: discovery.Policy{Mode: discovery.ModePrompt}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.Allow(context.Background(), "https://news.example", sdkScript); err != nil {
		t.Fatal(err)
	}
	ch, cancel := svc.Subscribe(1)
	go func() { _, _ = svc.Check(context.Background(), "https://other.example", sdkScript) }() // a pending prompt
	<-ch
	cancel()
	x := newIndex(t, contentindex.Policy{})
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "a", Title: "A", Category: "article"})
	add(t, x, "1", "https://news.example", contentindex.Description{ID: "b", Title: "B"})
	b := &fakeBackend{idx: x, disc: svc, regs: []sw.RegistrationInfo{{ID: 1, Scope: "https://news.example/",
		Active: &sw.WorkerInfo{ID: 1, ScriptURL: "https://news.example/sw.js", State: sw.Activated}}},
		errs: []ScriptError{{Message: "boom", Source: ScriptSource{Kind: "page", URL: "https://news.example/"}}}}
	h := newTestHandler(t, b)
	for _, path := range []string{"/", "/?q=zzz", "/grants", "/inspector"} {
		t.Run(path, func(t *testing.T) {
			w := req{target: path}.do(h)
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			doc, err := html.Parse(strings.NewReader(w.Body.String()))
			if err != nil {
				t.Fatal(err)
			}
			checkA11y(t, doc)
		})
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func checkA11y(t *testing.T, doc *html.Node) {
	t.Helper()
	labels := map[string]bool{}
	ids := map[string]int{}
	var controls []*html.Node
	h1s := 0
	var lang, viewport bool
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			if id, ok := attr(n, "id"); ok {
				ids[id]++
			}
			if v, ok := attr(n, "tabindex"); ok && v != "0" && v != "-1" {
				t.Errorf("<%s tabindex=%s>", n.Data, v)
			}
			switch n.Data {
			case "html":
				_, lang = attr(n, "lang")
			case "meta":
				if v, _ := attr(n, "name"); v == "viewport" {
					viewport = true
				}
			case "h1":
				h1s++
			case "label":
				if f, ok := attr(n, "for"); ok {
					labels[f] = true
				}
				inLabel = true
			case "input", "select", "textarea":
				if typ, _ := attr(n, "type"); typ != "hidden" && !inLabel {
					controls = append(controls, n)
				}
			case "button", "a":
				_, aria := attr(n, "aria-label")
				if !aria && text(n) == "" {
					t.Errorf("<%s> without an accessible name", n.Data)
				}
				if n.Data == "a" {
					if _, ok := attr(n, "href"); !ok {
						t.Errorf("<a> without href (not keyboard reachable): %q", text(n))
					}
				}
			case "img":
				if _, ok := attr(n, "alt"); !ok {
					t.Errorf("<img> without alt")
				}
			}
			if _, ok := attr(n, "onclick"); ok {
				t.Errorf("<%s onclick>: use a button", n.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	for _, c := range controls {
		id, _ := attr(c, "id")
		_, aria := attr(c, "aria-label")
		if !aria && (id == "" || !labels[id]) {
			t.Errorf("<%s id=%q name=%q> has no label", c.Data, id, func() string { v, _ := attr(c, "name"); return v }())
		}
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q used %d times", id, n)
		}
	}
	if !lang || !viewport || h1s != 1 {
		t.Errorf("lang %v, viewport %v, %d h1", lang, viewport, h1s)
	}
}
