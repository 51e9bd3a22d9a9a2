package sw

import (
	"container/heap"
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
}

// EventResult is the outcome of a functional event whose lifetime ended.
type EventResult struct {
	// Rejected is set when a promise passed to waitUntil rejected.
	Rejected bool
	Reasons  []string
	// Extended counts the lifetime promises (waitUntil / respondWith).
	Extended int
	Duration time.Duration
	// Threw is what the event's listeners threw while it was dispatched
	// (reported as script errors too; the event goes on, as specified).
	Threw []string
}

// ErrEventTimeout is returned when an event outlives its deadline.
var ErrEventTimeout = errors.New("event exceeded its deadline")

// pendingEvent is a functional event in flight at a worker's realm, from
// before its task is queued until its extend lifetime ends, its deadline
// passes or the worker stops — whichever comes first completes it
// (Env.complete), once.
type pendingEvent struct {
	id    int64
	env   *Env
	w     *Worker
	typ   string
	begin time.Time // when the host fired it (EventRecord.Start)
	start time.Time // when its task was queued (EventResult.Duration)
	limit time.Duration
	due   time.Time
	index int // in env.deadlines
	// build makes the event object (nil: an ExtendableEvent of typ), or
	// fetch is set for a fetch event.
	build func(env *Env, rt *sobek.Runtime) (sobek.Value, error)
	fetch *fetchCall
	// ended hears the outcome, after the worker's event count and the
	// core's OnEvent.
	ended func(res *EventResult, err error)
}

// eventQueue orders the pending events of a realm by deadline.
type eventQueue []*pendingEvent

func (q eventQueue) Len() int           { return len(q) }
func (q eventQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q eventQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}
func (q *eventQueue) Push(x any) {
	pe := x.(*pendingEvent)
	pe.index = len(*q)
	*q = append(*q, pe)
}
func (q *eventQueue) Pop() any {
	old := *q
	n := len(old)
	pe := old[n-1]
	old[n-1] = nil
	*q = old[:n-1]
	pe.index = -1
	return pe
}

// addPending registers pe (giving it its id) with its deadline. One timer
// per realm watches the earliest deadline.
func (e *Env) addPending(pe *pendingEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextEvent++
	pe.id = e.nextEvent
	e.pending[pe.id] = pe
	heap.Push(&e.deadlines, pe)
	if e.deadlineTimer == nil {
		e.deadlineAt = pe.due
		e.deadlineTimer = time.AfterFunc(pe.limit, e.expireEvents)
	} else if e.deadlineAt.IsZero() || pe.due.Before(e.deadlineAt) {
		e.deadlineAt = pe.due
		e.deadlineTimer.Reset(time.Until(pe.due))
	}
}

// takePending removes the event id from the realm's set and returns it, or
// nil when it was already completed.
func (e *Env) takePending(id int64) *pendingEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	pe := e.pending[id]
	if pe == nil {
		return nil
	}
	delete(e.pending, id)
	heap.Remove(&e.deadlines, pe.index)
	return pe
}

// complete ends the event id with an outcome unless it already ended.
func (e *Env) complete(id int64, res *EventResult, err error) {
	if pe := e.takePending(id); pe != nil {
		pe.finish(res, err)
	}
}

// failPending ends every event in flight with err (the worker stopped).
func (e *Env) failPending(err error) {
	e.mu.Lock()
	p := e.pending
	e.pending = map[int64]*pendingEvent{}
	e.deadlines = nil
	if e.deadlineTimer != nil {
		e.deadlineTimer.Stop()
		e.deadlineAt = time.Time{}
	}
	e.mu.Unlock()
	for _, pe := range p {
		pe.finish(nil, err)
	}
}

// expireEvents runs when the earliest deadline may have passed: events
// that outlived theirs fail, and the worker is terminated (as Chromium
// does), which fails any other event in flight too.
func (e *Env) expireEvents() {
	now := time.Now()
	var expired []*pendingEvent
	e.mu.Lock()
	for len(e.deadlines) > 0 && !e.deadlines[0].due.After(now) {
		pe := heap.Pop(&e.deadlines).(*pendingEvent)
		delete(e.pending, pe.id)
		expired = append(expired, pe)
	}
	e.deadlineAt = time.Time{}
	if len(e.deadlines) > 0 {
		e.deadlineAt = e.deadlines[0].due
		e.deadlineTimer.Reset(time.Until(e.deadlineAt))
	}
	e.mu.Unlock()
	for _, pe := range expired {
		err := fmt.Errorf("%s event: %w (%s)", pe.typ, ErrEventTimeout, pe.limit)
		if pe.w.Env() == e {
			pe.w.stopAsync(err.Error())
		}
		pe.finish(nil, err)
	}
}

// finish ends the event for the worker and the core, then tells its waiter.
func (pe *pendingEvent) finish(res *EventResult, err error) {
	pe.w.core.eventEnded(pe.w, pe, res, err)
	pe.ended(res, err)
}

// eventEnded marks the end of event pe at w and records it.
func (c *Core) eventEnded(w *Worker, pe *pendingEvent, res *EventResult, err error) {
	w.endEvent()
	if c.opts.OnEvent == nil {
		return
	}
	rec := EventRecord{RegistrationID: w.Reg.ID, Scope: w.Reg.Scope, WorkerID: w.ID, Type: pe.typ, Start: pe.begin, Duration: time.Since(pe.begin), Outcome: "ok"}
	switch {
	case errors.Is(err, ErrEventTimeout):
		rec.Outcome, rec.Error = "timeout", err.Error()
	case err != nil:
		rec.Outcome, rec.Error = "error", err.Error()
	case res.Rejected:
		rec.Outcome, rec.Error = "rejected", strings.Join(res.Reasons, "; ")
	case len(res.Threw) > 0:
		rec.Outcome, rec.Error = "threw", strings.Join(res.Threw, "; ")
	}
	if pe.fetch != nil {
		pe.fetch.record(&rec)
	}
	c.opts.OnEvent(rec)
}

// fire fires a functional event at w ("Fire Functional Event"), starting
// the worker if it is stopped, without waiting: ended hears the outcome
// when the event's extend lifetime ends, its deadline passes or the worker
// stops. It returns the event in flight, or nil when it failed at once
// (ended has heard why).
func (c *Core) fire(ctx context.Context, w *Worker, pe *pendingEvent) *pendingEvent {
	pe.w = w
	pe.begin = time.Now()
	w.beginEvent()
	env, err := w.start(ctx)
	if err != nil {
		c.eventEnded(w, pe, nil, err)
		pe.ended(nil, err)
		return nil
	}
	pe.env = env
	if pe.limit <= 0 {
		pe.limit = c.opts.EventDeadline
	}
	pe.start = time.Now()
	pe.due = pe.start.Add(pe.limit)
	env.addPending(pe)
	if !env.Realm.Enqueue(pe.run) {
		env.complete(pe.id, nil, fmt.Errorf("dispatching %s: %w", pe.typ, ErrWorkerStopped))
		return nil
	}
	return pe
}

// run is the event's task on the worker's loop: make the event object and
// dispatch it. The lifetime's end comes back through ops.eventDone.
func (pe *pendingEvent) run() {
	env := pe.env
	rt := env.Realm.Runtime()
	if pe.fetch != nil {
		// One call makes and dispatches the FetchEvent.
		if err := pe.fetch.dispatch(env, rt, pe.id); err != nil {
			env.complete(pe.id, nil, fmt.Errorf("dispatching %s: %w", pe.typ, err))
		}
		return
	}
	var obj sobek.Value
	var err error
	if pe.build != nil {
		obj, err = pe.build(env, rt)
	} else {
		obj, err = newEvent(env, "ExtendableEvent", pe.typ, nil)
	}
	if err != nil {
		env.complete(pe.id, nil, fmt.Errorf("building %s event: %w", pe.typ, err))
		return
	}
	_, err = env.callCached(&env.fnDispatchFunctional, "dispatchFunctional", rt.GlobalObject(), obj, rt.ToValue(pe.id))
	if err != nil {
		env.complete(pe.id, nil, fmt.Errorf("dispatching %s: %w", pe.typ, err))
	}
}

// eventDone is ops.eventDone(id, rejected, reasons, extended, thrown): the
// extend lifetime of the event id ended.
func (e *Env) eventDone(call sobek.FunctionCall) sobek.Value {
	pe := e.takePending(call.Argument(0).ToInteger())
	if pe == nil {
		return sobek.Undefined() // it timed out or failed already
	}
	r := &EventResult{Rejected: call.Argument(1).ToBoolean(), Extended: int(call.Argument(3).ToInteger()), Duration: time.Since(pe.start),
		Reasons: stringList(call.Argument(2)), Threw: stringList(call.Argument(4))}
	pe.finish(r, nil)
	return sobek.Undefined()
}

// stringList is a JS array of strings as Go strings (nil for null).
func stringList(v sobek.Value) []string {
	arr, _ := v.Export().([]any)
	var out []string
	for _, a := range arr {
		out = append(out, fmt.Sprint(a))
	}
	return out
}

// callCached calls internals[name], looked up once per realm.
func (e *Env) callCached(fn *sobek.Callable, name string, args ...sobek.Value) (sobek.Value, error) {
	if *fn == nil {
		f, ok := sobek.AssertFunction(e.Realm.Internal(name))
		if !ok {
			return nil, fmt.Errorf("internal %s is not a function", name)
		}
		*fn = f
	}
	return e.Realm.Call(*fn, sobek.Undefined(), args...)
}

// Dispatch fires a functional event at w ("Fire Functional Event"),
// starting the worker if it is stopped, and waits for the event's extend
// lifetime to end, for its deadline, or for ctx.
func (c *Core) Dispatch(ctx context.Context, w *Worker, ev Event) (*EventResult, error) {
	type outcome struct {
		res *EventResult
		err error
	}
	ch := make(chan outcome, 1)
	pe := c.fire(ctx, w, &pendingEvent{typ: ev.Type, limit: ev.Deadline, build: ev.Build, ended: func(res *EventResult, err error) {
		ch <- outcome{res, err}
	}})
	if pe != nil {
		select {
		case <-ctx.Done():
			pe.env.complete(pe.id, nil, ctx.Err())
		case o := <-ch:
			return o.res, o.err
		}
	}
	o := <-ch
	return o.res, o.err
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
		init := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
		if data != nil {
			_ = init.Set("data", rt.NewArrayBuffer(append([]byte(nil), data...)))
		}
		return newEvent(env, "PushEvent", "push", init)
	}})
}
