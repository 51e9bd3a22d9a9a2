package contentindex

import (
	"context"
	"sync"
)

// Op is the pending result of an index operation: what the JS binding turns
// into a promise. It completes exactly once.
type Op[T any] struct {
	done chan struct{} // made by the first waiter (most are only Then'd)
	mu   sync.Mutex
	fin  bool
	val  T
	err  error
	cbs  []func(T, error)
}

func newOp[T any]() *Op[T] { return &Op[T]{} }

func failedOp[T any](err error) *Op[T] {
	o := newOp[T]()
	var zero T
	o.complete(zero, err)
	return o
}

func (o *Op[T]) complete(v T, err error) {
	o.mu.Lock()
	if o.fin {
		o.mu.Unlock()
		return
	}
	o.fin, o.val, o.err = true, v, err
	cbs := o.cbs
	o.cbs = nil
	if o.done != nil {
		close(o.done)
	}
	o.mu.Unlock()
	for _, f := range cbs {
		f(v, err)
	}
}

// Done is closed when the operation has completed.
func (o *Op[T]) Done() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done == nil {
		o.done = make(chan struct{})
		if o.fin {
			close(o.done)
		}
	}
	return o.done
}

// Result waits for the operation and returns its result.
func (o *Op[T]) Result() (T, error) {
	<-o.Done()
	return o.val, o.err
}

// Err waits for the operation and returns its error.
func (o *Op[T]) Err() error {
	<-o.Done()
	return o.err
}

// Wait waits for the operation or for ctx; the operation goes on if ctx ends
// first.
func (o *Op[T]) Wait(ctx context.Context) (T, error) {
	select {
	case <-o.Done():
		return o.val, o.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Then calls f with the result once the operation completes: at once on the
// calling goroutine if it already has, else on the goroutine that completes
// it (f must not block; a JS promise's resolve functions are fine).
func (o *Op[T]) Then(f func(T, error)) {
	o.mu.Lock()
	if !o.fin {
		o.cbs = append(o.cbs, f)
		o.mu.Unlock()
		return
	}
	o.mu.Unlock()
	f(o.val, o.err)
}
