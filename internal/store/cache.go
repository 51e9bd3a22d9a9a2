package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
)

// CacheInfo describes a named cache of a storage key.
type CacheInfo struct {
	ID         int64
	StorageKey string
	Name       string
	CreatedAt  time.Time
}

// Header is one header list entry; lists keep order and duplicates.
type Header struct {
	Name, Value string
}

// CacheEntry is a request/response pair in a cache.
type CacheEntry struct {
	ID      int64 // assigned by the store; increasing in insertion order
	CacheID int64

	// Request.
	Method         string // "GET" for everything Cache.put accepts
	URL            string // request URL as given (fragment included if any)
	RequestHeaders []Header

	// Response.
	ResponseType    string // basic, cors, default, opaque, opaqueredirect…
	Status          int
	StatusText      string
	ResponseHeaders []Header
	URLList         []string
	Redirected      bool
	NullBody        bool // the response has a null body (not an empty one)

	// Body: input for puts; on reads filled only when asked (WithBodies) or
	// through ReadCacheBody / OpenCacheBody.
	Body       []byte
	BodySize   int64
	BodySHA256 []byte // set when the body lives in a blob file

	Extra     []byte // opaque to the store (mode, credentials, timing…)
	CreatedAt time.Time
}

// URLKey is the URL used for exact matching: the URL without its fragment.
func URLKey(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}

// URLNoQuery is the URL used for ignoreSearch matching: without fragment and
// query.
func URLNoQuery(u string) string {
	k := URLKey(u)
	if i := strings.IndexByte(k, '?'); i >= 0 {
		return k[:i]
	}
	return k
}

// ---- caches ----

// OpenCache returns the id of storageKey's cache called name, creating it if
// needed (caches.open). created tells which. An existing cache is found
// without a write.
func (s *Store) OpenCache(ctx context.Context, storageKey, name string) (id int64, created bool, err error) {
	if info, ok, err := s.HasCache(ctx, storageKey, name); err != nil {
		return 0, false, err
	} else if ok {
		return info.ID, false, nil
	}
	err = s.update(ctx, func(tx *Tx) error {
		id, created, err = tx.OpenCache(storageKey, name)
		return err
	})
	return id, created, err
}

// OpenCache: see Store.OpenCache.
func (tx *Tx) OpenCache(storageKey, name string) (int64, bool, error) {
	if storageKey == "" {
		return 0, false, fmt.Errorf("store: open cache: %w: empty storage key", ErrInvalid)
	}
	var id int64
	err := tx.queryRow(`SELECT id FROM caches WHERE storage_key = ? AND name = ?`, storageKey, name).Scan(&id)
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, mapErr(err, "store: open cache")
	}
	res, err := tx.exec(`INSERT INTO caches(storage_key, name, created_at) VALUES (?,?,?)`, storageKey, name, time.Now().UnixNano())
	if err != nil {
		return 0, false, mapErr(err, "store: open cache")
	}
	id, err = res.LastInsertId()
	return id, true, mapErr(err, "store: open cache")
}

// HasCache looks up storageKey's cache called name.
func (s *Store) HasCache(ctx context.Context, storageKey, name string) (CacheInfo, bool, error) {
	q, err := s.read(ctx)
	if err != nil {
		return CacheInfo{}, false, err
	}
	c := CacheInfo{StorageKey: storageKey, Name: name}
	var created int64
	err = q.queryRow(`SELECT id, created_at FROM caches WHERE storage_key = ? AND name = ?`, storageKey, name).Scan(&c.ID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return CacheInfo{}, false, nil
	}
	if err != nil {
		return CacheInfo{}, false, mapErr(err, "store: has cache")
	}
	c.CreatedAt = fromNanos(created)
	return c, true, nil
}

// ListCaches lists storageKey's caches in creation order (caches.keys()).
func (s *Store) ListCaches(ctx context.Context, storageKey string) ([]CacheInfo, error) {
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.query(`SELECT id, name, created_at FROM caches WHERE storage_key = ? AND name IS NOT NULL ORDER BY id`, storageKey)
	if err != nil {
		return nil, mapErr(err, "store: list caches")
	}
	defer rows.Close()
	var out []CacheInfo
	for rows.Next() {
		c := CacheInfo{StorageKey: storageKey}
		var created int64
		if err := rows.Scan(&c.ID, &c.Name, &created); err != nil {
			return nil, mapErr(err, "store: list caches")
		}
		c.CreatedAt = fromNanos(created)
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "store: list caches")
}

// DeleteCache removes name from storageKey's caches (caches.delete) and
// reports whether it was there. The cache is doomed, not destroyed: its id
// and entries stay usable until PurgeCache or the next Open.
func (s *Store) DeleteCache(ctx context.Context, storageKey, name string) (existed bool, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		existed, err = tx.DeleteCache(storageKey, name)
		return err
	})
	return existed, err
}

// DeleteCache: see Store.DeleteCache.
func (tx *Tx) DeleteCache(storageKey, name string) (bool, error) {
	res, err := tx.exec(`UPDATE caches SET name = NULL WHERE storage_key = ? AND name = ?`, storageKey, name)
	if err != nil {
		return false, mapErr(err, "store: delete cache")
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// PurgeCache destroys cache id and its entries now (named or doomed).
func (s *Store) PurgeCache(ctx context.Context, cacheID int64) (existed bool, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM caches WHERE id = ?`, cacheID)
		if err != nil {
			return mapErr(err, "store: purge cache")
		}
		n, _ := res.RowsAffected()
		existed = n > 0
		return nil
	})
	return existed, err
}

// DeleteAllCaches destroys every cache of storageKey (clearing site data).
func (s *Store) DeleteAllCaches(ctx context.Context, storageKey string) (n int, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM caches WHERE storage_key = ?`, storageKey)
		if err != nil {
			return mapErr(err, "store: delete all caches")
		}
		m, _ := res.RowsAffected()
		n = int(m)
		return nil
	})
	return n, err
}

// ---- entries ----

// CacheOp is one operation of a batch (the spec's cache batch operation).
// Every op first looks up the candidate entries whose URL matches (URL, or
// Put.URL when URL is empty; with IgnoreSearch, ignoring the query), removes
// those Match accepts, then, for a put, appends Put at the end of the cache.
// Later ops see the effects of earlier ones.
type CacheOp struct {
	Put          *CacheEntry
	URL          string
	IgnoreSearch bool
	// Match decides which candidates are removed. It runs on the writer
	// goroutine inside the transaction (no bodies loaded): no blocking, no
	// store calls. nil removes, for a put, the candidates with the same
	// method; for a delete, every candidate.
	Match func(candidate *CacheEntry) bool
}

// CacheOpResult is the outcome of one CacheOp.
type CacheOpResult struct {
	EntryID int64   // the appended entry (puts)
	Removed []int64 // ids of the entries removed
}

type preparedBody struct {
	inline []byte
	sum    []byte // non-nil: blob file
	size   int64
}

// prepareBody decides where e's body goes; blob files are written here,
// before the write request is queued, so large I/O runs off the writer.
func (s *Store) prepareBody(e *CacheEntry, write bool) (preparedBody, error) {
	var p preparedBody
	if e.NullBody {
		return p, nil
	}
	p.size = int64(len(e.Body))
	if s.blobs == "" || len(e.Body) <= s.opts.InlineBodyLimit {
		p.inline = e.Body
		if p.inline == nil {
			p.inline = []byte{}
		}
		return p, nil
	}
	h := sha256.Sum256(e.Body)
	p.sum = h[:]
	if write {
		if err := s.writeBlob(p.sum, e.Body); err != nil {
			return p, fmt.Errorf("store: write blob: %w", err)
		}
	}
	return p, nil
}

func validateEntry(e *CacheEntry) error {
	if e.Method == "" || e.URL == "" {
		return fmt.Errorf("store: cache entry: %w: empty method or URL", ErrInvalid)
	}
	return nil
}

func (s *Store) prepareOps(ops []CacheOp, write bool) ([]preparedBody, error) {
	bodies := make([]preparedBody, len(ops))
	for i := range ops {
		if ops[i].Put == nil {
			if ops[i].URL == "" {
				return nil, fmt.Errorf("store: cache batch: %w: delete without URL", ErrInvalid)
			}
			continue
		}
		if err := validateEntry(ops[i].Put); err != nil {
			return nil, err
		}
		b, err := s.prepareBody(ops[i].Put, write)
		if err != nil {
			return nil, err
		}
		bodies[i] = b
	}
	return bodies, nil
}

// BatchCache applies ops to cache cacheID atomically (one transaction: all
// or nothing — addAll, putAll). ErrNotFound if the cache does not exist.
func (s *Store) BatchCache(ctx context.Context, cacheID int64, ops []CacheOp) (res []CacheOpResult, err error) {
	bodies, err := s.prepareOps(ops, true)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		res, err = tx.batchCache(cacheID, ops, bodies)
		return err
	})
	return res, err
}

// BatchCache: see Store.BatchCache. Blob files are written on the writer
// goroutine here; prefer the Store method for large bodies.
func (tx *Tx) BatchCache(cacheID int64, ops []CacheOp) ([]CacheOpResult, error) {
	bodies, err := tx.w.s.prepareOps(ops, true)
	if err != nil {
		return nil, err
	}
	return tx.batchCache(cacheID, ops, bodies)
}

func (tx *Tx) batchCache(cacheID int64, ops []CacheOp, bodies []preparedBody) ([]CacheOpResult, error) {
	var one int
	if err := tx.queryRow(`SELECT 1 FROM caches WHERE id = ?`, cacheID).Scan(&one); err != nil {
		return nil, mapErr(err, fmt.Sprintf("store: cache %d", cacheID))
	}
	out := make([]CacheOpResult, len(ops))
	for i := range ops {
		op := &ops[i]
		u := op.URL
		if u == "" && op.Put != nil {
			u = op.Put.URL
		}
		cands, err := entries(tx, cacheID, CacheQuery{URL: u, IgnoreSearch: op.IgnoreSearch})
		if err != nil {
			return nil, err
		}
		for j := range cands {
			c := &cands[j]
			var del bool
			switch {
			case op.Match != nil:
				del = op.Match(c)
			case op.Put != nil:
				del = c.Method == op.Put.Method
			default:
				del = true
			}
			if !del {
				continue
			}
			if _, err := tx.exec(`DELETE FROM cache_entries WHERE id = ?`, c.ID); err != nil {
				return nil, mapErr(err, "store: cache batch: delete")
			}
			out[i].Removed = append(out[i].Removed, c.ID)
		}
		if op.Put != nil {
			id, err := tx.insertEntry(cacheID, op.Put, bodies[i])
			if err != nil {
				return nil, err
			}
			out[i].EntryID = id
		}
	}
	return out, nil
}

func (tx *Tx) insertEntry(cacheID int64, e *CacheEntry, b preparedBody) (int64, error) {
	if b.sum != nil {
		if err := tx.ensureBlob(b.sum, e.Body); err != nil {
			return 0, fmt.Errorf("store: cache put: blob: %w", err)
		}
	}
	rh, _ := json.Marshal(headerPairs(e.RequestHeaders))
	sh, _ := json.Marshal(headerPairs(e.ResponseHeaders))
	ul, _ := json.Marshal(nonNil(e.URLList))
	rt := e.ResponseType
	if rt == "" {
		rt = "default"
	}
	var inline any
	if b.sum == nil && !e.NullBody {
		inline = b.inline
	}
	var sum any
	if b.sum != nil {
		sum = b.sum
	}
	res, err := tx.exec(`INSERT INTO cache_entries(cache_id, url, url_key, url_no_query, method, req_headers,
		resp_type, status, status_text, resp_headers, url_list, redirected, body_null, body, body_hash, body_size,
		extra, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		cacheID, e.URL, URLKey(e.URL), URLNoQuery(e.URL), e.Method, string(rh),
		rt, e.Status, e.StatusText, string(sh), string(ul), b2i(e.Redirected), b2i(e.NullBody), inline, sum, b.size,
		e.Extra, time.Now().UnixNano())
	if err != nil {
		return 0, mapErr(err, "store: cache put")
	}
	id, err := res.LastInsertId()
	return id, mapErr(err, "store: cache put")
}

// PutCacheEntries appends entries to cache cacheID in one transaction,
// removing nothing (matching is the caller's: use BatchCache to replace).
// It returns the new ids.
func (s *Store) PutCacheEntries(ctx context.Context, cacheID int64, entries []CacheEntry) ([]int64, error) {
	ops := make([]CacheOp, len(entries))
	never := func(*CacheEntry) bool { return false }
	for i := range entries {
		ops[i] = CacheOp{Put: &entries[i], Match: never}
	}
	res, err := s.BatchCache(ctx, cacheID, ops)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.EntryID
	}
	return ids, nil
}

// DeleteCacheEntries deletes entries by id from cache cacheID, atomically,
// and returns how many existed.
func (s *Store) DeleteCacheEntries(ctx context.Context, cacheID int64, ids []int64) (n int, err error) {
	err = s.update(ctx, func(tx *Tx) error {
		for _, id := range ids {
			res, err := tx.exec(`DELETE FROM cache_entries WHERE id = ? AND cache_id = ?`, id, cacheID)
			if err != nil {
				return mapErr(err, "store: delete cache entries")
			}
			m, _ := res.RowsAffected()
			n += int(m)
		}
		return nil
	})
	return n, err
}

// CacheQuery selects entries of a cache.
type CacheQuery struct {
	// URL selects the candidates for a request URL (fragment ignored);
	// empty selects every entry.
	URL string
	// IgnoreSearch also ignores the query of both URLs.
	IgnoreSearch bool
	// WithBodies loads bodies (blob files are read whole).
	WithBodies bool
}

// CacheEntries returns the entries of cache cacheID selected by q, in
// insertion order: candidates for matching (Vary, method and the rest are the
// caller's), or all entries for keys()/matchAll().
func (s *Store) CacheEntries(ctx context.Context, cacheID int64, q CacheQuery) ([]CacheEntry, error) {
	r, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	out, err := entries(r, cacheID, q)
	if err != nil || !q.WithBodies {
		return out, err
	}
	for i := range out {
		if out[i].BodySHA256 != nil {
			b, err := s.readBlob(out[i].BodySHA256)
			if err != nil {
				return nil, err
			}
			out[i].Body = b
		}
	}
	return out, nil
}

const entryCols = `id, cache_id, url, method, req_headers, resp_type, status, status_text, resp_headers,
	url_list, redirected, body_null, body_hash, body_size, extra, created_at`

func entries(q querier, cacheID int64, cq CacheQuery) ([]CacheEntry, error) {
	cols := entryCols
	if cq.WithBodies {
		cols += ", body"
	}
	var rows *sql.Rows
	var err error
	switch {
	case cq.URL == "":
		rows, err = q.query(`SELECT `+cols+` FROM cache_entries WHERE cache_id = ? ORDER BY id`, cacheID)
	case cq.IgnoreSearch:
		rows, err = q.query(`SELECT `+cols+` FROM cache_entries WHERE cache_id = ? AND url_no_query = ? ORDER BY id`, cacheID, URLNoQuery(cq.URL))
	default:
		rows, err = q.query(`SELECT `+cols+` FROM cache_entries WHERE cache_id = ? AND url_key = ? ORDER BY id`, cacheID, URLKey(cq.URL))
	}
	if err != nil {
		return nil, mapErr(err, "store: cache entries")
	}
	defer rows.Close()
	var out []CacheEntry
	for rows.Next() {
		var e CacheEntry
		var rh, sh, ul string
		var created int64
		dest := []any{&e.ID, &e.CacheID, &e.URL, &e.Method, &rh, &e.ResponseType, &e.Status, &e.StatusText, &sh,
			&ul, &e.Redirected, &e.NullBody, &e.BodySHA256, &e.BodySize, &e.Extra, &created}
		if cq.WithBodies {
			dest = append(dest, &e.Body)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, mapErr(err, "store: cache entries")
		}
		e.CreatedAt = fromNanos(created)
		var err error
		if e.RequestHeaders, err = decodeHeaders(rh); err == nil {
			if e.ResponseHeaders, err = decodeHeaders(sh); err == nil {
				err = json.Unmarshal([]byte(ul), &e.URLList)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("store: cache entries: decode entry %d: %w", e.ID, err)
		}
		if cq.WithBodies && e.Body == nil && !e.NullBody && e.BodySHA256 == nil {
			e.Body = []byte{}
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err(), "store: cache entries")
}

func (s *Store) readBlob(sum []byte) ([]byte, error) {
	b, err := os.ReadFile(s.blobPath(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("store: read blob: %w: %w", ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: read blob: %w", err)
	}
	return b, nil
}

// ReadCacheBody returns the body of entry e (as returned by CacheEntries):
// nil for a null body. ErrNotFound if the entry has since been deleted and
// its body collected.
func (s *Store) ReadCacheBody(ctx context.Context, e *CacheEntry) ([]byte, error) {
	switch {
	case e.NullBody:
		return nil, nil
	case e.Body != nil:
		return e.Body, nil
	case e.BodySHA256 != nil:
		return s.readBlob(e.BodySHA256)
	}
	q, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	var b []byte
	if err := q.queryRow(`SELECT body FROM cache_entries WHERE id = ?`, e.ID).Scan(&b); err != nil {
		return nil, mapErr(err, "store: read cache body")
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// OpenCacheBody streams the body of entry e; blob files are opened, not
// read into memory. A null body reads as empty.
func (s *Store) OpenCacheBody(ctx context.Context, e *CacheEntry) (io.ReadCloser, error) {
	if e.BodySHA256 != nil && e.Body == nil && !e.NullBody {
		f, err := os.Open(s.blobPath(e.BodySHA256))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("store: open cache body: %w: %w", ErrNotFound, err)
		}
		if err != nil {
			return nil, fmt.Errorf("store: open cache body: %w", err)
		}
		return f, nil
	}
	b, err := s.ReadCacheBody(ctx, e)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func headerPairs(h []Header) [][2]string {
	out := make([][2]string, len(h))
	for i, x := range h {
		out[i] = [2]string{x.Name, x.Value}
	}
	return out
}

func decodeHeaders(s string) ([]Header, error) {
	var pairs [][2]string
	if err := json.Unmarshal([]byte(s), &pairs); err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, nil
	}
	out := make([]Header, len(pairs))
	for i, p := range pairs {
		out[i] = Header{p[0], p[1]}
	}
	return out, nil
}
