// Package js is the engine seam: one Realm per goroutine on an embedded
// ECMAScript engine (sobek), with a task queue, the microtask checkpoint,
// timers, promises that can be settled from any goroutine, and the guards
// the engine does not give by default (CPU budget, call depth, regexp
// timeout, heap watchdog).
//
// Nothing outside this package touches the engine from a goroutine other than
// the realm's own: Go work that blocks runs elsewhere and posts its result back
// with Realm.Enqueue or a Resolver.
package js

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/grafana/sobek"
)

// Defaults for the guards.
const (
	DefaultCPUBudget        = 5 * time.Second
	DefaultMaxCallStackSize = 1500
	DefaultHeapGrowthLimit  = 512 << 20
	// RegexpTimeout bounds one regexp match. Backtracking runs in native code
	// that Interrupt cannot stop; when a match times out the engine reports
	// "no match" and the pending budget interrupt then ends the task.
	RegexpTimeout = 1 * time.Second
	watchdogTick  = 25 * time.Millisecond
)

func init() {
	regexp2.DefaultMatchTimeout = RegexpTimeout
}

// ErrCPUBudget is the reason a task is interrupted when it runs past its
// budget.
var ErrCPUBudget = errors.New("script exceeded its CPU budget")

// ErrHeapLimit is the reason a task is interrupted when the heap grows past
// the watchdog's limit while it runs.
var ErrHeapLimit = errors.New("script exceeded its heap limit")

// ErrStackOverflow is the cause of a task abandoned at the call-depth limit.
var ErrStackOverflow = errors.New("maximum call stack size exceeded")

// ErrEnginePanic is the cause of a task abandoned because the engine (or a
// native operation) panicked.
var ErrEnginePanic = errors.New("internal engine error")

// ErrTaskAbandoned is what Do returns when its task did not finish: it was
// interrupted or the engine panicked (the realm reported why).
var ErrTaskAbandoned = errors.New("script task abandoned")

// ErrClosed is returned when work is posted to a closed realm.
var ErrClosed = errors.New("realm is closed")

// Options configure a Realm.
type Options struct {
	// CPUBudget is the longest one task (a macrotask with its microtask
	// checkpoint) may run before it is interrupted. Zero means the default.
	CPUBudget time.Duration
	// MaxCallStackSize bounds JS call depth. Zero means the default.
	MaxCallStackSize int
	// HeapGrowthLimit is how far the Go heap may grow during one task before
	// the task is interrupted. Zero means the default.
	HeapGrowthLimit uint64
	// Logger receives diagnostics. Nil means slog.Default().
	Logger *slog.Logger
	// OnError hears uncaught exceptions, unhandled rejections and interrupted
	// tasks. It runs on the realm's goroutine.
	OnError func(*ScriptError)
	// Name identifies the realm in logs.
	Name string
}

// ScriptError is an error reported by a realm: an uncaught exception, an
// unhandled promise rejection, or an interrupted task.
type ScriptError struct {
	Kind    string // "exception", "unhandledrejection", "interrupted"
	Message string // "TypeError: x is not a function"
	Stack   string // with script URL and line
	File    string
	Line    int
	Cause   error
}

func (e *ScriptError) Error() string {
	if e.Stack != "" {
		return e.Stack
	}
	return e.Message
}

func (e *ScriptError) Unwrap() error { return e.Cause }

// Realm is one ECMAScript realm with its event loop.
type Realm struct {
	rt   *sobek.Runtime
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	queue    []func()
	wake     chan struct{}
	closed   bool
	done     chan struct{}
	refs     int // pending work that keeps the realm alive (timers, ops)
	idleCh   []chan struct{}
	running  uint64 // sequence number of the running task, 0 when idle
	taskSeq  uint64
	inTask   bool
	started  time.Time
	heapBase uint64
	watchdog *time.Timer

	interruptReason error // guarded by mu

	soonMu sync.Mutex
	soon   []settlement // Resolver.SettleSoon's batch waiting for the loop

	timers    map[int64]*timer
	timerSeq  int64
	rejected  []*sobek.Promise
	internals *sobek.Object
	ops       *sobek.Object
	Data      sync.Map // per-realm state of packages layered above
}

// NewRealm creates a realm and starts its loop goroutine.
func NewRealm(opts Options) *Realm {
	if opts.CPUBudget <= 0 {
		opts.CPUBudget = DefaultCPUBudget
	}
	if opts.MaxCallStackSize <= 0 {
		opts.MaxCallStackSize = DefaultMaxCallStackSize
	}
	if opts.HeapGrowthLimit == 0 {
		opts.HeapGrowthLimit = DefaultHeapGrowthLimit
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &Realm{
		rt:     sobek.New(),
		opts:   opts,
		log:    log,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		timers: map[int64]*timer{},
	}
	r.rt.SetFieldNameMapper(sobek.UncapFieldNameMapper())
	r.rt.SetMaxCallStackSize(opts.MaxCallStackSize)
	r.rt.SetPromiseRejectionTracker(r.trackRejection)
	r.internals = r.rt.NewObject()
	r.ops = r.rt.NewObject()
	r.watchdog = time.AfterFunc(time.Hour, r.watch)
	r.watchdog.Stop()
	go r.loop()
	return r
}

// Name is the realm's name for logs.
func (r *Realm) Name() string { return r.opts.Name }

// Runtime returns the engine. It may only be used on the realm's goroutine,
// that is inside a task.
func (r *Realm) Runtime() *sobek.Runtime { return r.rt }

// Internals is an object private to the platform code of this realm (never
// reachable from page or worker scripts); preludes share classes through it.
func (r *Realm) Internals() *sobek.Object { return r.internals }

// Ops is the object of native operations handed to preludes.
func (r *Realm) Ops() *sobek.Object { return r.ops }

// Logger is the realm's logger.
func (r *Realm) Logger() *slog.Logger { return r.log }

// Done is closed when the realm's loop has ended.
func (r *Realm) Done() <-chan struct{} { return r.done }

// Enqueue posts a task to the realm from any goroutine. It reports false when
// the realm is closed.
func (r *Realm) Enqueue(task func()) bool {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return false
	}
	r.queue = append(r.queue, task)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return true
}

// Do runs fn as a task and waits for it, or for ctx.
func (r *Realm) Do(ctx context.Context, fn func(rt *sobek.Runtime) error) error {
	res := make(chan error, 1)
	task := func() {
		done := false
		defer func() {
			if !done {
				// fn panicked (the loop reports it); the caller still
				// gets an answer.
				res <- ErrTaskAbandoned
			}
		}()
		err := fn(r.rt)
		done = true
		res <- err
	}
	if !r.Enqueue(task) {
		return ErrClosed
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		select {
		case err := <-res:
			return err
		default:
			return ErrClosed
		}
	}
}

// Ref marks pending work that keeps the realm alive (see Idle). Safe from any
// goroutine.
func (r *Realm) Ref() {
	r.mu.Lock()
	r.refs++
	r.mu.Unlock()
}

// Unref releases a Ref.
func (r *Realm) Unref() {
	r.mu.Lock()
	r.refs--
	r.checkIdleLocked()
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Idle returns a channel closed once the realm has no queued tasks, no
// running task and no refs (timers, pending operations).
func (r *Realm) Idle() <-chan struct{} {
	ch := make(chan struct{})
	r.mu.Lock()
	r.idleCh = append(r.idleCh, ch)
	r.checkIdleLocked()
	r.mu.Unlock()
	return ch
}

func (r *Realm) checkIdleLocked() {
	if len(r.idleCh) == 0 || r.inTask || len(r.queue) > 0 || r.refs > 0 {
		return
	}
	for _, ch := range r.idleCh {
		close(ch)
	}
	r.idleCh = nil
}

// Close stops the loop. Queued tasks are dropped and pending timers cancelled.
// It waits for a running task to finish, interrupting it if needed.
func (r *Realm) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		<-r.done
		return
	}
	r.closed = true
	r.queue = nil
	running := r.inTask
	r.mu.Unlock()
	if running {
		r.rt.Interrupt(ErrClosed)
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	<-r.done
}

// Closed reports whether Close was called.
func (r *Realm) Closed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// Terminate closes the realm from inside one of its own tasks: the rest of
// the task is abandoned by interrupting the engine.
func (r *Realm) Terminate(reason error) {
	r.mu.Lock()
	r.closed = true
	r.queue = nil
	r.mu.Unlock()
	r.rt.Interrupt(reason)
}

func (r *Realm) loop() {
	defer close(r.done)
	defer r.stopTimers()
	for {
		r.mu.Lock()
		if r.closed {
			for _, ch := range r.idleCh {
				close(ch)
			}
			r.idleCh = nil
			r.mu.Unlock()
			return
		}
		if len(r.queue) == 0 {
			r.checkIdleLocked()
			r.mu.Unlock()
			<-r.wake
			continue
		}
		task := r.queue[0]
		r.queue[0] = nil
		r.queue = r.queue[1:]
		if len(r.queue) == 0 {
			r.queue = nil
		}
		r.taskSeq++
		r.running = r.taskSeq
		r.inTask = true
		r.started = time.Now()
		r.heapBase = 0
		r.mu.Unlock()

		r.rt.ClearInterrupt()
		r.watchdog.Reset(min(watchdogTick, r.opts.CPUBudget))
		r.runTask(task)
		r.watchdog.Stop()

		r.mu.Lock()
		r.running = 0
		r.inTask = false
		r.mu.Unlock()
	}
}

// watch runs on the timer goroutine while a task runs: it interrupts a task
// past its CPU budget or one during which the heap grew past the limit.
func (r *Realm) watch() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.inTask {
		return
	}
	elapsed := time.Since(r.started)
	if elapsed >= r.opts.CPUBudget {
		r.interruptReason = fmt.Errorf("%w (%s)", ErrCPUBudget, r.opts.CPUBudget)
		r.rt.Interrupt(ErrCPUBudget)
		return
	}
	heap := heapBytes()
	if r.heapBase == 0 {
		r.heapBase = heap
	} else if heap > r.heapBase && heap-r.heapBase > r.opts.HeapGrowthLimit {
		r.interruptReason = fmt.Errorf("%w (grew %d MiB during one task)", ErrHeapLimit, (heap-r.heapBase)>>20)
		r.rt.Interrupt(ErrHeapLimit)
		return
	}
	r.watchdog.Reset(min(watchdogTick, r.opts.CPUBudget-elapsed))
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
var heapMu sync.Mutex

func heapBytes() uint64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	metrics.Read(heapSample)
	if heapSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return heapSample[0].Value.Uint64()
}

func (r *Realm) runTask(task func()) {
	defer func() {
		if p := recover(); p != nil {
			r.handlePanic(p)
		}
		r.reportRejections()
	}()
	task()
}

func (r *Realm) handlePanic(p any) {
	switch e := p.(type) {
	case *sobek.InterruptedError:
		r.ReportInterrupt(e)
	case *sobek.StackOverflowError:
		// The engine's stack overflow cannot be caught by the script (unlike
		// a browser's RangeError): the task is abandoned like an
		// interrupted one.
		r.report(&ScriptError{Kind: "interrupted", Message: "RangeError: Maximum call stack size exceeded", Stack: "RangeError: Maximum call stack size exceeded\n" + e.String(), Cause: ErrStackOverflow})
	case *sobek.Exception:
		r.ReportException(e)
	case sobek.Value:
		r.ReportValue(e)
	default:
		// A Go panic inside the engine (a bug of the engine or of a native
		// operation) must not take the process down. The realm's state is
		// unknown after it, so the task is reported like an interrupted one
		// and the realm's owner ends it.
		r.log.Error("engine panic in a script task", "realm", r.opts.Name, "panic", p, "stack", string(debug.Stack()))
		r.report(&ScriptError{Kind: "interrupted", Message: fmt.Sprintf("internal engine error: %v", p), Cause: ErrEnginePanic})
	}
}

// ReportInterrupt reports a task the realm interrupted (its CPU budget,
// its heap limit, or another reason), with where it stopped.
func (r *Realm) ReportInterrupt(e *sobek.InterruptedError) {
	msg := fmt.Sprint(e.Value())
	var cause error
	r.mu.Lock()
	reason := r.interruptReason
	r.interruptReason = nil
	r.mu.Unlock()
	if reason != nil {
		cause = reason
		msg = reason.Error()
	} else if err, ok := e.Value().(error); ok {
		cause = err
		msg = err.Error()
	}
	if errors.Is(cause, ErrClosed) {
		return // the realm was closed on purpose
	}
	// (Its position, "at file:line:col", without the bytecode offset.)
	r.report(&ScriptError{Kind: "interrupted", Message: msg, Stack: pcRE.ReplaceAllString(e.String(), "$1"), Cause: cause})
}

// Call runs a JS function inside the current task, turning a thrown
// exception into a report (as HTML's "report the exception") instead of
// propagating it. It returns the exception, if any.
func (r *Realm) Call(fn sobek.Callable, this sobek.Value, args ...sobek.Value) (sobek.Value, error) {
	v, err := fn(this, args...)
	if err != nil {
		var interrupted *sobek.InterruptedError
		if errors.As(err, &interrupted) {
			panic(interrupted) // abandon the whole task
		}
		var so *sobek.StackOverflowError
		if errors.As(err, &so) {
			panic(so)
		}
		var ex *sobek.Exception
		if errors.As(err, &ex) {
			r.ReportException(ex)
		}
		return nil, err
	}
	return v, nil
}

// ReportException reports an uncaught exception.
func (r *Realm) ReportException(ex *sobek.Exception) {
	r.report(r.scriptError("exception", ex.Value(), ex))
}

// ReportValue reports a thrown value without an engine stack.
func (r *Realm) ReportValue(v sobek.Value) {
	r.report(r.scriptError("exception", v, nil))
}

func (r *Realm) scriptError(kind string, v sobek.Value, ex *sobek.Exception) *ScriptError {
	se := &ScriptError{Kind: kind, Message: DescribeValue(v)}
	if obj, ok := v.(*sobek.Object); ok {
		if st := obj.Get("stack"); st != nil && !sobek.IsUndefined(st) && !sobek.IsNull(st) {
			se.Stack = st.String()
		}
	}
	if ex != nil {
		if se.Stack == "" {
			se.Stack = ex.String()
		}
	}
	if se.Stack != "" && !containsMessage(se.Stack, se.Message) {
		se.Stack = se.Message + "\n" + se.Stack
	}
	se.File, se.Line = firstFrame(se.Stack)
	se.Stack = ShownStack(se.Stack)
	return se
}

func (r *Realm) report(se *ScriptError) {
	if r.opts.OnError != nil {
		r.opts.OnError(se)
		return
	}
	r.log.Warn("script error", "realm", r.opts.Name, "kind", se.Kind, "error", se.Error())
}

func (r *Realm) trackRejection(p *sobek.Promise, op sobek.PromiseRejectionOperation) {
	switch op {
	case sobek.PromiseRejectionReject:
		r.rejected = append(r.rejected, p)
	case sobek.PromiseRejectionHandle:
		for i, q := range r.rejected {
			if q == p {
				r.rejected = append(r.rejected[:i], r.rejected[i+1:]...)
				break
			}
		}
	}
}

// reportRejections reports promises still rejected without a handler after
// the microtask checkpoint (HTML's "notify about rejected promises").
func (r *Realm) reportRejections() {
	if len(r.rejected) == 0 {
		return
	}
	list := r.rejected
	r.rejected = nil
	for _, p := range list {
		if p.State() != sobek.PromiseStateRejected {
			continue
		}
		se := r.scriptError("unhandledrejection", p.Result(), nil)
		se.Message = "Uncaught (in promise) " + se.Message
		if se.Stack != "" {
			se.Stack = "Uncaught (in promise) " + se.Stack
		}
		r.report(se)
	}
}
