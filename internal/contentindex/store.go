package contentindex

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// Record is a content index entry as stored: the registration it belongs to,
// its position, the description as given, the launch URL and the icons.
// Records are immutable once handed to the index; an overwrite makes a new
// one.
type Record struct {
	RegID string `json:"regID"`
	// Scope is the registration's scope URL (its origin groups entries for
	// the display policy).
	Scope string `json:"scope"`
	// Seq orders a registration's entries (the Infra ordered map's
	// iteration order): assigned increasing when an id is first set, kept
	// when it is overwritten. Unique within a registration.
	Seq         int64       `json:"seq"`
	Description Description `json:"description"`
	LaunchURL   string      `json:"launchURL"`
	Icons       []Icon      `json:"icons"`
	// Added is when the entry was (last) set.
	Added time.Time `json:"added"`

	// js caches the description's strings as engine values for getAll()
	// (made once per queued record, shared by every realm: strings belong
	// to no runtime).
	js *jsStrings
}

// ID returns the entry's id (its description's id).
func (r *Record) ID() string { return r.Description.ID }

// withoutIconData returns a copy of r whose icons carry no Data.
func (r *Record) withoutIconData() *Record {
	c := *r
	c.js = &jsStrings{}
	if len(r.Icons) > 0 {
		c.Icons = make([]Icon, len(r.Icons))
		for i, ic := range r.Icons {
			ic.Data = nil
			c.Icons[i] = ic
		}
	}
	return &c
}

// Mutation is one change in a Store.Apply batch: Put sets the entry
// (RegID, ID) to *Put, a nil Put deletes it (a no-op if absent).
type Mutation struct {
	RegID string
	ID    string
	Put   *Record
}

// Store is the persistence the index needs. The lead adapts internal/store to
// it; MemStore implements it in memory.
type Store interface {
	// LoadEntries returns every stored entry of every registration, in any
	// order, each with a Seq that orders its registration's entries (the
	// store's own numbering will do). Icons may come without Data.
	LoadEntries(ctx context.Context) ([]Record, error)
	// Apply commits a batch of mutations, in order, atomically and durably:
	// when it returns nil all of them are on disk, when it returns an error
	// none took effect.
	//
	// A Put of an existing id replaces it in place (Infra map "set": its
	// position is kept); a Put of an absent id appends it. A store may keep
	// Put.Seq or number entries itself: the batch is ordered so that both
	// end in the same order — deletions first, then replacements in place,
	// then appends in Seq order. An id occurs at most twice, as a deletion
	// then an append (deleted and set again: it moves to the end). Icon
	// Data in Put records must be stored (LoadIcon returns it).
	//
	// The index calls Apply for one registration at a time, but for
	// different registrations concurrently: a store may group concurrent
	// calls into one commit.
	Apply(ctx context.Context, batch []Mutation) error
	// LoadIcon returns the Data of icon i of the entry (RegID, ID).
	LoadIcon(ctx context.Context, regID, id string, i int) ([]byte, error)
}

// OpenStore may be implemented by a Store to persist how often the person
// opened (activated) each origin's entries, the display policy's weighting.
// RecordOpen is called once per activation; LoadOpens returns the counts by
// origin (a store counting per entry may sum its entries' counts by the
// origin of their scope).
type OpenStore interface {
	RecordOpen(ctx context.Context, regID, id, origin string, at time.Time) error
	LoadOpens(ctx context.Context) (map[string]int, error)
}

// MemStore is an in-memory Store (and OpenStore) for tests and for hosts
// without persistence. It counts commits, and tests may inject latency or
// failures with BeforeApply.
type MemStore struct {
	mu      sync.Mutex
	entries map[string]map[string]Record
	opens   map[string]int
	commits int
	muts    int
	// BeforeApply, if set, runs at the start of each Apply (outside the
	// store's lock); an error fails the Apply without effect.
	BeforeApply func(ctx context.Context, batch []Mutation) error
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{entries: map[string]map[string]Record{}, opens: map[string]int{}}
}

func cloneRecord(r Record) Record {
	r.Description = r.Description.Clone()
	if r.Icons != nil {
		icons := make([]Icon, len(r.Icons))
		for i, ic := range r.Icons {
			if ic.Data != nil {
				ic.Data = append([]byte(nil), ic.Data...)
			}
			icons[i] = ic
		}
		r.Icons = icons
	}
	return r
}

// LoadEntries implements Store.
func (s *MemStore) LoadEntries(ctx context.Context) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, m := range s.entries {
		for _, r := range m {
			out = append(out, cloneRecord(r))
		}
	}
	slices.SortFunc(out, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.RegID, b.RegID), cmp.Compare(a.Seq, b.Seq))
	})
	return out, nil
}

// Apply implements Store.
func (s *MemStore) Apply(ctx context.Context, batch []Mutation) error {
	if s.BeforeApply != nil {
		if err := s.BeforeApply(ctx, batch); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range batch {
		if m.Put == nil {
			if reg := s.entries[m.RegID]; reg != nil {
				delete(reg, m.ID)
				if len(reg) == 0 {
					delete(s.entries, m.RegID)
				}
			}
			continue
		}
		reg := s.entries[m.RegID]
		if reg == nil {
			reg = map[string]Record{}
			s.entries[m.RegID] = reg
		}
		reg[m.ID] = cloneRecord(*m.Put)
	}
	s.commits++
	s.muts += len(batch)
	return nil
}

// LoadIcon implements Store.
func (s *MemStore) LoadIcon(ctx context.Context, regID, id string, i int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.entries[regID][id]
	if !ok || i < 0 || i >= len(r.Icons) {
		return nil, errorf(NotFoundError, "no icon %d for entry '%s'", i, id)
	}
	return append([]byte(nil), r.Icons[i].Data...), nil
}

// LoadOpens implements OpenStore.
func (s *MemStore) LoadOpens(ctx context.Context) (map[string]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.opens))
	for k, v := range s.opens {
		out[k] = v
	}
	return out, nil
}

// RecordOpen implements OpenStore.
func (s *MemStore) RecordOpen(ctx context.Context, regID, id, origin string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opens[origin]++
	return nil
}

// Commits returns how many Apply calls committed and how many mutations
// they carried.
func (s *MemStore) Commits() (commits, mutations int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits, s.muts
}

// Len returns the number of stored entries.
func (s *MemStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.entries {
		n += len(m)
	}
	return n
}
