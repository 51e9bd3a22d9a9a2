package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors. Methods wrap them with %w; test with errors.Is.
var (
	// ErrNotFound: the record (or the record it refers to) does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists: a record with the same unique key exists already.
	ErrExists = errors.New("store: already exists")
	// ErrInvalid: the argument is malformed (empty key, bad JSON, unknown state…).
	ErrInvalid = errors.New("store: invalid argument")
	// ErrClosed: the Store is closed.
	ErrClosed = errors.New("store: closed")
	// ErrLocked: another Store (in this process or another) has the directory open.
	ErrLocked = errors.New("store: the directory is in use by another swhost")
	// ErrSchemaTooNew: the database was written by a newer swhost.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this build")
)

// Defaults for Options.
const (
	DefaultInlineBodyLimit = 64 << 10
	DefaultMaxBatch        = 1024
	DefaultBusyTimeout     = 10 * time.Second
	DefaultBlobGrace       = time.Minute
	DefaultGCInterval      = 5 * time.Minute
)

// Options tune a Store. The zero value is the default.
type Options struct {
	// Logger receives the store's logs; nil means slog.Default().
	Logger *slog.Logger
	// InlineBodyLimit: cache bodies larger than this go to blob files.
	// Zero means DefaultInlineBodyLimit; negative means always inline.
	InlineBodyLimit int
	// MaxBatch bounds how many write requests share one transaction.
	MaxBatch int
	// ReadConns is the size of the read pool; zero means max(4, 2*GOMAXPROCS).
	ReadConns int
	// BusyTimeout is SQLite's busy timeout.
	BusyTimeout time.Duration
	// BlobGrace is how long an unreferenced blob file is kept before removal.
	BlobGrace time.Duration
	// GCInterval is how often orphaned blobs are collected; negative disables
	// the background collector (GC can still be called).
	GCInterval time.Duration
	// Durability is what a committed write survives (DurabilityProcess by
	// default).
	Durability Durability
}

// Durability is what a committed write survives.
type Durability int

const (
	// DurabilityProcess: a committed write survives the end of the process,
	// kill -9 included (it is in the operating system's hands: SQLite WAL
	// with synchronous=NORMAL), but not a power loss or kernel crash, which
	// may roll back the last commits (never corrupting the database). This
	// is what browsers do for site storage (Chromium's IndexedDB commits
	// with "relaxed" durability by default).
	DurabilityProcess Durability = iota
	// DurabilityFull: a committed write is also fsynced (WAL with
	// synchronous=FULL) and survives power loss as far as the disk honours
	// fsync. Each commit costs an fsync.
	DurabilityFull
)

// ParseDurability reads "process" or "full".
func ParseDurability(s string) (Durability, error) {
	switch s {
	case "", "process":
		return DurabilityProcess, nil
	case "full":
		return DurabilityFull, nil
	}
	return 0, fmt.Errorf("durability %q: want process or full", s)
}

func (d Durability) String() string {
	if d == DurabilityFull {
		return "full"
	}
	return "process"
}

func (o *Options) fill() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.InlineBodyLimit == 0 {
		o.InlineBodyLimit = DefaultInlineBodyLimit
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.ReadConns <= 0 {
		o.ReadConns = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.BlobGrace == 0 {
		o.BlobGrace = DefaultBlobGrace
	}
	if o.BlobGrace < 0 {
		o.BlobGrace = 0
	}
	if o.GCInterval == 0 {
		o.GCInterval = DefaultGCInterval
	}
}

// Store is the SQLite-backed store. It is safe for concurrent use.
type Store struct {
	opts   Options
	log    *slog.Logger
	dir    string
	blobs  string // blob directory; "" means bodies always inline
	memory bool   // OpenMemory: dir is removed on Close

	wdb   *sql.DB
	wconn *sql.Conn
	rdb   *sql.DB
	rstmt sync.Map // query → *sql.Stmt on rdb

	reqs       chan *request
	closeMu    sync.RWMutex
	closed     bool
	closeOnce  sync.Once
	closeErr   error
	writerDone chan struct{}
	gcStop     chan struct{}
	gcDone     chan struct{}
	unlock     func()

	stats struct {
		commits, requests, failed, retries atomic.Uint64
		maxBatch                           atomic.Int64
	}
}

// Stats are counters since Open.
type Stats struct {
	Commits  uint64 // transactions committed (≈ fsyncs of the WAL)
	Requests uint64 // write requests that succeeded
	Failed   uint64 // write requests that failed
	Retries  uint64 // requests re-run after SQLite aborted their batch
	MaxBatch int64  // largest number of requests in one commit
}

// Stats returns the write counters.
func (s *Store) Stats() Stats {
	return Stats{
		Commits:  s.stats.commits.Load(),
		Requests: s.stats.requests.Load(),
		Failed:   s.stats.failed.Load(),
		Retries:  s.stats.retries.Load(),
		MaxBatch: s.stats.maxBatch.Load(),
	}
}

// Dir is the directory the store lives in.
func (s *Store) Dir() string { return s.dir }

const dbFile = "swhost.db"

// Open opens (creating if needed) the store in dir: dir/swhost.db plus
// dir/blobs for large bodies. Only one Store may have dir open at a time.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	sync := "NORMAL"
	if opts.Durability == DurabilityFull {
		sync = "FULL"
	}
	return open(ctx, dir, opts, sync)
}

func open(ctx context.Context, dir string, opts Options, synchronous string) (*Store, error) {
	opts.fill()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	unlock, err := lockDir(filepath.Join(abs, "LOCK"))
	if err != nil {
		return nil, err // (it names the lock file)
	}
	s := &Store{opts: opts, log: opts.Logger.With("component", "store"), dir: abs, unlock: unlock}
	if opts.InlineBodyLimit >= 0 {
		s.blobs = filepath.Join(abs, "blobs")
		if err := makeBlobDirs(s.blobs); err != nil {
			unlock()
			return nil, fmt.Errorf("store: open %s: %w", dir, err)
		}
	}
	path := (&url.URL{Path: filepath.Join(abs, dbFile)}).EscapedPath()
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", opts.BusyTimeout.Milliseconds())
	wdsn := "file:" + path + "?" + busy +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(" + synchronous + ")&_pragma=foreign_keys(1)" +
		"&_pragma=cache_size(-32000)&_pragma=temp_store(MEMORY)&_pragma=journal_size_limit(67108864)"
	rdsn := "file:" + path + "?" + busy +
		"&_pragma=foreign_keys(1)&_pragma=query_only(1)&_pragma=cache_size(-16000)&_pragma=temp_store(MEMORY)"
	if err := s.start(ctx, wdsn, rdsn); err != nil {
		unlock()
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	return s, nil
}

// OpenMemory opens a fresh throwaway store for tests of the packages above:
// the same SQLite engine, schema and code paths as Open (WAL, concurrent
// reads, blob files), in a temporary directory on tmpfs (/dev/shm) when
// there is one, with synchronous=OFF, removed by Close. Nothing survives
// Close (or a crash of the process, which may leave the directory behind).
func OpenMemory() (*Store, error) {
	return OpenMemoryWith(Options{})
}

// OpenMemoryWith is OpenMemory with options.
func OpenMemoryWith(opts Options) (*Store, error) {
	base := os.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "swhost-store-*")
	if err != nil && base != os.TempDir() {
		dir, err = os.MkdirTemp(os.TempDir(), "swhost-store-*")
	}
	if err != nil {
		return nil, fmt.Errorf("store: open memory: %w", err)
	}
	if opts.GCInterval == 0 {
		opts.GCInterval = -1
	}
	s, err := open(context.Background(), dir, opts, "OFF")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.memory = true
	return s, nil
}

func (s *Store) start(ctx context.Context, wdsn, rdsn string) (err error) {
	s.wdb, err = sql.Open("sqlite", wdsn)
	if err != nil {
		return err
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)
	s.wconn, err = s.wdb.Conn(ctx)
	if err != nil {
		s.wdb.Close()
		return err
	}
	fail := func(e error) error {
		s.wconn.Close()
		s.wdb.Close()
		if s.rdb != nil {
			s.rdb.Close()
		}
		return e
	}
	var mode string
	if err := s.wconn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fail(err)
	}
	if mode != "wal" {
		return fail(fmt.Errorf("journal_mode is %q, want wal", mode))
	}
	if err := migrate(ctx, s.wconn, s.log); err != nil {
		return fail(err)
	}
	s.rdb, err = sql.Open("sqlite", rdsn)
	if err != nil {
		return fail(err)
	}
	s.rdb.SetMaxOpenConns(s.opts.ReadConns)
	s.rdb.SetMaxIdleConns(s.opts.ReadConns)
	s.rdb.SetConnMaxIdleTime(0)
	s.rdb.SetConnMaxLifetime(0)
	if err := s.rdb.PingContext(ctx); err != nil {
		return fail(err)
	}

	s.reqs = make(chan *request, 4*s.opts.MaxBatch)
	s.writerDone = make(chan struct{})
	s.gcStop = make(chan struct{})
	s.gcDone = make(chan struct{})
	w := &writer{s: s, conn: s.wconn, stmts: map[string]*sql.Stmt{}}
	go w.loop()

	// Recovery: purge caches doomed before the last shutdown and collect
	// every orphaned blob (no reader can hold one across a restart).
	if err := s.recover(ctx); err != nil {
		s.Close()
		return err
	}
	if s.blobs != "" && s.opts.GCInterval > 0 {
		go s.gcLoop()
	} else {
		close(s.gcDone)
	}
	s.log.Debug("store open", "dir", s.dir, "memory", s.memory)
	return nil
}

// Close stops accepting writes, finishes the queued ones, and closes the
// database. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.gcStop)
		<-s.gcDone
		s.closeMu.Lock()
		s.closed = true
		s.closeMu.Unlock()
		close(s.reqs)
		<-s.writerDone
		var errs []error
		s.rstmt.Range(func(_, v any) bool {
			v.(*sql.Stmt).Close()
			return true
		})
		errs = append(errs, s.rdb.Close(), s.wconn.Close(), s.wdb.Close())
		s.unlock()
		if s.memory {
			errs = append(errs, os.RemoveAll(s.dir))
		}
		s.closeErr = errors.Join(errs...)
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("store: close: %w", s.closeErr)
		}
	})
	return s.closeErr
}

// ---- reads ----

// querier runs read statements; implemented by the read pool and by Tx (so
// the same read code serves Store methods and reads inside a transaction).
type querier interface {
	query(q string, args ...any) (*sql.Rows, error)
	queryRow(q string, args ...any) *sql.Row
}

type reader struct {
	ctx context.Context
	s   *Store
}

func (r reader) stmt(q string) (*sql.Stmt, error) {
	if v, ok := r.s.rstmt.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := r.s.rdb.PrepareContext(r.ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := r.s.rstmt.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

func (r reader) query(q string, args ...any) (*sql.Rows, error) {
	st, err := r.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(r.ctx, args...)
}

func (r reader) queryRow(q string, args ...any) *sql.Row {
	st, err := r.stmt(q)
	if err != nil {
		// sql.Row cannot be built with an error from outside; fall back to
		// an unprepared query which reports the same error on Scan.
		return r.s.rdb.QueryRowContext(r.ctx, q, args...)
	}
	return st.QueryRowContext(r.ctx, args...)
}

// read returns a querier on the read pool, or an error if the store is
// closed or ctx is done.
func (s *Store) read(ctx context.Context) (querier, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.closeMu.RLock()
	closed := s.closed
	s.closeMu.RUnlock()
	if closed {
		return nil, ErrClosed
	}
	return reader{ctx: ctx, s: s}, nil
}

// ---- helpers ----

func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isUniqueViolation(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isFKViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// mapErr turns constraint violations into the package's sentinel errors,
// keeping the original error in the chain.
func mapErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case isFKViolation(err):
		return fmt.Errorf("%s: referenced record missing: %w: %w", what, ErrNotFound, err)
	case isUniqueViolation(err):
		return fmt.Errorf("%s: %w: %w", what, ErrExists, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
