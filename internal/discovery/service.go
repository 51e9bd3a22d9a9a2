package discovery

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Options configure a Service.
type Options struct {
	Policy Policy
	Limits Limits
	// PromptTimeout bounds how long discover() waits for a person's answer
	// under ModePrompt (default DefaultPromptTimeout).
	PromptTimeout time.Duration
	// Clock defaults to SystemClock.
	Clock Clock
	// Store defaults to a fresh MemStore (nothing survives the process).
	Store Store
}

// Service is the Go side of Cross-Origin Service Workers: publications,
// grants and their prompts, the live foreign instances and the limits.
// All methods are safe for concurrent use.
type Service struct {
	mode       Mode
	publish    PublishPolicy
	pubOrigins map[string]bool
	limits     Limits
	timeout    time.Duration
	clock      Clock
	store      Store

	// wmu serializes state changes: store write, then cache update, so the
	// cache never disagrees with the order of writes.
	wmu sync.Mutex

	mu     sync.RWMutex
	pubs   map[int64]Publication
	grants map[grantKey]Grant     // recorded decisions: stored and session
	rules  map[grantKey]GrantRule // configured allow list; immutable
	closed bool

	reg *registry
	rl  *limiter

	// pmu guards the prompt broker. Lock order: pmu → wmu → mu, and
	// reg.mu → mu; instance callbacks run with no lock held.
	pmu     sync.Mutex
	prompts map[string]*prompt
	byKey   map[grantKey]*prompt
	subs    map[*subscriber]struct{}
}

type grantKey struct{ origin, scriptURL string }

// Publication is a published registration.
type Publication struct {
	RegID int64
	// Origin is the registration's origin (its storage key); when empty it
	// is taken from ScriptURL.
	Origin string
	// ScriptURL is the script URL given to the last Publish. Informational
	// (discover() matches the registration's current worker through the
	// binding's Lookup); may be empty when loaded from a store that does not
	// keep it.
	ScriptURL string
	// AllowedOrigins, when not empty, are the only requesting origins that
	// may discover the registration (publish({origins})); canonical, sorted.
	AllowedOrigins []string
	PublishedAt    time.Time
}

func (p Publication) allows(origin string) bool {
	return len(p.AllowedOrigins) == 0 || slices.Contains(p.AllowedOrigins, origin)
}

func (p Publication) origin() string {
	if p.Origin != "" {
		return p.Origin
	}
	if p.ScriptURL != "" {
		return OriginOfScript(p.ScriptURL)
	}
	return ""
}

// canonicalPublication canonicalizes what a store returned. An allowed
// origin that does not parse is kept verbatim: it matches no caller, and
// dropping it could turn a restricted publication into an unrestricted one.
func canonicalPublication(p Publication) Publication {
	if c, err := SerializeOrigin(p.Origin); err == nil {
		p.Origin = c
	}
	if c, err := CanonicalScriptURL(p.ScriptURL); err == nil {
		p.ScriptURL = c
	}
	allowed := make([]string, 0, len(p.AllowedOrigins))
	for _, o := range p.AllowedOrigins {
		if c, err := SerializeOrigin(o); err == nil {
			o = c
		}
		allowed = append(allowed, o)
	}
	slices.Sort(allowed)
	allowed = slices.Compact(allowed)
	if len(allowed) == 0 {
		allowed = nil
	}
	p.AllowedOrigins = allowed
	return p
}

// New makes a Service and loads the publications and grants of opts.Store.
func New(ctx context.Context, opts Options) (*Service, error) {
	mode, err := ParseMode(string(opts.Policy.Mode))
	if err != nil {
		return nil, err
	}
	s := &Service{
		mode:       mode,
		publish:    opts.Policy.Publish,
		pubOrigins: map[string]bool{},
		limits:     opts.Limits.withDefaults(),
		timeout:    opts.PromptTimeout,
		clock:      opts.Clock,
		store:      opts.Store,
		pubs:       map[int64]Publication{},
		grants:     map[grantKey]Grant{},
		rules:      map[grantKey]GrantRule{},
		reg:        newRegistry(),
		prompts:    map[string]*prompt{},
		byKey:      map[grantKey]*prompt{},
		subs:       map[*subscriber]struct{}{},
	}
	if s.timeout <= 0 {
		s.timeout = DefaultPromptTimeout
	}
	if s.clock == nil {
		s.clock = SystemClock{}
	}
	if s.store == nil {
		s.store = NewMemStore()
	}
	s.rl = newLimiter(s.limits.DiscoverPerMinute, time.Minute)
	for _, r := range opts.Policy.Allow {
		c, err := NewGrantRule(r.RequestingOrigin, r.ScriptURL)
		if err != nil {
			return nil, err
		}
		s.rules[grantKey{c.RequestingOrigin, c.ScriptURL}] = c
	}
	for _, o := range opts.Policy.Publish.Origins {
		c, err := SerializeOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("publish policy: %s", ErrorMessage(err))
		}
		s.pubOrigins[c] = true
	}
	pubs, err := s.store.ListPublications(ctx)
	if err != nil {
		return nil, fmt.Errorf("discovery: load publications: %w", err)
	}
	for _, p := range pubs {
		// A publication the policy would refuse today is kept in the store
		// but not discoverable (publish() would answer false for it).
		p = canonicalPublication(p)
		if s.publishable(p.origin(), p.ScriptURL) {
			s.pubs[p.RegID] = p
		}
	}
	grants, err := s.store.ListGrants(ctx)
	if err != nil {
		return nil, fmt.Errorf("discovery: load grants: %w", err)
	}
	for _, g := range grants {
		if g.Decision != Allow && g.Decision != Deny {
			continue
		}
		g.Source = SourceStored
		s.grants[grantKey{g.RequestingOrigin, g.ScriptURL}] = g
	}
	return s, nil
}

// Close refuses further discover() calls, settles pending prompts (their
// waiters get ErrClosed) and closes subscriptions. Live instances are left
// alone (the host is going away with its realms).
func (s *Service) Close() error {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	for _, p := range s.prompts {
		s.finishLocked(p, outcomeClosed)
	}
	for sub := range s.subs {
		sub.closeLocked()
	}
	return nil
}

// Limits returns the effective limits.
func (s *Service) Limits() Limits { return s.limits }

// Mode returns the grant policy mode.
func (s *Service) Mode() Mode { return s.mode }

// publishable applies the PublishPolicy to a registration of origin.
func (s *Service) publishable(origin, scriptURL string) bool {
	if s.publish.Disabled {
		return false
	}
	if len(s.pubOrigins) > 0 && !s.pubOrigins[origin] {
		return false
	}
	if s.publish.Allow != nil && !s.publish.Allow(origin, scriptURL) {
		return false
	}
	return true
}

// Publish makes registration regID, whose worker runs scriptURL,
// discoverable: by every origin when allowedOrigins is empty, otherwise by
// those origins only (each call replaces the previous restriction).
//
// It returns true when the registration is published after the call
// (including when it already was, with the same restriction: no write
// then), false when the host's PublishPolicy refuses (nothing changes).
// Invalid arguments are TypeErrors; a store failure is returned as is and
// nothing changes. Narrowing the restriction makes the live instances of
// the origins left out inert.
//
// The binding should reject publish({origins: []}) itself if it wants an
// explicitly empty list to mean something other than "every origin".
func (s *Service) Publish(ctx context.Context, regID int64, scriptURL string, allowedOrigins []string) (bool, error) {
	u, err := CanonicalScriptURL(scriptURL)
	if err != nil {
		return false, err
	}
	allowed := make([]string, 0, len(allowedOrigins))
	for _, o := range allowedOrigins {
		c, err := SerializeOrigin(o)
		if err != nil {
			return false, err
		}
		allowed = append(allowed, c)
	}
	slices.Sort(allowed)
	allowed = slices.Compact(allowed)
	if len(allowed) == 0 {
		allowed = nil
	}
	origin := OriginOfScript(u)
	if !s.publishable(origin, u) {
		return false, nil
	}
	s.wmu.Lock()
	s.mu.RLock()
	old, had := s.pubs[regID]
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		s.wmu.Unlock()
		return false, ErrClosed
	}
	if had && old.ScriptURL == u && old.Origin == origin && slices.Equal(old.AllowedOrigins, allowed) {
		s.wmu.Unlock()
		return true, nil
	}
	p := Publication{RegID: regID, Origin: origin, ScriptURL: u, AllowedOrigins: allowed, PublishedAt: s.clock.Now()}
	if had {
		p.PublishedAt = old.PublishedAt
	}
	if err := s.store.PutPublication(ctx, p); err != nil {
		s.wmu.Unlock()
		return false, err
	}
	s.mu.Lock()
	s.pubs[regID] = p
	s.mu.Unlock()
	s.wmu.Unlock()
	if allowed != nil {
		killAll(s.reg.take(func() instSet { return s.reg.byReg[regID] },
			func(in *Instance) bool { return !p.allows(in.RequestingOrigin) }))
	}
	return true, nil
}

// Unpublish makes registration regID undiscoverable and every live foreign
// instance of it inert (their OnInert callbacks have run when it returns).
//
// It returns true when the registration is not published after the call,
// which is always the case unless the store fails (then false and the
// error, and nothing changes): unpublishing a registration that is not
// published is a no-op answering true. The host never refuses it.
func (s *Service) Unpublish(ctx context.Context, regID int64) (bool, error) {
	s.wmu.Lock()
	if err := s.store.DeletePublication(ctx, regID); err != nil {
		s.wmu.Unlock()
		return false, err
	}
	s.mu.Lock()
	delete(s.pubs, regID)
	s.mu.Unlock()
	s.wmu.Unlock()
	s.MakeInert(regID)
	return true, nil
}

// Forget is Unpublish for a registration that went away (unregistered):
// the binding calls it from the core's RegistrationChanged hook.
func (s *Service) Forget(ctx context.Context, regID int64) error {
	_, err := s.Unpublish(ctx, regID)
	return err
}

// Published returns the publication of regID, if it is published (and the
// current policy lets it be).
func (s *Service) Published(regID int64) (Publication, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.pubs[regID]
	p.AllowedOrigins = slices.Clone(p.AllowedOrigins)
	return p, ok
}

// Publications lists the published registrations by id (for the UI's list
// of published workers).
func (s *Service) Publications() []Publication {
	s.mu.RLock()
	out := make([]Publication, 0, len(s.pubs))
	for _, p := range s.pubs {
		p.AllowedOrigins = slices.Clone(p.AllowedOrigins)
		out = append(out, p)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Publication) int { return cmp.Compare(a.RegID, b.RegID) })
	return out
}

// FindPublished returns, among candidates (registration ids whose worker
// runs the script URL, in preference order), the first one published to
// requestingOrigin. An unknown, unpublished, or published-to-others
// registration are alike: ok is false.
func (s *Service) FindPublished(requestingOrigin string, candidates []int64) (regID int64, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range candidates {
		if p, ok := s.pubs[id]; ok && p.allows(requestingOrigin) {
			return id, true
		}
	}
	return 0, false
}

// publishedByScript is the fallback Lookup: publications whose recorded
// ScriptURL is scriptURL.
func (s *Service) publishedByScript(scriptURL string) []int64 {
	s.mu.RLock()
	var out []int64
	for id, p := range s.pubs {
		if p.ScriptURL == scriptURL {
			out = append(out, id)
		}
	}
	s.mu.RUnlock()
	slices.Sort(out)
	return out
}

// Valid reports whether a foreign instance for (requestingOrigin, regID,
// scriptURL) may be live according to the current state: regID is
// published to requestingOrigin and the grant for (requestingOrigin,
// scriptURL) is allow (recorded, for this run, or configured). Arguments
// are compared as given (pass an Instance's fields). It is what makes
// instances inert after a restart or when the state was changed by another
// process: the binding checks it on each postMessage. Same-origin pairs are
// always valid (no grant is involved).
func (s *Service) Valid(requestingOrigin string, regID int64, scriptURL string) bool {
	if OriginOfScript(scriptURL) == requestingOrigin {
		return true
	}
	return s.liveErr(requestingOrigin, regID, scriptURL) == nil
}

// liveErr is Valid with the reason: NotFoundError (not published to the
// origin) or NotAllowedError (no allow decision).
func (s *Service) liveErr(origin string, regID int64, scriptURL string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	if p, ok := s.pubs[regID]; !ok || !p.allows(origin) {
		return notFound(scriptURL)
	}
	if d, _, ok := s.decisionLocked(grantKey{origin, scriptURL}); !ok || d != Allow {
		return notAllowed(origin, scriptURL)
	}
	return nil
}

// Attach registers a live foreign instance of regID (running scriptURL) for
// requestingOrigin. It checks again, atomically with respect to Unpublish,
// Revoke and Deny, that the registration is published to the origin
// (NotFoundError) and that the grant is allow (NotAllowedError), then the
// limits (QuotaExceededError). Discover calls it; the binding needs it only
// to re-create instances itself.
func (s *Service) Attach(requestingOrigin string, regID int64, scriptURL string) (*Instance, error) {
	o, err := SerializeOrigin(requestingOrigin)
	if err != nil {
		return nil, err
	}
	u, err := CanonicalScriptURL(scriptURL)
	if err != nil {
		return nil, err
	}
	return s.attach(o, regID, u)
}

func (s *Service) attach(origin string, regID int64, scriptURL string) (*Instance, error) {
	r := s.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := s.liveErr(origin, regID, scriptURL); err != nil {
		return nil, err
	}
	if err := s.quotaErrLocked(origin); err != nil {
		return nil, err
	}
	in := &Instance{RequestingOrigin: origin, RegID: regID, ScriptURL: scriptURL, CreatedAt: s.clock.Now(), svc: s}
	r.addLocked(in)
	return in, nil
}

func (s *Service) quotaErrLocked(origin string) error {
	r := s.reg
	if m := s.limits.MaxInstancesPerOrigin; m >= 0 && len(r.byOrigin[origin]) >= m {
		return jsErr(QuotaExceededError, "discover(): %s already holds %d live foreign service worker instances (the limit)", origin, m)
	}
	if m := s.limits.MaxInstances; m >= 0 && r.total >= m {
		return jsErr(QuotaExceededError, "discover(): the host already holds %d live foreign service worker instances (the limit)", m)
	}
	return nil
}

func (s *Service) quotaErr(origin string) error {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	return s.quotaErrLocked(origin)
}

// Instances lists the live foreign instances of regID, oldest first: the
// worker's foreign clients.
func (s *Service) Instances(regID int64) []*Instance { return s.reg.list(regID) }

// InstanceCount returns the live foreign instances of requestingOrigin and
// of all origins.
func (s *Service) InstanceCount(requestingOrigin string) (perOrigin, total int) {
	return s.reg.count(requestingOrigin)
}

// MakeInert makes every live foreign instance of regID inert now, running
// their OnInert callbacks before it returns; it returns how many. It does
// not change publication state (Unpublish does both).
func (s *Service) MakeInert(regID int64) int {
	return killAll(s.reg.take(func() instSet { return s.reg.byReg[regID] }, nil))
}

// MakeInertFor makes the live foreign instances of requestingOrigin on
// scriptURL inert now (Revoke and Deny do it after changing the grant); it
// returns how many.
func (s *Service) MakeInertFor(requestingOrigin, scriptURL string) int {
	return killAll(s.reg.take(func() instSet { return s.reg.byOrigin[requestingOrigin] },
		func(in *Instance) bool { return in.ScriptURL == scriptURL }))
}

// Lookup lists the registrations (ids, in preference order) whose worker
// runs the canonical scriptURL: for a same-origin discover(), any of the
// origin's registrations; for a cross-origin one, any as well: the Service
// keeps only those published to the caller. The core answers it from its
// registration map (active worker's script URL, fragment excluded).
type Lookup func(scriptURL string) []int64

// Discovery is what discover() resolves with.
type Discovery struct {
	RegID     int64
	ScriptURL string // canonical
	// SameOrigin: the caller's own registration; no grant, no Instance.
	SameOrigin bool
	// Instance is the foreign instance for a cross-origin discovery; the
	// binding releases it when the page drops the discovery object or
	// closes.
	Instance *Instance
}

// Discover runs navigator.serviceWorker.discover(scriptURL) for a caller of
// requestingOrigin. The decision table, in order:
//
//  1. requestingOrigin is not a potentially trustworthy tuple origin
//     (opaque, http on a non-loopback host, ...) → SecurityError.
//  2. scriptURL is not an absolute http(s) URL → TypeError.
//  3. more than Limits.DiscoverPerMinute calls from requestingOrigin in
//     the last 60 s → QuotaExceededError (every call that gets here counts,
//     whatever its outcome, so probing is rate limited too).
//  4. same origin: the first registration lookup gives → SameOrigin
//     discovery, else NotFoundError.
//  5. cross-origin: the first candidate published to requestingOrigin;
//     none (unknown, unpublished, published to other origins) → the same
//     NotFoundError.
//  6. live instances of requestingOrigin (or of the host) at their limit
//     → QuotaExceededError (before any prompt is shown).
//  7. grant for (requestingOrigin, scriptURL): recorded decision, else the
//     configured allow list, else the mode: deny → NotAllowedError; prompt
//     → wait for the answer (deny or timeout → NotAllowedError; ctx done →
//     ctx.Err()).
//  8. Attach (re-checks 5-7 atomically against unpublish/revoke) → the
//     foreign instance.
//
// A nil lookup falls back to the publications' recorded script URLs
// (cross-origin only).
func (s *Service) Discover(ctx context.Context, requestingOrigin, scriptURL string, lookup Lookup) (Discovery, error) {
	origin, err := SerializeOrigin(requestingOrigin)
	if err != nil || !PotentiallyTrustworthy(origin) {
		return Discovery{}, jsErr(SecurityError, "discover() is only available to secure contexts; %q is not a potentially trustworthy origin", requestingOrigin)
	}
	u, err := CanonicalScriptURL(scriptURL)
	if err != nil {
		return Discovery{}, err
	}
	if !s.rl.allow(origin, s.clock.Now()) {
		return Discovery{}, jsErr(QuotaExceededError, "discover(): %s made more than %d calls in the last minute", origin, s.limits.DiscoverPerMinute)
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return Discovery{}, ErrClosed
	}
	if OriginOfScript(u) == origin {
		var ids []int64
		if lookup != nil {
			ids = lookup(u)
		}
		if len(ids) == 0 {
			return Discovery{}, notFound(u)
		}
		return Discovery{RegID: ids[0], ScriptURL: u, SameOrigin: true}, nil
	}
	var ids []int64
	if lookup != nil {
		ids = lookup(u)
	} else {
		ids = s.publishedByScript(u)
	}
	regID, ok := s.FindPublished(origin, ids)
	if !ok {
		return Discovery{}, notFound(u)
	}
	if err := s.quotaErr(origin); err != nil {
		return Discovery{}, err
	}
	d, err := s.check(ctx, origin, u)
	if err != nil {
		return Discovery{}, err
	}
	if d != Allow {
		return Discovery{}, notAllowed(origin, u)
	}
	in, err := s.attach(origin, regID, u)
	if err != nil {
		return Discovery{}, err
	}
	return Discovery{RegID: regID, ScriptURL: u, Instance: in}, nil
}
