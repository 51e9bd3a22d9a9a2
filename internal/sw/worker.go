package sw

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

// Worker is a service worker (one version of a registration's script).
type Worker struct {
	core      *Core
	ID        int64
	Reg       *Registration
	ScriptURL string
	Type      string

	mu          sync.Mutex
	state       State
	scripts     map[string]*ScriptRecord // script resource map
	scriptOrder []string
	compiled    map[string]*js.Script // compiled once, shared by every start
	eventTypes  map[string]bool       // set of event types to handle
	evaluated   bool                  // initial evaluation done (event types fixed)
	skipWaiting bool
	// scriptsSaved: the script resource map is stored as it is now.
	scriptsSaved bool
	env          *Env
	realm        *js.Realm
	starting     chan struct{}
	startErr     error
	pending      int
	idle         *time.Timer
	stopReason   string
	startCount   int
	// activated is closed when an activating worker becomes activated (or
	// redundant); made by the first waiter.
	activated chan struct{}
}

// untilActivated waits while the worker is "activating" (Handle Fetch: "If
// activeWorker's state is "activating", wait for activeWorker's state to
// become "activated"").
func (w *Worker) untilActivated(ctx context.Context) error {
	w.mu.Lock()
	if w.state != Activating {
		w.mu.Unlock()
		return nil
	}
	if w.activated == nil {
		w.activated = make(chan struct{})
	}
	ch := w.activated
	w.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// State returns the worker's state.
func (w *Worker) State() State {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// Running reports whether the worker has a live realm.
func (w *Worker) Running() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.realm != nil
}

// Starts counts how many times the worker was started.
func (w *Worker) Starts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.startCount
}

// HasEventListener reports whether the worker's set of event types to
// handle contains typ (listeners added during its initial evaluation).
func (w *Worker) HasEventListener(typ string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.eventTypes[typ]
}

// Env returns the running worker's realm environment, or nil.
func (w *Worker) Env() *Env {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.env
}

func (w *Worker) setScript(rec *ScriptRecord) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.scripts[rec.URL]; !ok {
		w.scriptOrder = append(w.scriptOrder, rec.URL)
	}
	w.scripts[rec.URL] = rec
	w.scriptsSaved = false
}

func (w *Worker) script(url string) (*ScriptRecord, *js.Script) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rec := w.scripts[url]
	if rec == nil {
		return nil, nil
	}
	s := w.compiled[url]
	if s == nil {
		s = &js.Script{Name: url, Source: string(rec.Body)}
		w.compiled[url] = s
	}
	return rec, s
}

// record describes the worker for the store. Scripts are included only
// when they changed since the last save (nil Scripts keeps the stored map).
func (w *Worker) record() VersionRecord {
	w.mu.Lock()
	defer w.mu.Unlock()
	v := VersionRecord{ID: w.ID, ScriptURL: w.ScriptURL, Type: w.Type, State: w.state}
	for t := range w.eventTypes {
		v.EventTypes = append(v.EventTypes, t)
	}
	if !w.scriptsSaved {
		for _, u := range w.scriptOrder {
			v.Scripts = append(v.Scripts, *w.scripts[u])
		}
	}
	return v
}

func (w *Worker) markScriptsSaved(v VersionRecord) {
	if v.Scripts == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(v.Scripts) == len(w.scriptOrder) {
		w.scriptsSaved = true
	}
}

func (c *Core) newWorker(reg *Registration, scriptURL, typ string) *Worker {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextVer++
	w := &Worker{core: c, ID: c.nextVer, Reg: reg, ScriptURL: scriptURL, Type: typ, state: Parsed,
		scripts: map[string]*ScriptRecord{}, compiled: map[string]*js.Script{}, eventTypes: map[string]bool{}}
	c.workers[w.ID] = w
	return w
}

// ErrWorkerStopped is the error of events whose worker stopped under them.
var ErrWorkerStopped = errors.New("service worker stopped")

// start runs the worker ("Run Service Worker"): a new realm, the platform
// preludes, then the main script. It returns the environment of the running
// worker, starting it if needed. Concurrent callers share one start.
func (w *Worker) start(ctx context.Context) (*Env, error) {
	for {
		w.mu.Lock()
		if w.env != nil && !w.env.Realm.Closed() {
			env := w.env
			w.mu.Unlock()
			return env, nil
		}
		if w.state == Redundant {
			w.mu.Unlock()
			return nil, fmt.Errorf("worker %s is redundant: %w", w.ScriptURL, ErrWorkerStopped)
		}
		if ch := w.starting; ch != nil {
			w.mu.Unlock()
			select {
			case <-ch:
				w.mu.Lock()
				err := w.startErr
				w.mu.Unlock()
				if err != nil {
					return nil, err
				}
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		w.starting = ch
		w.mu.Unlock()

		env, err := w.run(ctx)
		w.mu.Lock()
		w.starting = nil
		w.startErr = err
		if err == nil {
			w.env = env
			w.realm = env.Realm
			w.startCount++
		}
		w.mu.Unlock()
		close(ch)
		return env, err
	}
}

func (w *Worker) run(ctx context.Context) (*Env, error) {
	c := w.core
	_, main := w.script(w.ScriptURL)
	if main == nil {
		return nil, fmt.Errorf("worker %s has no script", w.ScriptURL)
	}
	env, err := c.newEnv(ctx, envWorker, w.Reg.Origin, w.ScriptURL, w, nil)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	initial := !w.evaluated
	w.mu.Unlock()
	var evalErr error
	err = env.Realm.Do(ctx, func(rt *sobek.Runtime) error {
		env.initialEval = initial
		_, evalErr = env.Realm.Run(main)
		env.initialEval = false
		return nil
	})
	if err == nil && evalErr != nil {
		err = evalErr
	}
	if err != nil {
		env.Realm.Close()
		c.removeEnv(env)
		return nil, scriptError("evaluation", w.ScriptURL, err)
	}
	w.mu.Lock()
	w.evaluated = true
	w.mu.Unlock()
	return env, nil
}

// scriptError describes a failed evaluation with the script's URL, line and
// the JS error message.
func scriptError(what, url string, err error) error {
	var ex *sobek.Exception
	if errors.As(err, &ex) {
		return fmt.Errorf("%s of %s failed: %s", what, url, exceptionText(ex))
	}
	return fmt.Errorf("%s of %s failed: %w", what, url, err)
}

func exceptionText(ex *sobek.Exception) string {
	msg := js.DescribeValue(ex.Value())
	if stack := ex.String(); stack != "" {
		return msg + " at " + firstLine(stack)
	}
	return msg
}

func firstLine(stack string) string {
	for _, frame := range splitLines(stack) {
		if len(frame) > 3 && frame[:3] == "at " {
			return frame[3:]
		}
	}
	return ""
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, trimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, trimSpace(s[start:]))
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

// stop terminates the worker's realm ("Terminate Service Worker").
func (w *Worker) stop(reason string) { w.teardown(w.detach(reason), reason) }

// detach takes the running realm away from the worker at once, so that no
// new event reaches it; the next event starts a new one. It returns the
// realm for teardown (nil when none ran).
func (w *Worker) detach(reason string) *Env {
	w.mu.Lock()
	defer w.mu.Unlock()
	env := w.env
	w.env = nil
	w.realm = nil
	w.stopReason = reason
	if w.idle != nil {
		w.idle.Stop()
	}
	return env
}

// teardown closes a detached realm and fails its events in flight. It may
// block until the realm's running task is interrupted: never call it on
// that realm's own loop.
func (w *Worker) teardown(env *Env, reason string) {
	if env == nil {
		return
	}
	env.Realm.Close()
	w.core.removeEnv(env)
	env.failPending(fmt.Errorf("%w: %s", ErrWorkerStopped, reason))
}

// stopAsync detaches now and tears down in the background (for callers on
// the realm's own loop).
func (w *Worker) stopAsync(reason string) {
	env := w.detach(reason)
	w.core.goBackground(func() { w.teardown(env, reason) })
}

// Stop stops the worker if it runs; the next event starts it again.
func (w *Worker) Stop() { w.stop("stopped by the host") }

// beginEvent marks an event in flight (the worker must not idle-stop).
func (w *Worker) beginEvent() {
	w.mu.Lock()
	w.pending++
	if w.idle != nil {
		w.idle.Stop()
	}
	w.mu.Unlock()
}

// endEvent ends an event and arms the idle timer when none is left.
func (w *Worker) endEvent() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending--
	if w.pending > 0 || w.env == nil {
		return
	}
	env := w.env
	timeout := w.core.opts.IdleTimeout
	if w.idle == nil {
		w.idle = time.AfterFunc(timeout, func() { w.idleStop(env) })
	} else {
		w.idle.Reset(timeout)
	}
}

func (w *Worker) idleStop(env *Env) {
	w.mu.Lock()
	if w.env != env || w.pending > 0 {
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	w.core.log.Debug("stopping idle service worker", "script", w.ScriptURL)
	w.stop("idle")
}
