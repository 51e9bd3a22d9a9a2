package discovery

import (
	"sync"
	"time"
)

// limiter admits at most n events per key in any sliding window of length
// window: an exact sliding-window log kept as a ring of the last n admission
// times per key (O(1) per call, n timestamps per active key). Keys idle for
// a whole window are swept as the map grows.
type limiter struct {
	n      int // <0: unlimited
	window time.Duration

	mu      sync.Mutex
	keys    map[string]*ring
	sweepAt int
}

type ring struct {
	t    []time.Time // admission times, oldest at head once full
	head int
	last time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, keys: map[string]*ring{}, sweepAt: 1024}
}

// allow admits one event for key at now, or reports false (and records
// nothing) when n events were admitted in (now-window, now].
func (l *limiter) allow(key string, now time.Time) bool {
	if l.n < 0 {
		return true
	}
	if l.n == 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.keys[key]
	if r == nil {
		if len(l.keys) >= l.sweepAt {
			l.sweep(now)
		}
		r = &ring{t: make([]time.Time, 0, min(l.n, 8))}
		l.keys[key] = r
	}
	if len(r.t) < l.n {
		r.t = append(r.t, now)
	} else {
		if now.Sub(r.t[r.head]) < l.window {
			return false
		}
		r.t[r.head] = now
		r.head = (r.head + 1) % l.n
	}
	r.last = now
	return true
}

// sweep drops keys with no admission within the window (their log cannot
// refuse anything any more).
func (l *limiter) sweep(now time.Time) {
	for k, r := range l.keys {
		if now.Sub(r.last) >= l.window {
			delete(l.keys, k)
		}
	}
	l.sweepAt = max(1024, 2*len(l.keys))
}
