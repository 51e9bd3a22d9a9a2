package discovery

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// inertCounter attaches an OnInert callback counting calls.
func inertCounter(in *Instance) *atomic.Int32 {
	n := new(atomic.Int32)
	in.OnInert(func() { n.Add(1) })
	return n
}

func TestInertness(t *testing.T) {
	ctx := context.Background()
	type setup struct {
		name string
		// act changes state; affected lists which of the four instances
		// (news/sdk, evil/sdk, news/sdk2, other/sdk) become inert.
		act      func(e *env)
		affected [4]bool
	}
	for _, tc := range []setup{
		{"unpublish", func(e *env) { e.svc.Unpublish(ctx, 1) }, [4]bool{true, true, false, true}},
		{"forget", func(e *env) { e.svc.Forget(ctx, 1) }, [4]bool{true, true, false, true}},
		{"revoke news/sdk", func(e *env) { e.svc.Revoke(ctx, news, sdk) }, [4]bool{true, false, false, false}},
		{"deny news/sdk", func(e *env) { e.svc.Deny(ctx, news, sdk) }, [4]bool{true, false, false, false}},
		{"revoke evil/sdk", func(e *env) { e.svc.Revoke(ctx, evil, sdk) }, [4]bool{false, true, false, false}},
		{"republish narrowed to news", func(e *env) { e.publish(1, sdk, news) }, [4]bool{false, true, false, true}},
		{"allow again (no change)", func(e *env) { e.allow(news, sdk) }, [4]bool{}},
		{"publish again (no change)", func(e *env) { e.publish(1, sdk) }, [4]bool{}},
		{"MakeInert(2)", func(e *env) { e.svc.MakeInert(2) }, [4]bool{false, false, true, false}},
		{"MakeInertFor(other, sdk)", func(e *env) { e.svc.MakeInertFor(other, sdk) }, [4]bool{false, false, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			e.publish(1, sdk)
			e.publish(2, sdk2)
			keys := [4][2]string{{news, sdk}, {evil, sdk}, {news, sdk2}, {other, sdk}}
			var ins [4]*Instance
			var counts [4]*atomic.Int32
			for i, k := range keys {
				e.allow(k[0], k[1])
				ins[i] = e.mustDiscover(k[0], k[1]).Instance
				counts[i] = inertCounter(ins[i])
			}
			tc.act(e)
			// Callbacks have run when the call returned.
			for i, in := range ins {
				want := tc.affected[i]
				if in.Inert() != want || (counts[i].Load() == 1) != want || in.Valid() == want {
					t.Errorf("%v: inert %v, callbacks %d, valid %v; want inert %v", keys[i], in.Inert(), counts[i].Load(), in.Valid(), want)
				}
			}
			live := 0
			for _, id := range []int64{1, 2} {
				live += len(e.svc.Instances(id))
			}
			want := 0
			for _, a := range tc.affected {
				if !a {
					want++
				}
			}
			if live != want {
				t.Errorf("live instances %d, want %d", live, want)
			}
			// Making inert again fires nothing twice.
			e.svc.MakeInert(1)
			e.svc.MakeInert(2)
			for i := range ins {
				if counts[i].Load() > 1 {
					t.Errorf("%v: callbacks ran %d times", keys[i], counts[i].Load())
				}
			}
		})
	}
}

func TestInstanceCallbacksAndRelease(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Options{Limits: Limits{MaxInstancesPerOrigin: 2, MaxInstances: -1, DiscoverPerMinute: -1}})
	e.publish(1, sdk)
	e.allow(news, sdk)
	a := e.mustDiscover(news, sdk).Instance
	b := e.mustDiscover(news, sdk).Instance
	if a.ID == b.ID || a.RequestingOrigin != news || a.RegID != 1 || a.ScriptURL != sdk || !a.CreatedAt.Equal(t0) {
		t.Fatalf("instances %+v %+v", a, b)
	}
	if _, err := e.discover(news, sdk); errName(err) != QuotaExceededError {
		t.Fatalf("third instance: %v", err)
	}
	if got := e.svc.Instances(1); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Instances = %v", got)
	}
	// Release: frees the slot, inert, no callbacks.
	var released atomic.Int32
	a.OnInert(func() { released.Add(1) })
	a.Release()
	a.Release()
	if !a.Inert() || released.Load() != 0 {
		t.Errorf("released: inert %v callbacks %d", a.Inert(), released.Load())
	}
	a.OnInert(func() { released.Add(1) })
	if released.Load() != 0 {
		t.Error("OnInert on a released instance ran")
	}
	c := e.mustDiscover(news, sdk).Instance
	if n, total := e.svc.InstanceCount(news); n != 2 || total != 2 {
		t.Errorf("counts %d %d", n, total)
	}
	// Callbacks may call back into the Service (they run with no lock held).
	c.OnInert(func() {
		c.Release()
		e.svc.Instances(1)
		e.svc.Valid(news, 1, sdk)
	})
	e.svc.Unpublish(ctx, 1)
	var late atomic.Int32
	b.OnInert(func() { late.Add(1) })
	if late.Load() != 1 {
		t.Error("OnInert on an inert instance did not run at once")
	}
	if n, _ := e.svc.InstanceCount(news); n != 0 {
		t.Errorf("live after unpublish: %d", n)
	}
	// An inert instance stays inert when the state comes back.
	e.publish(1, sdk)
	if !b.Inert() || b.Valid() {
		t.Error("an inert instance came back")
	}
	// Attach checks the state itself.
	if _, err := e.svc.Attach(evil, 1, sdk); errName(err) != NotAllowedError {
		t.Errorf("Attach without grant: %v", err)
	}
	if _, err := e.svc.Attach(news, 2, sdk); errName(err) != NotFoundError {
		t.Errorf("Attach unpublished: %v", err)
	}
	if in, err := e.svc.Attach("https://news.example:443/", 1, sdk+"#f"); err != nil || in.RequestingOrigin != news || in.ScriptURL != sdk {
		t.Errorf("Attach = %+v, %v", in, err)
	}
	if _, err := e.svc.Attach("bad", 1, sdk); errName(err) != TypeError {
		t.Errorf("Attach(bad) = %v", err)
	}
}

// TestInertRace: state changes racing with discover() leave no live
// instance behind: every instance handed out is either made inert by the
// change or refused.
func TestInertRace(t *testing.T) {
	ctx := context.Background()
	for _, change := range []string{"unpublish", "revoke", "deny", "narrow"} {
		t.Run(change, func(t *testing.T) {
			for round := 0; round < 20; round++ {
				e := newEnv(t, Options{})
				e.publish(1, sdk)
				e.allow(news, sdk)
				var mu sync.Mutex
				var got []*Instance
				var wg sync.WaitGroup
				start := make(chan struct{})
				for g := 0; g < 8; g++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						for i := 0; i < 20; i++ {
							if d, err := e.discover(news, sdk); err == nil {
								mu.Lock()
								got = append(got, d.Instance)
								mu.Unlock()
							}
						}
					}()
				}
				close(start)
				switch change {
				case "unpublish":
					e.svc.Unpublish(ctx, 1)
				case "revoke":
					e.svc.Revoke(ctx, news, sdk)
				case "deny":
					e.svc.Deny(ctx, news, sdk)
				case "narrow":
					e.publish(1, sdk, other)
				}
				wg.Wait()
				for _, in := range got {
					if !in.Inert() {
						t.Fatalf("round %d: live instance %d survived %s", round, in.ID, change)
					}
				}
				if n := len(e.svc.Instances(1)); n != 0 {
					t.Fatalf("round %d: %d instances registered", round, n)
				}
			}
		})
	}
}

// TestPersistence: a restart (new Service over the same store) keeps
// publications and remembered grants, not session grants, and Valid
// follows the persisted state.
func TestPersistence(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Options{Policy: Policy{Mode: ModePrompt}})
	e.publish(1, sdk)
	e.publish(2, sdk2, news)
	e.allow(news, sdk)
	e.allow(other, sdk)
	e.svc.Deny(ctx, evil, sdk)
	// A session grant: a prompt answered without remember.
	go func() {
		if p, ok := pendingWith(e.svc, 1); ok {
			e.svc.Answer(ctx, p.ID, true, false)
		}
	}()
	sess := e.mustDiscover(news, sdk2).Instance
	if g, _ := e.svc.Grant(news, sdk2); g.Source != SourceSession {
		t.Fatalf("grant %+v", g)
	}
	a := e.mustDiscover(news, sdk).Instance
	b := e.mustDiscover(other, sdk).Instance

	e.reopen()
	s := e.svc
	if got := len(s.Publications()); got != 2 {
		t.Fatalf("publications after restart: %d", got)
	}
	if p, _ := s.Published(2); len(p.AllowedOrigins) != 1 || p.AllowedOrigins[0] != news {
		t.Errorf("restriction lost: %+v", p)
	}
	if got := fmtGrants(s.List()); got != "https://evil.news.example deny stored|https://news.example allow stored|https://other.example allow stored" {
		t.Errorf("grants after restart: %s", got)
	}
	// Valid after restart, for handles of the old process.
	if !s.Valid(a.RequestingOrigin, a.RegID, a.ScriptURL) || !s.Valid(b.RequestingOrigin, b.RegID, b.ScriptURL) {
		t.Error("valid handles refused after restart")
	}
	if s.Valid(sess.RequestingOrigin, sess.RegID, sess.ScriptURL) {
		t.Error("session grant survived the restart")
	}
	if s.Valid(evil, 1, sdk) {
		t.Error("denied origin valid")
	}

	// Unpublish and revoke, restart: still invalid.
	s.Revoke(ctx, other, sdk)
	e.reopen()
	if e.svc.Valid(other, 1, sdk) || !e.svc.Valid(news, 1, sdk) {
		t.Error("revoke not persisted")
	}
	e.svc.Unpublish(ctx, 1)
	e.reopen()
	if e.svc.Valid(news, 1, sdk) {
		t.Error("unpublish not persisted")
	}
	if _, err := e.discover(news, sdk); errName(err) != NotFoundError {
		t.Errorf("discover after unpublish+restart: %v", err)
	}
	// Same-origin handles are always valid.
	if !e.svc.Valid(sdkOrigin, 1, sdk) {
		t.Error("same-origin not valid")
	}

	// A stricter publish policy after restart hides old publications.
	e.opts.Policy.Publish = PublishPolicy{Disabled: true}
	e.reopen()
	if len(e.svc.Publications()) != 0 || e.svc.Valid(news, 2, sdk2) {
		t.Error("publication visible under a policy that refuses it")
	}
	if ok, _ := e.svc.Publish(ctx, 2, sdk2, nil); ok {
		t.Error("publish() under Disabled")
	}
	e.opts.Policy.Publish = PublishPolicy{}
	e.reopen()
	if _, ok := e.svc.Published(2); !ok {
		t.Error("publication lost after the policy came back")
	}
}

type failingList struct{ *MemStore }

func (failingList) ListGrants(ctx context.Context) ([]Grant, error) {
	return nil, context.DeadlineExceeded
}

func TestNewLoadError(t *testing.T) {
	if _, err := New(context.Background(), Options{Store: failingList{NewMemStore()}}); err == nil {
		t.Error("New ignored a load error")
	}
}

// A store that hands back non-canonical or odd values (an adapter over
// another schema) still gives exact, never wider, publications.
func TestLoadCanonicalizes(t *testing.T) {
	ctx := context.Background()
	m := NewMemStore()
	m.PutPublication(ctx, Publication{RegID: 1, Origin: "https://SDK.social.example/", AllowedOrigins: []string{"https://NEWS.example:443", "garbage"}})
	m.PutPublication(ctx, Publication{RegID: 2, Origin: "https://sdk.social.example", AllowedOrigins: []string{"garbage"}})
	e := newEnv(t, Options{Store: m, Policy: Policy{Publish: PublishPolicy{Origins: []string{sdkOrigin}}}})
	p, ok := e.svc.Published(1)
	if !ok || p.Origin != sdkOrigin || len(p.AllowedOrigins) != 2 || p.AllowedOrigins[1] != news {
		t.Fatalf("Published(1) = %+v, %v", p, ok)
	}
	e.allow(news, sdk)
	e.allow(other, sdk)
	e.regs.m[sdk] = []int64{2, 1}
	if d := e.mustDiscover(news, sdk); d.RegID != 1 {
		t.Errorf("RegID %d", d.RegID)
	}
	if _, err := e.discover(other, sdk); errName(err) != NotFoundError {
		t.Errorf("restriction widened: %v", err)
	}
}
