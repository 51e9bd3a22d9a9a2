package discovery

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"
)

// Store is what the Service persists: publications (one per registration)
// and grant decisions (one per requesting origin and script URL). The
// Service keeps everything in memory as well, loads it once in New and
// writes through: a method that changes state returns only after the Store
// call returned, so a promise resolved on it is durable.
//
// The SQLite adapter maps this onto store.DiscoveryStore: PutPublication →
// SetPublished(regID, true, origins); DeletePublication → SetPublished(regID,
// false, nil) with store.ErrNotFound mapped to nil (the registration row may
// be gone already); ListPublications → ListPublished(ctx, "") (ScriptURL may
// be left empty: it is informational); grants one to one.
type Store interface {
	// PutPublication records that p.RegID is published, replacing its
	// previous publication.
	PutPublication(ctx context.Context, p Publication) error
	// DeletePublication records that regID is not published. Idempotent:
	// deleting what does not exist (or whose registration is gone) is not
	// an error.
	DeletePublication(ctx context.Context, regID int64) error
	// ListPublications returns every published registration.
	ListPublications(ctx context.Context) ([]Publication, error)

	// PutGrant records the decision for (g.RequestingOrigin, g.ScriptURL),
	// replacing the previous one; it should keep the first CreatedAt.
	PutGrant(ctx context.Context, g Grant) error
	// DeleteGrant forgets the decision; existed reports whether there was one.
	DeleteGrant(ctx context.Context, origin, scriptURL string) (existed bool, err error)
	// ListGrants returns every recorded decision.
	ListGrants(ctx context.Context) ([]Grant, error)
}

// MemStore is an in-memory Store for tests and for running without a
// database. Reopening means handing the same MemStore to a new Service.
type MemStore struct {
	mu     sync.Mutex
	pubs   map[int64]Publication
	grants map[grantKey]Grant
	// Err, when set, is returned by every write (to test failures).
	Err error
	// Writes counts successful writes.
	Writes int
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{pubs: map[int64]Publication{}, grants: map[grantKey]Grant{}}
}

func (m *MemStore) write() error {
	if m.Err != nil {
		return m.Err
	}
	m.Writes++
	return nil
}

// PutPublication implements Store.
func (m *MemStore) PutPublication(ctx context.Context, p Publication) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.write(); err != nil {
		return err
	}
	p.AllowedOrigins = slices.Clone(p.AllowedOrigins)
	m.pubs[p.RegID] = p
	return nil
}

// DeletePublication implements Store.
func (m *MemStore) DeletePublication(ctx context.Context, regID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.write(); err != nil {
		return err
	}
	delete(m.pubs, regID)
	return nil
}

// ListPublications implements Store.
func (m *MemStore) ListPublications(ctx context.Context) ([]Publication, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Publication, 0, len(m.pubs))
	for _, p := range m.pubs {
		p.AllowedOrigins = slices.Clone(p.AllowedOrigins)
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RegID < out[j].RegID })
	return out, nil
}

// PutGrant implements Store.
func (m *MemStore) PutGrant(ctx context.Context, g Grant) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.write(); err != nil {
		return err
	}
	k := grantKey{g.RequestingOrigin, g.ScriptURL}
	if old, ok := m.grants[k]; ok && !old.CreatedAt.IsZero() {
		g.CreatedAt = old.CreatedAt
	}
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = time.Now()
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = g.UpdatedAt
	}
	g.Source = SourceStored
	m.grants[k] = g
	return nil
}

// DeleteGrant implements Store.
func (m *MemStore) DeleteGrant(ctx context.Context, origin, scriptURL string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.write(); err != nil {
		return false, err
	}
	k := grantKey{origin, scriptURL}
	_, ok := m.grants[k]
	delete(m.grants, k)
	return ok, nil
}

// ListGrants implements Store.
func (m *MemStore) ListGrants(ctx context.Context) ([]Grant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Grant, 0, len(m.grants))
	for _, g := range m.grants {
		out = append(out, g)
	}
	sortGrants(out)
	return out, nil
}
