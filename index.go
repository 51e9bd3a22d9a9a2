package swhost

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/sw"
)

// IndexEntry is a content index entry as the user agent sees it.
type IndexEntry = contentindex.Entry

// Index returns the content index (the user agent's side of it).
func (h *Host) Index() *contentindex.Index { return h.index }

// IndexEntries lists content index entries: those the display policy
// shows, or all of them; origin filters when not empty.
func (h *Host) IndexEntries(displayedOnly bool, origin string) []IndexEntry {
	var out []IndexEntry
	for _, e := range h.index.List(displayedOnly) {
		if origin == "" || e.Origin == origin {
			out = append(out, e)
		}
	}
	return out
}

// ErrNoEntry is returned for an unknown content index entry.
var ErrNoEntry = errors.New("no such content index entry")

// FindEntry finds an entry by registration id and entry id, or by entry id
// alone when it is unique ("" regID).
func (h *Host) FindEntry(regID, id string) (IndexEntry, error) {
	if regID != "" {
		if e, ok := h.index.Entry(regID, id); ok {
			return e, nil
		}
		return IndexEntry{}, fmt.Errorf("%w: %s in registration %s", ErrNoEntry, id, regID)
	}
	var found []IndexEntry
	for _, e := range h.index.List(false) {
		if e.Description.ID == id {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return IndexEntry{}, fmt.Errorf("%w: %s", ErrNoEntry, id)
	case 1:
		return found[0], nil
	}
	return IndexEntry{}, fmt.Errorf("entry id %s is in %d registrations; name the registration too (REGID/ID)", id, len(found))
}

// OpenEntry activates an entry (Content Index §4.2): a new top-level
// browsing context navigates to its launch URL through the registration's
// active worker, and its window client is created. The page stays open
// until the caller closes it.
func (h *Host) OpenEntry(ctx context.Context, regID, id string) (*Page, error) {
	e, err := h.FindEntry(regID, id)
	if err != nil {
		return nil, err
	}
	reg := h.registration(e.RegID)
	// 1-2. No active worker: abort.
	if reg == nil || reg.Active() == nil {
		return nil, fmt.Errorf("open %s: the registration has no active worker", id)
	}
	page, err := h.core.OpenPage(ctx, e.LaunchURL, sw.PageOptions{Visible: true})
	if err != nil {
		return nil, err
	}
	_ = h.index.Opened(e.RegID, e.Description.ID)
	return page, nil
}

// DeleteEntry is the user agent's delete (Content Index §4.1): undisplay,
// remove, then fire contentdelete at the registration (starting its worker
// if needed); it returns when the event is done. When the entry was removed
// but the event failed, the error is a *ContentDeleteError.
func (h *Host) DeleteEntry(ctx context.Context, regID, id string) error {
	e, err := h.FindEntry(regID, id)
	if err != nil {
		return err
	}
	_, err = h.index.UserDelete(e.RegID, e.Description.ID).Wait(ctx)
	return err
}

// fireContentDelete fires a content delete event (§4.3) with its duration
// capped; while it runs, add() from the registration is refused.
func (h *Host) fireContentDelete(ctx context.Context, regID, id string, limit time.Duration) error {
	reg := h.registration(regID)
	if reg == nil {
		return fmt.Errorf("contentdelete: registration %s is gone", regID)
	}
	end := h.index.BeginContentDelete(regID)
	defer end()
	// The event's own deadline is the cap: when it passes, the worker is
	// stopped (the privacy rule) and the error says so. The caller's
	// context, which may carry the same limit, must not win that race.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit+time.Minute)
	defer cancel()
	res, err := h.core.DispatchTo(ctx, reg, sw.Event{Type: "contentdelete", Deadline: limit,
		Build: func(env *sw.Env, rt *sobek.Runtime) (sobek.Value, error) {
			init := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
			_ = init.Set("id", id)
			return sw.NewEvent(env, "ContentIndexEvent", "contentdelete", init)
		}})
	switch {
	case err != nil:
		return &ContentDeleteError{Err: err}
	case res.Rejected:
		return &ContentDeleteError{Err: fmt.Errorf("a waitUntil promise rejected: %s", strings.Join(res.Reasons, "; "))}
	case len(res.Threw) > 0:
		return &ContentDeleteError{Err: fmt.Errorf("a listener threw: %s", strings.Join(res.Threw, "; "))}
	}
	return nil
}

// ContentDeleteError is DeleteEntry's error when the entry was deleted but
// its contentdelete event failed (it timed out, a waitUntil promise
// rejected, a listener threw, or the worker could not run it).
type ContentDeleteError struct{ Err error }

func (e *ContentDeleteError) Error() string { return "contentdelete event: " + e.Err.Error() }

func (e *ContentDeleteError) Unwrap() error { return e.Err }
