package contentindex

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func rec(id string) Record {
	return Record{Scope: testScope, Description: desc(id), LaunchURL: testScope + "article/" + id}
}

func newTestQueue(store Store, opts QueueOptions) *Queue {
	return NewQueue(testReg, store, nil, opts)
}

// Effects apply in ticket order whatever order preparation finishes in.
func TestQueueTicketOrder(t *testing.T) {
	q := newTestQueue(NewMemStore(), QueueOptions{})
	t1, t2, t3, t4, t5 := q.Reserve(), q.Reserve(), q.Reserve(), q.Reserve(), q.Reserve()
	// Prepared in reverse order.
	all5 := t5.GetAll()
	del4 := t4.Delete("a")
	add3 := t3.Add(rec("b"))
	all2 := t2.GetAll()
	for _, op := range []*Op[struct{}]{del4, add3} {
		notDone(t, op, "op after an unprepared slot")
	}
	notDone(t, all2, "getAll")
	notDone(t, all5, "getAll")
	add1 := t1.Add(rec("a"))
	mustOK(t, add1)
	if got := ids(mustOK(t, all2)); got != "a" {
		t.Fatalf("getAll #2 = %q, want a", got)
	}
	mustOK(t, add3)
	mustOK(t, del4)
	if got := ids(mustOK(t, all5)); got != "b" {
		t.Fatalf("getAll #5 = %q, want b", got)
	}
}

// A released slot has no effect and later slots do not wait for it beyond
// its release.
func TestQueueRelease(t *testing.T) {
	q := newTestQueue(NewMemStore(), QueueOptions{})
	t1 := q.Reserve()
	add := q.Add(rec("x"))
	all := q.GetAll()
	notDone(t, add, "add behind a pending slot")
	t1.Release()
	mustOK(t, add)
	if got := ids(mustOK(t, all)); got != "x" {
		t.Fatalf("getAll = %q", got)
	}
	if q.Pending() != 0 {
		t.Fatalf("pending %d", q.Pending())
	}
}

func TestQueueTicketUsedTwice(t *testing.T) {
	q := newTestQueue(NewMemStore(), QueueOptions{})
	tk := q.Reserve()
	mustOK(t, tk.Delete("x"))
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	tk.Delete("y")
}

// Infra map "set": overwriting keeps the position; delete then add moves to
// the end; getAll returns descriptions exactly as given.
func TestQueueMapSemantics(t *testing.T) {
	q := newTestQueue(NewMemStore(), QueueOptions{})
	q.Add(rec("a"))
	q.Add(rec("b"))
	q.Add(rec("c"))
	changed := rec("a")
	changed.Description.Title = "new title"
	changed.Description.Icons = []ImageResource{{Src: "/i.png", Sizes: "any", Type: "image/png", Label: "L"}}
	q.Add(changed)
	q.Delete("b")
	q.Add(rec("b"))
	q.Delete("nope")
	got := mustOK(t, q.GetAll())
	if ids(got) != "a,c,b" {
		t.Fatalf("order %q", ids(got))
	}
	if !got[0].Equal(changed.Description) {
		t.Fatalf("description not as given: %+v", got[0])
	}
	// The result is a copy.
	got[0].Icons[0].Src = "mutated"
	if again := mustOK(t, q.GetAll()); again[0].Icons[0].Src != "/i.png" {
		t.Fatal("getAll aliases the stored description")
	}
	r, _ := q.Get("a")
	if r.Seq != 0 {
		t.Fatalf("overwrite moved a: seq %d", r.Seq)
	}
	r, _ = q.Get("b")
	if r.Seq != 3 {
		t.Fatalf("re-added b: seq %d", r.Seq)
	}
}

func TestQueueQuota(t *testing.T) {
	q := newTestQueue(NewMemStore(), QueueOptions{Limits: Limits{MaxEntriesPerRegistration: 2}})
	mustOK(t, q.Add(rec("a")))
	mustOK(t, q.Add(rec("b")))
	err := q.Add(rec("c")).Err()
	wantErr(t, err, QuotaExceededError, "the registration has 2 content index entries; the limit is 2")
	mustOK(t, q.Add(rec("a"))) // overwrite: not a new entry
	mustOK(t, q.Delete("a"))
	mustOK(t, q.Add(rec("c")))
	if got := ids(mustOK(t, q.GetAll())); got != "b,c" {
		t.Fatalf("%q", got)
	}
	// Within one batch: the quota follows the staged count.
	q2 := newTestQueue(NewMemStore(), QueueOptions{Limits: Limits{MaxEntriesPerRegistration: 1}})
	t0 := q2.Reserve()
	a, b, d, c := q2.Add(rec("a")), q2.Add(rec("b")), q2.Delete("a"), q2.Add(rec("c"))
	t0.Release()
	mustOK(t, a)
	wantErr(t, b.Err(), QuotaExceededError, "limit is 1")
	mustOK(t, d)
	mustOK(t, c)
	if got := ids(mustOK(t, q2.GetAll())); got != "c" {
		t.Fatalf("%q", got)
	}
}

// An add's result is reported only after the commit.
func TestQueueDurability(t *testing.T) {
	st := NewMemStore()
	entered := make(chan []Mutation, 1)
	unblock := make(chan struct{})
	st.BeforeApply = func(ctx context.Context, b []Mutation) error {
		entered <- b
		<-unblock
		return nil
	}
	q := newTestQueue(st, QueueOptions{})
	add := q.Add(rec("a"))
	batch := <-entered
	if len(batch) != 1 || batch[0].Put == nil || batch[0].ID != "a" || batch[0].RegID != testReg {
		t.Fatalf("batch %+v", batch)
	}
	notDone(t, add, "add before its commit")
	if st.Len() != 0 || q.Len() != 0 {
		t.Fatal("visible before commit")
	}
	close(unblock)
	mustOK(t, add)
	if st.Len() != 1 || q.Len() != 1 {
		t.Fatal("not stored")
	}
}

func TestQueueStoreFailure(t *testing.T) {
	st := NewMemStore()
	var fail atomic.Bool
	st.BeforeApply = func(ctx context.Context, b []Mutation) error {
		if fail.Load() {
			return errors.New("disk full")
		}
		return nil
	}
	q := newTestQueue(st, QueueOptions{})
	mustOK(t, q.Add(rec("a")))
	fail.Store(true)
	wantErr(t, q.Add(rec("b")).Err(), AbortError, "disk full")
	wantErr(t, q.Delete("a").Err(), AbortError, "could not be saved")
	mustOK(t, q.Delete("zzz")) // nothing to commit: succeeds
	fail.Store(false)
	if got := ids(mustOK(t, q.GetAll())); got != "a" {
		t.Fatalf("state after failed commits: %q", got)
	}
	mustOK(t, q.Add(rec("c")))
	if got := ids(mustOK(t, q.GetAll())); got != "a,c" {
		t.Fatalf("%q", got)
	}
}

func TestQueueClear(t *testing.T) {
	st := NewMemStore()
	q := newTestQueue(st, QueueOptions{})
	q.Add(rec("a"))
	q.Add(rec("b"))
	t0 := q.Reserve()
	add := q.Add(rec("c"))
	clr := q.Clear()
	add2 := q.Add(rec("d"))
	t0.Release()
	mustOK(t, add)
	mustOK(t, clr)
	mustOK(t, add2)
	if got := ids(mustOK(t, q.GetAll())); got != "d" {
		t.Fatalf("%q", got)
	}
	if st.Len() != 1 {
		t.Fatalf("store has %d", st.Len())
	}
}

// Reload from the store keeps iteration order and the next position.
func TestQueueReload(t *testing.T) {
	st := NewMemStore()
	q := newTestQueue(st, QueueOptions{})
	for _, id := range []string{"c", "a", "b"} {
		q.Add(rec(id))
	}
	q.Add(rec("c"))
	mustOK(t, q.Delete("a"))
	recs, _ := st.LoadEntries(t.Context())
	q2 := NewQueue(testReg, st, recs, QueueOptions{})
	mustOK(t, q2.Add(rec("a")))
	if got := ids(mustOK(t, q2.GetAll())); got != "c,b,a" {
		t.Fatalf("%q", got)
	}
}

// 1,000 concurrent adds share few commits: while one commit is in flight,
// the adds that become ready wait for the next, which takes them all.
func TestQueueBatching(t *testing.T) {
	st := NewMemStore()
	first := make(chan struct{})
	var once sync.Once
	var readyN atomic.Int32
	allReady := make(chan struct{})
	st.BeforeApply = func(ctx context.Context, b []Mutation) error {
		once.Do(func() { <-first }) // the first commit waits until all are ready
		return nil
	}
	const n = 1000
	q := newTestQueue(st, QueueOptions{onReady: func() {
		if readyN.Add(1) == n {
			close(allReady)
		}
	}})
	tickets := make([]*Ticket, n)
	for i := range tickets {
		tickets[i] = q.Reserve()
	}
	ops := make([]*Op[struct{}], n)
	var wg sync.WaitGroup
	for i := range tickets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ops[i] = tickets[i].Add(rec(fmt.Sprint(i)))
		}()
	}
	wg.Wait()
	<-allReady
	close(first)
	for _, op := range ops {
		mustOK(t, op)
	}
	commits, muts := st.Commits()
	t.Logf("%d adds: %d commits, %d mutations, stats %+v", n, commits, muts, q.Stats())
	if commits > 3 || muts != n {
		t.Fatalf("%d commits for %d adds", commits, n)
	}
	if got := mustOK(t, q.GetAll()); len(got) != n || got[0].ID != "0" || got[n-1].ID != fmt.Sprint(n-1) {
		t.Fatalf("order after batching: %d entries", len(got))
	}
}

// Within a batch, writes to one id become at most a deletion and a put,
// ordered deletions, replacements, appends by Seq.
func TestQueueBatchMutations(t *testing.T) {
	st := NewMemStore()
	var batches [][]Mutation
	var mu sync.Mutex
	st.BeforeApply = func(ctx context.Context, b []Mutation) error {
		mu.Lock()
		batches = append(batches, append([]Mutation(nil), b...))
		mu.Unlock()
		return nil
	}
	q := newTestQueue(st, QueueOptions{})
	mustOK(t, q.Add(rec("old")))  // seq 0
	mustOK(t, q.Add(rec("keep"))) // seq 1
	mustOK(t, q.Add(rec("gone"))) // seq 2
	t0 := q.Reserve()
	q.Add(rec("x"))    // seq 3
	q.Delete("x")      //
	q.Add(rec("x"))    // seq 4
	q.Delete("old")    //
	q.Add(rec("old"))  // seq 5: moves to the end
	q.Add(rec("keep")) // in place
	q.Delete("gone")   //
	q.Add(rec("y"))    // seq 6
	q.Delete("y")      // never stored
	last := q.Delete("nothing")
	t0.Release()
	mustOK(t, last)
	mu.Lock()
	defer mu.Unlock()
	if len(batches) != 4 {
		t.Fatalf("%d batches", len(batches))
	}
	var got []string
	for _, m := range batches[3] {
		if m.Put == nil {
			got = append(got, "del:"+m.ID)
		} else {
			got = append(got, fmt.Sprintf("put:%s@%d", m.ID, m.Put.Seq))
		}
	}
	if s := strings.Join(got, " "); s != "del:old del:gone put:keep@1 put:x@4 put:old@5" {
		t.Fatalf("mutations %q", s)
	}
	if got := ids(mustOK(t, q.GetAll())); got != "keep,x,old" {
		t.Fatalf("%q", got)
	}
}

// orderedStore keeps each registration's entries in its own insertion
// order and numbers them itself, ignoring Put.Seq (as a store with an
// autoincrement key does).
type orderedStore struct {
	mu   sync.Mutex
	regs map[string][]Record
	next int64
}

func (s *orderedStore) LoadEntries(ctx context.Context) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, rs := range s.regs {
		out = append(out, rs...)
	}
	return out, nil
}

func (s *orderedStore) Apply(ctx context.Context, batch []Mutation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.regs == nil {
		s.regs = map[string][]Record{}
	}
	seen := map[string]int{}
	for _, m := range batch {
		if seen[m.ID]++; seen[m.ID] > 2 {
			return fmt.Errorf("id %q more than twice", m.ID)
		}
		rs := s.regs[m.RegID]
		i := slices.IndexFunc(rs, func(r Record) bool { return r.ID() == m.ID })
		switch {
		case m.Put == nil:
			if i >= 0 {
				rs = slices.Delete(rs, i, i+1)
			}
		case i >= 0:
			r := *m.Put
			r.Seq = rs[i].Seq
			rs[i] = r
		default:
			r := *m.Put
			s.next++
			r.Seq = s.next
			rs = append(rs, r)
		}
		s.regs[m.RegID] = rs
	}
	return nil
}

func (s *orderedStore) LoadIcon(ctx context.Context, regID, id string, i int) ([]byte, error) {
	return nil, errors.New("no icons")
}

// Through random batches, a store that keeps its own order agrees with the
// queue's iteration order.
func TestQueueOrderWithInsertionOrderedStore(t *testing.T) {
	st := &orderedStore{}
	q := newTestQueue(st, QueueOptions{})
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		t0 := q.Reserve()
		var last *Op[struct{}]
		for range rng.IntN(8) + 1 {
			id := strconv.Itoa(rng.IntN(10))
			switch rng.IntN(3) {
			case 0, 1:
				last = q.Add(rec(id))
			default:
				last = q.Delete(id)
			}
		}
		t0.Release()
		mustOK(t, last)
		recs, _ := st.LoadEntries(t.Context())
		reloaded := NewQueue(testReg, st, recs, QueueOptions{})
		want := ids(mustOK(t, q.GetAll()))
		if got := ids(mustOK(t, reloaded.GetAll())); got != want {
			t.Fatalf("round %d: store order %q, queue order %q", round, got, want)
		}
	}
}
