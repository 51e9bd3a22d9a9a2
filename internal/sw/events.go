package sw

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/sobek"
)

// Event describes a functional event to fire at a worker.
type Event struct {
	Type string
	// Build makes the event object on the worker's loop. Nil fires a plain
	// ExtendableEvent of Type.
	Build func(env *Env, rt *sobek.Runtime) (sobek.Value, error)
	// Deadline bounds the extend lifetime (0: the core's default). When it
	// passes the event fails and the worker is stopped.
	Deadline time.Duration
	// Invoke replaces the default dispatch (internals.dispatchFunctional
	// at the global) with its own, which must call done when the lifetime
	// ends (fetch events use internals.dispatchFetch).
	Invoke func(env *Env, event, done sobek.Value) error
}

// EventResult is the outcome of a functional event whose lifetime ended.
type EventResult struct {
	// Rejected is set when a promise passed to waitUntil rejected.
	Rejected bool
	Reasons  []string
	// Extended counts the lifetime promises (waitUntil / respondWith).
	Extended int
	Duration time.Duration
}

// ErrEventTimeout is returned when an event outlives its deadline.
var ErrEventTimeout = errors.New("event exceeded its deadline")

type eventOutcome struct {
	res EventResult
	err error
}

func (e *Env) addPending() (int64, chan eventOutcome) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextEvent++
	ch := make(chan eventOutcome, 1)
	e.pending[e.nextEvent] = ch
	return e.nextEvent, ch
}

func (e *Env) completePending(id int64, o eventOutcome) {
	e.mu.Lock()
	ch := e.pending[id]
	delete(e.pending, id)
	e.mu.Unlock()
	if ch != nil {
		ch <- o
	}
}

func (e *Env) failPending(err error) {
	e.mu.Lock()
	p := e.pending
	e.pending = map[int64]chan eventOutcome{}
	e.mu.Unlock()
	for _, ch := range p {
		ch <- eventOutcome{err: err}
	}
}

// Dispatch fires a functional event at w ("Fire Functional Event"),
// starting the worker if it is stopped, and waits for the event's extend
// lifetime to end, for its deadline, or for ctx.
func (c *Core) Dispatch(ctx context.Context, w *Worker, ev Event) (*EventResult, error) {
	start := time.Now()
	res, err := c.dispatch(ctx, w, ev)
	if c.opts.OnEvent != nil {
		rec := EventRecord{RegistrationID: w.Reg.ID, Scope: w.Reg.Scope, WorkerID: w.ID, Type: ev.Type, Start: start, Duration: time.Since(start), Outcome: "ok"}
		switch {
		case errors.Is(err, ErrEventTimeout):
			rec.Outcome, rec.Error = "timeout", err.Error()
		case err != nil:
			rec.Outcome, rec.Error = "error", err.Error()
		case res.Rejected:
			rec.Outcome, rec.Error = "rejected", strings.Join(res.Reasons, "; ")
		}
		c.opts.OnEvent(rec)
	}
	return res, err
}

func (c *Core) dispatch(ctx context.Context, w *Worker, ev Event) (*EventResult, error) {
	w.beginEvent()
	defer w.endEvent()
	env, err := w.start(ctx)
	if err != nil {
		return nil, err
	}
	id, ch := env.addPending()
	start := time.Now()
	queued := env.Realm.Enqueue(func() {
		rt := env.Realm.Runtime()
		var obj sobek.Value
		var err error
		if ev.Build != nil {
			obj, err = ev.Build(env, rt)
		} else {
			obj, err = newEvent(env, "ExtendableEvent", ev.Type, nil)
		}
		if err != nil {
			env.completePending(id, eventOutcome{err: fmt.Errorf("building %s event: %w", ev.Type, err)})
			return
		}
		done := rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
			r := EventResult{Rejected: call.Argument(0).ToBoolean(), Extended: int(call.Argument(2).ToInteger()), Duration: time.Since(start)}
			if arr, ok := call.Argument(1).Export().([]any); ok {
				for _, a := range arr {
					r.Reasons = append(r.Reasons, fmt.Sprint(a))
				}
			}
			env.completePending(id, eventOutcome{res: r})
			return sobek.Undefined()
		})
		if ev.Invoke != nil {
			err = ev.Invoke(env, obj, done)
		} else {
			_, err = env.callInternal("dispatchFunctional", rt.GlobalObject(), obj, done)
		}
		if err != nil {
			env.completePending(id, eventOutcome{err: fmt.Errorf("dispatching %s: %w", ev.Type, err)})
		}
	})
	if !queued {
		env.completePending(id, eventOutcome{})
		return nil, fmt.Errorf("dispatching %s: %w", ev.Type, ErrWorkerStopped)
	}
	deadline := ev.Deadline
	if deadline <= 0 {
		deadline = c.opts.EventDeadline
	}
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	select {
	case o := <-ch:
		if o.err != nil {
			return nil, o.err
		}
		return &o.res, nil
	case <-timer.C:
		// The event outlived its deadline: the worker is terminated (as
		// Chromium does), which fails any other event in flight too.
		err := fmt.Errorf("%s event: %w (%s)", ev.Type, ErrEventTimeout, deadline)
		env.completePending(id, eventOutcome{err: err})
		if w.Env() == env {
			w.stopAsync(err.Error())
		}
		return nil, err
	case <-ctx.Done():
		env.completePending(id, eventOutcome{err: ctx.Err()})
		return nil, ctx.Err()
	}
}

// newEvent constructs internals[class](type, init) on the loop.
func newEvent(env *Env, class, typ string, init sobek.Value) (sobek.Value, error) {
	rt := env.Realm.Runtime()
	ctor, ok := sobek.AssertConstructor(env.Realm.Internal(class))
	if !ok {
		return nil, fmt.Errorf("%s is not available in this realm", class)
	}
	if init == nil {
		init = sobek.Undefined()
	}
	obj, err := ctor(nil, rt.ToValue(typ), init)
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// NewEvent constructs a platform event class (an interface exposed through
// the internals object) for Event.Build functions of extensions.
func NewEvent(env *Env, class, typ string, init sobek.Value) (sobek.Value, error) {
	return newEvent(env, class, typ, init)
}

// DispatchTo fires an event at the active worker of the registration.
func (c *Core) DispatchTo(ctx context.Context, reg *Registration, ev Event) (*EventResult, error) {
	if reg == nil {
		return nil, ErrNoActiveWorker
	}
	w, err := c.awaitActive(ctx, reg)
	if err != nil {
		return nil, err
	}
	return c.Dispatch(ctx, w, ev)
}

// Push fires a push event with data at the active worker of scope (a scope
// URL, or any URL it matches).
func (c *Core) Push(ctx context.Context, scope string, data []byte) (*EventResult, error) {
	w, err := c.ActiveWorker(ctx, scope)
	if err != nil {
		return nil, err
	}
	return c.Dispatch(ctx, w, Event{Type: "push", Build: func(env *Env, rt *sobek.Runtime) (sobek.Value, error) {
		init := rt.NewObject()
		if data != nil {
			_ = init.Set("data", rt.NewArrayBuffer(append([]byte(nil), data...)))
		}
		return newEvent(env, "PushEvent", "push", init)
	}})
}
