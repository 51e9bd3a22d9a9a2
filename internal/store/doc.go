// Package store persists everything swhost keeps across restarts: service
// worker registrations and their versions' scripts, Cache Storage, Content
// Index entries and icons, discovery grants, and a small generic key/value
// and queue table. The default engine is embedded SQLite (modernc.org/sqlite,
// pure Go).
//
// # Durability contract
//
// Every write method returns only after the transaction holding the write has
// committed in WAL mode, so a caller that resolves a promise on a nil error
// never reports success for data a crash of the process (kill -9 included)
// can lose. Options.Durability says whether that commit is also fsynced
// (DurabilityFull, synchronous=FULL: power loss too, as far as the disk
// honours fsync) or left to the operating system (DurabilityProcess, the
// default, synchronous=NORMAL: a power loss may roll back the last commits,
// never corrupt). A write that returns an error did not happen. A write whose
// context is cancelled returns the context's error only when the write was
// never started; once the writer has taken it, the call waits for the outcome
// (at most one batch).
//
// # Group commit
//
// One goroutine owns the write connection. Write requests from any number of
// goroutines queue to it; it takes every request waiting (up to
// Options.MaxBatch), runs them in one BEGIN IMMEDIATE transaction, each inside
// its own SAVEPOINT, and commits once: one fsync (DurabilityFull) per batch, not per call. A
// request that fails is rolled back to its savepoint and gets its own error;
// the others in the batch commit. If SQLite aborts the whole transaction
// (I/O error, out of memory), the failing request gets its error and the rest
// are retried in a fresh transaction. Requests are applied in the order they
// were queued.
//
// Reads use a separate pool of connections and see the latest committed state
// (WAL snapshots); they never wait for the writer.
//
// Functions passed to Update, and CacheOp.Match callbacks, run on the writer
// goroutine inside the shared transaction: they must be quick, must not block
// on other goroutines, must not call back into the Store (that would
// deadlock), and may run more than once (see above).
//
// # Large bodies
//
// Cache response bodies larger than Options.InlineBodyLimit (64 KiB by
// default) live in content-addressed files under dir/blobs/xx/<sha256>,
// written and fsynced (file and directory) before the metadata transaction
// commits. The blobs table tracks them; when the last cache entry referencing
// a blob goes, a trigger marks it orphaned, and the collector removes it after
// Options.BlobGrace (readers that loaded an entry just before its deletion can
// still open the file). Open also sweeps files left by a crash between the
// file write and the commit. Script and icon bodies are deduplicated by SHA-256
// in the bodies table and removed by triggers when no longer referenced.
//
// # Content Index order
//
// A registration's content index entries are an Infra ordered map keyed by id:
// PutContentEntry with a new id appends; with an existing id it replaces the
// value in place, keeping the entry's position (its Seq), its AddedAt and its
// open statistics (UpdatedAt changes). Deleting and adding again appends.
// This is the Infra "set" the spec's add() uses (Chromium, by contrast, lists
// entries by id); an overwrite replaces the icons as a whole.
//
// # Cache deletion
//
// CacheStorage.delete dooms a cache without destroying it: DeleteCache removes
// the name (a new cache may take it at once) but the cache's id and entries
// stay usable through existing Cache objects. Doomed caches are purged at the
// next Open, or earlier with PurgeCache.
package store
