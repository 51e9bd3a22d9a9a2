package contentindex

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// Options configure an Index.
type Options struct {
	// Store persists entries (default: a new MemStore).
	Store Store
	// Limits are the host's limits (zero fields: DefaultLimits).
	Limits Limits
	// Policy is the display policy (zero fields: DefaultPolicy).
	Policy Policy
	// Icons is the icon mode (--index-icons): IconsFetch (default) or
	// IconsNone.
	Icons IconMode
	// IconTimeout bounds the fetching of one add's icons (default 30s): an
	// icon that never arrives must not hold the queue forever.
	IconTimeout time.Duration
	// ContentDeleteTimeout bounds a contentdelete event started by
	// UserDelete, and so how long adds are refused (default 30s; the
	// dispatcher's own, shorter cap applies too).
	ContentDeleteTimeout time.Duration
	// RefreshInterval, if positive, re-runs the display policy that often
	// (entries age out of its window). Otherwise call Refresh.
	RefreshInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// InlineApply lets operations whose Env has a Runner apply the queue
	// there (the caller's realm loop) rather than on a goroutine of their
	// own: set it when Store.Apply is quick (a Journal without Sync), never
	// when it waits for a disk flush.
	InlineApply bool

	// Hooks the caller (the sw package) provides; nil hooks accept. They are
	// called from a goroutine of the Index or the caller's own (an add
	// without icons to fetch is prepared at once), never while the Index
	// holds a lock, and must be safe for concurrent use.

	// HasActiveWorker reports whether the registration has an active worker
	// (add() step 2).
	HasActiveWorker func(regID string) bool
	// MatchRegistration runs Match Service Worker Registration on the launch
	// URL and returns the matched registration's id, "" for none (steps
	// 5–6). nil: the launch URL must start with the registration's scope.
	MatchRegistration func(launchURL string) string
	// HasFetchListener reports whether the registration's active worker's
	// set of extended events contains FetchEvent (step 7).
	HasFetchListener func(regID string) bool
	// FireContentDelete fires the contentdelete functional event on the
	// registration (ContentIndexEvent, id = d.ID) and returns when it and its
	// waitUntil promises are done. nil: no event.
	FireContentDelete func(ctx context.Context, regID string, d Description) error
}

// Env is what add() needs from the calling realm for URLs and icons.
type Env struct {
	// BaseURL is the realm's API base URL (for a worker, its script URL).
	BaseURL string
	// Origin is the realm's origin, the icon requests' client origin.
	Origin string
	// Fetcher fetches icons (the realm's fetcher).
	Fetcher web.Fetcher
	// Run, if set, is where the caller's operations may be applied (see
	// Runner and Options.InlineApply).
	Run Runner
}

// EventKind tells a display notification's kind.
type EventKind int

const (
	// Display: show the entry (or update it: an entry with the same RegID
	// and ID may be displayed again after an overwrite).
	Display EventKind = iota + 1
	// Undisplay: remove all UI of the entry.
	Undisplay
)

func (k EventKind) String() string {
	switch k {
	case Display:
		return "display"
	case Undisplay:
		return "undisplay"
	}
	return "unknown"
}

// Event is a display notification.
type Event struct {
	Kind  EventKind
	Entry Entry
}

type entryKey struct{ reg, id string }

func keyOf(r *Record) entryKey { return entryKey{r.RegID, r.ID()} }

type originTop struct {
	regs    map[string]bool
	allowed int       // entries whose category the policy allows
	top     []*Record // the best min(k, allowed) allowed entries, newerFirst
	dirty   bool
}

// Index is the content index of every registration: entries, their edit
// queues, and the user agent's display of them.
type Index struct {
	opts   Options
	lim    Limits
	store  Store
	ctx    context.Context
	cancel context.CancelFunc

	// Lock order: dmu, then mu, then a Queue's mu, then delMu.
	mu     sync.Mutex // queues, closed
	queues map[string]*Queue
	closed bool

	delMu    sync.Mutex // a leaf: asked under a Queue's mu (AllowAdd)
	deleting map[string]int

	// Display state, under dmu.
	dmu       sync.Mutex
	policy    Policy
	k         int
	origins   map[string]*originTop
	originOf  map[string]string // scope → origin
	opens     map[string]int
	displayed map[entryKey]*Record
	shown     []Entry // the current selection, best first
	pending   []Event
	subs      []subscriber
	nextSub   int

	notifyMu sync.Mutex // serialises delivery
	wg       sync.WaitGroup
}

type subscriber struct {
	id int
	f  func(Event)
}

// New loads the index from opts.Store.
func New(ctx context.Context, opts Options) (*Index, error) {
	if opts.Store == nil {
		opts.Store = NewMemStore()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IconTimeout <= 0 {
		opts.IconTimeout = 30 * time.Second
	}
	if opts.ContentDeleteTimeout <= 0 {
		opts.ContentDeleteTimeout = 30 * time.Second
	}
	recs, err := opts.Store.LoadEntries(ctx)
	if err != nil {
		return nil, err
	}
	x := &Index{opts: opts, lim: opts.Limits.WithDefaults(), store: opts.Store,
		queues: map[string]*Queue{}, deleting: map[string]int{},
		policy: opts.Policy.WithDefaults(), origins: map[string]*originTop{}, originOf: map[string]string{},
		opens: map[string]int{}, displayed: map[entryKey]*Record{}}
	x.k = x.policy.perOriginCandidates()
	if os, ok := opts.Store.(OpenStore); ok {
		opens, err := os.LoadOpens(ctx)
		if err != nil {
			return nil, err
		}
		for k, v := range opens {
			x.opens[k] = v
		}
	}
	x.ctx, x.cancel = context.WithCancel(context.Background())
	byReg := map[string][]Record{}
	for _, r := range recs {
		byReg[r.RegID] = append(byReg[r.RegID], r)
	}
	for reg, rs := range byReg {
		x.queues[reg] = x.newQueue(reg, rs)
	}
	x.dmu.Lock()
	x.rebuildLocked()
	x.pending = nil // nobody is subscribed yet
	x.dmu.Unlock()
	if opts.RefreshInterval > 0 {
		x.wg.Add(1)
		go x.refresher(opts.RefreshInterval)
	}
	return x, nil
}

// Close stops the index: later operations fail with InvalidStateError and
// commits in flight with AbortError.
func (x *Index) Close() error {
	x.mu.Lock()
	x.closed = true
	x.mu.Unlock()
	x.cancel()
	x.wg.Wait()
	return nil
}

func (x *Index) refresher(every time.Duration) {
	defer x.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-x.ctx.Done():
			return
		case <-t.C:
			x.Refresh()
		}
	}
}

func (x *Index) newQueue(regID string, recs []Record) *Queue {
	return NewQueue(regID, x.store, recs, QueueOptions{
		Limits: x.lim,
		Now:    x.opts.Now,
		Ctx:    x.ctx,
		AllowAdd: func() error {
			if x.contentDeleteRunning(regID) {
				return errAddDuringContentDelete()
			}
			return nil
		},
		Commit: func(apply func() []Change) { x.commit(apply) },
	})
}

// reserve takes a slot in the registration's queue, making the queue if
// create is set; nil if the index is closed or there is no queue. The slot
// is taken under x.mu so that forget never drops a queue with slots.
func (x *Index) reserve(regID string, create bool, run Runner) *Ticket {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	q := x.queues[regID]
	if q == nil {
		if !create {
			return nil
		}
		q = x.newQueue(regID, nil)
		x.queues[regID] = q
	}
	return q.ReserveOn(run)
}

// forget drops the registration's queue if it is empty and idle.
func (x *Index) forget(regID string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if q := x.queues[regID]; q != nil && q.Len() == 0 && q.Pending() == 0 {
		delete(x.queues, regID)
	}
}

func (x *Index) existingQueue(regID string) *Queue {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.queues[regID]
}

func errClosed() error { return errorf(InvalidStateError, "the content index is closed") }

func errAddDuringContentDelete() error {
	return errorf(AbortError, "adding content is refused while a contentdelete event runs for this registration")
}

// BeginContentDelete marks a contentdelete event as running for the
// registration until end is called: meanwhile Add for it fails with
// AbortError (the spec's privacy consideration). UserDelete calls it itself;
// a dispatcher firing contentdelete for another reason may too.
func (x *Index) BeginContentDelete(regID string) (end func()) {
	x.delMu.Lock()
	x.deleting[regID]++
	x.delMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			x.delMu.Lock()
			if x.deleting[regID]--; x.deleting[regID] <= 0 {
				delete(x.deleting, regID)
			}
			x.delMu.Unlock()
		})
	}
}

func (x *Index) contentDeleteRunning(regID string) bool {
	x.delMu.Lock()
	defer x.delMu.Unlock()
	return x.deleting[regID] > 0
}

// Add runs ContentIndex.add(d) for registration regID (whose scope URL is
// scope) from a realm described by env. Its slot in the registration's
// entry edit queue is taken before Add returns; validation, the hooks and
// icon fetching run on another goroutine (ctx bounds them), then the entry is
// set in slot order and committed. The Op fails with the exception the
// promise must be rejected with.
func (x *Index) Add(ctx context.Context, regID, scope string, d Description, env Env) *Op[struct{}] {
	if x.contentDeleteRunning(regID) {
		return failedOp[struct{}](errAddDuringContentDelete())
	}
	t := x.reserve(regID, true, x.runner(env.Run))
	if t == nil {
		return failedOp[struct{}](errClosed())
	}
	d = d.Clone()
	op := newOp[struct{}]()
	finish := func(ctx context.Context) {
		rec, err := x.prepare(ctx, regID, scope, d, env)
		if err == nil && ctx.Err() != nil {
			err = &js.Error{Name: AbortError, Message: "the add was aborted", Cause: ctx.Err()}
		}
		if err != nil {
			t.Release()
			op.complete(struct{}{}, err)
			return
		}
		t.add(rec, op)
	}
	if x.opts.Icons == IconsNone || len(d.Icons) == 0 {
		// Nothing to wait for: prepare on the caller's goroutine.
		finish(x.ctx)
		return op
	}
	go func() {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(x.ctx, cancel)() // Close aborts preparation
		finish(ctx)
	}()
	return op
}

// runner is run when the index may apply operations inline.
func (x *Index) runner(run Runner) Runner {
	if !x.opts.InlineApply {
		return nil
	}
	return run
}

// prepare runs add() steps 2–9: everything before the entry is enqueued.
func (x *Index) prepare(ctx context.Context, regID, scope string, d Description, env Env) (Record, error) {
	if x.opts.HasActiveWorker != nil && !x.opts.HasActiveWorker(regID) {
		return Record{}, typeErr("the service worker registration has no active worker")
	}
	if err := Validate(d, x.lim); err != nil {
		return Record{}, err
	}
	launch, err := ResolveURL(env.BaseURL, d.URL)
	if err != nil {
		return Record{}, typeErr("ContentDescription.url '%s' is not a valid URL", d.URL)
	}
	if over(len(launch), x.lim.MaxURLLen) {
		return Record{}, quotaErr("ContentDescription.url resolves to a URL of %d bytes; the limit is %d", len(launch), x.lim.MaxURLLen)
	}
	if x.opts.MatchRegistration != nil {
		if x.opts.MatchRegistration(launch) != regID {
			return Record{}, typeErr("ContentDescription.url '%s' is not controlled by this service worker registration", launch)
		}
	} else if scope == "" || !strings.HasPrefix(launch, scope) {
		return Record{}, typeErr("ContentDescription.url '%s' is not within the registration's scope '%s'", launch, scope)
	}
	if x.opts.HasFetchListener != nil && !x.opts.HasFetchListener(regID) {
		return Record{}, typeErr("the active service worker has no fetch event listener")
	}
	var icons []Icon
	switch {
	case x.opts.Icons == IconsNone || len(d.Icons) == 0:
		if _, err := ResolveIcons(env.BaseURL, d.Icons, x.lim); err != nil {
			return Record{}, err
		}
	case env.Fetcher == nil:
		return Record{}, typeErr("no fetcher to fetch the icons with")
	default:
		ictx, cancel := context.WithTimeout(ctx, x.opts.IconTimeout)
		icons, err = FetchIcons(ictx, env.Fetcher, env.BaseURL, env.Origin, d.Icons, x.lim)
		cancel()
		if err != nil {
			return Record{}, err
		}
	}
	return Record{RegID: regID, Scope: scope, Description: d, LaunchURL: launch, Icons: icons}, nil
}

// Delete runs ContentIndex.delete(id): the entry is undisplayed and removed
// in queue order (a no-op if absent).
func (x *Index) Delete(regID, id string) *Op[struct{}] { return x.DeleteOn(nil, regID, id) }

// DeleteOn is Delete applied through run when Options.InlineApply allows.
func (x *Index) DeleteOn(run Runner, regID, id string) *Op[struct{}] {
	t := x.reserve(regID, true, x.runner(run))
	if t == nil {
		return failedOp[struct{}](errClosed())
	}
	return t.Delete(id)
}

// GetAll runs ContentIndex.getAll(): the descriptions, as given, in the
// entries' iteration order, after every earlier operation.
func (x *Index) GetAll(regID string) *Op[[]Description] { return x.GetAllOn(nil, regID) }

// GetAllOn is GetAll applied through run when Options.InlineApply allows.
func (x *Index) GetAllOn(run Runner, regID string) *Op[[]Description] {
	t := x.reserve(regID, true, x.runner(run))
	if t == nil {
		return failedOp[[]Description](errClosed())
	}
	return t.GetAll()
}

// GetAllRecordsOn is GetAllOn returning the entries' records.
func (x *Index) GetAllRecordsOn(run Runner, regID string) *Op[[]*Record] {
	t := x.reserve(regID, true, x.runner(run))
	if t == nil {
		return failedOp[[]*Record](errClosed())
	}
	return t.GetAllRecords()
}

// UserDelete is the user agent's "delete a content index entry" (the person
// deleted it from the UI): in queue order, undisplay it, remove it, then fire
// contentdelete (Options.FireContentDelete) while refusing adds for the
// registration. The Op completes when the event is done, with its error; the
// queue goes on meanwhile (the event's handler may call delete(id)).
func (x *Index) UserDelete(regID, id string) *Op[struct{}] {
	t := x.reserve(regID, false, nil)
	if t == nil {
		return failedOp[struct{}](errorf(NotFoundError, "there is no content index entry '%s'", id))
	}
	return t.UserDelete(id, func(r Record) func() error {
		end := x.BeginContentDelete(regID)
		if x.opts.FireContentDelete == nil {
			end()
			return nil
		}
		return func() error {
			defer end()
			ctx, cancel := context.WithTimeout(x.ctx, x.opts.ContentDeleteTimeout)
			defer cancel()
			return x.opts.FireContentDelete(ctx, regID, r.Description)
		}
	})
}

// RemoveRegistration removes (and undisplays) every entry of a registration
// that went away, in queue order. No event is fired.
func (x *Index) RemoveRegistration(regID string) *Op[struct{}] {
	t := x.reserve(regID, false, nil)
	if t == nil {
		return failedOp[struct{}](nil)
	}
	op := newOp[struct{}]()
	t.Clear().Then(func(_ struct{}, err error) {
		x.forget(regID)
		op.complete(struct{}{}, err)
	})
	return op
}

// Queue returns the registration's queue, or nil if it has none.
func (x *Index) Queue(regID string) *Queue { return x.existingQueue(regID) }

func (x *Index) entry(r *Record) Entry {
	o := x.originOfScope(r.Scope)
	e := Entry{Record: *r, Origin: o, Opens: x.opens[o], rec: r}
	d, ok := x.displayed[keyOf(r)]
	e.Displayed = ok && d == r
	return e
}

// Entry returns the committed entry (icons without Data).
func (x *Index) Entry(regID, id string) (Entry, bool) {
	q := x.existingQueue(regID)
	if q == nil {
		return Entry{}, false
	}
	x.dmu.Lock()
	defer x.dmu.Unlock()
	r, ok := q.Get(id)
	if !ok {
		return Entry{}, false
	}
	return x.entry(r), true
}

// Icon returns icon i of an entry, with its Data read from the store.
func (x *Index) Icon(ctx context.Context, regID, id string, i int) (Icon, error) {
	e, ok := x.Entry(regID, id)
	if !ok || i < 0 || i >= len(e.Icons) {
		return Icon{}, errorf(NotFoundError, "no icon %d for content index entry '%s'", i, id)
	}
	ic := e.Icons[i]
	data, err := x.store.LoadIcon(ctx, regID, id, i)
	if err != nil {
		return Icon{}, err
	}
	ic.Data = data
	return ic, nil
}

// List returns entries: the displayed ones, best first, if displayedOnly;
// else every entry, by registration id and then iteration order.
func (x *Index) List(displayedOnly bool) []Entry {
	if displayedOnly {
		x.dmu.Lock()
		defer x.dmu.Unlock()
		return slices.Clone(x.shown)
	}
	x.mu.Lock()
	qs := make([]*Queue, 0, len(x.queues))
	for _, q := range x.queues {
		qs = append(qs, q)
	}
	x.mu.Unlock()
	slices.SortFunc(qs, func(a, b *Queue) int { return cmp.Compare(a.regID, b.regID) })
	x.dmu.Lock()
	defer x.dmu.Unlock()
	var out []Entry
	for _, q := range qs {
		for _, r := range q.Entries() {
			out = append(out, x.entry(r))
		}
	}
	return out
}

// Opened records that the person opened (activated) an entry: its origin's
// count grows, which weighs the display policy towards it.
func (x *Index) Opened(regID, id string) error {
	e, ok := x.Entry(regID, id)
	if !ok {
		return errorf(NotFoundError, "there is no content index entry '%s'", id)
	}
	x.dmu.Lock()
	x.opens[e.Origin]++
	x.reselectLocked()
	x.dmu.Unlock()
	x.drain()
	if os, ok := x.store.(OpenStore); ok {
		return os.RecordOpen(x.ctx, regID, id, e.Origin, x.opts.Now())
	}
	return nil
}

// Policy returns the display policy in use (with defaults filled in).
func (x *Index) Policy() Policy {
	x.dmu.Lock()
	defer x.dmu.Unlock()
	return x.policy
}

// SetPolicy replaces the display policy and re-selects.
func (x *Index) SetPolicy(p Policy) {
	x.dmu.Lock()
	x.policy = p.WithDefaults()
	x.k = x.policy.perOriginCandidates()
	x.rebuildLocked()
	x.dmu.Unlock()
	x.drain()
}

// Refresh re-runs the display policy now (entries age out of its window).
func (x *Index) Refresh() {
	x.dmu.Lock()
	x.reselectLocked()
	x.dmu.Unlock()
	x.drain()
}

// Subscribe calls f with every display notification, in order: first a
// Display event for each entry displayed now, then changes as they happen.
// f runs on the goroutine that made the change, before the operation that
// caused it completes; it must not block or call back into the Index
// except for List and Entry. The returned function unsubscribes.
func (x *Index) Subscribe(f func(Event)) (cancel func()) {
	x.notifyMu.Lock()
	x.dmu.Lock()
	evs := x.pending
	x.pending = nil
	old := slices.Clone(x.subs)
	snap := slices.Clone(x.shown)
	id := x.nextSub
	x.nextSub++
	x.subs = append(x.subs, subscriber{id, f})
	x.dmu.Unlock()
	deliver(evs, old)
	for _, e := range snap {
		f(Event{Kind: Display, Entry: e})
	}
	x.notifyMu.Unlock()
	return func() {
		x.dmu.Lock()
		defer x.dmu.Unlock()
		x.subs = slices.DeleteFunc(x.subs, func(s subscriber) bool { return s.id == id })
	}
}

func deliver(evs []Event, subs []subscriber) {
	for _, e := range evs {
		for _, s := range subs {
			s.f(e)
		}
	}
}

// drain delivers pending events in order.
func (x *Index) drain() {
	x.notifyMu.Lock()
	defer x.notifyMu.Unlock()
	for {
		x.dmu.Lock()
		evs := x.pending
		x.pending = nil
		subs := slices.Clone(x.subs)
		x.dmu.Unlock()
		if len(evs) == 0 {
			return
		}
		deliver(evs, subs)
	}
}

// commit is the queues' Commit hook: apply the batch and update the display
// atomically with respect to other display changes, then notify.
func (x *Index) commit(apply func() []Change) {
	x.dmu.Lock()
	changes := apply()
	for _, ch := range changes {
		x.track(ch)
	}
	x.reselectLocked()
	x.dmu.Unlock()
	x.drain()
}

func (x *Index) originOfScope(scope string) string {
	o, ok := x.originOf[scope]
	if !ok {
		o = Origin(scope)
		x.originOf[scope] = o
	}
	return o
}

func (x *Index) origin(o string) *originTop {
	ot := x.origins[o]
	if ot == nil {
		ot = &originTop{regs: map[string]bool{}}
		x.origins[o] = ot
	}
	return ot
}

// track updates an origin's candidates for one change.
func (x *Index) track(ch Change) {
	r := ch.New
	if r == nil {
		r = ch.Old
	}
	ot := x.origin(x.originOfScope(r.Scope))
	if ch.New != nil {
		ot.regs[ch.New.RegID] = true
	}
	if ot.dirty {
		return
	}
	removed := false
	if ch.Old != nil && x.policy.Allows(ch.Old.Description.Category) {
		ot.allowed--
		if i := slices.Index(ot.top, ch.Old); i >= 0 {
			ot.top = slices.Delete(ot.top, i, i+1)
			removed = true
		}
	}
	inserted := false
	if ch.New != nil && x.policy.Allows(ch.New.Description.Category) {
		ot.allowed++
		if x.k == 0 || len(ot.top) < x.k || newerFirst(ch.New, ot.top[len(ot.top)-1]) < 0 {
			i, _ := slices.BinarySearchFunc(ot.top, ch.New, newerFirst)
			ot.top = slices.Insert(ot.top, i, ch.New)
			if x.k > 0 && len(ot.top) > x.k {
				ot.top = ot.top[:x.k]
			}
			inserted = true
		}
	}
	want := ot.allowed
	if x.k > 0 && x.k < want {
		want = x.k
	}
	// The candidates stay the best ones unless a candidate left and what
	// replaced it may rank below an entry outside the candidates.
	if len(ot.top) < want || (removed && inserted && newerFirst(ch.New, ch.Old) > 0) {
		ot.dirty = true
	}
}

// rebuildLocked recomputes every origin's candidates from all entries.
func (x *Index) rebuildLocked() {
	x.mu.Lock()
	qs := make([]*Queue, 0, len(x.queues))
	for _, q := range x.queues {
		qs = append(qs, q)
	}
	x.mu.Unlock()
	x.origins = map[string]*originTop{}
	for _, q := range qs {
		for _, r := range q.Entries() {
			ot := x.origin(x.originOfScope(r.Scope))
			ot.regs[r.RegID] = true
			ot.dirty = true
		}
	}
	x.reselectLocked()
}

// rescan recomputes origin o's candidates from its registrations' entries.
// ot.regs holds every registration with an allowed entry in o (track adds
// each registration it sees an entry of; rebuildLocked all of them).
func (x *Index) rescan(o string, ot *originTop) {
	ot.allowed, ot.top, ot.dirty = 0, ot.top[:0], false
	for reg := range ot.regs {
		q := x.existingQueue(reg)
		if q == nil {
			delete(ot.regs, reg)
			continue
		}
		found := false
		for _, r := range q.Entries() {
			if x.originOfScope(r.Scope) != o {
				continue
			}
			found = true
			if !x.policy.Allows(r.Description.Category) {
				continue
			}
			ot.allowed++
			if x.k == 0 || len(ot.top) < x.k || newerFirst(r, ot.top[len(ot.top)-1]) < 0 {
				i, _ := slices.BinarySearchFunc(ot.top, r, newerFirst)
				ot.top = slices.Insert(ot.top, i, r)
				if x.k > 0 && len(ot.top) > x.k {
					ot.top = ot.top[:x.k]
				}
			}
		}
		if !found {
			delete(ot.regs, reg)
		}
	}
}

// reselectLocked re-runs the policy over the origins' candidates and queues
// Undisplay/Display events for the differences.
func (x *Index) reselectLocked() {
	var cands []Entry
	for o, ot := range x.origins {
		if ot.dirty {
			x.rescan(o, ot)
		}
		if ot.allowed == 0 {
			// Nothing displayable: forget the origin (track makes it again
			// on its next allowed entry; a policy change rebuilds).
			delete(x.origins, o)
			continue
		}
		for _, r := range ot.top {
			cands = append(cands, Entry{Record: *r, Origin: o, Opens: x.opens[o], rec: r})
		}
	}
	sel := x.policy.Select(cands, x.opts.Now())
	next := make(map[entryKey]*Record, len(sel))
	for _, e := range sel {
		next[keyOf(e.rec)] = e.rec
	}
	for _, e := range x.shown {
		if r := next[keyOf(e.rec)]; r == nil {
			e.Displayed = false
			x.pending = append(x.pending, Event{Kind: Undisplay, Entry: e})
		}
	}
	for _, e := range sel {
		if x.displayed[keyOf(e.rec)] != e.rec {
			x.pending = append(x.pending, Event{Kind: Display, Entry: e})
		}
	}
	x.displayed, x.shown = next, sel
}
