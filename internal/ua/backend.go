package ua

import (
	"context"
	"errors"
	"time"

	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/discovery"
	"github.com/swhost/swhost/internal/sw"
)

// Backend is what the UI needs of the host.
type Backend interface {
	// Registrations lists every registration (the inspector).
	Registrations() []sw.RegistrationInfo
	// Events returns the recent functional events, newest last.
	Events() []sw.EventRecord
	// ScriptErrors returns the recent uncaught script errors, newest last.
	ScriptErrors() []ScriptError
	// Push fires a push event at the registration of scope.
	Push(ctx context.Context, scope string, data []byte) error
	// Update runs the update algorithm on registration regID.
	Update(ctx context.Context, regID int64) error
	// Unregister unregisters registration regID.
	Unregister(ctx context.Context, regID int64) error

	// Index is the content index (the user agent's side of it).
	Index() Index
	// OpenEntry activates a content index entry (Content Index §4.2): it
	// checks that the registration has an active worker, records the open
	// and returns the URL of the entry's launch URL on the front, which the
	// person's browser navigates to (the front then runs the navigation
	// through the worker and creates the window client). Errors wrapping
	// ErrNotFound and ErrConflict map to 404 and 409.
	OpenEntry(ctx context.Context, regID, id string) (frontURL string, err error)
	// DeleteEntry is the user agent's delete (Content Index §4.1):
	// undisplay, remove, fire contentdelete; it returns when the event is
	// done.
	DeleteEntry(ctx context.Context, regID, id string) error
	// OpenEntryHeadless activates an entry in a headless page (for API
	// clients without a browser, such as the CLI): it navigates through the
	// worker, runs the page until it is idle (bounded by ctx) and closes it.
	OpenEntryHeadless(ctx context.Context, regID, id string) (HeadlessOpen, error)

	// Discovery is the cross-origin discovery service, or nil when the host
	// has none.
	Discovery() Discovery
}

// Index is the part of *contentindex.Index the UI uses.
type Index interface {
	List(displayedOnly bool) []contentindex.Entry
	Entry(regID, id string) (contentindex.Entry, bool)
	Icon(ctx context.Context, regID, id string, i int) (contentindex.Icon, error)
	Subscribe(f func(contentindex.Event)) (cancel func())
	Policy() contentindex.Policy
}

var _ Index = (*contentindex.Index)(nil)

// Discovery is the part of *discovery.Service the UI uses.
type Discovery interface {
	Mode() discovery.Mode
	Pending() []discovery.Prompt
	Answer(ctx context.Context, id string, allow, remember bool) error
	Subscribe(buffer int) (<-chan discovery.PromptEvent, func())
	List() []discovery.Grant
	Allow(ctx context.Context, origin, scriptURL string) (discovery.Grant, error)
	Deny(ctx context.Context, origin, scriptURL string) (discovery.Grant, error)
	Revoke(ctx context.Context, origin, scriptURL string) (existed bool, err error)
	Publications() []discovery.Publication
	Instances(regID int64) []*discovery.Instance
}

var _ Discovery = (*discovery.Service)(nil)

// Errors a Backend may wrap to choose the HTTP status.
var (
	// ErrNotFound: no such entry, registration or prompt (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the thing exists but cannot do that now (409), e.g. an
	// entry whose registration has no active worker.
	ErrConflict = errors.New("conflict")
	// ErrEventFailed: the action was done but the functional event it fired
	// failed (an entry was deleted; its contentdelete event rejected or
	// timed out). The API answers success with a warning.
	ErrEventFailed = errors.New("the event failed")
)

// HeadlessOpen is the outcome of a headless activation.
type HeadlessOpen struct {
	URL            string `json:"url"`
	Status         int    `json:"status"`
	ServedByWorker bool   `json:"servedByWorker"`
	ClientID       string `json:"clientId"`
	Body           string `json:"body,omitempty"`
}

// ScriptError is an uncaught script error kept for the inspector.
type ScriptError struct {
	Time    time.Time    `json:"time"`
	Source  ScriptSource `json:"source"`
	Kind    string       `json:"kind"`
	Message string       `json:"message"`
	File    string       `json:"file,omitempty"`
	Line    int          `json:"line,omitempty"`
	Stack   string       `json:"stack,omitempty"`
}

// ScriptSource names the realm an error came from.
type ScriptSource struct {
	// Kind is "page" or "worker".
	Kind string `json:"kind"`
	URL  string `json:"url"`
	// Scope is the worker's registration scope.
	Scope    string `json:"scope,omitempty"`
	ClientID string `json:"clientID,omitempty"`
}
