// Package sw is the Service Workers core: the registration map, Match
// Service Worker Registration, the job queues (register, update,
// unregister), install and activate, worker start and idle stop, functional
// events with waitUntil, clients, and the JS objects of both realms
// (ServiceWorkerContainer in windows, ServiceWorkerGlobalScope in workers).
//
// Features such as the Content Index plug in through Extension; this package
// does not import them.
package sw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// State is a service worker's state.
type State string

// Worker states (Service Workers §service worker concept).
const (
	Parsed     State = "parsed"
	Installing State = "installing"
	Installed  State = "installed"
	Activating State = "activating"
	Activated  State = "activated"
	Redundant  State = "redundant"
)

// Defaults.
const (
	DefaultIdleTimeout   = 30 * time.Second
	DefaultEventDeadline = 5 * time.Minute
	DefaultUserAgent     = "swhost/0.1 (service-worker host)"
)

// Options configure a Core.
type Options struct {
	// Transport reaches the network (through the host's origin map).
	Transport http.RoundTripper
	Store     Store
	Logger    *slog.Logger
	// IdleTimeout stops a worker with no events for this long.
	IdleTimeout time.Duration
	// EventDeadline bounds a functional event's extend lifetime.
	EventDeadline time.Duration
	// CPUBudget bounds one task of a worker or page.
	CPUBudget time.Duration
	// HeapGrowthLimit bounds heap growth during one task (0: default).
	HeapGrowthLimit uint64
	UserAgent       string
	// Realm hooks run in every new realm after the core's own preludes:
	// the host installs fetch, Cache Storage and the extensions' globals.
	RealmSetup []func(env *Env) error
	// Extensions hear lifecycle changes.
	Extensions []Extension
	// Console receives console output of every realm.
	Console func(realm *Env, level, msg string)
	// OnScriptError hears uncaught errors of every realm.
	OnScriptError func(realm *Env, err *js.ScriptError)
	// OnEvent hears every functional event's outcome (for the inspector).
	OnEvent func(EventRecord)
}

// Change is a lifecycle change an Extension hears.
type Change int

// Changes.
const (
	ChangeActivated Change = iota + 1
	ChangeUnregistered
	ChangeUpdated // a new worker version was installed
)

// Extension plugs a feature into the core without the core importing it.
type Extension interface {
	// RegistrationChanged hears activation, update and removal of a
	// registration. It runs on a core goroutine; it must not block long.
	RegistrationChanged(reg *Registration, change Change)
}

// EventRecord describes one functional event for the inspector.
type EventRecord struct {
	RegistrationID int64
	Scope          string
	WorkerID       int64
	Type           string
	Start          time.Time
	Duration       time.Duration
	Outcome        string // "ok", "rejected", "threw" (a listener), "timeout", "error"
	Error          string
	// A fetch event's request URL, and what it answered: "response STATUS",
	// "network" (no respondWith: the network answers) or "network error".
	URL, Answer string
}

// Core is the Service Workers core of one host.
type Core struct {
	opts   Options
	log    *slog.Logger
	net    web.Fetcher
	client *http.Client

	mu      sync.Mutex
	regs    map[string]*Registration // scope URL → registration ("registration map")
	byID    map[int64]*Registration
	workers map[int64]*Worker
	clients map[string]*Client
	envs    map[*Env]struct{} // live realms, for lifecycle notifications
	queues  map[string]*jobQueue
	nextReg int64
	nextVer int64
	// readyWaiters are pending ServiceWorkerContainer.ready promises.
	readyWaiters []readyWaiter
	// changed is closed and replaced on every worker state change.
	changed chan struct{}
	closed  bool
	wg      sync.WaitGroup
}

// New creates a core and loads persisted registrations.
func New(ctx context.Context, opts Options) (*Core, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.EventDeadline <= 0 {
		opts.EventDeadline = DefaultEventDeadline
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport
	}
	if opts.Store == nil {
		opts.Store = NewMemoryStore()
	}
	c := &Core{
		opts:    opts,
		log:     opts.Logger,
		regs:    map[string]*Registration{},
		byID:    map[int64]*Registration{},
		workers: map[int64]*Worker{},
		clients: map[string]*Client{},
		envs:    map[*Env]struct{}{},
		queues:  map[string]*jobQueue{},
		changed: make(chan struct{}),
	}
	c.net = newNetworkFetcher(opts.Transport)
	if err := c.load(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Network returns the fetcher that reaches the network directly (no
// service worker in between).
func (c *Core) Network() web.Fetcher { return c.net }

// Logger returns the core's logger.
func (c *Core) Logger() *slog.Logger { return c.log }

// Close stops every worker and page realm.
func (c *Core) Close() error {
	c.mu.Lock()
	c.closed = true
	var ws []*Worker
	for _, w := range c.workers {
		ws = append(ws, w)
	}
	var envs []*Env
	for e := range c.envs {
		envs = append(envs, e)
	}
	c.mu.Unlock()
	for _, w := range ws {
		w.stop("host closing")
	}
	for _, e := range envs {
		e.Realm.Close()
	}
	c.wg.Wait()
	return nil
}

// Registration is a service worker registration.
type Registration struct {
	core           *Core
	ID             int64
	Scope          string
	Origin         string // storage key
	UpdateViaCache string

	// Guarded by core.mu.
	installing, waiting, active *Worker
	uninstalling                bool
	lastUpdateCheck             time.Time
	removed                     bool

	// Data holds per-registration state of extensions.
	Data sync.Map
}

// Active returns the active worker or nil.
func (r *Registration) Active() *Worker {
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	return r.active
}

// Waiting returns the waiting worker or nil.
func (r *Registration) Waiting() *Worker {
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	return r.waiting
}

// Installing returns the installing worker or nil.
func (r *Registration) Installing() *Worker {
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	return r.installing
}

// Removed reports whether the registration was cleared.
func (r *Registration) Removed() bool {
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	return r.removed
}

// newestLocked is Get Newest Worker.
func (r *Registration) newestLocked() *Worker {
	switch {
	case r.installing != nil:
		return r.installing
	case r.waiting != nil:
		return r.waiting
	default:
		return r.active
	}
}

// RegistrationInfo is a snapshot for listings.
type RegistrationInfo struct {
	ID             int64       `json:"id"`
	Scope          string      `json:"scope"`
	Origin         string      `json:"origin"`
	UpdateViaCache string      `json:"updateViaCache"`
	Installing     *WorkerInfo `json:"installing,omitempty"`
	Waiting        *WorkerInfo `json:"waiting,omitempty"`
	Active         *WorkerInfo `json:"active,omitempty"`
}

// WorkerInfo is a snapshot of a worker.
type WorkerInfo struct {
	ID        int64    `json:"id"`
	ScriptURL string   `json:"scriptURL"`
	State     State    `json:"state"`
	Running   bool     `json:"running"`
	Events    []string `json:"events,omitempty"`
}

// Info snapshots the registration.
func (r *Registration) Info() RegistrationInfo {
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	return r.infoLocked()
}

func (r *Registration) infoLocked() RegistrationInfo {
	return RegistrationInfo{ID: r.ID, Scope: r.Scope, Origin: r.Origin, UpdateViaCache: r.UpdateViaCache,
		Installing: r.installing.info(), Waiting: r.waiting.info(), Active: r.active.info()}
}

func (w *Worker) info() *WorkerInfo {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	evs := make([]string, 0, len(w.eventTypes))
	for t := range w.eventTypes {
		evs = append(evs, t)
	}
	sort.Strings(evs)
	return &WorkerInfo{ID: w.ID, ScriptURL: w.ScriptURL, State: w.state, Running: w.realm != nil, Events: evs}
}

// Registrations lists registrations, by scope.
func (c *Core) Registrations() []*Registration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Registration, 0, len(c.regs))
	for _, r := range c.regs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Scope < out[j].Scope })
	return out
}

// RegistrationByID finds a registration.
func (c *Core) RegistrationByID(id int64) *Registration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

// RegistrationByScope finds a registration by its exact scope URL.
func (c *Core) RegistrationByScope(scope string) *Registration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.regs[scope]
}

// Match runs Match Service Worker Registration for a URL.
func (c *Core) Match(clientURL string) *Registration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.matchLocked(clientURL)
}

func (c *Core) matchLocked(clientURL string) *Registration {
	scopes := make([]string, 0, len(c.regs))
	for s, r := range c.regs {
		if !r.uninstalling {
			scopes = append(scopes, s)
		}
	}
	s, ok := MatchScope(clientURL, scopes)
	if !ok {
		return nil
	}
	return c.regs[s]
}

// ErrNoActiveWorker is returned when an event needs an active worker.
var ErrNoActiveWorker = errors.New("no active service worker")

// ActiveWorker returns the active worker of the registration whose scope is
// exactly scopeOrURL or, failing that, the one matching the URL. When the
// registration's worker is still installing or waiting it waits for the
// activation, until ctx ends.
func (c *Core) ActiveWorker(ctx context.Context, scopeOrURL string) (*Worker, error) {
	c.mu.Lock()
	reg := c.regs[scopeOrURL]
	if reg == nil {
		reg = c.matchLocked(scopeOrURL)
	}
	c.mu.Unlock()
	if reg == nil {
		return nil, fmt.Errorf("no registration for %s: %w", scopeOrURL, ErrNoActiveWorker)
	}
	return c.awaitActive(ctx, reg)
}

// awaitActive returns the registration's active worker; when it has none
// yet but a worker is installing or waiting (a lifecycle in progress, or
// resumed after a restart), it waits for activation until ctx ends.
func (c *Core) awaitActive(ctx context.Context, reg *Registration) (*Worker, error) {
	var w *Worker
	err := c.WaitFor(ctx, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		w = reg.active
		return w != nil || reg.removed || (reg.installing == nil && reg.waiting == nil)
	})
	if w == nil {
		if err == nil {
			err = ErrNoActiveWorker
		}
		return nil, fmt.Errorf("registration %s: %w", reg.Scope, err)
	}
	return w, nil
}

// broadcast runs fn on every live realm of origin that knows the
// registration, in order, as a task on each realm's loop. Callers hold c.mu so that notifications keep the order
// in which the core made the changes.
func (c *Core) broadcastLocked(origin string, regID int64, fn func(e *Env)) {
	for e := range c.envs {
		if e.Origin != origin || !e.knows(regID) {
			continue
		}
		e.Realm.Enqueue(func() { fn(e) })
	}
}

func (c *Core) goBackground(fn func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn()
	}()
}

func numCPU() int { return runtime.NumCPU() }

// WaitFor waits until cond (called without locks held) is true, re-checking
// after every worker state change, or until ctx ends.
func (c *Core) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		ch := c.changed
		c.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyChangedLocked wakes WaitFor callers.
func (c *Core) notifyChangedLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}
