package discovery

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"time"
)

// Prompt is a pending question to the person: may RequestingOrigin use the
// published worker running ScriptURL?
type Prompt struct {
	ID               string // unguessable
	RequestingOrigin string
	ScriptURL        string
	CreatedAt        time.Time
	ExpiresAt        time.Time
	Waiting          int // discover() calls waiting on it
}

// PromptEventType is the kind of a PromptEvent.
type PromptEventType string

// Prompt event types.
const (
	PromptAdded     PromptEventType = "added"     // a new prompt is pending
	PromptAnswered  PromptEventType = "answered"  // answered (Decision set)
	PromptExpired   PromptEventType = "expired"   // nobody answered in time
	PromptWithdrawn PromptEventType = "withdrawn" // every waiting call gave up
)

// PromptEvent is what subscribers receive.
type PromptEvent struct {
	Type     PromptEventType
	Prompt   Prompt
	Decision Decision // for PromptAnswered
}

type outcome int

const (
	outcomePending outcome = iota
	outcomeAllow
	outcomeDeny
	outcomeTimeout
	outcomeWithdrawn
	outcomeClosed
)

func outcomeOf(d Decision) outcome {
	if d == Allow {
		return outcomeAllow
	}
	return outcomeDeny
}

type prompt struct {
	p       Prompt
	key     grantKey
	waiters int
	stop    func() bool
	done    chan struct{}
	outcome outcome // set (under pmu) before done is closed
}

func (p *prompt) snapshot() Prompt {
	q := p.p
	q.Waiting = p.waiters
	return q
}

func newPromptID() string { return strings.ToLower(rand.Text()) }

// ask waits for the person's decision on k (ModePrompt).
func (s *Service) ask(ctx context.Context, k grantKey) (Decision, error) {
	s.pmu.Lock()
	// A decision may have been recorded since check looked (Answer records
	// it before settling the prompt, under pmu).
	s.mu.RLock()
	d, _, ok := s.decisionLocked(k)
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		s.pmu.Unlock()
		return Deny, ErrClosed
	}
	if ok {
		s.pmu.Unlock()
		return d, nil
	}
	p := s.byKey[k]
	if p == nil {
		now := s.clock.Now()
		p = &prompt{
			p:    Prompt{ID: newPromptID(), RequestingOrigin: k.origin, ScriptURL: k.scriptURL, CreatedAt: now, ExpiresAt: now.Add(s.timeout)},
			key:  k,
			done: make(chan struct{}),
		}
		s.prompts[p.p.ID] = p
		s.byKey[k] = p
		p.stop = s.clock.AfterFunc(s.timeout, func() { s.expire(p) })
		p.waiters = 1
		s.notifyLocked(PromptEvent{Type: PromptAdded, Prompt: p.snapshot()})
	} else {
		p.waiters++
	}
	s.pmu.Unlock()

	select {
	case <-p.done:
	case <-ctx.Done():
		s.pmu.Lock()
		if p.outcome == outcomePending {
			p.waiters--
			if p.waiters == 0 {
				s.finishLocked(p, outcomeWithdrawn)
				s.notifyLocked(PromptEvent{Type: PromptWithdrawn, Prompt: p.snapshot()})
			}
		}
		s.pmu.Unlock()
		return Deny, ctx.Err()
	}
	switch p.outcome {
	case outcomeAllow:
		return Allow, nil
	case outcomeDeny:
		return Deny, nil
	case outcomeClosed:
		return Deny, ErrClosed
	default: // timeout
		return Deny, jsErr(NotAllowedError, "discover(): nobody answered whether %s may use the service worker %s within %s", k.origin, k.scriptURL, s.timeout)
	}
}

// finishLocked settles p with o and wakes its waiters (pmu held).
func (s *Service) finishLocked(p *prompt, o outcome) {
	if p.outcome != outcomePending {
		return
	}
	p.outcome = o
	delete(s.prompts, p.p.ID)
	if s.byKey[p.key] == p {
		delete(s.byKey, p.key)
	}
	if p.stop != nil {
		p.stop()
	}
	close(p.done)
}

func (s *Service) expire(p *prompt) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if p.outcome != outcomePending {
		return
	}
	s.finishLocked(p, outcomeTimeout)
	s.notifyLocked(PromptEvent{Type: PromptExpired, Prompt: p.snapshot()})
}

// Pending lists the pending prompts, oldest first.
func (s *Service) Pending() []Prompt {
	s.pmu.Lock()
	out := make([]Prompt, 0, len(s.prompts))
	for _, p := range s.prompts {
		out = append(out, p.snapshot())
	}
	s.pmu.Unlock()
	slices.SortFunc(out, func(a, b Prompt) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Answer answers pending prompt id: every discover() call waiting on it
// gets the decision. With remember the decision is stored (survives
// restarts, listed as SourceStored); without, it lasts for this process
// (SourceSession) — either way later calls for the pair are not asked
// again until it is revoked. If storing fails the decision still applies
// for this process and the error is returned. Unknown, answered, expired
// or withdrawn prompts give ErrPromptNotFound.
func (s *Service) Answer(ctx context.Context, id string, allow, remember bool) error {
	d := Deny
	if allow {
		d = Allow
	}
	s.pmu.Lock()
	p := s.prompts[id]
	if p == nil {
		s.pmu.Unlock()
		return ErrPromptNotFound
	}
	_, err := s.record(ctx, p.key, d, remember)
	if err != nil && remember {
		_, _ = s.record(ctx, p.key, d, false)
	}
	s.finishLocked(p, outcomeOf(d))
	s.notifyLocked(PromptEvent{Type: PromptAnswered, Prompt: p.snapshot(), Decision: d})
	s.pmu.Unlock()
	if d == Deny {
		s.MakeInertFor(p.key.origin, p.key.scriptURL)
	}
	return err
}

type subscriber struct {
	ch     chan PromptEvent
	closed bool
}

func (sub *subscriber) closeLocked() {
	if !sub.closed {
		sub.closed = true
		close(sub.ch)
	}
}

// Subscribe returns a channel of prompt events (for the UI's SSE stream)
// and a cancel function. Events are delivered without blocking the
// Service: a subscriber that falls more than buffer events behind is
// dropped (its channel is closed) and should resubscribe and resync with
// Pending(). The channel is also closed by cancel and by Close.
func (s *Service) Subscribe(buffer int) (<-chan PromptEvent, func()) {
	if buffer < 1 {
		buffer = 64
	}
	sub := &subscriber{ch: make(chan PromptEvent, buffer)}
	s.pmu.Lock()
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		sub.closeLocked()
	} else {
		s.subs[sub] = struct{}{}
	}
	s.pmu.Unlock()
	return sub.ch, func() {
		s.pmu.Lock()
		delete(s.subs, sub)
		sub.closeLocked()
		s.pmu.Unlock()
	}
}

func (s *Service) notifyLocked(ev PromptEvent) {
	for sub := range s.subs {
		select {
		case sub.ch <- ev:
		default:
			delete(s.subs, sub)
			sub.closeLocked()
		}
	}
}
