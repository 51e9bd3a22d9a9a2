package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
)

// migrations[i] takes the schema from user_version i to i+1. Append only;
// never edit a released step.
var migrations = []string{
	// 1: initial schema.
	`
-- Service Workers -----------------------------------------------------------
CREATE TABLE registrations (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	storage_key         TEXT    NOT NULL,
	scope               TEXT    NOT NULL,
	update_via_cache    TEXT    NOT NULL DEFAULT 'imports',
	last_update_check   INTEGER NOT NULL DEFAULT 0,          -- unix ns, 0 = never
	active_version_id   INTEGER REFERENCES versions(id) ON DELETE SET NULL,
	waiting_version_id  INTEGER REFERENCES versions(id) ON DELETE SET NULL,
	nav_preload_enabled INTEGER NOT NULL DEFAULT 0,
	nav_preload_header  TEXT    NOT NULL DEFAULT 'true',
	published           INTEGER NOT NULL DEFAULT 0,
	publish_origins     TEXT    NOT NULL DEFAULT '[]',       -- JSON array
	extra               BLOB,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL,
	UNIQUE (storage_key, scope)
);
CREATE INDEX registrations_scope ON registrations(scope);
CREATE INDEX registrations_published ON registrations(published) WHERE published <> 0;

CREATE TABLE versions (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	registration_id   INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
	script_url        TEXT    NOT NULL,
	type              TEXT    NOT NULL DEFAULT 'classic',
	state             TEXT    NOT NULL DEFAULT 'parsed',
	has_fetch_handler INTEGER NOT NULL DEFAULT 0,
	extended_events   TEXT    NOT NULL DEFAULT '[]',        -- JSON array, sorted set
	extra             BLOB,
	created_at        INTEGER NOT NULL
);
CREATE INDEX versions_registration ON versions(registration_id);
CREATE INDEX versions_script_url ON versions(script_url);

-- Content-addressed small bodies shared by scripts and icons; a row lives
-- while a version_scripts or ci_icons row refers to it (triggers below).
-- (A rowid table: rows are large, which WITHOUT ROWID handles poorly.)
CREATE TABLE bodies (
	id     INTEGER PRIMARY KEY,
	sha256 BLOB NOT NULL UNIQUE,
	data   BLOB NOT NULL
);

CREATE TABLE version_scripts (
	version_id   INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
	url          TEXT    NOT NULL,
	content_type TEXT    NOT NULL DEFAULT '',
	sha256       BLOB    NOT NULL REFERENCES bodies(sha256),
	PRIMARY KEY (version_id, url)
) WITHOUT ROWID;
CREATE INDEX version_scripts_sha256 ON version_scripts(sha256);

-- Cache Storage -------------------------------------------------------------
CREATE TABLE caches (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order
	storage_key TEXT    NOT NULL,
	name        TEXT,                                -- NULL once deleted (doomed)
	created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX caches_name ON caches(storage_key, name) WHERE name IS NOT NULL;
CREATE INDEX caches_doomed ON caches(storage_key) WHERE name IS NULL;

CREATE TABLE cache_entries (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order
	cache_id     INTEGER NOT NULL REFERENCES caches(id) ON DELETE CASCADE,
	url          TEXT    NOT NULL,                   -- request URL as given
	url_key      TEXT    NOT NULL,                   -- without fragment
	url_no_query TEXT    NOT NULL,                   -- without fragment and query
	method       TEXT    NOT NULL,
	req_headers  TEXT    NOT NULL DEFAULT '[]',      -- JSON [[name,value],…]
	resp_type    TEXT    NOT NULL DEFAULT 'default',
	status       INTEGER NOT NULL DEFAULT 200,
	status_text  TEXT    NOT NULL DEFAULT '',
	resp_headers TEXT    NOT NULL DEFAULT '[]',
	url_list     TEXT    NOT NULL DEFAULT '[]',
	redirected   INTEGER NOT NULL DEFAULT 0,
	body_null    INTEGER NOT NULL DEFAULT 0,
	body         BLOB,                               -- inline body
	body_hash    BLOB,                               -- blob file (large body)
	body_size    INTEGER NOT NULL DEFAULT 0,
	extra        BLOB,
	created_at   INTEGER NOT NULL
);
CREATE INDEX cache_entries_url ON cache_entries(cache_id, url_key);
CREATE INDEX cache_entries_url_nq ON cache_entries(cache_id, url_no_query);
CREATE INDEX cache_entries_body_hash ON cache_entries(body_hash) WHERE body_hash IS NOT NULL;

-- Blob files under dir/blobs; orphaned_at (unix ms) set when unreferenced.
CREATE TABLE blobs (
	sha256      BLOB    PRIMARY KEY,
	size        INTEGER NOT NULL,
	orphaned_at INTEGER
) WITHOUT ROWID;
CREATE INDEX blobs_orphaned ON blobs(orphaned_at) WHERE orphaned_at IS NOT NULL;

CREATE TRIGGER cache_entries_blob_ref AFTER INSERT ON cache_entries
WHEN NEW.body_hash IS NOT NULL BEGIN
	INSERT INTO blobs(sha256, size, orphaned_at) VALUES (NEW.body_hash, NEW.body_size, NULL)
	ON CONFLICT(sha256) DO UPDATE SET orphaned_at = NULL;
END;
CREATE TRIGGER cache_entries_blob_unref AFTER DELETE ON cache_entries
WHEN OLD.body_hash IS NOT NULL BEGIN
	UPDATE blobs SET orphaned_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
	WHERE sha256 = OLD.body_hash
	  AND NOT EXISTS (SELECT 1 FROM cache_entries WHERE body_hash = OLD.body_hash);
END;

-- Content Index -------------------------------------------------------------
-- seq is the rowid: inserts append to the table b-tree, and
-- ci_entries_reg (registration_id, seq) gives each registration's map order.
-- An overwrite updates the row in place, so it keeps its position.
CREATE TABLE ci_entries (
	seq             INTEGER PRIMARY KEY,
	registration_id INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
	id              TEXT    NOT NULL,
	description     TEXT    NOT NULL,                -- JSON, exactly as given
	launch_url      TEXT    NOT NULL,
	category        TEXT    NOT NULL DEFAULT '',
	added_at        INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	last_opened_at  INTEGER NOT NULL DEFAULT 0,
	open_count      INTEGER NOT NULL DEFAULT 0,
	UNIQUE (registration_id, id)
);
CREATE INDEX ci_entries_reg ON ci_entries(registration_id);

CREATE TABLE ci_icons (
	entry_seq INTEGER NOT NULL REFERENCES ci_entries(seq) ON DELETE CASCADE,
	idx       INTEGER NOT NULL,
	src       TEXT    NOT NULL,
	sizes     TEXT    NOT NULL DEFAULT '',
	type      TEXT    NOT NULL DEFAULT '',
	label     TEXT    NOT NULL DEFAULT '',
	mime      TEXT    NOT NULL DEFAULT '',
	sha256    BLOB,                                  -- bodies.sha256; NULL: not fetched
	size      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (entry_seq, idx)
) WITHOUT ROWID;
CREATE INDEX ci_icons_sha256 ON ci_icons(sha256) WHERE sha256 IS NOT NULL;

CREATE TRIGGER version_scripts_body_gc AFTER DELETE ON version_scripts BEGIN
	DELETE FROM bodies WHERE sha256 = OLD.sha256
	  AND NOT EXISTS (SELECT 1 FROM version_scripts WHERE sha256 = OLD.sha256)
	  AND NOT EXISTS (SELECT 1 FROM ci_icons WHERE sha256 = OLD.sha256);
END;
CREATE TRIGGER ci_icons_body_gc AFTER DELETE ON ci_icons WHEN OLD.sha256 IS NOT NULL BEGIN
	DELETE FROM bodies WHERE sha256 = OLD.sha256
	  AND NOT EXISTS (SELECT 1 FROM version_scripts WHERE sha256 = OLD.sha256)
	  AND NOT EXISTS (SELECT 1 FROM ci_icons WHERE sha256 = OLD.sha256);
END;

-- Discovery -----------------------------------------------------------------
CREATE TABLE grants (
	requesting_origin TEXT    NOT NULL,
	script_url        TEXT    NOT NULL,
	decision          TEXT    NOT NULL CHECK (decision IN ('allow', 'deny')),
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	PRIMARY KEY (requesting_origin, script_url)
) WITHOUT ROWID;
CREATE INDEX grants_script ON grants(script_url);

-- Generic -------------------------------------------------------------------
CREATE TABLE kv (
	namespace  TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	value      BLOB    NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (namespace, key)
) WITHOUT ROWID;

CREATE TABLE queue (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	namespace  TEXT    NOT NULL,
	value      BLOB    NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX queue_ns ON queue(namespace, id);
`,
}

// SchemaVersion is the schema version (PRAGMA user_version) this build
// writes.
func SchemaVersion() int { return len(migrations) }

func migrate(ctx context.Context, conn *sql.Conn, log *slog.Logger) error {
	var v int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w: database has version %d, this build knows %d", ErrSchemaTooNew, v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		if err := migrateStep(ctx, conn, v); err != nil {
			return err
		}
		log.Info("store schema migrated", "version", v+1)
	}
	return nil
}

func migrateStep(ctx context.Context, conn *sql.Conn, v int) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate to %d: %w", v+1, err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	// Another process may have migrated while we waited for the lock.
	var cur int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return fmt.Errorf("migrate to %d: %w", v+1, err)
	}
	if cur > v {
		_, err = conn.ExecContext(ctx, "COMMIT")
		return err
	}
	if _, err := conn.ExecContext(ctx, migrations[v]); err != nil {
		return fmt.Errorf("migrate to %d: %w", v+1, err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return fmt.Errorf("migrate to %d: %w", v+1, err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("migrate to %d: %w", v+1, err)
	}
	return nil
}
