package ua

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/swhost/swhost/internal/contentindex"
)

// The offline shelf (Content Index §3.2.1 Display): the entries the display
// policy selects, best first, each with its origin shown prominently, its
// title, description, icon and category, and Open and Delete.

// pageSize is how many entries one screen of the shelf shows.
const pageSize = 50

// noCategory is the filter value for the empty ContentCategory.
const noCategory = "none"

// filter narrows a list of entries. The zero filter keeps what the display
// policy shows.
type filter struct {
	Q        string // search in titles and descriptions (case-insensitive)
	Category string // a ContentCategory, noCategory for "", "" for all
	Origin   string // a serialized origin, "" for all
	All      bool   // every entry, not only those the policy displays
}

func parseFilter(v url.Values) filter {
	return filter{Q: strings.TrimSpace(v.Get("q")), Category: v.Get("category"), Origin: v.Get("origin"), All: truthy(v.Get("all"))}
}

// values encodes the filter as query parameters (empty fields left out).
func (f filter) values() url.Values {
	v := url.Values{}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Category != "" {
		v.Set("category", f.Category)
	}
	if f.Origin != "" {
		v.Set("origin", f.Origin)
	}
	if f.All {
		v.Set("all", "1")
	}
	return v
}

// matcher returns the filter's predicate; the search term is lowered once.
func (f filter) matcher() func(e *contentindex.Entry) bool {
	q := strings.ToLower(f.Q)
	return func(e *contentindex.Entry) bool {
		if f.Origin != "" && e.Origin != f.Origin {
			return false
		}
		if f.Category != "" {
			c := e.Description.Category
			if c == "" {
				c = noCategory
			}
			if c != f.Category {
				return false
			}
		}
		if q != "" && !containsFold(e.Description.Title, q) && !containsFold(e.Description.Description, q) {
			return false
		}
		return true
	}
}

// containsFold reports whether s contains the lower-case lq, ignoring case.
func containsFold(s, lq string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.Contains(strings.ToLower(s), lq)
		}
	}
	// ASCII: no allocation.
	n := len(lq)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], lq) {
			return true
		}
	}
	return false
}

func (h *Handler) entries(f filter) []contentindex.Entry {
	all := h.b.Index().List(!f.All)
	if f == (filter{All: f.All}) {
		return all
	}
	match := f.matcher()
	out := all[:0:0]
	for i := range all {
		if match(&all[i]) {
			out = append(out, all[i])
		}
	}
	return out
}

// entryJSON is an entry in the JSON API: contentindex.Entry's fields (it
// decodes into swhost.IndexEntry) with each icon's href on this API.
type entryJSON struct {
	contentindex.Entry
	Icons []iconJSON `json:"icons"`
}

type iconJSON struct {
	contentindex.Icon
	Href string `json:"href"`
}

func entryPath(regID, id string) string {
	return "/api/index/" + url.PathEscape(regID) + "/" + url.PathEscape(id)
}

func toJSON(e contentindex.Entry) entryJSON {
	out := entryJSON{Entry: e, Icons: make([]iconJSON, len(e.Icons))}
	for i, ic := range e.Icons {
		out.Icons[i] = iconJSON{Icon: ic, Href: entryPath(e.RegID, e.Description.ID) + "/icon/" + strconv.Itoa(i)}
	}
	return out
}

// GET /api/index?q=&category=&origin=&all=1&offset=&limit=
func (h *Handler) apiIndex(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	list := h.entries(parseFilter(v))
	total := len(list)
	offset, _ := strconv.Atoi(v.Get("offset"))
	offset = min(max(offset, 0), total)
	list = list[offset:]
	if l, err := strconv.Atoi(v.Get("limit")); err == nil && l >= 0 && l < len(list) {
		list = list[:l]
	}
	out := mapSlice(list, toJSON)
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	writeJSON(w, out)
}

// GET /api/index/{regID}/{id}
func (h *Handler) apiEntry(w http.ResponseWriter, r *http.Request) {
	e, ok := h.b.Index().Entry(r.PathValue("regID"), r.PathValue("id"))
	if !ok {
		h.fail(w, r, http.StatusNotFound, fmt.Errorf("%w: no content index entry %q in registration %s", ErrNotFound, r.PathValue("id"), r.PathValue("regID")))
		return
	}
	writeJSON(w, toJSON(e))
}

// GET /api/index/{regID}/{id}/icon/{i}: the icon's bytes as fetched when
// the entry was added. SVG is served sandboxed (it may carry script).
func (h *Handler) entryIcon(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(r.PathValue("i"))
	if err != nil {
		h.fail(w, r, http.StatusNotFound, fmt.Errorf("%w: icon %q", ErrNotFound, r.PathValue("i")))
		return
	}
	ic, err := h.b.Index().Icon(r.Context(), r.PathValue("regID"), r.PathValue("id"), i)
	if err != nil {
		h.fail(w, r, http.StatusNotFound, err)
		return
	}
	ct := ic.ContentType
	if !strings.HasPrefix(ct, "image/") {
		ct = "application/octet-stream"
	}
	sum := sha256.Sum256(ic.Data)
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(ic.Data))
}

// POST /api/index/{regID}/{id}/open → {"reg", "id", "url": FRONT_URL}: the
// URL the person's browser goes to; a form is redirected there (the Open
// button's form targets a new tab: a new top-level browsing context). With
// {"headless": true} the entry is activated in a headless page instead and
// the answer also has the navigation's status, servedByWorker, clientId
// and body.
func (h *Handler) openEntry(w http.ResponseWriter, r *http.Request) {
	f, err := fields(r)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	regID, id := r.PathValue("regID"), r.PathValue("id")
	if truthy(f["headless"]) {
		ctx, cancel := context.WithTimeout(r.Context(), headlessTimeout)
		defer cancel()
		res, err := h.b.OpenEntryHeadless(ctx, regID, id)
		if err != nil {
			h.fail(w, r, statusOf(err), err)
			return
		}
		writeJSON(w, struct {
			Reg string `json:"reg"`
			ID  string `json:"id"`
			HeadlessOpen
		}{regID, id, res})
		return
	}
	u, err := h.b.OpenEntry(r.Context(), regID, id)
	if err != nil {
		h.fail(w, r, statusOf(err), err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, map[string]string{"reg": regID, "id": id, "url": u})
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// headlessTimeout bounds a headless activation.
const headlessTimeout = time.Minute

// POST /api/index/{regID}/{id}/delete: the user agent's delete; answers
// when the contentdelete event is done: {"ok": true}, with "warning" when
// the entry was deleted but the event failed.
func (h *Handler) deleteEntry(w http.ResponseWriter, r *http.Request) {
	f, err := fields(r)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	res := map[string]any{"ok": true}
	if err := h.b.DeleteEntry(r.Context(), r.PathValue("regID"), r.PathValue("id")); errors.Is(err, ErrEventFailed) {
		res["warning"] = err.Error()
	} else if err != nil {
		h.fail(w, r, statusOf(err), err)
		return
	}
	done(w, r, f, "/", res)
}

// ---- the shelf page ---------------------------------------------------------

// card is one entry as the shelf shows it.
type card struct {
	Key         string
	RegID, ID   string
	Origin      string
	Title       string
	Description string
	Category    string
	Icon        string // href, "" for none
	Added       time.Time
	Path        string // /api/index/{regID}/{id}
	Token       string
	Return      string // the shelf URL, where a form's Delete comes back to
}

func (h *Handler) card(e *contentindex.Entry, ret string) card {
	c := card{Key: entryKey(e.RegID, e.Description.ID), RegID: e.RegID, ID: e.Description.ID, Origin: e.Origin,
		Title: e.Description.Title, Description: e.Description.Description, Category: e.Description.Category,
		Added: e.Added, Path: entryPath(e.RegID, e.Description.ID), Token: h.opts.Token, Return: ret}
	if i := pickIcon(e.Icons); i >= 0 {
		c.Icon = c.Path + "/icon/" + strconv.Itoa(i)
	}
	return c
}

func entryKey(regID, id string) string { return regID + "/" + id }

// pickIcon chooses the icon to show at 48 CSS pixels: SVG, else the
// smallest at least 96 pixels wide (2x screens), else the largest; -1 for
// none.
func pickIcon(icons []contentindex.Icon) int {
	best := -1
	for i, ic := range icons {
		if !strings.HasPrefix(ic.ContentType, "image/") {
			continue
		}
		if ic.ContentType == "image/svg+xml" {
			return i
		}
		if best < 0 {
			best = i
			continue
		}
		b := icons[best].Width
		switch {
		case b < 96 && ic.Width > b:
			best = i
		case b >= 96 && ic.Width >= 96 && ic.Width < b:
			best = i
		}
	}
	return best
}

type facet struct {
	Value, Label string
	Count        int
}

type shelfData struct {
	Filter     filter
	Cards      []card
	Matched    int // entries matching the filter
	Displayed  int // entries the policy displays
	Origins    []facet
	Categories []facet
	Policy     string
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	Since      string // the event stream cursor the page is current with
	Stream     string // the event stream's URL (with the filter)
	PageSize   int
	Filtered   bool
}

// GET /
func (h *Handler) shelfPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	f := parseFilter(v)
	f.All = false // the shelf shows what the policy selects
	n, _ := strconv.Atoi(v.Get("page"))
	n = max(n, 1)

	// The cursor first: every change after the list is read comes later
	// on the stream (and one already in the list comes again, harmlessly).
	since := h.indexHub().cursor()
	shown := h.b.Index().List(true)

	d := shelfData{Filter: f, Displayed: len(shown), Page: n, Since: since, PageSize: pageSize,
		Policy: policyText(h.b.Index().Policy()), Filtered: f != filter{}}
	origins := map[string]int{}
	cats := map[string]int{}
	for i := range shown {
		origins[shown[i].Origin]++
		c := shown[i].Description.Category
		if c == "" {
			c = noCategory
		}
		cats[c]++
	}
	for o, c := range origins {
		d.Origins = append(d.Origins, facet{Value: o, Label: o, Count: c})
	}
	slices.SortFunc(d.Origins, func(a, b facet) int { return cmp.Compare(a.Value, b.Value) })
	for _, c := range append(contentindex.Categories[1:], noCategory) {
		if cats[c] > 0 || c == f.Category {
			label := categoryLabel(c)
			if c == noCategory {
				label = categoryLabel("")
			}
			d.Categories = append(d.Categories, facet{Value: c, Label: label, Count: cats[c]})
		}
	}
	if f.Origin != "" && origins[f.Origin] == 0 {
		d.Origins = append(d.Origins, facet{Value: f.Origin, Label: f.Origin})
	}

	// Pointers, not copies: entries are large and there may be 10,000.
	matched := make([]*contentindex.Entry, 0, len(shown))
	match := f.matcher()
	for i := range shown {
		if !d.Filtered || match(&shown[i]) {
			matched = append(matched, &shown[i])
		}
	}
	d.Matched = len(matched)
	d.Pages = max(1, (len(matched)+pageSize-1)/pageSize)
	n = min(n, d.Pages)
	d.Page = n
	pageURL := func(p int) string {
		q := f.values()
		if p > 1 {
			q.Set("page", strconv.Itoa(p))
		}
		if len(q) == 0 {
			return "/"
		}
		return "/?" + q.Encode()
	}
	if n > 1 {
		d.PrevURL = pageURL(n - 1)
	}
	if n < d.Pages {
		d.NextURL = pageURL(n + 1)
	}
	ret := pageURL(n)
	lo, hi := (n-1)*pageSize, min(n*pageSize, len(matched))
	d.Cards = make([]card, 0, hi-lo)
	for i := lo; i < hi; i++ {
		d.Cards = append(d.Cards, h.card(matched[i], ret))
	}
	sq := f.values()
	sq.Set("since", since)
	d.Stream = "/api/index/events?" + sq.Encode()
	h.render(w, r, page{Title: "Offline shelf", Page: "shelf", Data: d})
}

// policyText describes the display policy in a sentence.
func policyText(p contentindex.Policy) string {
	var parts []string
	if p.MaxPerOrigin > 0 {
		parts = append(parts, fmt.Sprintf("at most %d per site", p.MaxPerOrigin))
	}
	if p.MaxTotal > 0 {
		parts = append(parts, fmt.Sprintf("%d in all", p.MaxTotal))
	}
	if p.Window > 0 {
		days := int(p.Window / (24 * time.Hour))
		if days >= 1 {
			parts = append(parts, "added in the last "+plural(days, "day"))
		} else {
			parts = append(parts, "added in the last "+p.Window.String())
		}
	}
	if p.Categories != nil {
		cs := make([]string, len(p.Categories))
		for i, c := range p.Categories {
			cs[i] = strings.ToLower(categoryLabel(c))
		}
		parts = append(parts, "of the categories "+strings.Join(cs, ", "))
	}
	s := "Sites choose what they make available offline; the shelf shows the most recent entries"
	if p.OpenWeight > 0 {
		s += ", favouring sites whose entries you open"
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	return s + "."
}
