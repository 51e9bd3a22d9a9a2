package discovery

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type result struct {
	d   Discovery
	err error
}

// discoverAsync starts n discover() calls and returns their results channel.
func (e *env) discoverAsync(ctx context.Context, n int, origin, script string) chan result {
	ch := make(chan result, n)
	for i := 0; i < n; i++ {
		go func() {
			d, err := e.svc.Discover(ctx, origin, script, e.regs.lookup)
			ch <- result{d, err}
		}()
	}
	return ch
}

func collect(t *testing.T, ch chan result, n int) (ok int, errs map[string]int) {
	t.Helper()
	errs = map[string]int{}
	for i := 0; i < n; i++ {
		select {
		case r := <-ch:
			if r.err == nil {
				ok++
			} else {
				errs[errName(r.err)]++
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d calls returned", i, n)
		}
	}
	return ok, errs
}

func promptEnv(t *testing.T) (*env, <-chan PromptEvent) {
	e := newEnv(t, Options{Policy: Policy{Mode: ModePrompt}, PromptTimeout: time.Minute})
	e.publish(1, sdk)
	e.publish(2, sdk2)
	events, cancel := e.svc.Subscribe(16)
	t.Cleanup(cancel)
	return e, events
}

func nextEvent(t *testing.T, ch <-chan PromptEvent) PromptEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no prompt event")
	}
	return PromptEvent{}
}

func noEvent(t *testing.T, ch <-chan PromptEvent) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected event %+v", ev)
	default:
	}
}

func TestPromptAnswers(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name            string
		allow, remember bool
		wantErr         string
		wantSource      GrantSource
	}{
		{"allow remember", true, true, "", SourceStored},
		{"allow once", true, false, "", SourceSession},
		{"deny remember", false, true, NotAllowedError, SourceStored},
		{"deny once", false, false, NotAllowedError, SourceSession},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, events := promptEnv(t)
			ch := e.discoverAsync(ctx, 1, news, sdk)
			ev := nextEvent(t, events)
			if ev.Type != PromptAdded || ev.Prompt.RequestingOrigin != news || ev.Prompt.ScriptURL != sdk ||
				!ev.Prompt.CreatedAt.Equal(t0) || !ev.Prompt.ExpiresAt.Equal(t0.Add(time.Minute)) || len(ev.Prompt.ID) < 20 {
				t.Fatalf("event %+v", ev)
			}
			p, ok := pendingWith(e.svc, 1)
			if !ok || p.ID != ev.Prompt.ID {
				t.Fatalf("Pending = %+v", e.svc.Pending())
			}
			if err := e.svc.Answer(ctx, p.ID, tc.allow, tc.remember); err != nil {
				t.Fatal(err)
			}
			r := <-ch
			if errName(r.err) != tc.wantErr || (r.err == nil && (r.d.Instance == nil || r.d.Instance.Inert())) {
				t.Fatalf("discover = %+v, %v", r.d, r.err)
			}
			if ev := nextEvent(t, events); ev.Type != PromptAnswered || ev.Prompt.ID != p.ID || ev.Decision != map[bool]Decision{true: Allow, false: Deny}[tc.allow] {
				t.Errorf("event %+v", ev)
			}
			if len(e.svc.Pending()) != 0 {
				t.Error("prompt still pending")
			}
			if err := e.svc.Answer(ctx, p.ID, true, true); !errors.Is(err, ErrPromptNotFound) {
				t.Errorf("second Answer = %v", err)
			}
			g, ok := e.svc.Grant(news, sdk)
			if !ok || g.Source != tc.wantSource {
				t.Errorf("grant %+v %v", g, ok)
			}
			// The decision is not asked again in this run.
			_, err := e.discover(news, sdk)
			if errName(err) != tc.wantErr {
				t.Errorf("second discover: %v", err)
			}
			noEvent(t, events)
			// Only a remembered decision survives a restart.
			e.reopen()
			_, ok = e.svc.Grant(news, sdk)
			if ok != tc.remember {
				t.Errorf("after restart: grant present %v", ok)
			}
		})
	}
}

func TestPromptTimeout(t *testing.T) {
	ctx := context.Background()
	e, events := promptEnv(t)
	ch := e.discoverAsync(ctx, 3, news, sdk)
	p, ok := pendingWith(e.svc, 3)
	if !ok {
		t.Fatal("no shared prompt")
	}
	nextEvent(t, events)
	e.clock.Advance(59 * time.Second)
	select {
	case r := <-ch:
		t.Fatalf("returned before the timeout: %v", r.err)
	case <-time.After(20 * time.Millisecond):
	}
	e.clock.Advance(time.Second)
	n, errs := collect(t, ch, 3)
	if n != 0 || errs[NotAllowedError] != 3 {
		t.Fatalf("after timeout: ok %d errs %v", n, errs)
	}
	if ev := nextEvent(t, events); ev.Type != PromptExpired || ev.Prompt.ID != p.ID {
		t.Errorf("event %+v", ev)
	}
	if err := e.svc.Answer(ctx, p.ID, true, true); !errors.Is(err, ErrPromptNotFound) {
		t.Errorf("Answer after expiry = %v", err)
	}
	// Nothing recorded: the next call asks again.
	if _, ok := e.svc.Grant(news, sdk); ok {
		t.Error("timeout recorded a decision")
	}
	e.discoverAsync(ctx, 1, news, sdk)
	if ev := nextEvent(t, events); ev.Type != PromptAdded || ev.Prompt.ID == p.ID {
		t.Errorf("event %+v", ev)
	}
}

// TestSharedPrompt: many concurrent calls for one pair share one prompt;
// other pairs get their own.
func TestSharedPrompt(t *testing.T) {
	ctx := context.Background()
	e, events := promptEnv(t)
	const n = 200
	ch := e.discoverAsync(ctx, n, news, sdk)
	p, ok := pendingWith(e.svc, n)
	if !ok {
		t.Fatalf("pending %+v", e.svc.Pending())
	}
	if ev := nextEvent(t, events); ev.Type != PromptAdded {
		t.Fatalf("event %+v", ev)
	}
	noEvent(t, events)
	// Other pairs: separate prompts.
	chEvil := e.discoverAsync(ctx, 1, evil, sdk)
	chSdk2 := e.discoverAsync(ctx, 1, news, sdk2)
	nextEvent(t, events)
	nextEvent(t, events)
	if got := len(e.svc.Pending()); got != 3 {
		t.Fatalf("%d pending prompts", got)
	}
	if err := e.svc.Answer(ctx, p.ID, true, true); err != nil {
		t.Fatal(err)
	}
	ok2, errs := collect(t, ch, n)
	if ok2 != n {
		t.Fatalf("ok %d errs %v", ok2, errs)
	}
	// The others are still waiting; the CLI answers them.
	if _, err := e.svc.Deny(ctx, evil, sdk); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Allow(ctx, news, sdk2); err != nil {
		t.Fatal(err)
	}
	if _, errs := collect(t, chEvil, 1); errs[NotAllowedError] != 1 {
		t.Errorf("evil: %v", errs)
	}
	if ok, _ := collect(t, chSdk2, 1); ok != 1 {
		t.Error("sdk2 not allowed")
	}
	if len(e.svc.Pending()) != 0 {
		t.Error("prompts left")
	}
	if n, _ := e.svc.InstanceCount(news); n != 201 {
		t.Errorf("news instances %d", n)
	}
}

func TestPromptCancel(t *testing.T) {
	e, events := promptEnv(t)
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	ch1 := e.discoverAsync(ctx1, 1, news, sdk)
	ch2 := e.discoverAsync(ctx2, 1, news, sdk)
	p, ok := pendingWith(e.svc, 2)
	if !ok {
		t.Fatal("no prompt")
	}
	nextEvent(t, events)
	cancel1()
	if r := <-ch1; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled call: %v", r.err)
	}
	if q, ok := pendingWith(e.svc, 1); !ok || q.ID != p.ID {
		t.Fatal("prompt gone with one waiter left")
	}
	cancel2()
	if r := <-ch2; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled call: %v", r.err)
	}
	if ev := nextEvent(t, events); ev.Type != PromptWithdrawn || ev.Prompt.ID != p.ID {
		t.Errorf("event %+v", ev)
	}
	if len(e.svc.Pending()) != 0 || e.clock.Timers() != 0 {
		t.Errorf("pending %v timers %d", e.svc.Pending(), e.clock.Timers())
	}
	if err := e.svc.Answer(context.Background(), p.ID, true, true); !errors.Is(err, ErrPromptNotFound) {
		t.Errorf("Answer after withdrawal = %v", err)
	}
}

// An answer whose store write fails still applies for this run.
func TestPromptAnswerStoreFailure(t *testing.T) {
	ctx := context.Background()
	e, _ := promptEnv(t)
	ch := e.discoverAsync(ctx, 1, news, sdk)
	p, _ := pendingWith(e.svc, 1)
	e.store.Err = errors.New("disk full")
	if err := e.svc.Answer(ctx, p.ID, true, true); err == nil {
		t.Error("Answer hid the store failure")
	}
	if r := <-ch; r.err != nil {
		t.Errorf("discover: %v", r.err)
	}
	if g, _ := e.svc.Grant(news, sdk); g.Source != SourceSession {
		t.Errorf("grant %+v", g)
	}
}

func TestCloseSettlesPrompts(t *testing.T) {
	e, events := promptEnv(t)
	ch := e.discoverAsync(context.Background(), 2, news, sdk)
	pendingWith(e.svc, 2)
	nextEvent(t, events)
	e.svc.Close()
	_, errs := collect(t, ch, 2)
	if errs["Go:"+ErrClosed.Error()] != 2 {
		t.Errorf("errs %v", errs)
	}
	if _, ok := <-events; ok {
		t.Error("subscription open after Close")
	}
	if _, err := e.discover(news, sdk); !errors.Is(err, ErrClosed) {
		t.Errorf("discover after Close: %v", err)
	}
	ev, _ := e.svc.Subscribe(1)
	if _, ok := <-ev; ok {
		t.Error("Subscribe after Close open")
	}
}

// A slow subscriber is dropped, not waited for.
func TestSlowSubscriber(t *testing.T) {
	e, _ := promptEnv(t)
	slow, cancel := e.svc.Subscribe(1)
	defer cancel()
	var wg sync.WaitGroup
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	for _, o := range []string{news, evil, other} {
		wg.Add(1)
		go func() { defer wg.Done(); e.svc.Discover(ctx, o, sdk, e.regs.lookup) }()
	}
	waitFor(t, "3 prompts", func() bool { return len(e.svc.Pending()) == 3 })
	n := 0
	for range slow {
		n++
	}
	if n != 1 {
		t.Errorf("slow subscriber got %d events before being dropped", n)
	}
	stop()
	wg.Wait()
	cancel()
	cancel()
}
