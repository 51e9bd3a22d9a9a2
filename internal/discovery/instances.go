package discovery

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Instance is one live foreign instance: the handle a page of
// RequestingOrigin holds on the published worker of registration RegID
// running ScriptURL (the page's ServiceWorkerDiscovery/ServiceWorker). Seen
// from the worker it is a foreign client of RequestingOrigin.
//
// An instance becomes inert when the registration is unpublished (or
// republished to origins that exclude RequestingOrigin, or forgotten) or
// the grant of (RequestingOrigin, ScriptURL) is revoked or turned to deny;
// it then never becomes live again: the page must discover() anew. Inert
// and released instances do not count towards the limits.
type Instance struct {
	ID               uint64
	RequestingOrigin string
	RegID            int64
	ScriptURL        string
	CreatedAt        time.Time

	svc   *Service
	inert atomic.Bool

	mu        sync.Mutex
	callbacks []func()
	released  bool
}

// Inert reports whether the instance was made inert or released. The
// binding checks it (and Service.Valid, which also covers state changed
// behind this process's back) before delivering anything.
func (in *Instance) Inert() bool { return in.inert.Load() }

// Valid reports !Inert() and Service.Valid for the instance's key.
func (in *Instance) Valid() bool {
	return !in.Inert() && in.svc.Valid(in.RequestingOrigin, in.RegID, in.ScriptURL)
}

// OnInert registers f to run when the instance becomes inert (not when it
// is released). f runs synchronously on the goroutine that made it inert
// (Unpublish, Revoke, ...), after the registry's locks are released; it must
// not block: a realm should post to its loop. If the instance is inert
// already, f runs at once on the caller's goroutine.
func (in *Instance) OnInert(f func()) {
	in.mu.Lock()
	if !in.inert.Load() {
		in.callbacks = append(in.callbacks, f)
		in.mu.Unlock()
		return
	}
	released := in.released
	in.mu.Unlock()
	if !released {
		f()
	}
}

// Release gives the instance up (the page went away or dropped it): it
// stops counting towards the limits and is inert, without running the
// OnInert callbacks. Idempotent.
func (in *Instance) Release() {
	in.mu.Lock()
	in.released = true
	in.inert.Store(true)
	in.callbacks = nil
	in.mu.Unlock()
	in.svc.reg.remove(in)
}

// kill makes the instance inert and runs its callbacks (once).
func (in *Instance) kill() {
	in.mu.Lock()
	if in.inert.Load() {
		in.mu.Unlock()
		return
	}
	in.inert.Store(true)
	cbs := in.callbacks
	in.callbacks = nil
	in.mu.Unlock()
	for _, f := range cbs {
		f()
	}
}

type instSet map[*Instance]struct{}

// registry holds the live instances.
type registry struct {
	mu       sync.Mutex
	nextID   uint64
	total    int
	byOrigin map[string]instSet
	byReg    map[int64]instSet
}

func newRegistry() *registry {
	return &registry{byOrigin: map[string]instSet{}, byReg: map[int64]instSet{}}
}

func (r *registry) addLocked(in *Instance) {
	r.nextID++
	in.ID = r.nextID
	add := func(m instSet) { m[in] = struct{}{} }
	if r.byOrigin[in.RequestingOrigin] == nil {
		r.byOrigin[in.RequestingOrigin] = instSet{}
	}
	if r.byReg[in.RegID] == nil {
		r.byReg[in.RegID] = instSet{}
	}
	add(r.byOrigin[in.RequestingOrigin])
	add(r.byReg[in.RegID])
	r.total++
}

func (r *registry) removeLocked(in *Instance) bool {
	set := r.byOrigin[in.RequestingOrigin]
	if _, ok := set[in]; !ok {
		return false
	}
	delete(set, in)
	if len(set) == 0 {
		delete(r.byOrigin, in.RequestingOrigin)
	}
	if rs := r.byReg[in.RegID]; rs != nil {
		delete(rs, in)
		if len(rs) == 0 {
			delete(r.byReg, in.RegID)
		}
	}
	r.total--
	return true
}

func (r *registry) remove(in *Instance) {
	r.mu.Lock()
	r.removeLocked(in)
	r.mu.Unlock()
}

func (r *registry) count(origin string) (perOrigin, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byOrigin[origin]), r.total
}

// take removes and returns the instances of set that match keep.
func (r *registry) take(set func() instSet, match func(*Instance) bool) []*Instance {
	r.mu.Lock()
	var out []*Instance
	for in := range set() {
		if match == nil || match(in) {
			out = append(out, in)
		}
	}
	for _, in := range out {
		r.removeLocked(in)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (r *registry) list(regID int64) []*Instance {
	r.mu.Lock()
	out := make([]*Instance, 0, len(r.byReg[regID]))
	for in := range r.byReg[regID] {
		out = append(out, in)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func killAll(ins []*Instance) int {
	for _, in := range ins {
		in.kill()
	}
	return len(ins)
}
