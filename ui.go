package swhost

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/swhost/swhost/internal/sw"
	"github.com/swhost/swhost/internal/ua"
)

// uiBackend is what the user agent's UI (internal/ua) needs of the host.
type uiBackend struct {
	h *Host
	// addr is the listen address: the front for hosted origins is on its
	// port (http://<label>.localhost:PORT).
	addr string
}

var _ ua.Backend = uiBackend{}

func (b uiBackend) Registrations() []RegistrationInfo { return b.h.Registrations() }
func (b uiBackend) Events() []EventRecord             { return b.h.Events() }

func (b uiBackend) ScriptErrors() []ua.ScriptError {
	recs := b.h.ScriptErrors()
	out := make([]ua.ScriptError, len(recs))
	for i, r := range recs {
		out[i] = ua.ScriptError{Time: r.Time, Kind: r.Kind, Message: r.Message, File: r.File, Line: r.Line, Stack: r.Stack,
			Source: ua.ScriptSource{Kind: r.Source.Kind, URL: r.Source.URL, Scope: r.Source.Scope, ClientID: r.Source.ClientID}}
	}
	return out
}

func (b uiBackend) Push(ctx context.Context, scope string, data []byte) error {
	err := b.h.Push(ctx, scope, data)
	if errors.Is(err, sw.ErrNoActiveWorker) {
		return fmt.Errorf("%w: %w", ua.ErrConflict, err)
	}
	return err
}

func (b uiBackend) registration(id int64) (*sw.Registration, error) {
	reg := b.h.core.RegistrationByID(id)
	if reg == nil {
		return nil, fmt.Errorf("%w: no registration %d", ua.ErrNotFound, id)
	}
	return reg, nil
}

func (b uiBackend) Update(ctx context.Context, id int64) error {
	reg, err := b.registration(id)
	if err != nil {
		return err
	}
	_, err = b.h.core.Update(ctx, reg)
	return err
}

func (b uiBackend) Unregister(ctx context.Context, id int64) error {
	reg, err := b.registration(id)
	if err != nil {
		return err
	}
	_, err = b.h.core.Unregister(ctx, reg)
	return err
}

func (b uiBackend) Index() ua.Index { return b.h.index }

// OpenEntry activates an entry in the person's browser: it checks what
// Content Index §4.2 steps 1-2 check (an active worker), records the open
// for the display policy, and returns the launch URL on the front. The
// browser's navigation there is the new top-level browsing context's
// navigation: the front runs it through the worker's fetch event and
// creates the window client (§4.2 step 4).
func (b uiBackend) OpenEntry(ctx context.Context, regID, id string) (string, error) {
	e, err := b.h.FindEntry(regID, id)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ua.ErrNotFound, err)
	}
	reg := b.h.registration(e.RegID)
	if reg == nil || reg.Active() == nil {
		return "", fmt.Errorf("%w: open %s: the registration has no active worker", ua.ErrConflict, id)
	}
	front, err := b.h.frontURL(e.LaunchURL, b.addr)
	if err != nil {
		return "", fmt.Errorf("%w: open %s: %w", ua.ErrConflict, id, err)
	}
	if err := b.h.index.Opened(e.RegID, e.Description.ID); err != nil {
		b.h.log.Warn("ui: recording an open", "entry", e.Description.ID, "error", err)
	}
	return front, nil
}

// frontURL maps a URL of a hosted origin to the same URL on the front.
func (h *Host) frontURL(rawURL, addr string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", rawURL)
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	host := FrontHost(origin, addr)
	if o, ok := h.frontOrigin(host); !ok || o != origin {
		return "", fmt.Errorf("%s is not hosted by swhost (only --origin mappings are served to the browser)", origin)
	}
	return "http://" + host + u.RequestURI() + fragment(u), nil
}

func fragment(u *url.URL) string {
	if u.Fragment == "" {
		return ""
	}
	return "#" + u.EscapedFragment()
}

// DeleteEntry runs the user agent's delete. An entry removed whose
// contentdelete event then failed is reported with ua.ErrEventFailed.
func (b uiBackend) DeleteEntry(ctx context.Context, regID, id string) error {
	err := b.h.DeleteEntry(ctx, regID, id)
	var cde *ContentDeleteError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &cde):
		return fmt.Errorf("%w: %w", ua.ErrEventFailed, err)
	case errors.Is(err, ErrNoEntry):
		return fmt.Errorf("%w: %w", ua.ErrNotFound, err)
	}
	return err
}

// Discovery returns the host's cross-origin discovery service.
func (b uiBackend) Discovery() ua.Discovery {
	if b.h.discovery == nil {
		return nil // a nil *discovery.Service is not a nil interface
	}
	return b.h.discovery
}

// OpenEntryHeadless activates an entry in a headless page, runs it until
// it is idle and closes it.
func (b uiBackend) OpenEntryHeadless(ctx context.Context, regID, id string) (ua.HeadlessOpen, error) {
	page, err := b.h.OpenEntry(ctx, regID, id)
	switch {
	case errors.Is(err, ErrNoEntry):
		return ua.HeadlessOpen{}, fmt.Errorf("%w: %w", ua.ErrNotFound, err)
	case err != nil:
		return ua.HeadlessOpen{}, err
	}
	defer page.Close()
	res := ua.HeadlessOpen{URL: page.Client.URL, ServedByWorker: page.Client.ServedByWorker, ClientID: page.Client.ID}
	if page.Response != nil {
		res.Status, res.Body = page.Response.Status, string(page.Response.Body)
	}
	if err := page.Wait(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return res, err
	}
	return res, nil
}
