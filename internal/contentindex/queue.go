package contentindex

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/swhost/swhost/internal/js"
)

// Queue is one registration's content index entries (an Infra ordered map
// from id to entry) with its entry edit queue.
//
// Every operation takes its slot when it is reserved (Reserve, at call
// time) and its effect is applied strictly in slot order, as soon as its
// preparation (for add: validation and icon fetching) is done and every
// earlier slot is applied or released. A slot whose preparation fails is
// released (Ticket.Release): it has no effect, and later slots wait for it
// no longer.
//
// Applying: one goroutine per queue at a time takes the longest run of
// consecutive ready slots at the head — writes (add, delete, user delete,
// clear) or reads (getAll), never mixed — and for writes commits them to the
// Store in one Apply call. Slots that become ready while a commit is in
// flight wait for the next one, so concurrent operations share commits
// (group commit). A write's Op completes only after its commit; a getAll
// sees exactly the effects of the slots before it.
type Queue struct {
	regID string
	store Store
	opts  QueueOptions
	lim   Limits

	mu      sync.Mutex
	next    uint64 // the next slot to hand out
	head    uint64 // the first slot not yet applied
	slots   map[uint64]*slot
	running bool

	entries     map[string]*node
	first, last *node
	nextSeq     int64

	stats QueueStats
}

// QueueStats counts a queue's work.
type QueueStats struct {
	Batches  int // batches applied (reads and writes)
	Commits  int // Store.Apply calls
	Writes   int // write operations committed or refused
	MaxBatch int // the largest write batch
}

// QueueOptions configure a Queue.
type QueueOptions struct {
	// Limits: MaxEntriesPerRegistration is enforced when an add is applied.
	Limits Limits
	// Now stamps Record.Added (default time.Now).
	Now func() time.Time
	// Ctx is passed to Store.Apply (default context.Background()).
	Ctx context.Context
	// AllowAdd, if set, is asked when an add is applied: an error refuses
	// the add without effect (the Index refuses adds while a contentdelete
	// event runs).
	AllowAdd func() error
	// Commit, if set, wraps the in-memory application of each committed
	// write batch: it must call apply exactly once, and may do more while
	// holding its own locks (the Index updates its display state there and
	// notifies subscribers). It runs before the batch's Ops complete.
	Commit func(apply func() []Change)

	onReady func() // test hook: a slot became ready or was released
}

// Change is the effect of a committed batch on one id: Old is the entry
// before the batch (nil if absent), New after it (nil if removed).
type Change struct {
	ID       string
	Old, New *Record
}

type node struct {
	rec        *Record
	prev, next *node
}

type slotState uint8

const (
	slotPending slotState = iota
	slotReady
	slotReleased
)

type opKind uint8

const (
	opAdd opKind = iota + 1
	opDelete
	opGetAll
	opUserDelete
	opClear
)

type slot struct {
	state slotState
	kind  opKind
	rec   *Record // opAdd: the entry to set (with icon data)
	id    string
	start func(Record) func() error // opUserDelete
	unit  *Op[struct{}]
	list  *Op[[]Description]
	recs  *Op[[]*Record] // opGetAll for the binding: the records themselves

	err     error   // set while staging: the op is refused without effect
	removed *Record // opUserDelete: the entry removed
}

// NewQueue makes the queue of registration regID over store, holding the
// given entries (in any order; their Seq gives the order).
func NewQueue(regID string, store Store, entries []Record, opts QueueOptions) *Queue {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Ctx == nil {
		opts.Ctx = context.Background()
	}
	q := &Queue{regID: regID, store: store, opts: opts, lim: opts.Limits.WithDefaults(),
		slots: map[uint64]*slot{}, entries: map[string]*node{}}
	sorted := make([]*Record, 0, len(entries))
	for i := range entries {
		r := entries[i].withoutIconData()
		r.RegID = regID
		sorted = append(sorted, r)
	}
	sortBySeq(sorted)
	for _, r := range sorted {
		if old := q.entries[r.ID()]; old != nil { // duplicate id: keep the later
			q.unlink(old)
		}
		q.push(r)
		if r.Seq >= q.nextSeq {
			q.nextSeq = r.Seq + 1
		}
	}
	return q
}

// RegID returns the queue's registration id.
func (q *Queue) RegID() string { return q.regID }

// Ticket is a reserved slot in a Queue. Exactly one of its methods must be
// called, once.
type Ticket struct {
	q   *Queue
	n   uint64
	run Runner
}

// Runner runs f soon on a goroutine of the caller's choosing (a JS realm
// runs it as its loop's next task). A queue whose head became ready through
// a ticket with a Runner applies its ready slots there instead of on a new
// goroutine: no goroutine hand-offs, and every operation the caller made
// in one go shares one commit. f may block for as long as Store.Apply does.
type Runner func(f func())

// Reserve takes the next slot.
func (q *Queue) Reserve() *Ticket { return q.ReserveOn(nil) }

// ReserveOn takes the next slot; its readiness applies the queue through
// run (nil: a new goroutine).
func (q *Queue) ReserveOn(run Runner) *Ticket {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.next
	q.next++
	q.slots[n] = &slot{}
	return &Ticket{q: q, n: n, run: run}
}

func (t *Ticket) ready(f func(s *slot)) {
	q := t.q
	q.mu.Lock()
	s := q.slots[t.n]
	if s == nil || s.state != slotPending {
		q.mu.Unlock()
		panic("contentindex: ticket used twice")
	}
	f(s)
	q.kickLocked(t.run)
	hook := q.opts.onReady
	q.mu.Unlock()
	if hook != nil {
		hook()
	}
}

// Release gives up the slot without effect (its preparation failed).
func (t *Ticket) Release() { t.ready(func(s *slot) { s.state = slotReleased }) }

// Add sets the entry rec.Description.ID to rec (Infra "set": an existing id
// keeps its position). RegID, Seq and (if zero) Added are filled in. The Op
// fails with QuotaExceededError if the registration is full.
func (t *Ticket) Add(rec Record) *Op[struct{}] {
	op := newOp[struct{}]()
	t.add(rec, op)
	return op
}

func (t *Ticket) add(rec Record, op *Op[struct{}]) {
	rec.Description = rec.Description.Clone()
	rec.RegID = t.q.regID
	t.ready(func(s *slot) { s.state, s.kind, s.rec, s.unit = slotReady, opAdd, &rec, op })
}

// Delete removes the entry id (a no-op if absent).
func (t *Ticket) Delete(id string) *Op[struct{}] {
	op := newOp[struct{}]()
	t.ready(func(s *slot) { s.state, s.kind, s.id, s.unit = slotReady, opDelete, id, op })
	return op
}

// GetAllRecords is GetAll returning the entries' records (immutable; icons
// without Data).
func (t *Ticket) GetAllRecords() *Op[[]*Record] {
	op := newOp[[]*Record]()
	t.ready(func(s *slot) { s.state, s.kind, s.recs = slotReady, opGetAll, op })
	return op
}

// GetAll returns the descriptions of the entries in iteration order.
func (t *Ticket) GetAll() *Op[[]Description] {
	op := newOp[[]Description]()
	t.ready(func(s *slot) { s.state, s.kind, s.list = slotReady, opGetAll, op })
	return op
}

// UserDelete removes the entry id as the user agent's "delete a content index
// entry": once the removal is committed (and the Commit hook has undisplayed
// it), start is called with the removed entry on the applying goroutine; it
// must not block and returns a function that waits for the contentdelete
// event (or nil). The Op completes with that function's result; the queue
// does not wait for it. Fails with NotFoundError if there is no such entry.
func (t *Ticket) UserDelete(id string, start func(Record) func() error) *Op[struct{}] {
	op := newOp[struct{}]()
	t.ready(func(s *slot) {
		s.state, s.kind, s.id, s.start, s.unit = slotReady, opUserDelete, id, start, op
	})
	return op
}

// Clear removes every entry (the registration went away).
func (t *Ticket) Clear() *Op[struct{}] {
	op := newOp[struct{}]()
	t.ready(func(s *slot) { s.state, s.kind, s.unit = slotReady, opClear, op })
	return op
}

// Add, Delete, GetAll and Clear on the queue reserve a slot and use it.
func (q *Queue) Add(rec Record) *Op[struct{}]   { return q.Reserve().Add(rec) }
func (q *Queue) Delete(id string) *Op[struct{}] { return q.Reserve().Delete(id) }
func (q *Queue) GetAll() *Op[[]Description]     { return q.Reserve().GetAll() }
func (q *Queue) Clear() *Op[struct{}]           { return q.Reserve().Clear() }

// Get returns the entry id as last committed (icons without Data).
func (q *Queue) Get(id string) (*Record, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n := q.entries[id]; n != nil {
		return n.rec, true
	}
	return nil, false
}

// Entries returns the committed entries in iteration order.
func (q *Queue) Entries() []*Record {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]*Record, 0, len(q.entries))
	for n := q.first; n != nil; n = n.next {
		out = append(out, n.rec)
	}
	return out
}

// Len returns the number of committed entries.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.entries)
}

// Stats returns the queue's counters.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stats
}

// Pending returns the number of reserved slots not yet applied.
func (q *Queue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return int(q.next - q.head)
}

func (q *Queue) push(r *Record) {
	n := &node{rec: r, prev: q.last}
	if q.last != nil {
		q.last.next = n
	} else {
		q.first = n
	}
	q.last = n
	q.entries[r.ID()] = n
}

func (q *Queue) unlink(n *node) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		q.first = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		q.last = n.prev
	}
	n.prev, n.next = nil, nil
	delete(q.entries, n.rec.ID())
}

func (q *Queue) kickLocked(run Runner) {
	if q.running {
		return
	}
	if s := q.slots[q.head]; s == nil || s.state == slotPending {
		return
	}
	q.running = true
	if run != nil {
		run(q.runNear)
		return
	}
	go q.run()
}

// nearMax is the longest run of ready slots a Runner applies itself; a
// longer one (many operations made at once) is applied on a goroutine of
// its own, so that its commit overlaps with the caller's next script.
const nearMax = 16

// runNear is run through a Runner: short runs are applied right there
// (no hand-off: the lowest latency for one operation at a time), long ones
// on a new goroutine.
func (q *Queue) runNear() {
	q.mu.Lock()
	n := 0
	for i := q.head; n <= nearMax; i++ {
		s := q.slots[i]
		if s == nil || s.state == slotPending {
			break
		}
		n++
	}
	q.mu.Unlock()
	if n > nearMax {
		go q.run()
		return
	}
	q.run()
}

// maxBatch bounds one commit.
const maxBatch = 4096

// collectLocked takes the run of ready slots at the head: all reads or all
// writes. Released slots are skipped.
func (q *Queue) collectLocked() []*slot {
	var batch []*slot
	for len(batch) < maxBatch {
		s := q.slots[q.head]
		if s == nil || s.state == slotPending {
			break
		}
		if s.state == slotReleased {
			delete(q.slots, q.head)
			q.head++
			continue
		}
		if len(batch) > 0 && (batch[0].kind == opGetAll) != (s.kind == opGetAll) {
			break
		}
		batch = append(batch, s)
		delete(q.slots, q.head)
		q.head++
	}
	return batch
}

func (q *Queue) run() {
	for {
		q.mu.Lock()
		batch := q.collectLocked()
		if len(batch) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.stats.Batches++
		if batch[0].kind == opGetAll {
			recs := make([]*Record, 0, len(q.entries))
			for n := q.first; n != nil; n = n.next {
				recs = append(recs, n.rec)
			}
			q.mu.Unlock()
			for _, s := range batch {
				if s.recs != nil {
					s.recs.complete(recs, nil)
					continue
				}
				out := make([]Description, len(recs))
				for j, r := range recs {
					out[j] = r.Description.Clone()
				}
				s.list.complete(out, nil)
			}
			continue
		}
		muts, effects := q.stageLocked(batch)
		q.stats.Writes += len(batch)
		q.stats.MaxBatch = max(q.stats.MaxBatch, len(batch))
		if len(muts) > 0 {
			q.stats.Commits++
		}
		q.mu.Unlock()

		var err error
		if len(muts) > 0 {
			err = q.store.Apply(q.opts.Ctx, muts)
		}
		if err != nil {
			err = &js.Error{Name: AbortError, Message: "the content index could not be saved: " + err.Error(), Cause: err}
			for _, s := range batch {
				if s.err == nil {
					s.err = err
				}
			}
		} else {
			apply := func() []Change {
				q.mu.Lock()
				defer q.mu.Unlock()
				return q.applyLocked(effects)
			}
			if q.opts.Commit != nil {
				q.opts.Commit(apply)
			} else {
				apply()
			}
		}
		for _, s := range batch {
			if s.kind == opUserDelete && s.err == nil && s.start != nil {
				if wait := s.start(*s.removed); wait != nil {
					go func() { s.unit.complete(struct{}{}, wait()) }()
					continue
				}
			}
			s.unit.complete(struct{}{}, s.err)
		}
	}
}

type effect struct {
	id  string
	rec *Record // nil: remove
}

// stageLocked works out the batch's effects against the committed state
// without changing it: the mutations to commit and the effects to apply
// afterwards, in slot order. Refused slots get s.err.
func (q *Queue) stageLocked(batch []*slot) ([]Mutation, []effect) {
	overlay := map[string]*Record{}
	lookup := func(id string) *Record {
		if r, ok := overlay[id]; ok {
			return r
		}
		if n := q.entries[id]; n != nil {
			return n.rec
		}
		return nil
	}
	count := len(q.entries)
	var effects []effect
	type touch struct{ before, final *Record }
	touched := map[string]*touch{}
	var order []string
	set := func(id string, full, mem *Record) {
		overlay[id] = mem
		effects = append(effects, effect{id, mem})
		t := touched[id]
		if t == nil {
			t = &touch{}
			if n := q.entries[id]; n != nil {
				t.before = n.rec
			}
			touched[id] = t
			order = append(order, id)
		}
		t.final = full
	}
	now := q.opts.Now()
	userDeleted := false
	for _, s := range batch {
		switch s.kind {
		case opAdd:
			if userDeleted {
				s.err = errAddDuringContentDelete()
				continue
			}
			if q.opts.AllowAdd != nil {
				if err := q.opts.AllowAdd(); err != nil {
					s.err = err
					continue
				}
			}
			id := s.rec.ID()
			old := lookup(id)
			if old == nil && over(count+1, q.lim.MaxEntriesPerRegistration) {
				s.err = quotaErr("the registration has %d content index entries; the limit is %d", count, q.lim.MaxEntriesPerRegistration)
				continue
			}
			rec := s.rec
			if old != nil {
				rec.Seq = old.Seq
			} else {
				rec.Seq = q.nextSeq
				q.nextSeq++
				count++
			}
			if rec.Added.IsZero() {
				rec.Added = now
			}
			set(id, rec, rec.withoutIconData())
		case opDelete, opUserDelete:
			old := lookup(s.id)
			if old == nil {
				if s.kind == opUserDelete {
					s.err = errorf(NotFoundError, "there is no content index entry '%s'", s.id)
				}
				continue
			}
			if s.kind == opUserDelete {
				s.removed = old
				userDeleted = true
			}
			count--
			set(s.id, nil, nil)
		case opClear:
			var ids []string
			for n := q.first; n != nil; n = n.next {
				if lookup(n.rec.ID()) != nil {
					ids = append(ids, n.rec.ID())
				}
			}
			for id, r := range overlay {
				if r != nil && q.entries[id] == nil {
					ids = append(ids, id)
				}
			}
			for _, id := range ids {
				set(id, nil, nil)
			}
			count = 0
		}
	}
	// One or two mutations per id, ordered so that a store keeping its own
	// insertion order ends in Seq order too: removals first, then
	// replacements in place, then appends by Seq.
	var dels, repl, apps []Mutation
	for _, id := range order {
		t := touched[id]
		switch {
		case t.final == nil:
			if t.before != nil {
				dels = append(dels, Mutation{RegID: q.regID, ID: id})
			}
		case t.before != nil && t.final.Seq == t.before.Seq:
			repl = append(repl, Mutation{RegID: q.regID, ID: id, Put: t.final})
		default:
			if t.before != nil { // deleted and set again: moves to the end
				dels = append(dels, Mutation{RegID: q.regID, ID: id})
			}
			apps = append(apps, Mutation{RegID: q.regID, ID: id, Put: t.final})
		}
	}
	slices.SortFunc(apps, func(a, b Mutation) int { return cmp.Compare(a.Put.Seq, b.Put.Seq) })
	muts := append(append(dels, repl...), apps...)
	return muts, effects
}

// applyLocked applies committed effects to the in-memory state.
func (q *Queue) applyLocked(effects []effect) []Change {
	var order []string
	changes := map[string]*Change{}
	for _, e := range effects {
		n := q.entries[e.id]
		ch := changes[e.id]
		if ch == nil {
			ch = &Change{ID: e.id}
			if n != nil {
				ch.Old = n.rec
			}
			changes[e.id] = ch
			order = append(order, e.id)
		}
		ch.New = e.rec
		switch {
		case e.rec == nil:
			if n != nil {
				q.unlink(n)
			}
		case n != nil:
			n.rec = e.rec
		default:
			q.push(e.rec)
		}
	}
	out := make([]Change, 0, len(order))
	for _, id := range order {
		if ch := changes[id]; ch.Old != ch.New {
			out = append(out, *ch)
		}
	}
	return out
}
