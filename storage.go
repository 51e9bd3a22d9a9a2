package swhost

import (
	"context"

	"github.com/swhost/swhost/internal/sw"
)

// stores are the persistence interfaces of the host's parts.
type stores struct {
	registrations sw.Store
}

// openStore opens the SQLite store under cfg.DataDir, or memory stores.
func openStore(ctx context.Context, cfg Config) (*stores, func() error, error) {
	return &stores{registrations: sw.NewMemoryStore()}, func() error { return nil }, nil
}
