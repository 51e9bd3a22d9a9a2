package ua

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/swhost/swhost/internal/discovery"
)

// Grants: cross-origin discovery requests waiting for the person (prompts),
// the recorded decisions, and the published workers.

var errNoDiscovery = errors.New("cross-origin discovery is not enabled in this host")

// promptJSON is a pending prompt in the JSON API.
type promptJSON struct {
	ID               string    `json:"id"`
	RequestingOrigin string    `json:"requestingOrigin"`
	ScriptURL        string    `json:"scriptURL"`
	ScriptOrigin     string    `json:"scriptOrigin"`
	CreatedAt        time.Time `json:"createdAt"`
	ExpiresAt        time.Time `json:"expiresAt"`
	Waiting          int       `json:"waiting"`
}

func promptOf(p discovery.Prompt) promptJSON {
	return promptJSON{ID: p.ID, RequestingOrigin: p.RequestingOrigin, ScriptURL: p.ScriptURL,
		ScriptOrigin: discovery.OriginOfScript(p.ScriptURL), CreatedAt: p.CreatedAt, ExpiresAt: p.ExpiresAt, Waiting: p.Waiting}
}

// grantJSON is a decision in the JSON API.
type grantJSON struct {
	RequestingOrigin string    `json:"requestingOrigin"`
	ScriptURL        string    `json:"scriptURL"`
	Decision         string    `json:"decision"` // allow, deny
	Source           string    `json:"source"`   // stored, session, config
	CreatedAt        time.Time `json:"createdAt,omitzero"`
	UpdatedAt        time.Time `json:"updatedAt,omitzero"`
	// Revocable: stored and session decisions can be revoked; a configured
	// rule only overridden by a deny.
	Revocable bool `json:"revocable"`
}

func grantOf(g discovery.Grant) grantJSON {
	return grantJSON{RequestingOrigin: g.RequestingOrigin, ScriptURL: g.ScriptURL, Decision: string(g.Decision),
		Source: string(g.Source), CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt, Revocable: g.Source != discovery.SourceConfig}
}

// publicationJSON is a published worker in the JSON API.
type publicationJSON struct {
	RegID          int64     `json:"regID"`
	Scope          string    `json:"scope,omitempty"`
	Origin         string    `json:"origin"`
	ScriptURL      string    `json:"scriptURL"`
	AllowedOrigins []string  `json:"allowedOrigins"` // empty: every origin
	PublishedAt    time.Time `json:"publishedAt,omitzero"`
	// Instances is how many foreign instances (pages of other origins) are
	// live on it now.
	Instances int `json:"instances"`
}

func (h *Handler) publications(d Discovery) []publicationJSON {
	scopes := map[int64]string{}
	for _, r := range h.b.Registrations() {
		scopes[r.ID] = r.Scope
	}
	pubs := d.Publications()
	out := make([]publicationJSON, len(pubs))
	for i, p := range pubs {
		origin := p.Origin
		if origin == "" {
			origin = discovery.OriginOfScript(p.ScriptURL)
		}
		out[i] = publicationJSON{RegID: p.RegID, Scope: scopes[p.RegID], Origin: origin, ScriptURL: p.ScriptURL,
			AllowedOrigins: nonNil(p.AllowedOrigins), PublishedAt: p.PublishedAt, Instances: len(d.Instances(p.RegID))}
	}
	return out
}

func prompts(d Discovery) []promptJSON { return mapSlice(d.Pending(), promptOf) }

func grants(d Discovery) []grantJSON { return mapSlice(d.List(), grantOf) }

// discovery returns the service, or answers 404 and nil.
func (h *Handler) discovery(w http.ResponseWriter, r *http.Request) Discovery {
	d := h.b.Discovery()
	if d == nil {
		h.fail(w, r, http.StatusNotFound, errNoDiscovery)
	}
	return d
}

// GET /api/grants
func (h *Handler) apiGrants(w http.ResponseWriter, r *http.Request) {
	if d := h.discovery(w, r); d != nil {
		writeJSON(w, grants(d))
	}
}

// GET /api/grants/prompts
func (h *Handler) apiPrompts(w http.ResponseWriter, r *http.Request) {
	if d := h.discovery(w, r); d != nil {
		writeJSON(w, prompts(d))
	}
}

// GET /api/publications
func (h *Handler) apiPublications(w http.ResponseWriter, r *http.Request) {
	if d := h.discovery(w, r); d != nil {
		writeJSON(w, h.publications(d))
	}
}

// POST /api/grants/prompts/{id}/allow|deny {remember}: answer a prompt;
// every discover() call waiting on it gets the decision. remember (default
// true) keeps it across restarts; otherwise it lasts until the host stops.
func (h *Handler) answer(allow bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d := h.discovery(w, r)
		if d == nil {
			return
		}
		f, err := fields(r)
		if err != nil {
			h.fail(w, r, http.StatusBadRequest, err)
			return
		}
		remember := true
		if v, ok := f["remember"]; ok {
			remember = truthy(v)
		} else if isForm(r) {
			remember = false // an unchecked checkbox is absent
		}
		if err := d.Answer(r.Context(), r.PathValue("id"), allow, remember); err != nil {
			code := http.StatusUnprocessableEntity
			if errors.Is(err, discovery.ErrPromptNotFound) {
				code = http.StatusNotFound
			}
			h.fail(w, r, code, err)
			return
		}
		done(w, r, f, "/grants", okJSON)
	}
}

// POST /api/grants/allow|deny|revoke {origin, scriptURL}
func (h *Handler) decide(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d := h.discovery(w, r)
		if d == nil {
			return
		}
		f, err := fields(r)
		if err != nil {
			h.fail(w, r, http.StatusBadRequest, err)
			return
		}
		origin, script := f["origin"], f["scriptURL"]
		if origin == "" || script == "" {
			h.fail(w, r, http.StatusBadRequest, errors.New("origin and scriptURL are required"))
			return
		}
		if action != "revoke" {
			// The same rules as --grant: a secure requesting origin (only
			// those can call discover()) and an absolute script URL.
			if _, err := discovery.NewGrantRule(origin, script); err != nil {
				h.fail(w, r, http.StatusBadRequest, err)
				return
			}
		}
		var res any
		switch action {
		case "allow":
			var g discovery.Grant
			if g, err = d.Allow(r.Context(), origin, script); err == nil {
				res = grantOf(g)
			}
		case "deny":
			var g discovery.Grant
			if g, err = d.Deny(r.Context(), origin, script); err == nil {
				res = grantOf(g)
			}
		case "revoke":
			var existed bool
			if existed, err = d.Revoke(r.Context(), origin, script); err == nil {
				res = map[string]bool{"ok": true, "existed": existed}
			}
		}
		if err != nil {
			h.fail(w, r, http.StatusUnprocessableEntity, fmt.Errorf("%s: %s", action, discovery.ErrorMessage(err)))
			return
		}
		done(w, r, f, "/grants", res)
	}
}

// GET /api/grants/events: a server-sent event stream of prompts. It starts
// with "reset" (every pending prompt, with its rendered HTML), then
// "prompt" (a new one) and "settled" (answered, expired or withdrawn:
// remove it). A stream that falls behind is closed; the client reconnects
// and gets a new "reset".
func (h *Handler) grantEvents(w http.ResponseWriter, r *http.Request) {
	d := h.discovery(w, r)
	if d == nil {
		return
	}
	ch, cancel := d.Subscribe(64)
	defer cancel()
	rc := startSSE(w)
	var buf bytes.Buffer
	reset := mapSlice(d.Pending(), h.promptEvent)
	writeSSE(&buf, "reset", "", map[string]any{"prompts": reset})
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	for {
		if buf.Len() > 0 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return
			}
			buf.Reset()
			if rc.Flush() != nil {
				return
			}
		}
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if ev.Type == discovery.PromptAdded {
				writeSSE(&buf, "prompt", "", h.promptEvent(ev.Prompt))
			} else {
				writeSSE(&buf, "settled", "", map[string]string{"id": ev.Prompt.ID, "outcome": string(ev.Type), "decision": string(ev.Decision)})
			}
		case <-r.Context().Done():
			return
		case <-h.stop:
			return
		case <-tick.C:
			buf.WriteString(": keep-alive\n\n")
		}
	}
}

type promptEvent struct {
	promptJSON
	HTML string `json:"html"`
}

func (h *Handler) promptEvent(p discovery.Prompt) promptEvent {
	var b bytes.Buffer
	if err := h.pages["grants"].ExecuteTemplate(&b, "prompt", promptView{promptOf(p), h.opts.Token}); err != nil {
		h.log.Warn("ua: rendering a prompt", "error", err)
	}
	return promptEvent{promptOf(p), b.String()}
}

type promptView struct {
	promptJSON
	Token string
}

type grantsData struct {
	Mode         string
	Prompts      []promptView
	Grants       []grantJSON
	Publications []publicationJSON
}

// GET /grants
func (h *Handler) grantsPage(w http.ResponseWriter, r *http.Request) {
	d := h.b.Discovery()
	var gd *grantsData
	if d != nil {
		gd = &grantsData{Mode: string(d.Mode()), Grants: grants(d), Publications: h.publications(d)}
		for _, p := range prompts(d) {
			gd.Prompts = append(gd.Prompts, promptView{p, h.opts.Token})
		}
	}
	h.render(w, r, page{Title: "Grants", Page: "grants", Data: gd})
}
