package discovery

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/swhost/swhost/internal/js"
)

const (
	news      = "https://news.example"
	evil      = "https://evil.news.example"
	other     = "https://other.example"
	sdk       = "https://sdk.social.example/sw.js"
	sdkOrigin = "https://sdk.social.example"
	sdk2      = "https://sdk.social.example/other-sw.js"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// regMap is a fake of the core's registration map: script URL → ids.
type regMap struct {
	mu sync.Mutex
	m  map[string][]int64
}

func newRegMap(pairs ...any) *regMap {
	r := &regMap{m: map[string][]int64{}}
	for i := 0; i < len(pairs); i += 2 {
		r.m[pairs[i].(string)] = append(r.m[pairs[i].(string)], pairs[i+1].(int64))
	}
	return r
}

func (r *regMap) lookup(u string) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.m[u]...)
}

type env struct {
	t     testing.TB
	svc   *Service
	clock *ManualClock
	store *MemStore
	regs  *regMap
	opts  Options
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	e := &env{t: t, clock: NewManualClock(t0), store: NewMemStore(), regs: newRegMap(sdk, int64(1), sdk2, int64(2))}
	if opts.Clock == nil {
		opts.Clock = e.clock
	}
	if opts.Store == nil {
		opts.Store = e.store
	} else {
		e.store = opts.Store.(*MemStore)
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = Limits{MaxInstancesPerOrigin: -1, MaxInstances: -1, DiscoverPerMinute: -1}
	}
	e.opts = opts
	svc, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	t.Cleanup(func() { svc.Close() })
	return e
}

// reopen makes a new Service over the same store (a restart).
func (e *env) reopen() {
	e.t.Helper()
	e.svc.Close()
	svc, err := New(context.Background(), e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc = svc
	e.t.Cleanup(func() { svc.Close() })
}

func (e *env) publish(regID int64, script string, origins ...string) {
	e.t.Helper()
	ok, err := e.svc.Publish(context.Background(), regID, script, origins)
	if err != nil || !ok {
		e.t.Fatalf("Publish(%d, %s, %v) = %v, %v", regID, script, origins, ok, err)
	}
}

func (e *env) allow(origin, script string) {
	e.t.Helper()
	if _, err := e.svc.Allow(context.Background(), origin, script); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) discover(origin, script string) (Discovery, error) {
	return e.svc.Discover(context.Background(), origin, script, e.regs.lookup)
}

func (e *env) mustDiscover(origin, script string) Discovery {
	e.t.Helper()
	d, err := e.discover(origin, script)
	if err != nil {
		e.t.Fatalf("Discover(%s, %s): %v", origin, script, err)
	}
	return d
}

func errName(err error) string {
	if err == nil {
		return ""
	}
	var je *js.Error
	if errors.As(err, &je) {
		return je.Name
	}
	return "Go:" + err.Error()
}

// waitFor polls cond (for goroutines to reach a blocking point).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// pendingWith waits (up to 10 s) for a pending prompt with n waiters and
// returns it; ok is false on timeout. Safe from any goroutine.
func pendingWith(s *Service, n int) (Prompt, bool) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ps := s.Pending(); len(ps) == 1 && ps[0].Waiting == n {
			return ps[0], true
		}
		time.Sleep(time.Millisecond)
	}
	return Prompt{}, false
}
