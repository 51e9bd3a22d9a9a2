package sw

import (
	"context"
	"sort"
	"sync"
)

// Store persists registrations and worker versions. A method that returns
// nil has committed durably.
type Store interface {
	// LoadRegistrations returns every registration with its versions.
	LoadRegistrations(ctx context.Context) ([]RegistrationRecord, error)
	// SaveRegistration inserts or updates a registration and, atomically
	// with it, the given versions (scripts included).
	SaveRegistration(ctx context.Context, reg RegistrationRecord) error
	// DeleteRegistration removes a registration and everything it owns.
	DeleteRegistration(ctx context.Context, id int64) error
}

// RegistrationRecord is a registration as stored.
type RegistrationRecord struct {
	ID             int64
	Scope          string
	Origin         string
	UpdateViaCache string
	// Versions still relevant (installing, waiting, active). Versions not
	// listed are deleted.
	Versions []VersionRecord
}

// VersionRecord is a worker version as stored.
type VersionRecord struct {
	ID         int64
	ScriptURL  string
	Type       string
	State      State
	EventTypes []string
	// Scripts is the script resource map: the main script and imports.
	// Nil in SaveRegistration means unchanged since the last save.
	Scripts []ScriptRecord
}

// ScriptRecord is one script resource.
type ScriptRecord struct {
	URL         string
	ContentType string
	Body        []byte
}

// MemoryStore is a Store in memory (for tests and --data "").
type MemoryStore struct {
	mu   sync.Mutex
	regs map[int64]RegistrationRecord
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{regs: map[int64]RegistrationRecord{}} }

// LoadRegistrations implements Store.
func (m *MemoryStore) LoadRegistrations(context.Context) ([]RegistrationRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]RegistrationRecord, 0, len(m.regs))
	for _, r := range m.regs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// SaveRegistration implements Store.
func (m *MemoryStore) SaveRegistration(_ context.Context, reg RegistrationRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.regs[reg.ID]
	for i, v := range reg.Versions {
		if v.Scripts != nil {
			continue
		}
		for _, o := range old.Versions {
			if o.ID == v.ID {
				reg.Versions[i].Scripts = o.Scripts
			}
		}
	}
	m.regs[reg.ID] = reg
	return nil
}

// DeleteRegistration implements Store.
func (m *MemoryStore) DeleteRegistration(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.regs, id)
	return nil
}
