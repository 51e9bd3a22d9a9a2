package store

import (
	"context"
	"fmt"
	"time"
)

// Decision is a grant's outcome.
type Decision string

// Grant decisions.
const (
	Allow Decision = "allow"
	Deny  Decision = "deny"
)

// Grant records whether RequestingOrigin may discover the published worker
// running ScriptURL (Cross-Origin Service Workers).
type Grant struct {
	RequestingOrigin string
	ScriptURL        string
	Decision         Decision
	CreatedAt        time.Time // first decision
	UpdatedAt        time.Time // latest decision
}

// GrantFilter narrows ListGrants; empty fields match everything.
type GrantFilter struct {
	RequestingOrigin string
	ScriptURL        string
}

// PutGrant records (or changes) the decision for (g.RequestingOrigin,
// g.ScriptURL). CreatedAt is kept across changes.
func (s *Store) PutGrant(ctx context.Context, g Grant) error {
	return s.update(ctx, func(tx *Tx) error { return tx.PutGrant(g) })
}

// PutGrant: see Store.PutGrant.
func (tx *Tx) PutGrant(g Grant) error {
	if g.RequestingOrigin == "" || g.ScriptURL == "" {
		return fmt.Errorf("store: put grant: %w: empty origin or script URL", ErrInvalid)
	}
	if g.Decision != Allow && g.Decision != Deny {
		return fmt.Errorf("store: put grant: %w: decision %q", ErrInvalid, g.Decision)
	}
	now := time.Now().UnixNano()
	_, err := tx.exec(`INSERT INTO grants(requesting_origin, script_url, decision, created_at, updated_at)
		VALUES (?,?,?,?,?) ON CONFLICT(requesting_origin, script_url)
		DO UPDATE SET decision = excluded.decision, updated_at = excluded.updated_at`,
		g.RequestingOrigin, g.ScriptURL, string(g.Decision), now, now)
	return mapErr(err, "store: put grant")
}

// DeleteGrant forgets the decision for (origin, scriptURL).
func (s *Store) DeleteGrant(ctx context.Context, origin, scriptURL string) (existed bool, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM grants WHERE requesting_origin = ? AND script_url = ?`, origin, scriptURL)
		if err != nil {
			return mapErr(err, "store: delete grant")
		}
		n, _ := res.RowsAffected()
		existed = n > 0
		return nil
	})
	return existed, err
}

const grantCols = `requesting_origin, script_url, decision, created_at, updated_at`

func scanGrant(sc scanner) (Grant, error) {
	var g Grant
	var d string
	var c, u int64
	err := sc.Scan(&g.RequestingOrigin, &g.ScriptURL, &d, &c, &u)
	g.Decision, g.CreatedAt, g.UpdatedAt = Decision(d), fromNanos(c), fromNanos(u)
	return g, err
}

// GetGrant returns the decision for (origin, scriptURL); ErrNotFound if none
// was made.
func (s *Store) GetGrant(ctx context.Context, origin, scriptURL string) (Grant, error) {
	q, err := s.read(ctx)
	if err != nil {
		return Grant{}, err
	}
	g, err := scanGrant(q.queryRow(`SELECT `+grantCols+` FROM grants WHERE requesting_origin = ? AND script_url = ?`, origin, scriptURL))
	return g, mapErr(err, "store: get grant")
}

// ListGrants lists grants matching f, ordered by origin then script URL.
func (s *Store) ListGrants(ctx context.Context, f GrantFilter) ([]Grant, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.query(`SELECT `+grantCols+` FROM grants
		WHERE (?1 = '' OR requesting_origin = ?1) AND (?2 = '' OR script_url = ?2)
		ORDER BY requesting_origin, script_url`, f.RequestingOrigin, f.ScriptURL)
	if err != nil {
		return nil, mapErr(err, "store: list grants")
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, mapErr(err, "store: list grants")
		}
		out = append(out, g)
	}
	return out, mapErr(rows.Err(), "store: list grants")
}
