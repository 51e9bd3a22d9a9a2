package discovery

import (
	"context"
	"sort"
	"time"
)

// Decision is a grant's outcome.
type Decision string

// Decisions.
const (
	Allow Decision = "allow"
	Deny  Decision = "deny"
)

// GrantSource says where a decision comes from.
type GrantSource string

// Grant sources.
const (
	// SourceStored: recorded in the Store (swhost grants allow|deny, a
	// prompt answered with remember); survives restarts.
	SourceStored GrantSource = "stored"
	// SourceSession: a prompt answered without remember; lasts until the
	// process ends (or Revoke).
	SourceSession GrantSource = "session"
	// SourceConfig: the configured allow list (Policy.Allow); cannot be
	// revoked, only overridden by a recorded deny.
	SourceConfig GrantSource = "config"
)

// Grant is the decision on whether RequestingOrigin may use the published
// worker running ScriptURL. Keys are exact: canonical serialized origin and
// canonical script URL.
type Grant struct {
	RequestingOrigin string
	ScriptURL        string
	Decision         Decision
	Source           GrantSource
	CreatedAt        time.Time // first decision (zero for SourceConfig)
	UpdatedAt        time.Time // latest decision
}

func sortGrants(gs []Grant) {
	sort.Slice(gs, func(i, j int) bool {
		if gs[i].RequestingOrigin != gs[j].RequestingOrigin {
			return gs[i].RequestingOrigin < gs[j].RequestingOrigin
		}
		if gs[i].ScriptURL != gs[j].ScriptURL {
			return gs[i].ScriptURL < gs[j].ScriptURL
		}
		return gs[i].Source < gs[j].Source
	})
}

// decisionLocked: a recorded decision, else a configured allow rule.
func (s *Service) decisionLocked(k grantKey) (Decision, GrantSource, bool) {
	if g, ok := s.grants[k]; ok {
		return g.Decision, g.Source, true
	}
	if _, ok := s.rules[k]; ok {
		return Allow, SourceConfig, true
	}
	return "", "", false
}

func canonicalKey(origin, scriptURL string) (grantKey, error) {
	o, err := SerializeOrigin(origin)
	if err != nil {
		return grantKey{}, err
	}
	u, err := CanonicalScriptURL(scriptURL)
	if err != nil {
		return grantKey{}, err
	}
	return grantKey{o, u}, nil
}

// Grant returns the effective decision for (origin, scriptURL): recorded,
// else configured; ok is false when there is none (the mode decides).
func (s *Service) Grant(origin, scriptURL string) (Grant, bool) {
	k, err := canonicalKey(origin, scriptURL)
	if err != nil {
		return Grant{}, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if g, ok := s.grants[k]; ok {
		return g, true
	}
	if _, ok := s.rules[k]; ok {
		return Grant{RequestingOrigin: k.origin, ScriptURL: k.scriptURL, Decision: Allow, Source: SourceConfig}, true
	}
	return Grant{}, false
}

// List returns every decision: recorded ones (stored and session) and the
// configured allow rules (a rule shadowed by a recorded decision for the
// same pair is listed too, after it), by origin then script URL.
func (s *Service) List() []Grant {
	s.mu.RLock()
	out := make([]Grant, 0, len(s.grants)+len(s.rules))
	for _, g := range s.grants {
		out = append(out, g)
	}
	for k := range s.rules {
		out = append(out, Grant{RequestingOrigin: k.origin, ScriptURL: k.scriptURL, Decision: Allow, Source: SourceConfig})
	}
	s.mu.RUnlock()
	sortGrants(out)
	return out
}

// Check decides whether requestingOrigin may use the published worker
// running scriptURL: a recorded decision, else the configured allow list,
// else the mode. Under ModeDeny that is (Deny, nil). Under ModePrompt it
// asks the person and waits: concurrent calls for the same pair share one
// prompt; the answer gives (Allow|Deny, nil); no answer within the prompt
// timeout gives (Deny, NotAllowedError); ctx done gives (Deny, ctx.Err())
// (and withdraws the prompt when no other call waits on it). Arguments are
// canonicalized (TypeError when invalid; SecurityError for an insecure
// requesting origin).
func (s *Service) Check(ctx context.Context, requestingOrigin, scriptURL string) (Decision, error) {
	k, err := canonicalKey(requestingOrigin, scriptURL)
	if err != nil {
		return Deny, err
	}
	if !PotentiallyTrustworthy(k.origin) {
		return Deny, jsErr(SecurityError, "%s is not a potentially trustworthy origin", k.origin)
	}
	return s.check(ctx, k.origin, k.scriptURL)
}

func (s *Service) check(ctx context.Context, origin, scriptURL string) (Decision, error) {
	k := grantKey{origin, scriptURL}
	s.mu.RLock()
	d, _, ok := s.decisionLocked(k)
	closed := s.closed
	s.mu.RUnlock()
	switch {
	case closed:
		return Deny, ErrClosed
	case ok:
		return d, nil
	case s.mode != ModePrompt:
		return Deny, nil
	}
	return s.ask(ctx, k)
}

// record sets the decision for k (persisting it when persistent) and
// returns the recorded grant. The caller makes instances inert for a deny.
func (s *Service) record(ctx context.Context, k grantKey, d Decision, persistent bool) (Grant, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	now := s.clock.Now()
	s.mu.RLock()
	old, had := s.grants[k]
	s.mu.RUnlock()
	g := Grant{RequestingOrigin: k.origin, ScriptURL: k.scriptURL, Decision: d, Source: SourceSession, CreatedAt: now, UpdatedAt: now}
	if had {
		g.CreatedAt = old.CreatedAt
	}
	if persistent {
		g.Source = SourceStored
		if err := s.store.PutGrant(ctx, g); err != nil {
			return Grant{}, err
		}
	}
	s.mu.Lock()
	s.grants[k] = g
	s.mu.Unlock()
	return g, nil
}

// Allow records (persistently) that origin may use the published worker
// running scriptURL (swhost grants allow, the UI/API). A prompt pending for
// the pair is answered allow.
func (s *Service) Allow(ctx context.Context, origin, scriptURL string) (Grant, error) {
	return s.decide(ctx, origin, scriptURL, Allow)
}

// Deny records (persistently) that origin may not use the published worker
// running scriptURL, answers a pending prompt for the pair deny, and makes
// the pair's live instances inert.
func (s *Service) Deny(ctx context.Context, origin, scriptURL string) (Grant, error) {
	return s.decide(ctx, origin, scriptURL, Deny)
}

func (s *Service) decide(ctx context.Context, origin, scriptURL string, d Decision) (Grant, error) {
	k, err := canonicalKey(origin, scriptURL)
	if err != nil {
		return Grant{}, err
	}
	g, err := s.record(ctx, k, d, true)
	if err != nil {
		return Grant{}, err
	}
	s.pmu.Lock()
	if p := s.byKey[k]; p != nil {
		s.finishLocked(p, outcomeOf(d))
		s.notifyLocked(PromptEvent{Type: PromptAnswered, Prompt: p.snapshot(), Decision: d})
	}
	s.pmu.Unlock()
	if d == Deny {
		s.MakeInertFor(k.origin, k.scriptURL)
	}
	return g, nil
}

// Revoke forgets the recorded decision (stored and session) for (origin,
// scriptURL) and makes the pair's live instances inert. existed reports
// whether there was a recorded decision. A configured allow rule for the
// pair still applies afterwards (the origin may discover again); record a
// Deny to override it.
func (s *Service) Revoke(ctx context.Context, origin, scriptURL string) (existed bool, err error) {
	k, err := canonicalKey(origin, scriptURL)
	if err != nil {
		return false, err
	}
	s.wmu.Lock()
	stored, err := s.store.DeleteGrant(ctx, k.origin, k.scriptURL)
	if err != nil {
		s.wmu.Unlock()
		return false, err
	}
	s.mu.Lock()
	_, cached := s.grants[k]
	delete(s.grants, k)
	s.mu.Unlock()
	s.wmu.Unlock()
	s.MakeInertFor(k.origin, k.scriptURL)
	return stored || cached, nil
}
