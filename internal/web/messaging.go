package web

import (
	"errors"
	"sync"
	"weak"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

// Channel messaging (HTML §9.4): MessageChannel, MessagePort and
// MessageEvent across realms.
//
// A Port is the Go side of a MessagePort: entangled with one other Port,
// represented in at most one realm at a time by a JS MessagePort object (a
// portRef). Transferring a port detaches the sender's JS object and binds a
// new one in the receiving realm; the Port, its entanglement and its port
// message queue stay the same. Messages wait in the queue while the port is
// in transit or its queue is disabled (until start() or setting onmessage),
// and are delivered one task each on the owning realm's loop. Listening does
// not keep a realm alive.

// Port is one end of a message channel.
type Port struct {
	pair *portPair // guards every field below, for both ports of the pair
	peer *Port     // the entangled port; nil once disentangled

	owner     *portRef // the JS object representing the port; nil in transit or in Go
	enabled   bool     // the port message queue is enabled
	queue     []portItem
	scheduled *portRef // the owner a pump task is queued for
	closed    bool     // close() was called here
	owedClose bool     // a close event is owed to the next owner

	goHandler func(*Cloned) // a Go endpoint (see Port.OnMessage)
}

type portPair struct{ mu sync.Mutex }

// portRef is one JS MessagePort object's tie to a Port.
type portRef struct {
	p        *Port
	r        *js.Realm
	obj      *sobek.Object
	detached bool // transferred away or closed: this object no longer is the port
}

type portItem struct {
	msg   *Cloned
	close bool // the close event, after the messages before it
}

// NewPortPair makes two entangled ports owned by no realm (MessageChannel's
// steps without the JS objects). Bind them to realms with PortsToJS.
func NewPortPair() (*Port, *Port) {
	pair := &portPair{}
	a, b := &Port{pair: pair}, &Port{pair: pair}
	a.peer, b.peer = b, a
	return a, b
}

// Entangled reports whether the port is still entangled.
func (p *Port) Entangled() bool {
	p.pair.mu.Lock()
	defer p.pair.mu.Unlock()
	return p.peer != nil
}

// PostMessage sends a message from Go through p to its entangled port (as
// the message port post message steps after serialization). It reports
// false if p is not entangled; the message is then discarded.
func (p *Port) PostMessage(c *Cloned) bool {
	p.pair.mu.Lock()
	target := p.peer
	if target == nil || p.closed {
		p.pair.mu.Unlock()
		c.Discard()
		return false
	}
	run := target.enqueueLocked(portItem{msg: c})
	p.pair.mu.Unlock()
	run()
	return true
}

// OnMessage makes p a Go endpoint: messages that arrive at p call fn (on the
// sender's goroutine, in order; fn must not block). A port with a Go
// handler must not be bound to a realm.
func (p *Port) OnMessage(fn func(*Cloned)) {
	p.pair.mu.Lock()
	p.goHandler = fn
	q := p.queue
	p.queue = nil
	p.pair.mu.Unlock()
	for _, it := range q {
		if !it.close {
			fn(it.msg)
		}
	}
}

// Close disentangles p (MessagePort close() from Go).
func (p *Port) Close() {
	p.pair.mu.Lock()
	p.closed = true
	run := p.disentangleLocked()
	p.pair.mu.Unlock()
	run()
}

func nop() {}

// enqueueLocked adds an item to p's port message queue and returns what
// to run, after unlocking, to get it delivered.
func (p *Port) enqueueLocked(it portItem) func() {
	if p.goHandler != nil {
		fn := p.goHandler
		if it.close {
			return nop
		}
		return func() { fn(it.msg) }
	}
	p.queue = append(p.queue, it)
	return p.kickLocked()
}

// kickLocked schedules a pump task on the owner's loop if the queue is
// enabled, not empty and no pump is queued for this owner already.
func (p *Port) kickLocked() func() {
	ref := p.owner
	if ref == nil || !p.enabled || len(p.queue) == 0 || p.scheduled == ref {
		return nop
	}
	p.scheduled = ref
	return func() {
		if !ref.r.Enqueue(func() { p.pump(ref) }) {
			p.realmGone(ref)
		}
	}
}

// pump runs on ref's loop: it takes one message from the queue (a task
// each, as HTML's port message queue) and schedules the next.
func (p *Port) pump(ref *portRef) {
	p.pair.mu.Lock()
	if p.scheduled == ref {
		p.scheduled = nil
	}
	if p.owner != ref || !p.enabled || len(p.queue) == 0 {
		p.pair.mu.Unlock()
		return
	}
	it := p.queue[0]
	p.queue[0] = portItem{}
	p.queue = p.queue[1:]
	if len(p.queue) == 0 {
		p.queue = nil
	}
	next := p.kickLocked()
	p.pair.mu.Unlock()
	next()
	if it.close {
		firePortEvent(ref, "close", nil, nil)
		return
	}
	deliverMessage(ref, it.msg)
}

// deliverMessage runs the steps of the task queued by "message port post
// message steps" (step 7) in the receiving realm.
func deliverMessage(ref *portRef, c *Cloned) {
	r := ref.r
	// 7.3-7.4 Let deserializeRecord be StructuredDeserializeWithTransfer(
	// serializeWithTransferResult, targetRealm); if that threw, fire an
	// event named messageerror at finalTargetPort, using MessageEvent.
	v, transferred, err := DeserializeWithTransfer(r, c)
	if err != nil {
		firePortEvent(ref, "messageerror", sobek.Null(), nil)
		return
	}
	// 7.6 Let newPorts be a new frozen array of the MessagePorts in
	// deserializeRecord.[[TransferredValues]]. 7.7 Fire an event named
	// message at finalTargetPort, using MessageEvent, with data and ports.
	firePortEvent(ref, "message", v, messagePortsIn(r, transferred))
}

func firePortEvent(ref *portRef, typ string, data sobek.Value, ports []sobek.Value) {
	r := ref.r
	rt := r.Runtime()
	if data == nil {
		data = sobek.Undefined()
	}
	list := make([]any, len(ports))
	for i, p := range ports {
		list[i] = p
	}
	_, _ = callMessaging(r, "fire", ref.obj, rt.ToValue(typ), data, rt.NewArray(list...))
}

// disentangleLocked is HTML's "disentangle": both ports lose each other and
// the other port gets a close event (after the messages already in its
// queue when those are being delivered).
func (p *Port) disentangleLocked() func() {
	other := p.peer
	if other == nil {
		return nop
	}
	p.peer, other.peer = nil, nil
	if other.goHandler != nil {
		return nop
	}
	if other.owner == nil {
		other.owedClose = true
		return nop
	}
	if other.enabled && len(other.queue) > 0 {
		return other.enqueueLocked(portItem{close: true})
	}
	ref := other.owner
	return func() {
		ref.r.Enqueue(func() {
			other.pair.mu.Lock()
			current := other.owner == ref
			other.pair.mu.Unlock()
			if current {
				firePortEvent(ref, "close", nil, nil)
			}
		})
	}
}

// realmGone handles a port whose realm closed: like a document destroyed,
// its entangled port is disentangled.
func (p *Port) realmGone(ref *portRef) {
	p.pair.mu.Lock()
	var run func() = nop
	if p.owner == ref {
		p.owner = nil
		p.queue = nil
		ref.detached = true
		run = p.disentangleLocked()
	}
	p.pair.mu.Unlock()
	run()
}

// ---- binding ports to realms ----------------------------------------------

// realmPorts tracks the ports a realm owns, weakly, to disentangle them when
// the realm ends.
type realmPorts struct {
	mu   sync.Mutex
	list []weak.Pointer[Port]
	live int
}

func (st *platformState) trackPort(p *Port) {
	// Called on the realm's loop only, so st.ports needs no lock.
	first := st.ports == nil
	if first {
		st.ports = &realmPorts{}
	}
	rp := st.ports
	rp.mu.Lock()
	if len(rp.list) >= 2*rp.live+16 {
		kept := rp.list[:0]
		for _, w := range rp.list {
			if w.Value() != nil {
				kept = append(kept, w)
			}
		}
		clear(rp.list[len(kept):])
		rp.list = kept
		rp.live = len(kept)
	}
	rp.list = append(rp.list, weak.Make(p))
	rp.live++
	rp.mu.Unlock()
	if first {
		r := st.r
		go func() {
			<-r.Done()
			rp.mu.Lock()
			list := rp.list
			rp.list = nil
			rp.mu.Unlock()
			for _, w := range list {
				if p := w.Value(); p != nil {
					p.pair.mu.Lock()
					ref := p.owner
					p.pair.mu.Unlock()
					if ref != nil && ref.r == r {
						p.realmGone(ref)
					}
				}
			}
		}()
	}
}

// bind makes a JS MessagePort for p in r (on r's loop) and makes it p's
// owner, with its port message queue disabled.
func bind(r *js.Realm, p *Port) (*sobek.Object, error) {
	st := stateOf(r)
	if st == nil {
		return nil, errors.New("web: InstallPlatform was not run in this realm")
	}
	ref := &portRef{p: p, r: r}
	v, err := callMessaging(r, "newPort", r.Runtime().ToValue(ref))
	if err != nil {
		return nil, err
	}
	ref.obj = v.(*sobek.Object)
	p.pair.mu.Lock()
	p.owner = ref
	p.enabled = false
	owed := p.owedClose
	p.owedClose = false
	p.pair.mu.Unlock()
	st.trackPort(p)
	if owed {
		r.Enqueue(func() {
			p.pair.mu.Lock()
			current := p.owner == ref
			p.pair.mu.Unlock()
			if current {
				firePortEvent(ref, "close", nil, nil)
			}
		})
	}
	return ref.obj, nil
}

// PortsToJS binds ports (not owned by a realm, e.g. from NewPortPair or
// Cloned.Ports of a message handled in Go) to MessagePort objects in r. Call
// on r's loop.
func PortsToJS(r *js.Realm, ports []*Port) ([]sobek.Value, error) {
	out := make([]sobek.Value, len(ports))
	for i, p := range ports {
		p.pair.mu.Lock()
		owned := p.owner != nil
		p.pair.mu.Unlock()
		if owned {
			return nil, errors.New("web: port already owned by a realm")
		}
		obj, err := bind(r, p)
		if err != nil {
			return nil, err
		}
		out[i] = obj
	}
	return out, nil
}

// PortOf returns the Port behind a MessagePort object of r, or nil.
func PortOf(r *js.Realm, v sobek.Value) *Port {
	ref := portRefOf(r, v)
	if ref == nil {
		return nil
	}
	ref.p.pair.mu.Lock()
	defer ref.p.pair.mu.Unlock()
	if ref.detached {
		return nil
	}
	return ref.p
}

func portRefOf(r *js.Realm, v sobek.Value) *portRef {
	if _, ok := v.(*sobek.Object); !ok {
		return nil
	}
	h, err := callMessaging(r, "handle", v)
	if err != nil || h == nil || sobek.IsUndefined(h) {
		return nil
	}
	ref, _ := h.Export().(*portRef)
	return ref
}

// messagePortsIn returns the MessagePort objects among transferred values.
func messagePortsIn(r *js.Realm, vals []sobek.Value) []sobek.Value {
	var out []sobek.Value
	for _, v := range vals {
		if portRefOf(r, v) != nil {
			out = append(out, v)
		}
	}
	return out
}

// MessagePortsIn returns the MessagePort objects among the transferred
// values returned by DeserializeWithTransfer (an event's ports).
func MessagePortsIn(r *js.Realm, transferred []sobek.Value) []sobek.Value {
	return messagePortsIn(r, transferred)
}

func init() {
	// MessagePort is transferable (HTML: its transfer steps move the port
	// message queue and the entanglement; transfer-receiving steps make a
	// new MessagePort with a disabled queue).
	RegisterHostType(HostType{
		Interface: "MessagePort",
		Detached: func(r *js.Realm, obj *sobek.Object) bool {
			ref := portRefOf(r, obj)
			if ref == nil {
				return true
			}
			ref.p.pair.mu.Lock()
			defer ref.p.pair.mu.Unlock()
			return ref.detached || ref.p.owner != ref || ref.p.closed
		},
		Transfer: func(r *js.Realm, obj *sobek.Object) (any, error) {
			ref := portRefOf(r, obj)
			if ref == nil {
				return nil, dataCloneError("A MessagePort could not be transferred.")
			}
			p := ref.p
			p.pair.mu.Lock()
			defer p.pair.mu.Unlock()
			if ref.detached || p.owner != ref {
				return nil, dataCloneError("A MessagePort is detached and could not be transferred.")
			}
			ref.detached = true
			p.owner = nil
			p.enabled = false
			return p, nil
		},
		Receive: func(r *js.Realm, data any) (sobek.Value, error) {
			return bind(r, data.(*Port))
		},
		Discard: func(data any) { data.(*Port).Close() },
	})
}

// ---- MessageEvent ----------------------------------------------------------

// MessageEventInit is HTML's MessageEventInit for events made from Go.
type MessageEventInit struct {
	Data        sobek.Value // nil: null
	Origin      string
	LastEventID string
	Source      sobek.Value // nil: null; a MessagePort, ServiceWorker, Client, …
	Ports       []sobek.Value
	Bubbles     bool
	Cancelable  bool
}

// NewMessageEvent makes a MessageEvent in r (on its loop). The source is
// not type-checked, so packages above may pass their own objects.
func NewMessageEvent(r *js.Realm, typ string, init MessageEventInit) (*sobek.Object, error) {
	rt := r.Runtime()
	val := func(v sobek.Value) sobek.Value {
		if v == nil {
			return sobek.Null()
		}
		return v
	}
	ports := make([]any, len(init.Ports))
	for i, p := range init.Ports {
		ports[i] = p
	}
	v, err := callMessaging(r, "makeEvent", rt.ToValue(typ), val(init.Data), rt.ToValue(init.Origin),
		rt.ToValue(init.LastEventID), val(init.Source), rt.NewArray(ports...), rt.ToValue(init.Bubbles), rt.ToValue(init.Cancelable))
	if err != nil {
		return nil, err
	}
	return v.(*sobek.Object), nil
}

// DispatchTrusted dispatches event at target as a trusted event (on r's
// loop); listener exceptions are reported. It returns false if the event
// was canceled.
func DispatchTrusted(r *js.Realm, target, event sobek.Value) (bool, error) {
	v, err := r.CallInternal("dispatchTrusted", target, event)
	if err != nil {
		return false, err
	}
	return v.ToBoolean(), nil
}

// ---- JS binding -----------------------------------------------------------

// callMessaging calls a method of internals.platformMessaging (platform.js),
// making the messaging interfaces first if needed. Call on r's loop.
func callMessaging(r *js.Realm, method string, args ...sobek.Value) (sobek.Value, error) {
	st := stateOf(r)
	if st == nil {
		return nil, errors.New("web: InstallPlatform was not run in this realm")
	}
	if st.messaging == nil {
		obj, ok := r.Internal("platformMessaging").(*sobek.Object)
		if !ok {
			return nil, errors.New("web: internals.platformMessaging missing")
		}
		st.messaging = map[string]sobek.Callable{}
		for _, name := range []string{"newPort", "handle", "fire", "makeEvent"} {
			fn, ok := sobek.AssertFunction(obj.Get(name))
			if !ok {
				return nil, errors.New("web: internals.platformMessaging." + name + " missing")
			}
			st.messaging[name] = fn
		}
	}
	return st.messaging[method](sobek.Undefined(), args...)
}

func installMessagingOps(r *js.Realm) {
	rt := r.Runtime()
	handle := func(v sobek.Value) *portRef {
		ref, _ := v.Export().(*portRef)
		if ref == nil {
			panic(rt.NewTypeError("Illegal invocation"))
		}
		return ref
	}
	// channelNew() → [port1, port2] (MessageChannel constructor steps).
	r.SetOp("channelNew", func(sobek.FunctionCall) sobek.Value {
		a, b := NewPortPair()
		pa, err := bind(r, a)
		if err != nil {
			r.Throw(err)
		}
		pb, err := bind(r, b)
		if err != nil {
			r.Throw(err)
		}
		return rt.NewArray(pa, pb)
	})
	// portPost(handle, message, transfer): the message port post message
	// steps.
	r.SetOp("portPost", func(c sobek.FunctionCall) sobek.Value {
		ref := handle(c.Argument(0))
		p := ref.p
		transfer := arrayValues(c.Argument(2))
		p.pair.mu.Lock()
		// 1. Let targetPort be the port with which sourcePort is entangled.
		var target *Port
		if !ref.detached && p.owner == ref {
			target = p.peer
		}
		p.pair.mu.Unlock()
		doomed := false
		for _, t := range transfer {
			tr := portRefOf(r, t)
			if tr == nil {
				continue
			}
			// 2. If transfer contains sourcePort, throw a DataCloneError.
			if tr.p == p {
				r.Throw(dataCloneError("Failed to execute 'postMessage' on 'MessagePort': Port at index 0 contains the source port."))
			}
			// 4. If transfer contains targetPort, the channel is doomed.
			if target != nil && tr.p == target {
				doomed = true
				r.Logger().Warn("MessagePort posted to itself: the channel is lost", "realm", r.Name())
			}
		}
		// 5. Let serializeWithTransferResult be ?
		// StructuredSerializeWithTransfer(message, transfer).
		cl, err := Serialize(r, c.Argument(1), transfer)
		if err != nil {
			r.Throw(err)
		}
		// 6. If targetPort is null, or if doomed is true, then return.
		if target == nil || doomed {
			cl.Discard()
			return sobek.Undefined()
		}
		// 7. Add a task to the port message queue of targetPort.
		p.pair.mu.Lock()
		if p.peer != target {
			p.pair.mu.Unlock()
			cl.Discard()
			return sobek.Undefined()
		}
		run := target.enqueueLocked(portItem{msg: cl})
		p.pair.mu.Unlock()
		run()
		return sobek.Undefined()
	})
	// portStart(handle): enable the port message queue (start()).
	r.SetOp("portStart", func(c sobek.FunctionCall) sobek.Value {
		ref := handle(c.Argument(0))
		p := ref.p
		p.pair.mu.Lock()
		run := nop
		if p.owner == ref && !ref.detached {
			p.enabled = true
			run = p.kickLocked()
		}
		p.pair.mu.Unlock()
		run()
		return sobek.Undefined()
	})
	// portClose(handle): close(): set [[Detached]] and disentangle.
	r.SetOp("portClose", func(c sobek.FunctionCall) sobek.Value {
		ref := handle(c.Argument(0))
		p := ref.p
		p.pair.mu.Lock()
		run := nop
		if p.owner == ref && !ref.detached {
			ref.detached = true
			p.closed = true
			p.owner = nil
			p.queue = nil
			run = p.disentangleLocked()
		}
		p.pair.mu.Unlock()
		run()
		return sobek.Undefined()
	})
}
