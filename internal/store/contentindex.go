package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ContentEntry is a content index entry of a registration.
type ContentEntry struct {
	RegistrationID int64
	ID             string // the description's id: the key of the ordered map
	// Description is the ContentDescription as JSON text, stored and
	// returned byte for byte.
	Description string
	LaunchURL   string
	Category    string
	Icons       []Icon

	// Set by the store.
	// Seq orders a registration's entries (increasing in map order); it is
	// an ordering key, not an index, and may be reused after deletions.
	Seq          int64
	AddedAt      time.Time
	UpdatedAt    time.Time
	LastOpenedAt time.Time
	OpenCount    int64

	// Set by ListAllContentEntries: the owning registration.
	StorageKey string
	Scope      string
}

// Icon is one of an entry's icons: the ImageResource as given and, when the
// user agent fetched it, the image.
type Icon struct {
	Src, Sizes, Type, Label string
	MIME                    string // Content-Type of the fetched image
	// Body is the image: input for PutContentEntry; filled by
	// GetContentEntry; nil in lists (use ContentIcon with SHA256).
	Body   []byte
	SHA256 []byte // set by the store when a body is stored
	Size   int64
}

// PutContentEntry sets registration e.RegistrationID's content index entry
// e.ID (Infra map set: a new id appends, an existing id is replaced in place,
// keeping Seq, AddedAt and the open statistics). ErrNotFound if the
// registration does not exist; ErrInvalid for an empty id or launch URL or a
// description that is not JSON.
func (s *Store) PutContentEntry(ctx context.Context, e ContentEntry) error {
	sums, err := iconSums(&e)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error { return tx.putContentEntry(&e, sums) })
}

// PutContentEntry: see Store.PutContentEntry.
func (tx *Tx) PutContentEntry(e ContentEntry) error {
	sums, err := iconSums(&e)
	if err != nil {
		return err
	}
	return tx.putContentEntry(&e, sums)
}

func iconSums(e *ContentEntry) ([][]byte, error) {
	if e.RegistrationID == 0 || e.ID == "" || e.LaunchURL == "" {
		return nil, fmt.Errorf("store: put content entry: %w: missing registration, id or launch URL", ErrInvalid)
	}
	if !json.Valid([]byte(e.Description)) {
		return nil, fmt.Errorf("store: put content entry %q: %w: description is not JSON", e.ID, ErrInvalid)
	}
	sums := make([][]byte, len(e.Icons))
	for i, ic := range e.Icons {
		if ic.Body != nil {
			h := sha256.Sum256(ic.Body)
			sums[i] = h[:]
		}
	}
	return sums, nil
}

func (tx *Tx) putContentEntry(e *ContentEntry, sums [][]byte) error {
	what := "store: put content entry " + e.ID
	now := tx.now()
	var seq int64
	err := tx.queryRow(`SELECT seq FROM ci_entries WHERE registration_id = ? AND id = ?`, e.RegistrationID, e.ID).Scan(&seq)
	switch {
	case err == nil:
		// Overwrite in place (Infra map set keeps the position); the old
		// icons go first (their bodies may be collected).
		if _, err := tx.exec(`UPDATE ci_entries SET description = ?, launch_url = ?, category = ?, updated_at = ?
			WHERE seq = ?`, e.Description, e.LaunchURL, e.Category, now, seq); err != nil {
			return mapErr(err, what)
		}
		if _, err := tx.exec(`DELETE FROM ci_icons WHERE entry_seq = ?`, seq); err != nil {
			return mapErr(err, what)
		}
	case errors.Is(err, sql.ErrNoRows):
		res, err := tx.exec(`INSERT INTO ci_entries(registration_id, id, description, launch_url, category, added_at, updated_at)
			VALUES (?,?,?,?,?,?,?)`, e.RegistrationID, e.ID, e.Description, e.LaunchURL, e.Category, now, now)
		if err != nil {
			return mapErr(err, what)
		}
		if seq, err = res.LastInsertId(); err != nil {
			return mapErr(err, what)
		}
	default:
		return mapErr(err, what)
	}
	for i, ic := range e.Icons {
		var sum any
		if sums[i] != nil {
			if err := tx.putBody(sums[i], ic.Body); err != nil {
				return mapErr(err, what)
			}
			sum = sums[i]
		}
		if _, err := tx.exec(`INSERT INTO ci_icons(entry_seq, idx, src, sizes, type, label, mime, sha256, size)
			VALUES (?,?,?,?,?,?,?,?,?)`, seq, i, ic.Src, ic.Sizes, ic.Type, ic.Label, ic.MIME, sum, len(ic.Body)); err != nil {
			return mapErr(err, what)
		}
	}
	return nil
}

// DeleteContentEntry removes registration regID's entry id and reports
// whether it existed.
func (s *Store) DeleteContentEntry(ctx context.Context, regID int64, id string) (existed bool, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		existed, err = tx.DeleteContentEntry(regID, id)
		return err
	})
	return existed, err
}

// DeleteContentEntry: see Store.DeleteContentEntry.
func (tx *Tx) DeleteContentEntry(regID int64, id string) (bool, error) {
	res, err := tx.exec(`DELETE FROM ci_entries WHERE registration_id = ? AND id = ?`, regID, id)
	if err != nil {
		return false, mapErr(err, "store: delete content entry")
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RecordContentOpen counts one activation of entry id at time at.
func (s *Store) RecordContentOpen(ctx context.Context, regID int64, id string, at time.Time) error {
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE ci_entries SET open_count = open_count + 1, last_opened_at = ?
			WHERE registration_id = ? AND id = ?`, toNanos(at), regID, id)
		if err != nil {
			return mapErr(err, "store: record content open")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: record content open %q: %w", id, ErrNotFound)
		}
		return nil
	})
}

// ---- reads ----

const ciCols = `e.registration_id, e.id, e.seq, e.description, e.launch_url, e.category, e.added_at,
	e.updated_at, e.last_opened_at, e.open_count`

func scanContentEntry(sc scanner, extra ...any) (ContentEntry, error) {
	var e ContentEntry
	var added, updated, opened int64
	dest := append([]any{&e.RegistrationID, &e.ID, &e.Seq, &e.Description, &e.LaunchURL, &e.Category,
		&added, &updated, &opened, &e.OpenCount}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return e, err
	}
	e.AddedAt, e.UpdatedAt, e.LastOpenedAt = fromNanos(added), fromNanos(updated), fromNanos(opened)
	return e, nil
}

// attachIcons loads the icons (metadata, and bodies if withBodies) of the
// entries selected by where/args (on ci_entries e) and attaches them to out.
func attachIcons(q querier, out []ContentEntry, withBodies bool, where string, args ...any) error {
	if len(out) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(out))
	for i := range out {
		idx[out[i].Seq] = i
	}
	cols := `i.entry_seq, i.src, i.sizes, i.type, i.label, i.mime, i.sha256, i.size`
	from := `FROM ci_entries e JOIN ci_icons i ON i.entry_seq = e.seq `
	if withBodies {
		cols += `, b.data`
		from += `LEFT JOIN bodies b ON b.sha256 = i.sha256 `
	}
	rows, err := q.query(`SELECT `+cols+` `+from+where+` ORDER BY i.entry_seq, i.idx`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var ic Icon
		dest := []any{&seq, &ic.Src, &ic.Sizes, &ic.Type, &ic.Label, &ic.MIME, &ic.SHA256, &ic.Size}
		if withBodies {
			dest = append(dest, &ic.Body)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if i, ok := idx[seq]; ok {
			out[i].Icons = append(out[i].Icons, ic)
		}
	}
	return rows.Err()
}

// GetContentEntry returns registration regID's entry id, icon bodies
// included.
func (s *Store) GetContentEntry(ctx context.Context, regID int64, id string) (ContentEntry, error) {
	q, err := s.read(ctx)
	if err != nil {
		return ContentEntry{}, err
	}
	e, err := scanContentEntry(q.queryRow(`SELECT `+ciCols+` FROM ci_entries e WHERE e.registration_id = ? AND e.id = ?`, regID, id))
	if err != nil {
		return e, mapErr(err, "store: get content entry")
	}
	out := []ContentEntry{e}
	if err := attachIcons(q, out, true, `WHERE e.seq = ?`, e.Seq); err != nil {
		return e, mapErr(err, "store: get content entry")
	}
	return out[0], nil
}

// ListContentEntries returns registration regID's entries in map order
// (getAll()), icons without bodies.
func (s *Store) ListContentEntries(ctx context.Context, regID int64) ([]ContentEntry, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.query(`SELECT `+ciCols+` FROM ci_entries e WHERE e.registration_id = ? ORDER BY e.seq`, regID)
	if err != nil {
		return nil, mapErr(err, "store: list content entries")
	}
	out, err := collectContent(rows)
	if err != nil {
		return nil, mapErr(err, "store: list content entries")
	}
	if err := attachIcons(q, out, false, `WHERE e.registration_id = ?`, regID); err != nil {
		return nil, mapErr(err, "store: list content entries")
	}
	return out, nil
}

// ListAllContentEntries returns every registration's entries for the user
// agent's display, with the owning registration's storage key and scope,
// ordered by storage key, scope, then map order. Icons without bodies.
func (s *Store) ListAllContentEntries(ctx context.Context) ([]ContentEntry, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.query(`SELECT ` + ciCols + `, r.storage_key, r.scope FROM ci_entries e
		JOIN registrations r ON r.id = e.registration_id ORDER BY r.storage_key, r.scope, e.seq`)
	if err != nil {
		return nil, mapErr(err, "store: list all content entries")
	}
	out, err := collectContent(rows, true)
	if err != nil {
		return nil, mapErr(err, "store: list all content entries")
	}
	if err := attachIcons(q, out, false, ``); err != nil {
		return nil, mapErr(err, "store: list all content entries")
	}
	return out, nil
}

func collectContent(rows interface {
	scanner
	Next() bool
	Err() error
	Close() error
}, withReg ...bool) ([]ContentEntry, error) {
	defer rows.Close()
	var out []ContentEntry
	for rows.Next() {
		var e ContentEntry
		var err error
		if len(withReg) > 0 {
			var sk, sc string
			e, err = scanContentEntry(rows, &sk, &sc)
			e.StorageKey, e.Scope = sk, sc
		} else {
			e, err = scanContentEntry(rows)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountContentEntries returns how many entries registration regID has.
func (s *Store) CountContentEntries(ctx context.Context, regID int64) (int, error) {
	q, err := s.read(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = q.queryRow(`SELECT COUNT(*) FROM ci_entries WHERE registration_id = ?`, regID).Scan(&n)
	return n, mapErr(err, "store: count content entries")
}

// ContentIcon returns the stored image with the given SHA-256 (Icon.SHA256).
func (s *Store) ContentIcon(ctx context.Context, sum []byte) ([]byte, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	var b []byte
	err = q.queryRow(`SELECT data FROM bodies WHERE sha256 = ?`, sum).Scan(&b)
	return b, mapErr(err, "store: content icon")
}

// LoadContentIcon returns icon idx (0-based, in the order given to
// PutContentEntry) of registration regID's entry id, body included.
// ErrNotFound if there is no such entry or icon.
func (s *Store) LoadContentIcon(ctx context.Context, regID int64, id string, idx int) (Icon, error) {
	q, err := s.read(ctx)
	if err != nil {
		return Icon{}, err
	}
	var ic Icon
	err = q.queryRow(`SELECT i.src, i.sizes, i.type, i.label, i.mime, i.sha256, i.size, b.data
		FROM ci_entries e JOIN ci_icons i ON i.entry_seq = e.seq LEFT JOIN bodies b ON b.sha256 = i.sha256
		WHERE e.registration_id = ? AND e.id = ? AND i.idx = ?`, regID, id, idx).
		Scan(&ic.Src, &ic.Sizes, &ic.Type, &ic.Label, &ic.MIME, &ic.SHA256, &ic.Size, &ic.Body)
	return ic, mapErr(err, "store: load content icon")
}

// RegistrationExists reports whether registration id is stored.
func (tx *Tx) RegistrationExists(id int64) (bool, error) {
	var one int
	err := tx.queryRow(`SELECT 1 FROM registrations WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "store: registration exists")
	}
	return true, nil
}
