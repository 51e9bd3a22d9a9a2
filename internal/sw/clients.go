package sw

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// Client is a service worker client: a window (headless page or a browsing
// context on the front).
type Client struct {
	core      *Core
	ID        string
	Type      string // "window"
	URL       string // creation URL
	Origin    string
	FrameType string
	Created   time.Time
	// ServedByWorker reports whether the client's navigation was answered
	// by a service worker's fetch event.
	ServedByWorker bool

	mu         sync.Mutex
	env        *Env
	controller *Worker // the client's active service worker
	visible    bool
	focused    bool
	closed     bool
}

// Controller returns the client's active service worker, or nil.
func (cl *Client) Controller() *Worker {
	if cl == nil {
		return nil
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.controller
}

func (cl *Client) controllerReg() *Registration {
	w := cl.Controller()
	if w == nil {
		return nil
	}
	return w.Reg
}

// Env returns the client's realm, or nil for a client without one.
func (cl *Client) Env() *Env {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.env
}

// setController sets the client's active service worker and, if fire is
// set, queues controllerchange in its realm.
func (cl *Client) setController(w *Worker, fire bool) {
	cl.mu.Lock()
	cl.controller = w
	env := cl.env
	cl.mu.Unlock()
	if env == nil || !fire {
		return
	}
	if w != nil {
		env.MarkKnown(w.Reg.ID)
	}
	info := w.info()
	env.Realm.Enqueue(func() {
		_, _ = env.callInternal("swSetController", workerDesc(env.Realm.Runtime(), info))
	})
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// NewClientID makes a client id (a UUID).
func NewClientID() string { return newID() }

// addClient registers a window client.
func (c *Core) addClient(cl *Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clients[cl.ID] = cl
}

// RemoveClient forgets a client (its window closed).
func (c *Core) RemoveClient(id string) {
	c.mu.Lock()
	cl := c.clients[id]
	delete(c.clients, id)
	var regs []*Registration
	if cl != nil {
		if w := cl.Controller(); w != nil {
			regs = append(regs, w.Reg)
		}
	}
	c.mu.Unlock()
	// A registration waiting for its clients to go may now activate or be
	// cleared.
	for _, reg := range regs {
		c.mu.Lock()
		uninstalling := reg.uninstalling && !c.inUseLocked(reg)
		c.mu.Unlock()
		if uninstalling {
			c.clearRegistration(reg)
		} else {
			c.tryActivate(reg)
		}
	}
}

// Clients lists the window clients of an origin ("" for all), in creation
// order.
func (c *Core) Clients(origin string) []*Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*Client
	for _, cl := range c.clients {
		if origin == "" || cl.Origin == origin {
			out = append(out, cl)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// ClientByID finds a client.
func (c *Core) ClientByID(id string) *Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clients[id]
}

func clientDesc(rt *sobek.Runtime, cl *Client) sobek.Value {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	o := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
	_ = o.Set("id", cl.ID)
	_ = o.Set("url", cl.URL)
	_ = o.Set("type", cl.Type)
	_ = o.Set("frameType", cl.FrameType)
	vis := "hidden"
	if cl.visible {
		vis = "visible"
	}
	_ = o.Set("visibilityState", vis)
	_ = o.Set("focused", cl.focused)
	_ = o.Set("ancestorOrigins", rt.NewArray())
	return o
}

func (e *Env) installClientOps(rt *sobek.Runtime) {
	r := e.Realm
	c := e.core
	w := e.Worker
	r.SetOp("clientsGet", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		// Clients.get(id): a client of the same origin, else undefined.
		cl := c.ClientByID(call.Argument(0).String())
		if cl == nil || cl.Origin != e.Origin {
			res.Resolve(sobek.Undefined())
			return
		}
		res.Resolve(func(rt *sobek.Runtime) sobek.Value { return clientDesc(rt, cl) })
	}))
	r.SetOp("clientsMatchAll", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		includeUncontrolled := call.Argument(0).ToBoolean()
		typ := call.Argument(1).String()
		var list []*Client
		for _, cl := range c.Clients(e.Origin) {
			if typ != "all" && cl.Type != typ {
				continue
			}
			// Without includeUncontrolled only clients whose active service
			// worker is this worker.
			if !includeUncontrolled && cl.Controller() != w {
				continue
			}
			list = append(list, cl)
		}
		res.Resolve(func(rt *sobek.Runtime) sobek.Value {
			vals := make([]any, len(list))
			for i, cl := range list {
				vals[i] = clientDesc(rt, cl)
			}
			return rt.NewArray(vals...)
		})
	}))
	r.SetOp("clientsClaim", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		c.goBackground(func() { res.Settle(sobek.Undefined(), c.claim(w)) })
	}))
	r.SetOp("clientsOpenWindow", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		raw := call.Argument(0).String()
		u, err := ResolveURL(e.URL, raw)
		if err != nil {
			res.Reject(js.TypeError("Failed to execute 'openWindow' on 'Clients': Invalid URL %q.", raw))
			return
		}
		c.goBackground(func() {
			page, err := c.OpenPage(context.Background(), u.String(), PageOptions{Visible: true})
			if err != nil {
				res.Reject(js.TypeError("Failed to execute 'openWindow' on 'Clients': %v", err))
				return
			}
			if page.Client.Origin != e.Origin {
				res.Resolve(sobek.Null())
				return
			}
			res.Resolve(func(rt *sobek.Runtime) sobek.Value { return clientDesc(rt, page.Client) })
		})
	}))
	r.SetOp("clientFocus", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		cl := c.ClientByID(call.Argument(0).String())
		if cl == nil {
			res.Reject(js.TypeError("Failed to execute 'focus' on 'WindowClient': The client was closed."))
			return
		}
		cl.mu.Lock()
		cl.focused, cl.visible = true, true
		cl.mu.Unlock()
		res.Resolve(func(rt *sobek.Runtime) sobek.Value { return clientDesc(rt, cl) })
	}))
	r.SetOp("clientNavigate", e.promiseOp(func(call sobek.FunctionCall, res *js.Resolver) {
		res.Reject(js.TypeError("Failed to execute 'navigate' on 'WindowClient': navigating an existing headless page is not supported; use clients.openWindow()."))
	}))
	r.SetOp("postToClient", func(call sobek.FunctionCall) sobek.Value {
		cl := c.ClientByID(call.Argument(0).String())
		msg, err := serializeMessage(r, call.Argument(1), call.Argument(2))
		if err != nil {
			r.Throw(err)
		}
		if cl == nil {
			return sobek.Undefined()
		}
		env := cl.Env()
		if env == nil {
			return sobek.Undefined()
		}
		info := w.info()
		origin := e.Origin
		env.MarkKnown(w.Reg.ID)
		env.deliverToClient(func() {
			data, ports, err := deserializeMessage(env.Realm, msg)
			rt := env.Realm.Runtime()
			source := env.internalCall("getWorker", workerDesc(rt, info))
			typ := "message"
			if err != nil {
				typ, data = "messageerror", nil
			}
			_, _ = env.callInternal("swContainerMessage", newMessageEvent(env, typ, data, source, ports, origin))
		})
		return sobek.Undefined()
	})
}

func (e *Env) internalCall(name string, args ...any) sobek.Value {
	v, err := e.callInternal(name, args...)
	if err != nil {
		return sobek.Null()
	}
	return v
}

// claim is Clients.claim().
func (c *Core) claim(w *Worker) error {
	c.mu.Lock()
	reg := w.Reg
	// 1. If the service worker is not an active worker: InvalidStateError.
	if reg.active != w {
		c.mu.Unlock()
		return js.Errorf("InvalidStateError", "Failed to execute 'claim' on 'Clients': Only the active worker can claim clients.")
	}
	// 2. For each client of the same origin whose URL matches this
	// registration (and not another, longer one), take control.
	var claim []*Client
	for _, cl := range c.clients {
		if cl.Origin != reg.Origin {
			continue
		}
		if c.matchLocked(cl.URL) != reg || cl.Controller() == w {
			continue
		}
		claim = append(claim, cl)
	}
	for _, cl := range claim {
		cl.setController(w, true)
	}
	c.mu.Unlock()
	return nil
}

// postToWorker is ServiceWorker.postMessage(): an ExtendableMessageEvent at
// the worker, whose source is the sender (a WindowClient, or the sending
// worker's ServiceWorker).
func (c *Core) postToWorker(sender *Env, workerID int64, message, transfer sobek.Value) {
	c.mu.Lock()
	w := c.workers[workerID]
	c.mu.Unlock()
	msg, err := serializeMessage(sender.Realm, message, transfer)
	if err != nil {
		sender.Realm.Throw(err)
	}
	if w == nil {
		return
	}
	sender.Realm.Ref() // the sender stays alive until the worker handled it
	origin := sender.Origin
	client := sender.Client
	var fromWorker *WorkerInfo
	if sender.Worker != nil {
		fromWorker = sender.Worker.info()
	}
	c.goBackground(func() {
		defer sender.Realm.Unref()
		_, err := c.Dispatch(context.Background(), w, Event{Type: "message", Build: func(env *Env, rt *sobek.Runtime) (sobek.Value, error) {
			data, ports, derr := deserializeMessage(env.Realm, msg)
			init := rt.CreateObject(nil) // own members only: no setter on Object.prototype runs
			_ = init.Set("origin", origin)
			switch {
			case client != nil:
				_ = init.Set("source", env.internalCall("makeClient", clientDesc(rt, client)))
			case fromWorker != nil:
				env.MarkKnown(sender.Worker.Reg.ID)
				_ = init.Set("source", env.internalCall("getWorker", workerDesc(rt, fromWorker)))
			}
			if derr != nil {
				return newEvent(env, "ExtendableMessageEvent", "messageerror", init)
			}
			_ = init.Set("data", data)
			_ = init.Set("ports", ports)
			return newEvent(env, "ExtendableMessageEvent", "message", init)
		}})
		if err != nil {
			c.log.Info("message event failed", "script", w.ScriptURL, "error", err)
		}
	})
}

// waitReady resolves ServiceWorkerContainer.ready: the registration
// matching the client's URL once it has an active worker.
func (c *Core) waitReady(e *Env, res *js.Resolver) {
	c.mu.Lock()
	defer c.mu.Unlock()
	reg := c.matchLocked(e.URL)
	if reg != nil && reg.active != nil {
		info := reg.infoLocked()
		e.settleReg(res, &info, nil)
		return
	}
	c.readyWaiters = append(c.readyWaiters, readyWaiter{env: e, res: res})
}

type readyWaiter struct {
	env *Env
	res *js.Resolver
}

func (c *Core) notifyReady(reg *Registration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.readyWaiters[:0]
	for _, w := range c.readyWaiters {
		if m := c.matchLocked(w.env.URL); m == reg && reg.active != nil {
			info := reg.infoLocked()
			w.env.settleReg(w.res, &info, nil)
			continue
		}
		keep = append(keep, w)
	}
	c.readyWaiters = keep
}

// workerFetcher is what fetch() uses inside a worker: the network.
func (c *Core) workerFetcher(env *Env) web.Fetcher {
	return c.net
}

// clientFetcher is what fetch() uses in a window: Handle Fetch through the
// client's active service worker, then the network.
func (c *Core) clientFetcher(cl *Client) web.Fetcher {
	return web.FetcherFunc(func(ctx context.Context, req *web.Request) (*web.Response, error) {
		if cl != nil {
			req.ClientID = cl.ID
			if w := cl.Controller(); w != nil && req.ServiceWorkers != "none" && req.Mode != "navigate" {
				resp, err := c.DispatchFetch(ctx, w, req)
				if err != nil || resp != nil {
					return resp, err
				}
			}
		}
		return c.net.Fetch(ctx, req)
	})
}
