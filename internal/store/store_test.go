package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// backends runs f against an in-memory store and a file store.
func backends(t *testing.T, f func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) {
		s, err := OpenMemoryWith(Options{Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		f(t, s)
	})
	t.Run("file", func(t *testing.T) {
		f(t, openFile(t, t.TempDir(), Options{}))
	})
}

func openFile(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	s, err := Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustReg(t testing.TB, s *Store, key, scope string) int64 {
	t.Helper()
	id, err := s.PutRegistration(context.Background(), Registration{StorageKey: key, Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOpenCreatesDirAndWAL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := openFile(t, dir, Options{Durability: DurabilityFull})
	if _, err := os.Stat(filepath.Join(dir, dbFile)); err != nil {
		t.Fatal(err)
	}
	var mode string
	var sync, fk, ver int
	r := reader{ctx: context.Background(), s: s}
	if err := r.queryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q %v", mode, err)
	}
	if err := s.wconn.QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Fatalf("synchronous %d %v", sync, err)
	}
	if err := s.wconn.QueryRowContext(context.Background(), "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys %d %v", fk, err)
	}
	if err := r.queryRow("PRAGMA user_version").Scan(&ver); err != nil || ver != SchemaVersion() {
		t.Fatalf("user_version %d %v", ver, err)
	}
}

// The default durability commits without fsync (synchronous=NORMAL in WAL
// mode: kill -9 safe); DurabilityFull fsyncs each commit (FULL, above).
func TestOpenDurability(t *testing.T) {
	for _, tc := range []struct {
		d    Durability
		want int
	}{{DurabilityProcess, 1}, {DurabilityFull, 2}} {
		s := openFile(t, t.TempDir(), Options{Durability: tc.d})
		var sync int
		if err := s.wconn.QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&sync); err != nil || sync != tc.want {
			t.Errorf("%s: synchronous %d %v, want %d", tc.d, sync, err, tc.want)
		}
	}
	for in, want := range map[string]Durability{"": DurabilityProcess, "process": DurabilityProcess, "full": DurabilityFull} {
		if d, err := ParseDurability(in); err != nil || d != want {
			t.Errorf("ParseDurability(%q) = %v, %v", in, d, err)
		}
	}
	if _, err := ParseDurability("fsync"); err == nil {
		t.Error("ParseDurability(fsync): no error")
	}
}

func TestOpenTwiceLocked(t *testing.T) {
	dir := t.TempDir()
	openFile(t, dir, Options{})
	_, err := Open(context.Background(), dir, Options{Logger: quietLogger()})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	// Said once, naming the lock file.
	if want := "store: the directory is in use by another swhost (" + filepath.Join(dir, "LOCK") + " is held)"; err.Error() != want {
		t.Fatalf("second Open: %q, want %q", err, want)
	}
}

func TestSchemaTooNew(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, Options{})
	if _, err := s.wconn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), dir, Options{Logger: quietLogger()})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open: %v, want ErrSchemaTooNew", err)
	}
}

func TestClosed(t *testing.T) {
	s, err := OpenMemoryWith(Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	ctx := context.Background()
	if err := s.KVPut(ctx, "n", "k", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if _, err := s.KVGet(ctx, "n", "k"); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}

func TestCloseDrainsQueuedWrites(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.KVPut(ctx, "n", fmt.Sprint(i), []byte("v"))
		}()
	}
	time.Sleep(time.Millisecond)
	s.Close()
	wg.Wait()
	s2 := openFile(t, dir, Options{})
	for i, err := range errs {
		_, gerr := s2.KVGet(ctx, "n", fmt.Sprint(i))
		switch {
		case err == nil && gerr != nil:
			t.Fatalf("write %d reported success but is missing: %v", i, gerr)
		case err != nil && !errors.Is(err, ErrClosed):
			t.Fatalf("write %d: %v", i, err)
		case err != nil && gerr == nil:
			t.Fatalf("write %d failed (%v) but is present", i, err)
		}
	}
}

// TestGroupCommit: 1,000 concurrent writers, every 7th fails (a unique
// violation, an explicit error or a panic): each gets its own outcome, the
// others commit, and they share few commits.
func TestGroupCommit(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		regID := mustReg(t, s, "https://a.example", "https://a.example/")
		const n = 1000
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				switch {
				case i%21 == 7:
					// Fails in SQL: a second registration with the same scope.
					_, errs[i] = s.PutRegistration(ctx, Registration{StorageKey: "https://a.example", Scope: "https://a.example/"})
				case i%21 == 14:
					// Fails after doing some work, which must be rolled back.
					errs[i] = s.Update(ctx, func(tx *Tx) error {
						if err := tx.KVPut("gc", fmt.Sprint(i), []byte("x")); err != nil {
							return err
						}
						return errors.New("deliberate")
					})
				case i%21 == 0:
					errs[i] = s.Update(ctx, func(tx *Tx) error {
						if err := tx.KVPut("gc", fmt.Sprint(i), []byte("x")); err != nil {
							return err
						}
						panic("boom")
					})
				default:
					errs[i] = s.PutContentEntry(ctx, ContentEntry{RegistrationID: regID, ID: fmt.Sprint(i),
						Description: `{"id":"x"}`, LaunchURL: "https://a.example/x"})
					if errs[i] == nil {
						errs[i] = s.KVPut(ctx, "gc", fmt.Sprint(i), []byte("ok"))
					}
				}
			}()
		}
		before := s.Stats()
		close(start)
		wg.Wait()
		after := s.Stats()
		okCount := 0
		for i, err := range errs {
			switch i % 21 {
			case 7:
				if !errors.Is(err, ErrExists) {
					t.Errorf("writer %d: %v, want ErrExists", i, err)
				}
			case 14:
				if err == nil || err.Error() != "deliberate" {
					t.Errorf("writer %d: %v, want deliberate", i, err)
				}
			case 0:
				if err == nil {
					t.Errorf("writer %d: nil error after panic", i)
				}
			default:
				if err != nil {
					t.Errorf("writer %d: %v", i, err)
				}
				okCount++
			}
			v, gerr := s.KVGet(ctx, "gc", fmt.Sprint(i))
			if i%7 == 0 {
				if gerr == nil {
					t.Errorf("failed writer %d left %q behind", i, v)
				}
			} else if gerr != nil || string(v) != "ok" {
				t.Errorf("writer %d: kv %q %v", i, v, gerr)
			}
		}
		if c, err := s.CountContentEntries(ctx, regID); err != nil || c != okCount {
			t.Fatalf("count %d %v, want %d", c, err, okCount)
		}
		commits := after.Commits - before.Commits
		t.Logf("%d requests in %d commits (max batch %d)", after.Requests-before.Requests, commits, after.MaxBatch)
		if commits >= uint64(n+okCount) {
			t.Errorf("no batching: %d commits for %d requests", commits, n+okCount)
		}
	})
}

// TestBatchAbortRetries: when SQLite rolls back the whole transaction under
// a batch (simulated by a request ending it), the failing request gets its
// error and the others are re-run and commit.
func TestBatchAbortRetries(t *testing.T) {
	s, err := OpenMemoryWith(Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	// Hold the writer so the following requests land in one batch.
	hold := holdWriter(t, s)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 10 {
				errs[i] = s.Update(ctx, func(tx *Tx) error {
					if _, err := tx.exec("ROLLBACK"); err != nil {
						return err
					}
					return errors.New("aborted")
				})
				return
			}
			errs[i] = s.KVPut(ctx, "abort", fmt.Sprint(i), []byte("v"))
		}()
	}
	waitQueued(t, s, len(errs))
	close(hold)
	wg.Wait()
	for i, err := range errs {
		if i == 10 {
			if err == nil || err.Error() != "aborted" {
				t.Fatalf("aborting request: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if _, err := s.KVGet(ctx, "abort", fmt.Sprint(i)); err != nil {
			t.Fatalf("request %d lost: %v", i, err)
		}
	}
	if s.Stats().Retries == 0 {
		t.Fatal("abort path not exercised: no retries")
	}
}

// holdWriter blocks the writer goroutine until the returned channel is
// closed, so that requests queue up behind it.
func holdWriter(t *testing.T, s *Store) chan struct{} {
	t.Helper()
	hold, started := make(chan struct{}), make(chan struct{})
	go s.Update(context.Background(), func(tx *Tx) error {
		select {
		case <-started:
		default:
			close(started)
		}
		<-hold
		return nil
	})
	<-started
	return hold
}

func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.reqs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests queued, want %d", len(s.reqs), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestContextCancelledBeforeWrite(t *testing.T) {
	s, err := OpenMemoryWith(Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hold := holdWriter(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.KVPut(ctx, "n", "k", []byte("v")) }()
	waitQueued(t, s, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	close(hold)
	// The cancelled write must not happen.
	if err := s.KVPut(context.Background(), "n", "other", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.KVGet(context.Background(), "n", "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("cancelled write happened: %v", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := s.KVPut(ctx2, "n", "k", nil); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if _, err := s.KVGet(ctx2, "n", "k"); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

func TestReopenPersistence(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openFile(t, dir, Options{})
	regID := mustReg(t, s, "https://a.example", "https://a.example/app/")
	vID, err := s.PutVersion(ctx, Version{RegistrationID: regID, ScriptURL: "https://a.example/sw.js", State: StateActivated,
		HasFetchHandler: true, ExtendedEvents: []string{"fetch", "push"},
		Scripts: map[string]Script{"https://a.example/sw.js": {Body: []byte("self.onfetch=null"), ContentType: "text/javascript"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetRegistrationVersions(ctx, regID, vID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutContentEntry(ctx, ContentEntry{RegistrationID: regID, ID: "a", Description: `{"id":"a"}`, LaunchURL: "https://a.example/app/a",
		Icons: []Icon{{Src: "/i.png", MIME: "image/png", Body: []byte("png")}}}); err != nil {
		t.Fatal(err)
	}
	cid, _, err := s.OpenCache(ctx, "https://a.example", "v1")
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 200<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if _, err := s.PutCacheEntries(ctx, cid, []CacheEntry{{Method: "GET", URL: "https://a.example/big", Status: 200, Body: big}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutGrant(ctx, Grant{RequestingOrigin: "https://b.example", ScriptURL: "https://a.example/sw.js", Decision: Allow}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openFile(t, dir, Options{})
	r, err := s.GetRegistration(ctx, "https://a.example", "https://a.example/app/")
	if err != nil || r.ActiveVersionID != vID {
		t.Fatalf("registration %+v %v", r, err)
	}
	scripts, err := s.LoadVersionScripts(ctx, vID)
	if err != nil || string(scripts["https://a.example/sw.js"].Body) != "self.onfetch=null" {
		t.Fatalf("scripts %v %v", scripts, err)
	}
	e, err := s.GetContentEntry(ctx, regID, "a")
	if err != nil || len(e.Icons) != 1 || string(e.Icons[0].Body) != "png" {
		t.Fatalf("entry %+v %v", e, err)
	}
	es, err := s.CacheEntries(ctx, cid, CacheQuery{URL: "https://a.example/big", WithBodies: true})
	if err != nil || len(es) != 1 || string(es[0].Body) != string(big) {
		t.Fatalf("cache entries %d %v", len(es), err)
	}
	if g, err := s.GetGrant(ctx, "https://b.example", "https://a.example/sw.js"); err != nil || g.Decision != Allow {
		t.Fatalf("grant %+v %v", g, err)
	}
}

// TestReadsDoNotWaitForWriter: reads use their own connections and see the
// last committed state while a write transaction is open.
func TestReadsDoNotWaitForWriter(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.KVPut(ctx, "n", "k", []byte("committed")); err != nil {
			t.Fatal(err)
		}
		inTx, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- s.Update(ctx, func(tx *Tx) error {
				if err := tx.KVPut("n", "k", []byte("uncommitted")); err != nil {
					return err
				}
				select {
				case <-inTx:
				default:
					close(inTx)
				}
				<-release
				return nil
			})
		}()
		<-inTx
		defer func() {
			select {
			case <-release:
			default:
				close(release)
			}
		}()
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		v, err := s.KVGet(rctx, "n", "k")
		if err != nil || string(v) != "committed" {
			t.Fatalf("read during write: %q %v", v, err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if v, _ := s.KVGet(ctx, "n", "k"); string(v) != "uncommitted" {
			t.Fatalf("after commit: %q", v)
		}
	})
}
