package ua

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/swhost/swhost/internal/sw"
)

// The inspector: registrations with their worker versions and states, the
// recent functional events with outcome and duration, script errors with
// file:line, and push / update / unregister.

// eventJSON is a functional event's record in the JSON API.
type eventJSON struct {
	RegistrationID int64     `json:"registrationID"`
	Scope          string    `json:"scope"`
	WorkerID       int64     `json:"workerID"`
	Type           string    `json:"type"`
	Start          time.Time `json:"start"`
	DurationMs     float64   `json:"durationMs"`
	Outcome        string    `json:"outcome"` // ok, rejected, threw, timeout, error
	Error          string    `json:"error,omitempty"`
	URL            string    `json:"url,omitempty"`    // a fetch event's request
	Answer         string    `json:"answer,omitempty"` // a fetch event's: response STATUS, network, network error
}

func eventOf(e sw.EventRecord) eventJSON {
	return eventJSON{RegistrationID: e.RegistrationID, Scope: e.Scope, WorkerID: e.WorkerID, Type: e.Type, Start: e.Start,
		DurationMs: float64(e.Duration) / float64(time.Millisecond), Outcome: e.Outcome, Error: e.Error, URL: e.URL, Answer: e.Answer}
}

// GET /api/events?registration=ID: the recent functional events, newest
// last.
func (h *Handler) apiEvents(w http.ResponseWriter, r *http.Request) {
	var want int64 = -1
	if s := r.URL.Query().Get("registration"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			h.fail(w, r, http.StatusBadRequest, fmt.Errorf("registration %q is not an id", s))
			return
		}
		want = id
	}
	out := []eventJSON{}
	for _, e := range h.b.Events() {
		if want < 0 || e.RegistrationID == want {
			out = append(out, eventOf(e))
		}
	}
	writeJSON(w, out)
}

// POST /api/push {scope, data}
func (h *Handler) push(w http.ResponseWriter, r *http.Request) {
	f, err := fields(r)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	if f["scope"] == "" {
		h.fail(w, r, http.StatusBadRequest, errors.New("scope is required"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	if err := h.b.Push(ctx, f["scope"], []byte(f["data"])); err != nil {
		h.fail(w, r, statusOf(err), err)
		return
	}
	done(w, r, f, "/inspector", okJSON)
}

func regIDOf(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: registration %q", ErrNotFound, r.PathValue("id"))
	}
	return id, nil
}

// POST /api/registrations/{id}/update
func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	h.regAction(w, r, h.b.Update)
}

// POST /api/registrations/{id}/unregister
func (h *Handler) unregister(w http.ResponseWriter, r *http.Request) {
	h.regAction(w, r, h.b.Unregister)
}

func (h *Handler) regAction(w http.ResponseWriter, r *http.Request, act func(context.Context, int64) error) {
	f, err := fields(r)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	id, err := regIDOf(r)
	if err == nil {
		err = act(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, statusOf(err), err)
		return
	}
	done(w, r, f, "/inspector", okJSON)
}

// ---- the inspector page ------------------------------------------------------

type workerView struct {
	Role string // active, waiting, installing
	*sw.WorkerInfo
}

type regView struct {
	sw.RegistrationInfo
	Workers   []workerView
	Events    []eventJSON   // newest first
	Errors    []ScriptError // newest first
	Entries   int           // content index entries
	Published bool
	Foreign   int // live foreign instances
}

type inspectorData struct {
	Registrations []regView
	PageErrors    []ScriptError // errors of pages (not of a worker), newest first
	Token         string
}

// maxShown bounds the events and errors listed per registration.
const maxShown = 20

// GET /inspector
func (h *Handler) inspectorPage(w http.ResponseWriter, r *http.Request) {
	d := inspectorData{Token: h.opts.Token}
	entries := map[string]int{}
	for _, e := range h.b.Index().List(false) {
		entries[e.RegID]++
	}
	events := h.b.Events()
	errs := h.b.ScriptErrors()
	disc := h.b.Discovery()
	for _, info := range h.b.Registrations() {
		rv := regView{RegistrationInfo: info, Entries: entries[strconv.FormatInt(info.ID, 10)]}
		for _, wk := range []workerView{{"active", info.Active}, {"waiting", info.Waiting}, {"installing", info.Installing}} {
			if wk.WorkerInfo != nil {
				rv.Workers = append(rv.Workers, wk)
			}
		}
		for i := len(events) - 1; i >= 0 && len(rv.Events) < maxShown; i-- {
			if events[i].RegistrationID == info.ID {
				rv.Events = append(rv.Events, eventOf(events[i]))
			}
		}
		for i := len(errs) - 1; i >= 0 && len(rv.Errors) < maxShown; i-- {
			if errs[i].Source.Kind == "worker" && errs[i].Source.Scope == info.Scope {
				rv.Errors = append(rv.Errors, errs[i])
			}
		}
		if disc != nil {
			_, rv.Published = publishedIn(disc, info.ID)
			rv.Foreign = len(disc.Instances(info.ID))
		}
		d.Registrations = append(d.Registrations, rv)
	}
	slices.SortFunc(d.Registrations, func(a, b regView) int { return cmp.Compare(a.ID, b.ID) })
	for i := len(errs) - 1; i >= 0 && len(d.PageErrors) < maxShown; i-- {
		if errs[i].Source.Kind != "worker" {
			d.PageErrors = append(d.PageErrors, errs[i])
		}
	}
	h.render(w, r, page{Title: "Inspector", Page: "inspector", Data: d})
}

func publishedIn(d Discovery, regID int64) (int, bool) {
	for i, p := range d.Publications() {
		if p.RegID == regID {
			return i, true
		}
	}
	return -1, false
}
