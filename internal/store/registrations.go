package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Registration is a persisted service worker registration.
type Registration struct {
	ID              int64
	StorageKey      string // the storage key (origin) the registration belongs to
	Scope           string // scope URL, serialized
	UpdateViaCache  string // "imports" (default), "all" or "none"
	LastUpdateCheck time.Time
	// ActiveVersionID and WaitingVersionID name versions of this
	// registration; 0 means none. Deleting a version clears them.
	ActiveVersionID  int64
	WaitingVersionID int64
	// Navigation preload state.
	NavigationPreloadEnabled bool
	NavigationPreloadHeader  string // default "true"
	// Published and PublishOrigins are the Cross-Origin Service Workers
	// discovery state (publish()/unpublish()).
	Published      bool
	PublishOrigins []string
	Extra          []byte // opaque to the store, for fields not modelled here
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Insert makes PutRegistration insert a new record with the caller's
	// ID (the Service Workers core numbers registrations itself).
	Insert bool
}

// Worker version states (ServiceWorkerState plus "parsed").
const (
	StateParsed     = "parsed"
	StateInstalling = "installing"
	StateInstalled  = "installed"
	StateActivating = "activating"
	StateActivated  = "activated"
	StateRedundant  = "redundant"
)

var validStates = map[string]bool{
	StateParsed: true, StateInstalling: true, StateInstalled: true,
	StateActivating: true, StateActivated: true, StateRedundant: true,
}

// Version is a persisted worker version (a "service worker" in the spec).
type Version struct {
	ID              int64
	RegistrationID  int64
	ScriptURL       string
	Type            string // "classic" (default) or "module"
	State           string // one of the State* constants; default "parsed"
	HasFetchHandler bool
	// ExtendedEvents is the set of event types the script listened to at its
	// first evaluation (stored sorted, without duplicates).
	ExtendedEvents []string
	// Scripts is the script resource map: the main script and the imported
	// scripts, by URL. PutVersion stores it when non-nil (replacing the
	// previous map); GetVersion and ListVersions leave it nil: use
	// LoadVersionScripts.
	Scripts   map[string]Script
	Extra     []byte
	CreatedAt time.Time
	// Insert makes PutVersion insert a new record with the caller's ID.
	Insert bool
}

// Script is one entry of a version's script resource map. Bodies are stored
// once per distinct SHA-256.
type Script struct {
	Body        []byte
	ContentType string
	SHA256      []byte // computed by the store when empty; checked otherwise
}

// HasEvent reports whether t is in v.ExtendedEvents.
func (v *Version) HasEvent(t string) bool {
	_, ok := slices.BinarySearch(v.ExtendedEvents, t)
	return ok
}

// ---- writes ----

// PutRegistration inserts r when r.ID is 0 (ErrExists if the storage key
// already has a registration for r.Scope) and returns the new id; otherwise
// it overwrites every field of registration r.ID (ErrNotFound if absent).
// For read-modify-write use UpdateRegistration.
func (s *Store) PutRegistration(ctx context.Context, r Registration) (id int64, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		id, err = tx.PutRegistration(r)
		return err
	})
	return id, err
}

// PutRegistration: see Store.PutRegistration.
func (tx *Tx) PutRegistration(r Registration) (int64, error) {
	if r.StorageKey == "" || r.Scope == "" {
		return 0, fmt.Errorf("store: put registration: %w: empty storage key or scope", ErrInvalid)
	}
	if r.UpdateViaCache == "" {
		r.UpdateViaCache = "imports"
	}
	if r.NavigationPreloadHeader == "" {
		r.NavigationPreloadHeader = "true"
	}
	origins, err := json.Marshal(nonNil(r.PublishOrigins))
	if err != nil {
		return 0, fmt.Errorf("store: put registration: %w", err)
	}
	now := time.Now().UnixNano()
	created := toNanos(r.CreatedAt)
	if created == 0 {
		created = now
	}
	what := "store: put registration " + r.Scope
	if r.ID != 0 && !r.Insert {
		if err := tx.checkOwnVersions(r.ID, r.ActiveVersionID, r.WaitingVersionID); err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
	} else if r.ActiveVersionID != 0 || r.WaitingVersionID != 0 {
		return 0, fmt.Errorf("%s: %w: a new registration has no versions yet", what, ErrInvalid)
	}
	if r.ID == 0 || r.Insert {
		// Insert, with a store-assigned id or with the caller's (r.Insert).
		res, err := tx.exec(`INSERT INTO registrations(id, storage_key, scope, update_via_cache, last_update_check,
			active_version_id, waiting_version_id, nav_preload_enabled, nav_preload_header,
			published, publish_origins, extra, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			nullID(r.ID), r.StorageKey, r.Scope, r.UpdateViaCache, toNanos(r.LastUpdateCheck),
			nullID(r.ActiveVersionID), nullID(r.WaitingVersionID), b2i(r.NavigationPreloadEnabled), r.NavigationPreloadHeader,
			b2i(r.Published), string(origins), r.Extra, created, now)
		if err != nil {
			return 0, mapErr(err, what)
		}
		id, err := res.LastInsertId()
		return id, mapErr(err, what)
	}
	res, err := tx.exec(`UPDATE registrations SET storage_key=?, scope=?, update_via_cache=?, last_update_check=?,
		active_version_id=?, waiting_version_id=?, nav_preload_enabled=?, nav_preload_header=?,
		published=?, publish_origins=?, extra=?, updated_at=? WHERE id=?`,
		r.StorageKey, r.Scope, r.UpdateViaCache, toNanos(r.LastUpdateCheck),
		nullID(r.ActiveVersionID), nullID(r.WaitingVersionID), b2i(r.NavigationPreloadEnabled), r.NavigationPreloadHeader,
		b2i(r.Published), string(origins), r.Extra, now, r.ID)
	if err != nil {
		return 0, mapErr(err, what)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, fmt.Errorf("%s: id %d: %w", what, r.ID, ErrNotFound)
	}
	return r.ID, nil
}

// UpdateRegistration reads registration id, lets fn change it, and writes it
// back, atomically (fn runs on the writer goroutine: keep it short). It
// returns the stored record.
func (s *Store) UpdateRegistration(ctx context.Context, id int64, fn func(r *Registration) error) (out Registration, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		r, err := getRegistration(tx, "WHERE id = ?", id)
		if err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
		r.ID = id
		if _, err := tx.PutRegistration(r); err != nil {
			return err
		}
		out, err = getRegistration(tx, "WHERE id = ?", id)
		return err
	})
	return out, err
}

// SetPublished sets the discovery state of registration id.
func (s *Store) SetPublished(ctx context.Context, id int64, published bool, origins []string) error {
	return s.update(ctx, func(tx *Tx) error { return tx.SetPublished(id, published, origins) })
}

// SetPublished: see Store.SetPublished.
func (tx *Tx) SetPublished(id int64, published bool, origins []string) error {
	o, err := json.Marshal(nonNil(origins))
	if err != nil {
		return fmt.Errorf("store: set published: %w", err)
	}
	return tx.updateOne("store: set published", id,
		`UPDATE registrations SET published=?, publish_origins=?, updated_at=? WHERE id=?`,
		b2i(published), string(o), time.Now().UnixNano(), id)
}

// SetLastUpdateCheck records the time of registration id's last update check.
func (s *Store) SetLastUpdateCheck(ctx context.Context, id int64, t time.Time) error {
	return s.update(ctx, func(tx *Tx) error {
		return tx.updateOne("store: set last update check", id,
			`UPDATE registrations SET last_update_check=?, updated_at=? WHERE id=?`,
			toNanos(t), time.Now().UnixNano(), id)
	})
}

// SetRegistrationVersions sets registration id's active and waiting version
// ids (0 = none) in one write, e.g. when a waiting worker is promoted.
func (s *Store) SetRegistrationVersions(ctx context.Context, id, active, waiting int64) error {
	return s.update(ctx, func(tx *Tx) error { return tx.SetRegistrationVersions(id, active, waiting) })
}

// SetRegistrationVersions: see Store.SetRegistrationVersions.
func (tx *Tx) SetRegistrationVersions(id, active, waiting int64) error {
	if err := tx.checkOwnVersions(id, active, waiting); err != nil {
		return fmt.Errorf("store: set registration versions: %w", err)
	}
	return tx.updateOne("store: set registration versions", id,
		`UPDATE registrations SET active_version_id=?, waiting_version_id=?, updated_at=? WHERE id=?`,
		nullID(active), nullID(waiting), time.Now().UnixNano(), id)
}

// checkOwnVersions verifies that the non-zero version ids exist and belong
// to registration regID.
func (tx *Tx) checkOwnVersions(regID int64, ids ...int64) error {
	for _, v := range ids {
		if v == 0 {
			continue
		}
		var owner int64
		if err := tx.queryRow(`SELECT registration_id FROM versions WHERE id = ?`, v).Scan(&owner); err != nil {
			return mapErr(err, fmt.Sprintf("version %d", v))
		}
		if owner != regID {
			return fmt.Errorf("%w: version %d belongs to registration %d, not %d", ErrInvalid, v, owner, regID)
		}
	}
	return nil
}

func (tx *Tx) updateOne(what string, id int64, q string, args ...any) error {
	res, err := tx.exec(q, args...)
	if err != nil {
		return mapErr(err, what)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: id %d: %w", what, id, ErrNotFound)
	}
	return nil
}

// DeleteRegistration deletes registration id and everything it owns: its
// versions and their scripts, its content index entries and icons, and its
// published state. It reports whether the registration existed. Grants are
// keyed by (origin, script URL), not by registration, and are kept.
func (s *Store) DeleteRegistration(ctx context.Context, id int64) (existed bool, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		existed, err = tx.DeleteRegistration(id)
		return err
	})
	return existed, err
}

// DeleteRegistration: see Store.DeleteRegistration.
func (tx *Tx) DeleteRegistration(id int64) (bool, error) {
	// Clear the version pointers first so the cascade does not have to
	// update the row it is deleting.
	if _, err := tx.exec(`UPDATE registrations SET active_version_id=NULL, waiting_version_id=NULL WHERE id=?`, id); err != nil {
		return false, mapErr(err, "store: delete registration")
	}
	res, err := tx.exec(`DELETE FROM registrations WHERE id=?`, id)
	if err != nil {
		return false, mapErr(err, "store: delete registration")
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// PutVersion inserts v when v.ID is 0 and returns the new id, or overwrites
// version v.ID. When v.Scripts is non-nil it replaces the version's script
// resource map. ErrNotFound if the registration (or version) does not exist.
func (s *Store) PutVersion(ctx context.Context, v Version) (id int64, err error) {
	sums, err := scriptSums(v.Scripts)
	if err != nil {
		return 0, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		id, err = tx.putVersion(v, sums)
		return err
	})
	return id, err
}

// PutVersion: see Store.PutVersion.
func (tx *Tx) PutVersion(v Version) (int64, error) {
	sums, err := scriptSums(v.Scripts)
	if err != nil {
		return 0, err
	}
	return tx.putVersion(v, sums)
}

func scriptSums(m map[string]Script) (map[string][]byte, error) {
	if m == nil {
		return nil, nil
	}
	sums := make(map[string][]byte, len(m))
	for u, sc := range m {
		if u == "" {
			return nil, fmt.Errorf("store: put version: %w: script with empty URL", ErrInvalid)
		}
		h := sha256.Sum256(sc.Body)
		if len(sc.SHA256) > 0 && !bytes.Equal(sc.SHA256, h[:]) {
			return nil, fmt.Errorf("store: put version: %w: script %s: SHA256 does not match body", ErrInvalid, u)
		}
		sums[u] = h[:]
	}
	return sums, nil
}

func (tx *Tx) putVersion(v Version, sums map[string][]byte) (int64, error) {
	what := "store: put version " + v.ScriptURL
	if v.RegistrationID == 0 || v.ScriptURL == "" {
		return 0, fmt.Errorf("%s: %w: missing registration id or script URL", what, ErrInvalid)
	}
	if v.Type == "" {
		v.Type = "classic"
	}
	if v.State == "" {
		v.State = StateParsed
	}
	if !validStates[v.State] {
		return 0, fmt.Errorf("%s: %w: state %q", what, ErrInvalid, v.State)
	}
	events := normEvents(v.ExtendedEvents)
	ev, _ := json.Marshal(events)
	created := toNanos(v.CreatedAt)
	if created == 0 {
		created = time.Now().UnixNano()
	}
	id := v.ID
	if id == 0 || v.Insert {
		res, err := tx.exec(`INSERT INTO versions(id, registration_id, script_url, type, state, has_fetch_handler,
			extended_events, extra, created_at) VALUES (?,?,?,?,?,?,?,?,?)`,
			nullID(v.ID), v.RegistrationID, v.ScriptURL, v.Type, v.State, b2i(v.HasFetchHandler), string(ev), v.Extra, created)
		if err != nil {
			return 0, mapErr(err, what)
		}
		if id, err = res.LastInsertId(); err != nil {
			return 0, mapErr(err, what)
		}
	} else {
		if err := tx.updateOne(what, id, `UPDATE versions SET registration_id=?, script_url=?, type=?, state=?,
			has_fetch_handler=?, extended_events=?, extra=? WHERE id=?`,
			v.RegistrationID, v.ScriptURL, v.Type, v.State, b2i(v.HasFetchHandler), string(ev), v.Extra, id); err != nil {
			return 0, err
		}
	}
	if v.Scripts != nil {
		if _, err := tx.exec(`DELETE FROM version_scripts WHERE version_id=?`, id); err != nil {
			return 0, mapErr(err, what)
		}
		if err := tx.putScripts(id, v.Scripts, sums); err != nil {
			return 0, mapErr(err, what)
		}
	}
	return id, nil
}

// PutVersionScripts adds (or replaces, by URL) scripts in version id's
// script resource map, leaving its other scripts alone.
func (s *Store) PutVersionScripts(ctx context.Context, versionID int64, scripts map[string]Script) error {
	sums, err := scriptSums(scripts)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error {
		for u := range scripts {
			if _, err := tx.exec(`DELETE FROM version_scripts WHERE version_id=? AND url=?`, versionID, u); err != nil {
				return mapErr(err, "store: put version scripts")
			}
		}
		return mapErr(tx.putScripts(versionID, scripts, sums), "store: put version scripts")
	})
}

func (tx *Tx) putScripts(versionID int64, scripts map[string]Script, sums map[string][]byte) error {
	for u, sc := range scripts {
		sum := sums[u]
		if err := tx.putBody(sum, sc.Body); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO version_scripts(version_id, url, content_type, sha256) VALUES (?,?,?,?)`,
			versionID, u, sc.ContentType, sum); err != nil {
			return err
		}
	}
	return nil
}

// putBody stores a content-addressed small body once.
func (tx *Tx) putBody(sum, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	_, err := tx.exec(`INSERT INTO bodies(sha256, data) VALUES (?,?) ON CONFLICT(sha256) DO NOTHING`, sum, body)
	return err
}

// SetVersionState sets version id's state.
func (s *Store) SetVersionState(ctx context.Context, id int64, state string) error {
	return s.update(ctx, func(tx *Tx) error { return tx.SetVersionState(id, state) })
}

// SetVersionState: see Store.SetVersionState.
func (tx *Tx) SetVersionState(id int64, state string) error {
	if !validStates[state] {
		return fmt.Errorf("store: set version state: %w: state %q", ErrInvalid, state)
	}
	return tx.updateOne("store: set version state", id, `UPDATE versions SET state=? WHERE id=?`, state, id)
}

// DeleteVersion deletes version id and its script map (bodies no other
// version or icon uses go too). A registration whose active or waiting
// version it was has that pointer cleared.
func (s *Store) DeleteVersion(ctx context.Context, id int64) (existed bool, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		existed, err = tx.DeleteVersion(id)
		return err
	})
	return existed, err
}

// DeleteVersion: see Store.DeleteVersion.
func (tx *Tx) DeleteVersion(id int64) (bool, error) {
	res, err := tx.exec(`DELETE FROM versions WHERE id=?`, id)
	if err != nil {
		return false, mapErr(err, "store: delete version")
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ---- reads ----

const regCols = `id, storage_key, scope, update_via_cache, last_update_check, active_version_id,
	waiting_version_id, nav_preload_enabled, nav_preload_header, published, publish_origins, extra,
	created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanRegistration(sc scanner) (Registration, error) {
	var r Registration
	var active, waiting sql.NullInt64
	var luc, created, updated int64
	var origins string
	if err := sc.Scan(&r.ID, &r.StorageKey, &r.Scope, &r.UpdateViaCache, &luc, &active, &waiting,
		&r.NavigationPreloadEnabled, &r.NavigationPreloadHeader, &r.Published, &origins, &r.Extra,
		&created, &updated); err != nil {
		return r, err
	}
	r.LastUpdateCheck, r.CreatedAt, r.UpdatedAt = fromNanos(luc), fromNanos(created), fromNanos(updated)
	r.ActiveVersionID, r.WaitingVersionID = active.Int64, waiting.Int64
	if err := json.Unmarshal([]byte(origins), &r.PublishOrigins); err != nil {
		return r, fmt.Errorf("decode publish origins: %w", err)
	}
	return r, nil
}

func getRegistration(q querier, where string, args ...any) (Registration, error) {
	r, err := scanRegistration(q.queryRow(`SELECT `+regCols+` FROM registrations `+where, args...))
	return r, mapErr(err, "store: get registration")
}

func listRegistrations(q querier, where string, args ...any) ([]Registration, error) {
	rows, err := q.query(`SELECT `+regCols+` FROM registrations `+where, args...)
	if err != nil {
		return nil, mapErr(err, "store: list registrations")
	}
	defer rows.Close()
	var out []Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, mapErr(err, "store: list registrations")
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "store: list registrations")
}

// GetRegistration returns the registration of storageKey for scope.
func (s *Store) GetRegistration(ctx context.Context, storageKey, scope string) (Registration, error) {
	q, err := s.read(ctx)
	if err != nil {
		return Registration{}, err
	}
	return getRegistration(q, "WHERE storage_key = ? AND scope = ?", storageKey, scope)
}

// GetRegistrationByID returns registration id.
func (s *Store) GetRegistrationByID(ctx context.Context, id int64) (Registration, error) {
	q, err := s.read(ctx)
	if err != nil {
		return Registration{}, err
	}
	return getRegistration(q, "WHERE id = ?", id)
}

// GetRegistrationByID: see Store.GetRegistrationByID (reads inside the transaction).
func (tx *Tx) GetRegistrationByID(id int64) (Registration, error) {
	return getRegistration(tx, "WHERE id = ?", id)
}

// ListRegistrations lists the registrations of storageKey ("" = all), in
// creation order.
func (s *Store) ListRegistrations(ctx context.Context, storageKey string) ([]Registration, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	if storageKey == "" {
		return listRegistrations(q, "ORDER BY id")
	}
	return listRegistrations(q, "WHERE storage_key = ? ORDER BY id", storageKey)
}

// ListPublished lists published registrations. With scriptURL non-empty,
// only those whose active version runs that script (discover(scriptURL)).
func (s *Store) ListPublished(ctx context.Context, scriptURL string) ([]Registration, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	if scriptURL == "" {
		return listRegistrations(q, "WHERE published <> 0 ORDER BY id")
	}
	return listRegistrations(q, `WHERE published <> 0 AND active_version_id IN
		(SELECT id FROM versions WHERE script_url = ?) ORDER BY id`, scriptURL)
}

const verCols = `id, registration_id, script_url, type, state, has_fetch_handler, extended_events, extra, created_at`

func scanVersion(sc scanner) (Version, error) {
	var v Version
	var ev string
	var created int64
	if err := sc.Scan(&v.ID, &v.RegistrationID, &v.ScriptURL, &v.Type, &v.State, &v.HasFetchHandler, &ev, &v.Extra, &created); err != nil {
		return v, err
	}
	v.CreatedAt = fromNanos(created)
	if err := json.Unmarshal([]byte(ev), &v.ExtendedEvents); err != nil {
		return v, fmt.Errorf("decode extended events: %w", err)
	}
	return v, nil
}

// GetVersion returns version id (without its scripts).
func (s *Store) GetVersion(ctx context.Context, id int64) (Version, error) {
	q, err := s.read(ctx)
	if err != nil {
		return Version{}, err
	}
	v, err := scanVersion(q.queryRow(`SELECT `+verCols+` FROM versions WHERE id = ?`, id))
	return v, mapErr(err, "store: get version")
}

// GetVersion: see Store.GetVersion.
func (tx *Tx) GetVersion(id int64) (Version, error) {
	v, err := scanVersion(tx.queryRow(`SELECT `+verCols+` FROM versions WHERE id = ?`, id))
	return v, mapErr(err, "store: get version")
}

// ListVersions lists registration regID's versions in creation order
// (without scripts).
func (s *Store) ListVersions(ctx context.Context, regID int64) ([]Version, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	return listVersions(q, regID)
}

// ListVersions: see Store.ListVersions.
func (tx *Tx) ListVersions(regID int64) ([]Version, error) { return listVersions(tx, regID) }

func listVersions(q querier, regID int64) ([]Version, error) {
	rows, err := q.query(`SELECT `+verCols+` FROM versions WHERE registration_id = ? ORDER BY id`, regID)
	if err != nil {
		return nil, mapErr(err, "store: list versions")
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, mapErr(err, "store: list versions")
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err(), "store: list versions")
}

// LoadVersionScripts returns version id's script resource map with bodies.
// ErrNotFound if the version does not exist.
func (s *Store) LoadVersionScripts(ctx context.Context, versionID int64) (map[string]Script, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	// One snapshot: the version's existence and its scripts.
	rows, err := q.query(`SELECT s.url, s.content_type, s.sha256, b.data
		FROM versions v LEFT JOIN version_scripts s ON s.version_id = v.id
		LEFT JOIN bodies b ON b.sha256 = s.sha256 WHERE v.id = ?`, versionID)
	if err != nil {
		return nil, mapErr(err, "store: load version scripts")
	}
	defer rows.Close()
	var out map[string]Script
	for rows.Next() {
		if out == nil {
			out = map[string]Script{}
		}
		var u, ct sql.NullString
		var sc Script
		if err := rows.Scan(&u, &ct, &sc.SHA256, &sc.Body); err != nil {
			return nil, mapErr(err, "store: load version scripts")
		}
		if !u.Valid {
			continue // version without scripts
		}
		if sc.Body == nil {
			sc.Body = []byte{}
		}
		sc.ContentType = ct.String
		out[u.String] = sc
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "store: load version scripts")
	}
	if out == nil {
		return nil, fmt.Errorf("store: load version scripts: version %d: %w", versionID, ErrNotFound)
	}
	return out, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func normEvents(ev []string) []string {
	out := slices.Clone(nonNil(ev))
	slices.Sort(out)
	return slices.Compact(out)
}
