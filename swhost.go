// Package swhost is a service-worker host: it runs real service-worker
// JavaScript outside a browser, with the Service Workers core (registration,
// lifecycle, functional events, clients, fetch, Cache Storage), the Content
// Index and cross-origin service workers on top, persisted in SQLite.
//
// A Go program embeds it with New and drives it through Host: open headless
// pages, push messages, list registrations, serve the user agent's web UI.
package swhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/swhost/swhost/internal/cachestorage"
	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/discovery"
	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/origins"
	"github.com/swhost/swhost/internal/store"
	"github.com/swhost/swhost/internal/sw"
)

// Config configures a Host. The zero value is a host with in-memory state
// that reaches the real network.
type Config struct {
	// DataDir holds the SQLite database and large bodies. Empty means state
	// lives in memory and is lost on Close.
	DataDir string
	// Durability is what a resolved write (cache.put, index.add, register,
	// ...) survives: "process" (default: the end of the process, kill -9
	// included; writes are in the operating system's hands, as browsers
	// treat site storage) or "full" (also power loss: an fsync per commit).
	Durability string
	// Origins maps origins to directories, file systems or upstream
	// servers.
	Origins []Mapping
	// Transport reaches everything not in Origins (http.DefaultTransport
	// when nil).
	Transport http.RoundTripper
	Logger    *slog.Logger
	// IdleTimeout stops workers idle this long (30 s by default).
	IdleTimeout time.Duration
	// EventDeadline bounds a functional event (5 minutes by default).
	EventDeadline time.Duration
	// CPUBudget bounds one task of any realm (5 s by default).
	CPUBudget time.Duration
	// HeapGrowthLimit bounds heap growth during one task (512 MiB).
	HeapGrowthLimit uint64
	// Console receives console output of pages and workers.
	Console func(source Source, level, msg string)
	// OnScriptError hears uncaught errors of pages and workers.
	OnScriptError func(source Source, err *ScriptError)

	// IndexIcons is "fetch" (default: icons are fetched and must decode)
	// or "none" (icons are kept as given, never fetched).
	IndexIcons string
	// IndexLimits bound content index entries (zero fields: defaults).
	IndexLimits IndexLimits
	// IndexPolicy selects which entries the user agent displays (zero
	// fields: defaults).
	IndexPolicy IndexPolicy
	// ContentDeleteTimeout caps a contentdelete event (30 s by default).
	ContentDeleteTimeout time.Duration

	// GrantMode is how cross-origin discovery grants are decided when none
	// is recorded: "deny" (default, for unattended runs) or "prompt" (the
	// discover() call waits for the person's answer through the UI, API
	// or CLI, up to PromptTimeout).
	GrantMode string
	// Grants pre-allow discovery: "REQUESTING_ORIGIN=SCRIPT_URL".
	Grants []string
	// PromptTimeout bounds a grant prompt (default 2 minutes).
	PromptTimeout time.Duration
	// DiscoveryLimits bound foreign instances and discover() calls.
	DiscoveryLimits DiscoveryLimits
}

// The types of Config's fields and of the host's records, named here so
// that a program embedding swhost can spell them.
type (
	// Mapping sends an origin to a directory (Dir), a file system (FS, an
	// embed.FS say) or an upstream server (Upstream).
	Mapping = origins.Mapping
	// ScriptError is an uncaught exception, an unhandled rejection or an
	// interrupted task of a page or worker.
	ScriptError = js.ScriptError
	// IndexLimits bound content index entries and their fields.
	IndexLimits = contentindex.Limits
	// IndexPolicy selects the content index entries the user agent shows.
	IndexPolicy = contentindex.Policy
	// DiscoveryLimits bound cross-origin discovery.
	DiscoveryLimits = discovery.Limits
)

// ParseMapping parses "ORIGIN=DIR" or "ORIGIN=URL" (the CLI's --origin).
func ParseMapping(s string) (Mapping, error) { return origins.ParseMapping(s) }

// Source names the realm a console line or error came from.
type Source struct {
	// Kind is "page" or "worker".
	Kind string
	// URL is the page's URL or the worker's script URL.
	URL string
	// Scope is the worker's registration scope.
	Scope    string
	ClientID string
}

// Host is a running service-worker host.
type Host struct {
	cfg       Config
	log       *slog.Logger
	transport *origins.Transport
	core      *sw.Core
	store     *store.Store
	caches    *cachestorage.Storage
	index     *contentindex.Index
	discovery *discovery.Service
	discBind  *discovery.Binding
	closers   []func() error
	front     frontClients

	mu     sync.Mutex
	events []sw.EventRecord
	errors []ScriptErrorRecord
	closed bool
}

// ScriptErrorRecord is an uncaught script error kept for the inspector.
type ScriptErrorRecord struct {
	Time    time.Time `json:"time"`
	Source  Source    `json:"source"`
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
	File    string    `json:"file,omitempty"`
	Line    int       `json:"line,omitempty"`
	Stack   string    `json:"stack,omitempty"`
}

const keepRecords = 200

// New starts a host: opens its storage and restores registrations.
func New(ctx context.Context, cfg Config) (*Host, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for _, m := range cfg.Origins {
		if err := m.Check(); err != nil {
			return nil, err
		}
	}
	h := &Host{cfg: cfg, log: cfg.Logger}
	h.transport = origins.NewTransport(cfg.Transport, cfg.Origins...)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h.store = st
	h.closers = append(h.closers, st.Close)
	h.caches = cachestorage.New(st)
	// Content index changes are journaled (a file append) and applied to
	// the database in the background, many per commit.
	durability, _ := store.ParseDurability(cfg.Durability) // checked by openStore
	journal, err := contentindex.OpenJournal(ctx, filepath.Join(st.Dir(), "contentindex.journal"), ciStore{st},
		contentindex.JournalOptions{Sync: durability == store.DurabilityFull, Logger: cfg.Logger})
	if err != nil {
		_ = h.closeAll()
		return nil, err
	}
	h.closers = append(h.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return journal.Close(ctx)
	})
	icons := contentindex.IconsFetch
	if cfg.IndexIcons != "" {
		if icons, err = contentindex.ParseIconMode(cfg.IndexIcons); err != nil {
			_ = h.closeAll()
			return nil, err
		}
	}
	deleteCap := cfg.ContentDeleteTimeout
	if deleteCap <= 0 {
		deleteCap = DefaultContentDeleteTimeout
	}
	h.index, err = contentindex.New(ctx, contentindex.Options{
		Store:                journal,
		InlineApply:          durability == store.DurabilityProcess,
		Limits:               cfg.IndexLimits,
		Policy:               cfg.IndexPolicy,
		Icons:                icons,
		ContentDeleteTimeout: deleteCap,
		// Entries age out of the display policy's window: re-select hourly.
		RefreshInterval: time.Hour,
		HasActiveWorker: func(regID string) bool {
			reg := h.registration(regID)
			return reg != nil && reg.Active() != nil
		},
		MatchRegistration: func(launchURL string) string {
			if reg := h.core.Match(launchURL); reg != nil {
				return contentindex.RegID(reg.ID)
			}
			return ""
		},
		HasFetchListener: func(regID string) bool {
			reg := h.registration(regID)
			if reg == nil {
				return false
			}
			w := reg.Active()
			return w != nil && w.HasEventListener("fetch")
		},
		FireContentDelete: func(ctx context.Context, regID string, d contentindex.Description) error {
			return h.fireContentDelete(ctx, regID, d.ID, deleteCap)
		},
	})
	if err != nil {
		_ = h.closeAll()
		return nil, fmt.Errorf("content index: %w", err)
	}
	h.closers = append(h.closers, h.index.Close)
	mode, err := discovery.ParseMode(cfg.GrantMode)
	if err != nil {
		_ = h.closeAll()
		return nil, err
	}
	rules, err := discovery.ParseGrantRules(cfg.Grants)
	if err != nil {
		_ = h.closeAll()
		return nil, err
	}
	promptTimeout := cfg.PromptTimeout
	if promptTimeout <= 0 {
		promptTimeout = 2 * time.Minute
	}
	h.discovery, err = discovery.New(ctx, discovery.Options{Policy: discovery.Policy{Mode: mode, Allow: rules},
		Limits: cfg.DiscoveryLimits, PromptTimeout: promptTimeout, Store: discStore{st}})
	if err != nil {
		_ = h.closeAll()
		return nil, fmt.Errorf("discovery: %w", err)
	}
	h.closers = append(h.closers, h.discovery.Close)
	h.discBind = discovery.NewBinding(h.discovery)
	core, err := sw.New(ctx, sw.Options{
		Transport:       h.transport,
		Store:           regStore{st},
		Logger:          cfg.Logger,
		IdleTimeout:     cfg.IdleTimeout,
		EventDeadline:   cfg.EventDeadline,
		CPUBudget:       cfg.CPUBudget,
		HeapGrowthLimit: cfg.HeapGrowthLimit,
		RealmSetup:      []func(*sw.Env) error{h.caches.Install, h.index.Install, h.discBind.Install},
		Extensions:      []sw.Extension{hostExtension{h}},
		Console: func(env *sw.Env, level, msg string) {
			if cfg.Console != nil {
				cfg.Console(sourceOf(env), level, msg)
			}
		},
		OnScriptError: h.onScriptError,
		OnEvent:       h.onEvent,
	})
	if err != nil {
		_ = h.closeAll()
		return nil, err
	}
	h.core = core
	h.discBind.SetCore(core)
	return h, nil
}

// DefaultContentDeleteTimeout caps a contentdelete event (the seed's
// privacy section: the event may reveal the person's address after they
// left the site).
const DefaultContentDeleteTimeout = 30 * time.Second

func (h *Host) registration(regID string) *sw.Registration {
	id, err := strconv.ParseInt(regID, 10, 64)
	if err != nil || h.core == nil {
		return nil
	}
	return h.core.RegistrationByID(id)
}

// hostExtension hears the core's lifecycle changes for the features.
type hostExtension struct{ h *Host }

func (e hostExtension) RegistrationChanged(reg *sw.Registration, change sw.Change) {
	switch change {
	case sw.ChangeUnregistered:
		// Unregistering removes the registration's entries and undisplays
		// them; an update keeps them.
		e.h.index.RemoveRegistration(contentindex.RegID(reg.ID))
	}
	e.h.discBind.RegistrationChanged(reg, change)
}

// Discovery returns the cross-origin discovery service (grants, prompts,
// publications).
func (h *Host) Discovery() *discovery.Service { return h.discovery }

func sourceOf(env *sw.Env) Source {
	if env == nil {
		return Source{}
	}
	if env.IsWorker() {
		return Source{Kind: "worker", URL: env.URL, Scope: env.Registration().Scope}
	}
	s := Source{Kind: "page", URL: env.URL}
	if env.Client != nil {
		s.ClientID = env.Client.ID
	}
	return s
}

func (h *Host) onScriptError(env *sw.Env, se *js.ScriptError) {
	src := sourceOf(env)
	rec := ScriptErrorRecord{Time: time.Now(), Source: src, Kind: se.Kind, Message: se.Message, File: se.File, Line: se.Line, Stack: se.Stack}
	h.mu.Lock()
	h.errors = append(h.errors, rec)
	if len(h.errors) > keepRecords {
		h.errors = h.errors[len(h.errors)-keepRecords:]
	}
	h.mu.Unlock()
	if h.cfg.OnScriptError != nil {
		h.cfg.OnScriptError(src, se)
	} else {
		h.log.Warn("script error", "source", src.URL, "kind", se.Kind, "error", se.Error())
	}
	if se.Kind == "interrupted" && env != nil && !env.IsWorker() {
		// A page whose task was interrupted cannot go on.
		go env.Realm.Close()
	}
}

func (h *Host) onEvent(rec sw.EventRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, rec)
	if len(h.events) > keepRecords {
		h.events = h.events[len(h.events)-keepRecords:]
	}
}

// Close stops every worker and page and closes the storage.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	var errs []error
	if h.core != nil {
		errs = append(errs, h.core.Close())
	}
	errs = append(errs, h.closeAll())
	return errors.Join(errs...)
}

func (h *Host) closeAll() error {
	var errs []error
	for i := len(h.closers) - 1; i >= 0; i-- {
		errs = append(errs, h.closers[i]())
	}
	return errors.Join(errs...)
}

// Core exposes the Service Workers core (for packages of this module).
func (h *Host) Core() *sw.Core { return h.core }

// Transport is the host's network: the origin map over the real network.
func (h *Host) Transport() *origins.Transport { return h.transport }

// Page is a headless page (a window without a DOM).
type Page = sw.Page

// OpenPage opens a headless page at url: its navigation goes through the
// matching service worker and its <script> elements run.
func (h *Host) OpenPage(ctx context.Context, url string) (*Page, error) {
	return h.core.OpenPage(ctx, url, sw.PageOptions{})
}

// Push fires a push event with data at the active worker of the
// registration whose scope is scope (or that matches the URL scope).
func (h *Host) Push(ctx context.Context, scope string, data []byte) error {
	res, err := h.core.Push(ctx, scope, data)
	if err != nil {
		return fmt.Errorf("push to %s: %w", scope, err)
	}
	if res.Rejected {
		return fmt.Errorf("push to %s: the worker's waitUntil rejected: %v", scope, res.Reasons)
	}
	if len(res.Threw) > 0 {
		return fmt.Errorf("push to %s: the worker's push listener threw: %s", scope, strings.Join(res.Threw, "; "))
	}
	return nil
}

// RegistrationInfo describes a registration.
type RegistrationInfo = sw.RegistrationInfo

// Registrations lists every registration.
func (h *Host) Registrations() []RegistrationInfo {
	regs := h.core.Registrations()
	out := make([]RegistrationInfo, len(regs))
	for i, r := range regs {
		out[i] = r.Info()
	}
	return out
}

// Events returns the recent functional events (newest last).
func (h *Host) Events() []EventRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]EventRecord(nil), h.events...)
}

// ScriptErrors returns the recent uncaught script errors (newest last).
func (h *Host) ScriptErrors() []ScriptErrorRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]ScriptErrorRecord(nil), h.errors...)
}

// EventRecord describes a functional event's outcome.
type EventRecord = sw.EventRecord

// WorkerInfo describes a worker version.
type WorkerInfo = sw.WorkerInfo

// Register registers scriptURL (with scope, "" for the default) on behalf of
// a client of the script's origin, like navigator.serviceWorker.register()
// from a page of that origin, and waits until the registration has an
// active worker or the registration fails.
func (h *Host) Register(ctx context.Context, scriptURL, scope string) (RegistrationInfo, error) {
	info, err := h.core.Register(ctx, scriptURL, scriptURL, scope)
	if err != nil {
		return RegistrationInfo{}, err
	}
	reg := h.core.RegistrationByID(info.ID)
	if reg == nil {
		return RegistrationInfo{}, fmt.Errorf("register %s: the registration was removed (install failed)", scriptURL)
	}
	err = h.core.WaitFor(ctx, func() bool {
		if reg.Removed() {
			return true
		}
		w := reg.Active()
		return w != nil && w.State() == sw.Activated
	})
	if err != nil {
		return RegistrationInfo{}, fmt.Errorf("register %s: waiting for activation: %w", scriptURL, err)
	}
	if reg.Removed() {
		return RegistrationInfo{}, fmt.Errorf("register %s: installation failed; the registration was removed", scriptURL)
	}
	return reg.Info(), nil
}
