package cachestorage

import (
	"context"
	"errors"
	"sync"

	"github.com/swhost/swhost/internal/store"
)

// memo keeps in memory what reads take from the store most often: each
// origin's list of caches, and the entries of a cache for one URL (with
// their bodies when they live in the database). A worker answering from
// Cache Storage then matches without a query.
//
// Every write goes through Storage (the store is this process's alone),
// which forgets what it changes once the store has committed. A read that
// raced with a write does not fill the memo: readers note the generation
// before asking the store and keep the answer only if no write happened
// meanwhile.
type memo struct {
	mu      sync.Mutex
	gen     uint64
	caches  map[string][]store.CacheInfo
	entries map[entryKey][]store.CacheEntry
	bytes   int
}

type entryKey struct {
	cache int64
	url   string // store.URLKey of the request URL
}

// memoBudget bounds the bytes of bodies (and a guess of the rest) kept;
// past it the entries are dropped and filled again on demand.
const memoBudget = 32 << 20

func (m *memo) generation() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gen
}

func (m *memo) cachesOf(origin string) ([]store.CacheInfo, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	list, ok := m.caches[origin]
	return list, ok
}

func (m *memo) putCaches(gen uint64, origin string, list []store.CacheInfo) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.gen {
		return
	}
	if m.caches == nil {
		m.caches = map[string][]store.CacheInfo{}
	}
	m.caches[origin] = list
}

func (m *memo) entriesOf(k entryKey) ([]store.CacheEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	list, ok := m.entries[k]
	return list, ok
}

func (m *memo) putEntries(gen uint64, k entryKey, list []store.CacheEntry) {
	size := 256
	for i := range list {
		size += 512 + len(list[i].Body)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.gen || size > memoBudget/4 {
		return
	}
	if m.entries == nil || m.bytes+size > memoBudget {
		m.entries = map[entryKey][]store.CacheEntry{}
		m.bytes = 0
	}
	m.entries[k] = list
	m.bytes += size
}

// forgetCaches drops an origin's list of caches.
func (m *memo) forgetCaches(origin string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	delete(m.caches, origin)
}

// forgetEntries drops the entries of cache for the given URLs (every URL
// when urls is nil).
func (m *memo) forgetEntries(cache int64, urls []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	if urls == nil {
		for k := range m.entries {
			if k.cache == cache {
				delete(m.entries, k)
			}
		}
		return
	}
	for _, u := range urls {
		delete(m.entries, entryKey{cache, store.URLKey(u)})
	}
}

// forgetAll drops everything.
func (m *memo) forgetAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.caches = nil
	m.entries = nil
	m.bytes = 0
}

// memoOnlyKey marks a context whose reads may not reach the store: they
// fail with errNotInMemo instead (see Storage.Cached).
type memoOnlyKey struct{}

var errNotInMemo = errors.New("cachestorage: not in memory")

func memoOnly(ctx context.Context) bool { return ctx.Value(memoOnlyKey{}) != nil }

// Cached runs a read (Match, MatchOne, MatchAll) with what is in memory
// only: ok is false when it would need the store. It never blocks, so the
// binding runs it on the realm's loop and settles the promise at once.
func (s *Storage) Cached(read func(ctx context.Context) error) (ok bool, err error) {
	err = read(context.WithValue(context.Background(), memoOnlyKey{}, true))
	if errors.Is(err, errNotInMemo) {
		return false, nil
	}
	return true, err
}

// listCaches is the store's ListCaches through the memo.
func (s *Storage) listCaches(ctx context.Context, origin string) ([]store.CacheInfo, error) {
	if list, ok := s.memo.cachesOf(origin); ok {
		return list, nil
	}
	if memoOnly(ctx) {
		return nil, errNotInMemo
	}
	gen := s.memo.generation()
	list, err := s.st.ListCaches(ctx, origin)
	if err != nil {
		return nil, err
	}
	s.memo.putCaches(gen, origin, list)
	return list, nil
}

// candidates returns the entries of a cache whose URL (fragment excluded)
// is url's, in insertion order, with their bodies; they are shared: callers
// must not modify them.
func (s *Storage) candidates(ctx context.Context, cacheID int64, url string) ([]store.CacheEntry, error) {
	k := entryKey{cacheID, store.URLKey(url)}
	if list, ok := s.memo.entriesOf(k); ok {
		return list, nil
	}
	if memoOnly(ctx) {
		return nil, errNotInMemo
	}
	gen := s.memo.generation()
	list, err := s.entries(ctx, cacheID, store.CacheQuery{URL: url, WithBodies: true})
	if err != nil {
		return nil, err
	}
	s.memo.putEntries(gen, k, list)
	return list, nil
}

// entries is the store's CacheEntries, asked again when an entry's body
// file went away under it (the entry was replaced meanwhile).
func (s *Storage) entries(ctx context.Context, cacheID int64, q store.CacheQuery) ([]store.CacheEntry, error) {
	if memoOnly(ctx) {
		return nil, errNotInMemo
	}
	for attempt := 0; ; attempt++ {
		list, err := s.st.CacheEntries(ctx, cacheID, q)
		if err == nil || !errors.Is(err, store.ErrNotFound) || attempt == 3 {
			return list, err
		}
	}
}
