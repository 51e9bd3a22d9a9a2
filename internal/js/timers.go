package js

import (
	"time"

	"github.com/grafana/sobek"
)

type timer struct {
	id       int64
	fn       sobek.Callable
	args     []sobek.Value
	interval time.Duration
	repeat   bool
	t        *time.Timer
	nesting  int
}

// SetTimer schedules fn after d (HTML's timer initialisation steps, without
// the nesting clamp beyond 4 ms at level 5). It must be called on the loop.
// A pending timer keeps the realm alive.
func (r *Realm) SetTimer(fn sobek.Callable, d time.Duration, repeat bool, args []sobek.Value) int64 {
	if d < 0 {
		d = 0
	}
	r.timerSeq++
	t := &timer{id: r.timerSeq, fn: fn, args: args, interval: d, repeat: repeat}
	r.timers[t.id] = t
	r.Ref()
	r.armTimer(t)
	return t.id
}

func (r *Realm) armTimer(t *timer) {
	d := t.interval
	if t.nesting >= 5 && d < 4*time.Millisecond {
		d = 4 * time.Millisecond
	}
	t.t = time.AfterFunc(d, func() {
		r.Enqueue(func() { r.fireTimer(t) })
	})
}

func (r *Realm) fireTimer(t *timer) {
	if r.timers[t.id] != t {
		return // cleared
	}
	if !t.repeat {
		delete(r.timers, t.id)
		defer r.Unref()
	}
	t.nesting++
	_, _ = r.Call(t.fn, sobek.Undefined(), t.args...)
	if t.repeat && r.timers[t.id] == t {
		r.armTimer(t)
	}
}

// ClearTimer cancels a timer; unknown ids are ignored.
func (r *Realm) ClearTimer(id int64) {
	t, ok := r.timers[id]
	if !ok {
		return
	}
	delete(r.timers, id)
	t.t.Stop()
	r.Unref()
}

func (r *Realm) stopTimers() {
	for id, t := range r.timers {
		t.t.Stop()
		delete(r.timers, id)
	}
}

// PendingTimers reports how many timers are scheduled (for tests and the
// inspector). Call on the loop.
func (r *Realm) PendingTimers() int { return len(r.timers) }
