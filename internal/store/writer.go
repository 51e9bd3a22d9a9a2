package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// request states
const (
	reqPending int32 = iota
	reqTaken
	reqCancelled
)

type request struct {
	fn    func(*Tx) error
	state atomic.Int32
	done  chan error
	hooks []func() // after-commit hooks registered by fn
}

// Tx is a write transaction handed to Update callbacks (and used by every
// write method). Its methods run on the writer goroutine; see the package
// documentation for the rules.
type Tx struct {
	w     *writer
	hooks []func()
}

// Update runs fn in a write transaction (a savepoint inside a group commit)
// and returns after the commit. If fn returns an error (or panics),
// everything it did is rolled back and the error is returned; other requests
// in the same batch are unaffected. fn runs on the writer goroutine and may
// run more than once: keep it short and free of outside side effects.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	return s.update(ctx, fn)
}

func (s *Store) update(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{fn: fn, done: make(chan error, 1)}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return ErrClosed
	}
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		s.closeMu.RUnlock()
		return ctx.Err()
	}
	s.closeMu.RUnlock()
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqPending, reqCancelled) {
			return ctx.Err()
		}
		// The writer has it; the outcome is known within one batch.
		return <-r.done
	}
}

// onCommit registers f to run on the writer goroutine after the transaction
// holding the current request commits (not if it is rolled back).
func (tx *Tx) onCommit(f func()) { tx.hooks = append(tx.hooks, f) }

func (tx *Tx) stmt(q string) (*sql.Stmt, error) { return tx.w.stmt(q) }

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) {
	st, err := tx.w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(context.Background(), args...)
}

func (tx *Tx) query(q string, args ...any) (*sql.Rows, error) {
	st, err := tx.w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(context.Background(), args...)
}

func (tx *Tx) queryRow(q string, args ...any) *sql.Row {
	st, err := tx.w.stmt(q)
	if err != nil {
		return tx.w.conn.QueryRowContext(context.Background(), q, args...)
	}
	return st.QueryRowContext(context.Background(), args...)
}

type writer struct {
	s       *Store
	conn    *sql.Conn
	stmts   map[string]*sql.Stmt
	lastNow int64
}

// now is the wall clock in unix nanoseconds, strictly increasing across
// calls on the writer (so a timestamp identifies the write that set it).
func (tx *Tx) now() int64 {
	n := time.Now().UnixNano()
	if n <= tx.w.lastNow {
		n = tx.w.lastNow + 1
	}
	tx.w.lastNow = n
	return n
}

func (w *writer) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(context.Background(), q)
	if err != nil {
		return nil, err
	}
	w.stmts[q] = st
	return st, nil
}

func (w *writer) exec(q string) error {
	st, err := w.stmt(q)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(context.Background())
	return err
}

func (w *writer) loop() {
	defer close(w.s.writerDone)
	defer func() {
		for _, st := range w.stmts {
			st.Close()
		}
	}()
	max := w.s.opts.MaxBatch
	batch := make([]*request, 0, max)
	for r := range w.s.reqs {
		batch = append(batch[:0], r)
	drain:
		for len(batch) < max {
			select {
			case r, ok := <-w.s.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		live := batch[:0]
		for _, r := range batch {
			if r.state.CompareAndSwap(reqPending, reqTaken) {
				live = append(live, r)
			}
		}
		// After an abort, re-run carefully (a savepoint per request) so the
		// culprit is found and fails, guaranteeing progress.
		for careful := false; len(live) > 0; careful = true {
			live = w.run(live, careful)
		}
	}
}

func (r *request) finish(err error) {
	r.done <- err
}

// call runs the request's function, turning a panic into an error.
func call(r *request, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: panic in write request: %v\n%s", p, debug.Stack())
		}
	}()
	return r.fn(tx)
}

// chunkSize is how many requests share one optimistic savepoint. Failures
// are rare: a chunk whose requests all succeed costs one savepoint instead of
// one per request (fewer page images in the statement journal); a chunk in
// which one fails is rolled back and re-run with a savepoint per request.
const chunkSize = 64

// run executes reqs in one transaction. It returns the requests that must be
// re-run because SQLite aborted the transaction under them. careful disables
// the optimistic chunks.
func (w *writer) run(reqs []*request, careful bool) (retry []*request) {
	s := w.s
	if err := w.exec("BEGIN IMMEDIATE"); err != nil {
		err = fmt.Errorf("store: begin: %w", err)
		s.log.Error("write batch failed", "err", err, "requests", len(reqs))
		for _, r := range reqs {
			s.stats.failed.Add(1)
			r.finish(err)
		}
		return nil
	}
	ok := make([]*request, 0, len(reqs))
	abort := func(rest []*request) []*request {
		_ = w.exec("ROLLBACK") // may fail if SQLite already rolled back
		retry := append(ok, rest...)
		s.stats.retries.Add(uint64(len(retry)))
		for _, r := range retry {
			r.hooks = nil
		}
		return retry
	}
	fail := func(r *request, err error) {
		s.stats.failed.Add(1)
		r.finish(err)
	}
	for c := 0; c < len(reqs); c += chunkSize {
		chunk := reqs[c:min(c+chunkSize, len(reqs))]
		if len(chunk) > 1 && !careful {
			// Optimistic: the whole chunk under one savepoint.
			if err := w.exec("SAVEPOINT chunk"); err != nil {
				return abort(reqs[c:])
			}
			failed := false
			for _, r := range chunk {
				tx := &Tx{w: w}
				if err := call(r, tx); err != nil {
					failed = true
					break
				}
				r.hooks = tx.hooks
			}
			if !failed {
				if err := w.exec("RELEASE chunk"); err != nil {
					return abort(reqs[c:])
				}
				ok = append(ok, chunk...)
				continue
			}
			if err := w.exec("ROLLBACK TO chunk"); err != nil {
				return abort(reqs[c:])
			}
			if err := w.exec("RELEASE chunk"); err != nil {
				return abort(reqs[c:])
			}
		}
		// One savepoint per request.
		for i, r := range chunk {
			r.hooks = nil
			if err := w.exec("SAVEPOINT req"); err != nil {
				fail(r, fmt.Errorf("store: savepoint: %w", err))
				return abort(reqs[c+i+1:])
			}
			tx := &Tx{w: w}
			if err := call(r, tx); err != nil {
				if rbErr := w.exec("ROLLBACK TO req"); rbErr != nil {
					// The whole transaction is gone (SQLite rolled it
					// back on a severe error): this request fails, the
					// others are re-run.
					fail(r, err)
					return abort(reqs[c+i+1:])
				}
				if relErr := w.exec("RELEASE req"); relErr != nil {
					fail(r, err)
					return abort(reqs[c+i+1:])
				}
				fail(r, err)
				continue
			}
			if err := w.exec("RELEASE req"); err != nil {
				fail(r, fmt.Errorf("store: release savepoint: %w", err))
				return abort(reqs[c+i+1:])
			}
			r.hooks = tx.hooks
			ok = append(ok, r)
		}
	}
	if err := w.exec("COMMIT"); err != nil {
		_ = w.exec("ROLLBACK")
		err = fmt.Errorf("store: commit: %w", err)
		s.log.Error("commit failed", "err", err, "requests", len(ok))
		for _, r := range ok {
			fail(r, err)
		}
		return nil
	}
	s.stats.commits.Add(1)
	s.stats.requests.Add(uint64(len(ok)))
	if n := int64(len(ok)); n > s.stats.maxBatch.Load() {
		s.stats.maxBatch.Store(n)
	}
	for _, r := range ok {
		for _, h := range r.hooks {
			h()
		}
		r.hooks = nil
		r.finish(nil)
	}
	return nil
}
