package discovery

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLimiterSlidingWindow(t *testing.T) {
	l := newLimiter(3, time.Minute)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	for _, step := range []struct {
		sec  float64
		key  string
		want bool
	}{
		{0, "a", true}, {10, "a", true}, {20, "a", true}, {30, "a", false}, {30, "b", true},
		{59.9, "a", false}, {60, "a", true}, // the call at 0 left the window
		{60, "a", false}, {69.9, "a", false}, {70, "a", true}, {80, "a", true}, {80, "a", false},
		{200, "a", true}, {200, "a", true}, {200, "a", true}, {200, "a", false},
	} {
		if got := l.allow(step.key, at(step.sec)); got != step.want {
			t.Errorf("allow(%s at %vs) = %v", step.key, step.sec, got)
		}
	}
	if !newLimiter(-1, time.Minute).allow("x", t0) {
		t.Error("unlimited refused")
	}
	if newLimiter(0, time.Minute).allow("x", t0) {
		t.Error("zero allowed")
	}
	// Idle keys are swept as new keys arrive.
	l = newLimiter(1, time.Minute)
	for i := 0; i < 5000; i++ {
		l.allow(fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second))
	}
	if len(l.keys) > 2048 {
		t.Errorf("%d keys kept", len(l.keys))
	}
}

// TestFlood: 10,000 concurrent discover() calls from 10 origins; each
// origin gets exactly DiscoverPerMinute admitted calls, of which exactly
// MaxInstancesPerOrigin get an instance.
func TestFlood(t *testing.T) {
	const (
		origins   = 10
		perOrigin = 1000
		rate      = 100
		maxInst   = 30
	)
	e := newEnv(t, Options{Limits: Limits{MaxInstancesPerOrigin: maxInst, MaxInstances: -1, DiscoverPerMinute: rate}})
	e.publish(1, sdk)
	var names []string
	for i := 0; i < origins; i++ {
		o := fmt.Sprintf("https://o%d.example", i)
		names = append(names, o)
		e.allow(o, sdk)
	}
	type tally struct{ ok, rate, inst, other int }
	run := func() map[string]*tally {
		var mu sync.Mutex
		res := map[string]*tally{}
		for _, o := range names {
			res[o] = &tally{}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < origins*perOrigin; i++ {
			o := names[i%origins]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := e.discover(o, sdk)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					res[o].ok++
				case errName(err) == QuotaExceededError && strings.Contains(err.Error(), "calls in the last minute"):
					res[o].rate++
				case errName(err) == QuotaExceededError && strings.Contains(err.Error(), "live foreign"):
					res[o].inst++
				default:
					res[o].other++
					t.Errorf("unexpected error %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		return res
	}
	for o, r := range run() {
		if *r != (tally{ok: maxInst, rate: perOrigin - rate, inst: rate - maxInst}) {
			t.Errorf("%s: %+v", o, *r)
		}
		if n, _ := e.svc.InstanceCount(o); n != maxInst {
			t.Errorf("%s: %d live instances", o, n)
		}
	}
	// Releasing frees instance slots, but the rate window is still full.
	for _, in := range e.svc.Instances(1) {
		in.Release()
	}
	e.clock.Advance(59 * time.Second)
	if _, err := e.discover(names[0], sdk); errName(err) != QuotaExceededError {
		t.Errorf("within the minute: %v", err)
	}
	// A minute after the flood, the window is open again.
	e.clock.Advance(time.Second)
	for o, r := range run() {
		if *r != (tally{ok: maxInst, rate: perOrigin - rate, inst: rate - maxInst}) {
			t.Errorf("second minute %s: %+v", o, *r)
		}
	}
}

// TestFloodHostLimit: many origins cannot add up past MaxInstances.
func TestFloodHostLimit(t *testing.T) {
	e := newEnv(t, Options{Limits: Limits{MaxInstancesPerOrigin: 10, MaxInstances: 95, DiscoverPerMinute: -1}})
	e.publish(1, sdk)
	const origins = 20
	for i := 0; i < origins; i++ {
		e.allow(fmt.Sprintf("https://o%d.example", i), sdk)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, quota := 0, 0
	for i := 0; i < 4000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.discover(fmt.Sprintf("https://o%d.example", i%origins), sdk)
			mu.Lock()
			defer mu.Unlock()
			switch errName(err) {
			case "":
				ok++
			case QuotaExceededError:
				quota++
			default:
				t.Errorf("unexpected %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 95 || quota != 4000-95 {
		t.Errorf("ok %d quota %d", ok, quota)
	}
	if _, total := e.svc.InstanceCount(""); total != 95 {
		t.Errorf("total %d", total)
	}
}

// TestRateLimitCountsEveryOutcome: probing for unknown workers burns the
// budget too; insecure and malformed calls do not.
func TestRateLimitCountsEveryOutcome(t *testing.T) {
	e := newEnv(t, Options{Limits: Limits{MaxInstancesPerOrigin: -1, MaxInstances: -1, DiscoverPerMinute: 3}})
	e.publish(1, sdk)
	e.discover("http://news.example", sdk)
	e.discover(news, "bad")
	for i, want := range []string{NotFoundError, NotAllowedError, NotFoundError, QuotaExceededError} {
		script := sdk
		if i%2 == 0 {
			script = fmt.Sprintf("https://sdk.social.example/probe%d.js", i)
		}
		if _, err := e.discover(news, script); errName(err) != want {
			t.Errorf("call %d: %v; want %s", i, err, want)
		}
	}
	// Per origin: another origin is unaffected.
	if _, err := e.discover(evil, sdk); errName(err) != NotAllowedError {
		t.Errorf("other origin: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	s, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Limits() != DefaultLimits || s.Mode() != ModeDeny || s.timeout != DefaultPromptTimeout {
		t.Errorf("defaults %+v %v %v", s.Limits(), s.Mode(), s.timeout)
	}
}

// BenchmarkDiscoverCachedGrant: the steady-state cost of a cross-origin
// discover() with a recorded allow grant (validation, rate limit, lookup,
// publication and grant checks, attach) plus the instance's release.
func BenchmarkDiscoverCachedGrant(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, Options{Clock: SystemClock{}})
	e.publish(1, sdk)
	e.allow(news, sdk)
	lookup := func(string) []int64 { return []int64{1} }
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d, err := e.svc.Discover(ctx, news, sdk, lookup)
			if err != nil {
				b.Fatal(err)
			}
			d.Instance.Release()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				d, err := e.svc.Discover(ctx, news, sdk, lookup)
				if err != nil {
					b.Error(err)
					return
				}
				d.Instance.Release()
			}
		})
	})
	b.Run("rate-limited", func(b *testing.B) {
		e := newEnv(b, Options{Clock: SystemClock{}, Limits: Limits{MaxInstancesPerOrigin: -1, MaxInstances: -1, DiscoverPerMinute: 1 << 30}})
		e.publish(1, sdk)
		e.allow(news, sdk)
		b.ReportAllocs()
		for b.Loop() {
			d, err := e.svc.Discover(ctx, news, sdk, lookup)
			if err != nil {
				b.Fatal(err)
			}
			d.Instance.Release()
		}
	})
	b.Run("Valid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !e.svc.Valid(news, 1, sdk) {
				b.Fatal("invalid")
			}
		}
	})
}
