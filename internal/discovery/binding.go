package discovery

import (
	"context"
	_ "embed"
	"sync"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/sw"
)

//go:embed js/discovery.js
var discoverySource string

var discoveryPrelude = js.NewPrelude("discovery/discovery.js", discoverySource)

// Binding puts the draft's API into realms: discover() on
// ServiceWorkerContainer (and, beyond the draft, on the worker global),
// publish()/unpublish() on the worker global, foreign instances of
// ServiceWorker in the discovering realm and foreign clients in the
// discovered worker.
type Binding struct {
	svc *Service

	mu     sync.Mutex
	core   *sw.Core
	discs  map[int64]*discRec
	insts  map[uint64]*instRec
	nextID int64
}

// discRec is one ServiceWorkerDiscovery object.
type discRec struct {
	id         int64
	env        *sw.Env
	regID      int64
	sameOrigin bool
}

// instRec is one foreign instance: a page's (or worker's) handle on another
// origin's published worker.
type instRec struct {
	inst     *Instance
	env      *sw.Env // the discovering realm
	clientID string  // its id as a foreign client
	discID   int64
}

// NewBinding makes the binding of a Service. Call SetCore once the core
// exists, and Install as a realm setup hook.
func NewBinding(svc *Service) *Binding {
	return &Binding{svc: svc, discs: map[int64]*discRec{}, insts: map[uint64]*instRec{}}
}

// SetCore tells the binding which core it serves.
func (b *Binding) SetCore(c *sw.Core) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.core = c
}

// Install is a sw.Options.RealmSetup hook.
func (b *Binding) Install(env *sw.Env) error {
	r := env.Realm
	rt := r.Runtime()
	r.SetOp("discover", func(call sobek.FunctionCall) sobek.Value {
		raw := call.Argument(0).String()
		// discover() step: parse scriptURL against the caller's API base URL.
		u, err := sw.ResolveURL(env.URL, raw)
		if err != nil {
			r.Throw(js.TypeError("Failed to execute 'discover': %q is not a valid URL.", raw))
		}
		scriptURL := u.String()
		p, res := r.NewPromise()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			d, err := b.svc.Discover(ctx, env.Origin, scriptURL, b.lookup)
			if err != nil {
				res.Reject(err)
				return
			}
			rec, result := b.attach(env, d)
			res.Resolve(func(rt *sobek.Runtime) sobek.Value {
				o := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
				_ = o.Set("id", rec.id)
				_ = o.Set("sameOrigin", d.SameOrigin)
				if d.SameOrigin {
					_ = o.Set("worker", result.worker(env))
				} else {
					_ = o.Set("instance", float64(d.Instance.ID))
					_ = o.Set("scriptURL", d.ScriptURL)
					_ = o.Set("state", result.state)
				}
				return o
			})
		}()
		return rt.ToValue(p)
	})
	r.SetOp("discPost", func(call sobek.FunctionCall) sobek.Value {
		b.post(env, uint64(call.Argument(0).ToInteger()), call.Argument(1), call.Argument(2))
		return sobek.Undefined()
	})
	if env.IsWorker() {
		reg := env.Registration()
		r.SetOp("publish", func(call sobek.FunctionCall) sobek.Value {
			var origins []string
			if v := call.Argument(0); !sobek.IsNull(v) && !sobek.IsUndefined(v) {
				if err := rt.ExportTo(v, &origins); err != nil {
					r.Throw(js.TypeError("Failed to execute 'publish': origins must be a sequence of strings"))
				}
				if len(origins) == 0 {
					r.Throw(js.TypeError("Failed to execute 'publish': origins is empty; omit it to allow every origin"))
				}
			}
			p, res := r.NewPromise()
			go func() {
				ok, err := b.svc.Publish(context.Background(), reg.ID, env.URL, origins)
				res.Settle(ok, err)
			}()
			return rt.ToValue(p)
		})
		r.SetOp("unpublish", func(call sobek.FunctionCall) sobek.Value {
			p, res := r.NewPromise()
			go func() {
				ok, err := b.svc.Unpublish(context.Background(), reg.ID)
				res.Settle(ok, err)
			}()
			return rt.ToValue(p)
		})
		r.SetOp("discReply", func(call sobek.FunctionCall) sobek.Value {
			b.reply(env, uint64(call.Argument(0).ToInteger()), call.Argument(1), call.Argument(2))
			return sobek.Undefined()
		})
	}
	if err := r.RunPrelude(discoveryPrelude); err != nil {
		return err
	}
	// Foreign instances end with their realm.
	go func() {
		<-r.Done()
		b.forget(env)
	}()
	return nil
}

// lookup returns the registrations whose worker runs scriptURL: those with
// it active first, then those where it is the newest worker.
func (b *Binding) lookup(scriptURL string) []int64 {
	b.mu.Lock()
	core := b.core
	b.mu.Unlock()
	if core == nil {
		return nil
	}
	var active, newest []int64
	for _, reg := range core.Registrations() {
		if w := reg.Active(); w != nil && w.ScriptURL == scriptURL {
			active = append(active, reg.ID)
			continue
		}
		for _, w := range []*sw.Worker{reg.Waiting(), reg.Installing()} {
			if w != nil && w.ScriptURL == scriptURL {
				newest = append(newest, reg.ID)
				break
			}
		}
	}
	return append(active, newest...)
}

type attachResult struct {
	reg   *sw.Registration
	state string
}

func (a attachResult) worker(env *sw.Env) sobek.Value {
	if a.reg == nil {
		return sobek.Null()
	}
	return workerDesc(env, a.reg.Active())
}

func workerDesc(env *sw.Env, w *sw.Worker) sobek.Value {
	rt := env.Realm.Runtime()
	if w == nil {
		return sobek.Null()
	}
	o := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
	_ = o.Set("id", w.ID)
	_ = o.Set("scriptURL", w.ScriptURL)
	_ = o.Set("state", string(w.State()))
	return o
}

// attach records a discovery (and its foreign instance) for env.
func (b *Binding) attach(env *sw.Env, d Discovery) (*discRec, attachResult) {
	b.mu.Lock()
	b.nextID++
	rec := &discRec{id: b.nextID, env: env, regID: d.RegID, sameOrigin: d.SameOrigin}
	b.discs[rec.id] = rec
	core := b.core
	var ir *instRec
	if d.Instance != nil {
		ir = &instRec{inst: d.Instance, env: env, clientID: sw.NewClientID(), discID: rec.id}
		b.insts[d.Instance.ID] = ir
	}
	b.mu.Unlock()
	if d.SameOrigin {
		env.MarkKnown(d.RegID) // its ServiceWorker objects hear statechange
	}
	res := attachResult{state: string(sw.Activated)}
	if core != nil {
		res.reg = core.RegistrationByID(d.RegID)
		if res.reg != nil {
			if w := res.reg.Active(); w != nil {
				res.state = string(w.State())
			} else {
				res.state = string(sw.Installing)
			}
		}
	}
	if ir != nil {
		id := float64(ir.inst.ID)
		// Unpublish, revoke or deny make the instance inert at once: its
		// state becomes redundant and postMessage throws.
		ir.inst.OnInert(func() {
			env.Realm.Enqueue(func() { _, _ = env.CallInternal("discForeignState", id, string(sw.Redundant)) })
		})
	}
	return rec, res
}

func (b *Binding) instance(id uint64) *instRec {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.insts[id]
}

// post is a foreign instance's postMessage: an ExtendableMessageEvent at
// the discovered registration's active worker, whose source is a foreign
// client (id, type, origin, postMessage) and whose origin is the caller's.
func (b *Binding) post(env *sw.Env, id uint64, message, transfer sobek.Value) {
	ir := b.instance(id)
	if ir == nil || ir.env != env || !ir.inst.Valid() || !b.svc.Valid(ir.inst.RequestingOrigin, ir.inst.RegID, ir.inst.ScriptURL) {
		env.Realm.Throw(js.Errorf("InvalidStateError", "Failed to execute 'postMessage' on 'ServiceWorker': the foreign service worker is no longer available."))
	}
	msg, err := env.SerializeMessage(message, transfer)
	if err != nil {
		env.Realm.Throw(err)
	}
	b.mu.Lock()
	core := b.core
	b.mu.Unlock()
	reg := core.RegistrationByID(ir.inst.RegID)
	if reg == nil {
		return
	}
	w := reg.Active()
	if w == nil {
		return
	}
	typ := "window"
	if env.IsWorker() {
		typ = "worker"
	}
	origin := env.Origin
	env.Realm.Ref() // the sender stays alive until the worker handled it
	go func() {
		defer env.Realm.Unref()
		_, err := core.Dispatch(context.Background(), w, sw.Event{Type: "message", Build: func(wenv *sw.Env, rt *sobek.Runtime) (sobek.Value, error) {
			data, ports, derr := wenv.DeserializeMessage(msg)
			init := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
			_ = init.Set("origin", origin)
			src, err := wenv.CallInternal("makeForeignClient", float64(id), ir.clientID, typ, origin)
			if err != nil {
				return nil, err
			}
			_ = init.Set("source", src)
			if derr != nil {
				return sw.NewEvent(wenv, "ExtendableMessageEvent", "messageerror", init)
			}
			_ = init.Set("data", data)
			_ = init.Set("ports", ports)
			return sw.NewEvent(wenv, "ExtendableMessageEvent", "message", init)
		}})
		if err != nil {
			core.Logger().Info("foreign message event failed", "script", w.ScriptURL, "error", err)
		}
	}()
}

// reply is a foreign client's postMessage: a message event in the
// discovering realm only, whose source is its foreign instance.
func (b *Binding) reply(wenv *sw.Env, id uint64, message, transfer sobek.Value) {
	ir := b.instance(id)
	msg, err := wenv.SerializeMessage(message, transfer)
	if err != nil {
		wenv.Realm.Throw(err)
	}
	if ir == nil || !ir.inst.Valid() {
		return // the page is gone or no longer granted: nothing is delivered
	}
	reg := wenv.Registration()
	if reg == nil || reg.ID != ir.inst.RegID {
		wenv.Realm.Throw(js.Errorf("InvalidStateError", "this foreign client belongs to another service worker"))
	}
	origin := wenv.Origin
	env := ir.env
	env.Realm.Enqueue(func() {
		data, ports, derr := env.DeserializeMessage(msg)
		typ := "message"
		if derr != nil {
			typ, data = "messageerror", nil
		}
		rt := env.Realm.Runtime()
		makeEvent := rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
			return env.NewMessageEvent(typ, data, call.Argument(0), ports, origin)
		})
		_, _ = env.CallInternal("discMessage", float64(id), makeEvent)
	})
}

// RegistrationChanged tells discoveries of the registration: updatefound
// when it gets a new worker, the new active worker once activated, and
// forgets its publication when it is unregistered.
func (b *Binding) RegistrationChanged(reg *sw.Registration, change sw.Change) {
	if change == sw.ChangeUnregistered {
		_ = b.svc.Forget(context.Background(), reg.ID)
	}
	b.mu.Lock()
	var recs []*discRec
	for _, d := range b.discs {
		if d.regID == reg.ID {
			recs = append(recs, d)
		}
	}
	b.mu.Unlock()
	for _, d := range recs {
		d := d
		switch change {
		case sw.ChangeUpdated:
			d.env.Realm.Enqueue(func() { _, _ = d.env.CallInternal("discUpdateFound", d.id) })
		case sw.ChangeActivated:
			w := reg.Active()
			d.env.Realm.Enqueue(func() { _, _ = d.env.CallInternal("discSetActive", d.id, workerDesc(d.env, w)) })
		}
	}
}

// forget releases everything of a realm that ended.
func (b *Binding) forget(env *sw.Env) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, d := range b.discs {
		if d.env == env {
			delete(b.discs, id)
		}
	}
	for id, ir := range b.insts {
		if ir.env == env {
			ir.inst.Release()
			delete(b.insts, id)
		}
	}
}

// ForeignClients counts the live foreign instances of a registration (for
// the inspector).
func (b *Binding) ForeignClients(regID int64) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, ir := range b.insts {
		if ir.inst.RegID == regID && ir.inst.Valid() {
			n++
		}
	}
	return n
}
