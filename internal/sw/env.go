package sw

import (
	"context"
	_ "embed"
	"fmt"
	"sync"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

//go:embed js/sw.js
var swSource string

var swPrelude = js.NewPrelude("sw/sw.js", swSource)

type envKind int

const (
	envWindow envKind = iota
	envWorker
)

// Env is one realm the core knows: a window (headless page or browsing
// context) or a service worker's global scope.
type Env struct {
	core   *Core
	Realm  *js.Realm
	kind   envKind
	Origin string
	// URL is the creation URL and API base URL.
	URL string
	// Worker is set for a worker realm, Client for a window.
	Worker *Worker
	Client *Client
	// Fetcher is what fetch() uses in this realm.
	Fetcher web.Fetcher

	initialEval bool

	mu        sync.Mutex
	pending   map[int64]*pendingEvent // functional events in flight, by id
	nextEvent int64
	msgOn     bool     // client message queue enabled
	msgQueue  []func() // messages waiting for the queue to be enabled
	// known are the registrations the realm has objects for: lifecycle
	// notifications go only to realms that know the registration.
	known map[int64]bool

	// deadlines (guarded by mu) orders the pending events by deadline;
	// deadlineTimer fires at deadlineAt (zero: not armed) for the earliest.
	deadlines     eventQueue
	deadlineTimer *time.Timer
	deadlineAt    time.Time

	// Internals the event dispatch calls, looked up once (loop only).
	fnDispatchFunctional, fnDispatchFetch sobek.Callable
}

// MarkKnown records that the realm has (or is about to get) objects of the
// registration, so that it hears the registration's lifecycle changes.
// Call it before the descriptor that creates them is queued to the realm.
func (e *Env) MarkKnown(regID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.known == nil {
		e.known = map[int64]bool{}
	}
	e.known[regID] = true
}

func (e *Env) knows(regID int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.known[regID]
}

// IsWorker reports whether the realm is a service worker's.
func (e *Env) IsWorker() bool { return e.kind == envWorker }

// Core returns the core the realm belongs to.
func (e *Env) Core() *Core { return e.core }

// Registration returns the registration of a worker realm, or nil.
func (e *Env) Registration() *Registration {
	if e.Worker == nil {
		return nil
	}
	return e.Worker.Reg
}

func (c *Core) newEnv(ctx context.Context, kind envKind, origin, url string, w *Worker, client *Client) (*Env, error) {
	env := &Env{core: c, kind: kind, Origin: origin, URL: url, Worker: w, Client: client, pending: map[int64]*pendingEvent{}}
	name := url
	if kind == envWorker {
		name = "worker " + url
	}
	env.Realm = js.NewRealm(js.Options{
		Name:            name,
		CPUBudget:       c.opts.CPUBudget,
		HeapGrowthLimit: c.opts.HeapGrowthLimit,
		Logger:          c.log,
		OnError:         func(se *js.ScriptError) { c.scriptError(env, se) },
	})
	if kind == envWorker {
		env.Fetcher = c.workerFetcher(env)
	} else {
		env.Fetcher = c.clientFetcher(client)
	}
	err := env.Realm.Do(ctx, func(rt *sobek.Runtime) error {
		console := func(level, msg string) {
			if c.opts.Console != nil {
				c.opts.Console(env, level, msg)
			}
		}
		if err := web.InstallBase(env.Realm, console); err != nil {
			return err
		}
		if err := installPlatform(env); err != nil {
			return err
		}
		env.installOps(rt)
		if err := env.Realm.RunPrelude(swPrelude); err != nil {
			return err
		}
		if kind == envWindow {
			if err := env.Realm.RunPrelude(domPrelude); err != nil {
				return err
			}
		}
		for _, setup := range c.opts.RealmSetup {
			if err := setup(env); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		env.Realm.Close()
		return nil, fmt.Errorf("setting up realm for %s: %w", url, err)
	}
	c.mu.Lock()
	c.envs[env] = struct{}{}
	c.mu.Unlock()
	return env, nil
}

func (c *Core) removeEnv(env *Env) {
	c.mu.Lock()
	delete(c.envs, env)
	c.mu.Unlock()
}

func (c *Core) scriptError(env *Env, se *js.ScriptError) {
	if c.opts.OnScriptError != nil {
		c.opts.OnScriptError(env, se)
	} else {
		c.log.Warn("script error", "realm", env.URL, "kind", se.Kind, "error", se.Error())
	}
	// A worker whose task was interrupted (CPU budget, heap) is stopped: its
	// state is unknown. Its events fail; every other worker goes on.
	if se.Kind == "interrupted" && env.Worker != nil && env.Worker.Env() == env {
		env.Worker.stopAsync(se.Message)
	}
}

// Op helpers ------------------------------------------------------------------

// promiseOp makes an op that returns a promise settled by work run on a new
// goroutine (blocking work never runs on the loop).
func (e *Env) promiseOp(work func(call sobek.FunctionCall, res *js.Resolver)) func(sobek.FunctionCall) sobek.Value {
	return func(call sobek.FunctionCall) sobek.Value {
		p, res := e.Realm.NewPromise()
		work(call, res)
		return e.Realm.Runtime().ToValue(p)
	}
}

func (e *Env) installOps(rt *sobek.Runtime) {
	r := e.Realm
	c := e.core
	kind := "window"
	if e.kind == envWorker {
		kind = "worker"
	}
	r.SetOp("realmKind", func(sobek.FunctionCall) sobek.Value { return rt.ToValue(kind) })
	r.SetOp("userAgent", func(sobek.FunctionCall) sobek.Value { return rt.ToValue(c.opts.UserAgent) })
	r.SetOp("hardwareConcurrency", func(sobek.FunctionCall) sobek.Value { return rt.ToValue(numCPU()) })

	// ServiceWorkerContainer / ServiceWorkerRegistration.
	r.SetOp("register", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		scriptURL := call.Argument(0).String()
		var scope *string
		if v := call.Argument(1); !sobek.IsNull(v) && !sobek.IsUndefined(v) {
			s := v.String()
			scope = &s
		}
		typ := call.Argument(2).String()
		uvc := call.Argument(3).String()
		c.goBackground(func() {
			// The promise settles from the job itself (ordered before the
			// job's later tasks); errors found before scheduling settle here.
			info, err := c.startRegister(context.Background(), e, scriptURL, scope, typ, uvc, func(r jobResult) { e.settleReg(res, r.info, r.err) })
			e.settleReg(res, info, err)
		})
	}))
	r.SetOp("getRegistration", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		// ServiceWorkerContainer.getRegistration: parse clientURL against
		// the API base URL; another origin is a SecurityError.
		u, err := ResolveURL(e.URL, call.Argument(0).String())
		if err != nil {
			res.Reject(js.TypeError("Failed to execute 'getRegistration' on 'ServiceWorkerContainer': Invalid URL"))
			return
		}
		clientURL := stripFragment(u)
		if OriginOf(clientURL) != e.Origin {
			res.Reject(js.Errorf("SecurityError", "Failed to execute 'getRegistration' on 'ServiceWorkerContainer': The origin of the provided documentURL ('%s') does not match the current origin ('%s').", OriginOf(clientURL), e.Origin))
			return
		}
		reg := c.Match(clientURL)
		if reg == nil {
			res.Resolve(sobek.Undefined())
			return
		}
		e.settleReg(res, ptr(reg.Info()), nil)
	}))
	r.SetOp("getRegistrations", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		var infos []RegistrationInfo
		for _, reg := range c.Registrations() {
			if reg.Origin == e.Origin && !reg.Removed() {
				infos = append(infos, reg.Info())
				e.MarkKnown(reg.ID)
			}
		}
		res.Resolve(func(rt *sobek.Runtime) sobek.Value {
			arr := make([]any, len(infos))
			for i := range infos {
				arr[i] = regDesc(rt, &infos[i])
			}
			return rt.NewArray(arr...)
		})
	}))
	r.SetOp("update", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		reg := c.RegistrationByID(call.Argument(0).ToInteger())
		c.goBackground(func() {
			info, err := c.startUpdate(context.Background(), e, reg, func(r jobResult) { e.settleReg(res, r.info, r.err) })
			e.settleReg(res, info, err)
		})
	}))
	r.SetOp("unregister", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		reg := c.RegistrationByID(call.Argument(0).ToInteger())
		c.goBackground(func() {
			ok, err := c.startUnregister(context.Background(), e, reg, func(r jobResult) { res.Settle(r.ok, r.err) })
			res.Settle(ok, err)
		})
	}))
	r.SetOp("ready", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		c.waitReady(e, res)
	}))
	r.SetOp("startMessages", func(sobek.FunctionCall) sobek.Value {
		e.enableMessages()
		return sobek.Undefined()
	})
	r.SetOp("controllerDescriptor", func(sobek.FunctionCall) sobek.Value {
		if e.Client == nil {
			return sobek.Null()
		}
		w := e.Client.Controller()
		if w != nil {
			e.MarkKnown(w.Reg.ID)
		}
		return workerDesc(rt, w.info())
	})
	// Functional events (events.go, fetch.go).
	r.SetOp("eventDone", e.eventDone)
	r.SetOp("fetchRequest", e.fetchRequest)
	r.SetOp("fetchAnswer", e.fetchAnswer)
	r.SetOp("postToWorker", func(call sobek.FunctionCall) sobek.Value {
		c.postToWorker(e, call.Argument(0).ToInteger(), call.Argument(1), call.Argument(2))
		return sobek.Undefined()
	})

	if e.kind != envWorker {
		return
	}
	w := e.Worker
	// ServiceWorkerGlobalScope.
	e.MarkKnown(w.Reg.ID)
	r.SetOp("selfDescriptor", func(sobek.FunctionCall) sobek.Value {
		o := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
		info := w.Reg.Info()
		_ = o.Set("registration", regDesc(rt, &info))
		_ = o.Set("worker", workerDesc(rt, w.info()))
		return o
	})
	r.SetOp("listenerAdded", func(call sobek.FunctionCall) sobek.Value {
		if e.initialEval {
			w.mu.Lock()
			w.eventTypes[call.Argument(0).String()] = true
			w.mu.Unlock()
		}
		return sobek.Undefined()
	})
	r.SetOp("skipWaiting", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		// Pages of the origin stay alive until the activation it may cause
		// has queued its events.
		release := c.holdPages(e.Origin)
		c.goBackground(func() {
			defer release()
			c.skipWaiting(w)
			res.Resolve(sobek.Undefined())
		})
	}))
	r.SetOp("importScripts", func(call sobek.FunctionCall) sobek.Value {
		list := call.Argument(0).Export()
		urls, _ := list.([]any)
		out := make([]any, 0, len(urls))
		for _, u := range urls {
			src, err := c.importScript(e, fmt.Sprint(u))
			if err != nil {
				r.Throw(err)
			}
			out = append(out, map[string]any{"url": src.URL, "source": string(src.Body)})
		}
		return rt.ToValue(out)
	})
	r.SetOp("evalScript", func(call sobek.FunctionCall) sobek.Value {
		url := call.Argument(0).String()
		_, s := w.script(url)
		if s == nil {
			r.Throw(js.Errorf("NetworkError", "Failed to execute 'importScripts' on 'WorkerGlobalScope': %s is not in the script resource map", url))
		}
		if _, err := r.Run(s); err != nil {
			panic(err)
		}
		return sobek.Undefined()
	})
	e.installClientOps(rt)
}

func ptr[T any](v T) *T { return &v }

func (e *Env) settleReg(res *js.Resolver, info *RegistrationInfo, err error) {
	if err != nil {
		res.Reject(err)
		return
	}
	if info != nil {
		e.MarkKnown(info.ID)
	}
	res.Resolve(func(rt *sobek.Runtime) sobek.Value { return regDesc(rt, info) })
}

func regDesc(rt *sobek.Runtime, info *RegistrationInfo) sobek.Value {
	if info == nil {
		return sobek.Undefined()
	}
	o := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
	_ = o.Set("id", info.ID)
	_ = o.Set("scope", info.Scope)
	_ = o.Set("updateViaCache", info.UpdateViaCache)
	_ = o.Set("installing", workerDesc(rt, info.Installing))
	_ = o.Set("waiting", workerDesc(rt, info.Waiting))
	_ = o.Set("active", workerDesc(rt, info.Active))
	return o
}

func workerDesc(rt *sobek.Runtime, w *WorkerInfo) sobek.Value {
	if w == nil {
		return sobek.Null()
	}
	o := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
	_ = o.Set("id", w.ID)
	_ = o.Set("scriptURL", w.ScriptURL)
	_ = o.Set("state", string(w.State))
	return o
}

// callInternal calls internals[name] with Go arguments converted.
func (e *Env) callInternal(name string, args ...any) (sobek.Value, error) {
	rt := e.Realm.Runtime()
	vals := make([]sobek.Value, len(args))
	for i, a := range args {
		if v, ok := a.(sobek.Value); ok {
			vals[i] = v
		} else {
			vals[i] = rt.ToValue(a)
		}
	}
	return e.Realm.CallInternal(name, vals...)
}

// enableMessages enables the client message queue and flushes it.
func (e *Env) enableMessages() {
	e.mu.Lock()
	if e.msgOn {
		e.mu.Unlock()
		return
	}
	e.msgOn = true
	q := e.msgQueue
	e.msgQueue = nil
	e.mu.Unlock()
	for _, f := range q {
		e.Realm.Enqueue(f)
	}
}

// deliverToClient queues a message task for a window realm, holding it in
// the client message queue until that is enabled.
func (e *Env) deliverToClient(task func()) {
	e.mu.Lock()
	if !e.msgOn {
		e.msgQueue = append(e.msgQueue, task)
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	e.Realm.Enqueue(task)
}

// WorkerObject returns the realm's ServiceWorker object for w ("get the
// service worker object"), or null. Call on the realm's loop.
func (e *Env) WorkerObject(w *Worker) sobek.Value {
	if w == nil {
		return sobek.Null()
	}
	e.MarkKnown(w.Reg.ID)
	return e.internalCall("getWorker", workerDesc(e.Realm.Runtime(), w.info()))
}

// CallInternal calls a function of the realm's internals object with Go
// arguments (converted by the engine); call on the realm's loop.
func (e *Env) CallInternal(name string, args ...any) (sobek.Value, error) {
	return e.callInternal(name, args...)
}

// SerializeMessage runs StructuredSerializeWithTransfer for a postMessage
// in this realm (transfer is a JS array or undefined).
func (e *Env) SerializeMessage(message, transfer sobek.Value) (*web.Cloned, error) {
	return serializeMessage(e.Realm, message, transfer)
}

// DeserializeMessage returns a message's data and its MessagePorts (a JS
// array) in this realm.
func (e *Env) DeserializeMessage(m *web.Cloned) (data, ports sobek.Value, err error) {
	return deserializeMessage(e.Realm, m)
}

// NewMessageEvent makes a MessageEvent in this realm.
func (e *Env) NewMessageEvent(typ string, data, source, ports sobek.Value, origin string) sobek.Value {
	return newMessageEvent(e, typ, data, source, ports, origin)
}

// Envs lists the live realms (pages and running workers).
func (c *Core) Envs() []*Env {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Env, 0, len(c.envs))
	for e := range c.envs {
		out = append(out, e)
	}
	return out
}
