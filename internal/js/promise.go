package js

import (
	"errors"
	"sync/atomic"

	"github.com/grafana/sobek"
)

// Resolver settles a promise made by Realm.NewPromise from any goroutine. The
// promise settles on the realm's loop, in a task of its own. A pending
// Resolver keeps the realm alive (it holds a Ref) until it settles.
type Resolver struct {
	r       *Realm
	resolve func(any) error
	reject  func(any) error
	done    atomic.Bool
}

// NewPromise makes a promise on the realm. It must be called on the loop.
func (r *Realm) NewPromise() (*sobek.Promise, *Resolver) {
	p, res, rej := r.rt.NewPromise()
	r.Ref()
	return p, &Resolver{r: r, resolve: res, reject: rej}
}

// Resolve settles the promise with v: a Go value converted by the engine,
// a sobek.Value, or a func(*sobek.Runtime) sobek.Value run on the loop.
func (p *Resolver) Resolve(v any) { p.Settle(v, nil) }

// Reject settles the promise with an error, converted by Realm.ErrorValue.
func (p *Resolver) Reject(err error) { p.Settle(nil, err) }

// Settle resolves with v when err is nil, and rejects otherwise.
func (p *Resolver) Settle(v any, err error) {
	if !p.done.CompareAndSwap(false, true) {
		return
	}
	r := p.r
	if !r.Enqueue(func() { p.settleNow(v, err) }) {
		r.Unref()
	}
}

// SettleSoon is Settle for bursts of completions: settlements made while an
// earlier one waits for the loop join its task, in the order they were
// made, instead of taking a task each. Each still runs its promise
// reactions (the microtask checkpoint) before the next settles.
func (p *Resolver) SettleSoon(v any, err error) {
	if !p.done.CompareAndSwap(false, true) {
		return
	}
	r := p.r
	r.soonMu.Lock()
	r.soon = append(r.soon, settlement{p, v, err})
	first := len(r.soon) == 1
	r.soonMu.Unlock()
	if first && !r.Enqueue(r.settleSoon) {
		// The realm is closed: nothing will run; release the refs.
		r.soonMu.Lock()
		list := r.soon
		r.soon = nil
		r.soonMu.Unlock()
		for range list {
			r.Unref()
		}
	}
}

type settlement struct {
	p   *Resolver
	v   any
	err error
}

func (r *Realm) settleSoon() {
	r.soonMu.Lock()
	list := r.soon
	r.soon = nil
	r.soonMu.Unlock()
	for _, s := range list {
		s.p.settleNow(s.v, s.err)
	}
}

// SettleNow settles on the loop, inside the current task.
func (p *Resolver) SettleNow(v any, err error) {
	if !p.done.CompareAndSwap(false, true) {
		return
	}
	p.settleNow(v, err)
}

func (p *Resolver) settleNow(v any, err error) {
	r := p.r
	defer r.Unref()
	if err != nil {
		_ = p.reject(r.ErrorValue(err))
		return
	}
	if f, ok := v.(func(*sobek.Runtime) sobek.Value); ok {
		var val sobek.Value
		func() {
			defer func() {
				if x := recover(); x != nil {
					if jv, ok := x.(sobek.Value); ok {
						err = &ValueError{Value: jv}
						return
					}
					if ex, ok := x.(*sobek.Exception); ok {
						err = &ValueError{Value: ex.Value()}
						return
					}
					panic(x)
				}
			}()
			val = f(r.rt)
		}()
		if err != nil {
			_ = p.reject(r.ErrorValue(err))
			return
		}
		_ = p.resolve(val)
		return
	}
	_ = p.resolve(v)
}

// Error is an error with the name of an ECMAScript error type ("TypeError",
// "RangeError") or of a DOMException ("NotFoundError", "AbortError").
// Realm.ErrorValue turns it into that exception in a realm.
type Error struct {
	Name    string
	Message string
	Cause   error
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }
func (e *Error) Unwrap() error { return e.Cause }

// Is lets errors.Is match two Errors by name.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Name == e.Name
}

// ValueError carries a JS value as a Go error (for rejecting with a value
// that came from the same realm).
type ValueError struct{ Value sobek.Value }

func (e *ValueError) Error() string { return DescribeValue(e.Value) }

// Errorf makes an Error of the given name.
func Errorf(name, format string, args ...any) *Error {
	return &Error{Name: name, Message: sprintf(format, args...)}
}

// TypeError makes a TypeError.
func TypeError(format string, args ...any) *Error { return Errorf("TypeError", format, args...) }

// ECMAScript native error constructors, by name.
var nativeErrors = map[string]bool{"Error": true, "TypeError": true, "RangeError": true, "SyntaxError": true, "ReferenceError": true, "EvalError": true, "URIError": true}

// ErrorValue converts a Go error to the JS value to throw or reject with.
// *Error becomes a native error or a DOMException (through the realm's
// internals.DOMException); *ValueError yields its value; a *sobek.Exception
// yields its value; anything else becomes a TypeError with the message.
func (r *Realm) ErrorValue(err error) sobek.Value {
	var ve *ValueError
	if errors.As(err, &ve) {
		return ve.Value
	}
	var ex *sobek.Exception
	if errors.As(err, &ex) {
		return ex.Value()
	}
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Name: "TypeError", Message: err.Error()}
	}
	if nativeErrors[e.Name] {
		ctor, _ := sobek.AssertConstructor(r.rt.Get(e.Name))
		if ctor != nil {
			if obj, cerr := ctor(nil, r.rt.ToValue(e.Message)); cerr == nil {
				return obj
			}
		}
		return r.rt.NewTypeError(e.Message)
	}
	if ctor, ok := sobek.AssertConstructor(r.internals.Get("DOMException")); ok {
		if obj, cerr := ctor(nil, r.rt.ToValue(e.Message), r.rt.ToValue(e.Name)); cerr == nil {
			return obj
		}
	}
	return r.rt.NewTypeError(e.Name + ": " + e.Message)
}

// Throw panics with the JS value for err; call it from a native function to
// throw into the calling script.
func (r *Realm) Throw(err error) {
	panic(r.ErrorValue(err))
}
