package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"
)

const origin = "https://a.example"

func bigBody(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) ^ seed
	}
	return b
}

func TestCaches(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		names := []string{"v2", "v1", "", "zzz"}
		ids := map[string]int64{}
		for _, n := range names {
			id, created, err := s.OpenCache(ctx, origin, n)
			if err != nil || !created {
				t.Fatalf("open %q: %v %v", n, created, err)
			}
			ids[n] = id
		}
		if id, created, err := s.OpenCache(ctx, origin, "v1"); err != nil || created || id != ids["v1"] {
			t.Fatalf("reopen: %d %v %v", id, created, err)
		}
		if _, _, err := s.OpenCache(ctx, "", "x"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("empty key: %v", err)
		}
		if _, err := s.PutCacheEntries(ctx, ids["v1"], []CacheEntry{{Method: "GET", URL: origin + "/x"}}); err != nil {
			t.Fatal(err)
		}
		// Another origin's caches are separate.
		if _, created, _ := s.OpenCache(ctx, "https://b.example", "v1"); !created {
			t.Fatal("b.example v1 should be new")
		}
		list, err := s.ListCaches(ctx, origin)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range list {
			got = append(got, c.Name)
		}
		if !reflect.DeepEqual(got, names) {
			t.Fatalf("creation order: %q, want %q", got, names)
		}
		if c, ok, err := s.HasCache(ctx, origin, ""); err != nil || !ok || c.ID != ids[""] {
			t.Fatalf("has empty name: %+v %v %v", c, ok, err)
		}
		if _, ok, _ := s.HasCache(ctx, origin, "nope"); ok {
			t.Fatal("has nope")
		}

		// delete dooms: the name is free, the old cache still works.
		if ok, err := s.DeleteCache(ctx, origin, "v1"); err != nil || !ok {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if ok, _ := s.DeleteCache(ctx, origin, "v1"); ok {
			t.Fatal("deleted twice")
		}
		if _, ok, _ := s.HasCache(ctx, origin, "v1"); ok {
			t.Fatal("v1 still named")
		}
		if es, err := s.CacheEntries(ctx, ids["v1"], CacheQuery{}); err != nil || len(es) != 1 {
			t.Fatalf("doomed cache entries: %d %v", len(es), err)
		}
		if _, err := s.PutCacheEntries(ctx, ids["v1"], []CacheEntry{{Method: "GET", URL: origin + "/y"}}); err != nil {
			t.Fatalf("put into doomed cache: %v", err)
		}
		if id, created, _ := s.OpenCache(ctx, origin, "v1"); !created || id == ids["v1"] {
			t.Fatal("v1 reopened should be a new cache")
		}
		list, _ = s.ListCaches(ctx, origin)
		if list[len(list)-1].Name != "v1" {
			t.Fatalf("recreated cache should be last: %+v", list)
		}
		if ok, err := s.PurgeCache(ctx, ids["v1"]); err != nil || !ok {
			t.Fatalf("purge: %v %v", ok, err)
		}
		if _, err := s.BatchCache(ctx, ids["v1"], []CacheOp{{URL: origin + "/y"}}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("batch on purged cache: %v", err)
		}
		if n, err := s.DeleteAllCaches(ctx, origin); err != nil || n != 4 {
			t.Fatalf("delete all: %d %v", n, err)
		}
		if l, _ := s.ListCaches(ctx, origin); len(l) != 0 {
			t.Fatalf("left: %+v", l)
		}
		if l, _ := s.ListCaches(ctx, "https://b.example"); len(l) != 1 {
			t.Fatalf("b.example: %+v", l)
		}
	})
}

func TestCacheEntries(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cid, _, err := s.OpenCache(ctx, origin, "c")
		if err != nil {
			t.Fatal(err)
		}
		e := CacheEntry{Method: "GET", URL: origin + "/a?x=1#frag",
			RequestHeaders: []Header{{"accept", "text/html"}, {"x-dup", "1"}, {"x-dup", "2"}},
			ResponseType:   "basic", Status: 201, StatusText: "Created",
			ResponseHeaders: []Header{{"content-type", "text/plain"}, {"vary", "accept"}},
			URLList:         []string{origin + "/r", origin + "/a?x=1"}, Redirected: true,
			Body: []byte("hello"), Extra: []byte(`{"mode":"cors"}`)}
		ids, err := s.PutCacheEntries(ctx, cid, []CacheEntry{e,
			{Method: "GET", URL: origin + "/a?x=2", NullBody: true, Status: 204},
			{Method: "GET", URL: origin + "/a", Body: []byte{}},
			{Method: "GET", URL: origin + "/b"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 4 || !(ids[0] < ids[1] && ids[1] < ids[2] && ids[2] < ids[3]) {
			t.Fatalf("ids %v", ids)
		}
		for _, tc := range []struct {
			name string
			q    CacheQuery
			want []int64
		}{
			{"all", CacheQuery{}, ids},
			{"exact ignores fragment", CacheQuery{URL: origin + "/a?x=1"}, ids[:1]},
			{"exact with other fragment", CacheQuery{URL: origin + "/a?x=1#other"}, ids[:1]},
			{"exact no query", CacheQuery{URL: origin + "/a"}, ids[2:3]},
			{"ignoreSearch", CacheQuery{URL: origin + "/a?zzz", IgnoreSearch: true}, ids[:3]},
			{"miss", CacheQuery{URL: origin + "/c"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				es, err := s.CacheEntries(ctx, cid, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, e := range es {
					got = append(got, e.ID)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
		es, _ := s.CacheEntries(ctx, cid, CacheQuery{URL: origin + "/a?x=1", WithBodies: true})
		g := es[0]
		if g.Method != "GET" || g.URL != e.URL || !reflect.DeepEqual(g.RequestHeaders, e.RequestHeaders) ||
			g.ResponseType != "basic" || g.Status != 201 || g.StatusText != "Created" ||
			!reflect.DeepEqual(g.ResponseHeaders, e.ResponseHeaders) || !reflect.DeepEqual(g.URLList, e.URLList) ||
			!g.Redirected || string(g.Body) != "hello" || g.BodySize != 5 || g.BodySHA256 != nil ||
			string(g.Extra) != string(e.Extra) || g.CacheID != cid || g.CreatedAt.IsZero() {
			t.Fatalf("round trip: %+v", g)
		}
		all, _ := s.CacheEntries(ctx, cid, CacheQuery{})
		for i, want := range []struct {
			body []byte
			null bool
		}{{[]byte("hello"), false}, {nil, true}, {[]byte{}, false}, {[]byte{}, false}} {
			if all[i].Body != nil {
				t.Fatalf("entry %d: body loaded without WithBodies", i)
			}
			b, err := s.ReadCacheBody(ctx, &all[i])
			if err != nil || !bytes.Equal(b, want.body) || (b == nil) != want.null || all[i].NullBody != want.null {
				t.Fatalf("entry %d body %q %v null=%v", i, b, err, all[i].NullBody)
			}
			rc, err := s.OpenCacheBody(ctx, &all[i])
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(b, want.body) {
				t.Fatalf("entry %d stream %q", i, b)
			}
		}
		if all[3].ResponseType != "default" || all[3].RequestHeaders != nil {
			t.Fatalf("defaults: %+v", all[3])
		}

		if n, err := s.DeleteCacheEntries(ctx, cid, []int64{ids[1], ids[3], 99999}); err != nil || n != 2 {
			t.Fatalf("delete entries: %d %v", n, err)
		}
		if _, err := s.ReadCacheBody(ctx, &all[3]); !errors.Is(err, ErrNotFound) {
			t.Fatalf("body of deleted entry: %v", err)
		}
		if _, err := s.PutCacheEntries(ctx, cid, []CacheEntry{{URL: origin}}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("no method: %v", err)
		}
		if _, err := s.PutCacheEntries(ctx, 424242, []CacheEntry{{Method: "GET", URL: origin}}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("no cache: %v", err)
		}
	})
}

// TestCacheBatch: the spec's batch cache operations on the store: put
// replaces the matching entries and appends; deletes use Match; the batch is
// all or nothing.
func TestCacheBatch(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cid, _, _ := s.OpenCache(ctx, origin, "c")
		put := func(url, accept string) *CacheEntry {
			return &CacheEntry{Method: "GET", URL: url, RequestHeaders: []Header{{"accept", accept}},
				ResponseHeaders: []Header{{"vary", "accept"}}, Body: []byte(url + " " + accept)}
		}
		sameAccept := func(accept string) func(*CacheEntry) bool {
			return func(c *CacheEntry) bool { return c.RequestHeaders[0].Value == accept }
		}
		res, err := s.BatchCache(ctx, cid, []CacheOp{
			{Put: put(origin+"/a", "html"), Match: sameAccept("html")},
			{Put: put(origin+"/a", "json"), Match: sameAccept("json")},
			{Put: put(origin+"/b", "html")},
		})
		if err != nil {
			t.Fatal(err)
		}
		a1, a2, b1 := res[0].EntryID, res[1].EntryID, res[2].EntryID
		// Replacing a/html removes only the html variant and appends.
		res, err = s.BatchCache(ctx, cid, []CacheOp{{Put: put(origin+"/a", "html"), Match: sameAccept("html")}})
		if err != nil || !reflect.DeepEqual(res[0].Removed, []int64{a1}) {
			t.Fatalf("replace: %+v %v", res, err)
		}
		a3 := res[0].EntryID
		all, _ := s.CacheEntries(ctx, cid, CacheQuery{})
		if got := []int64{all[0].ID, all[1].ID, all[2].ID}; !reflect.DeepEqual(got, []int64{a2, b1, a3}) || len(all) != 3 {
			t.Fatalf("order after replace: %v", got)
		}
		// Later ops see earlier ones: put then delete in one batch.
		res, err = s.BatchCache(ctx, cid, []CacheOp{
			{Put: put(origin+"/c", "x")},
			{URL: origin + "/c"},
		})
		if err != nil || len(res[1].Removed) != 1 || res[1].Removed[0] != res[0].EntryID {
			t.Fatalf("put+delete: %+v %v", res, err)
		}
		// Delete with ignoreSearch and nil Match removes every candidate.
		if _, err := s.PutCacheEntries(ctx, cid, []CacheEntry{*put(origin+"/b?v=2", "html")}); err != nil {
			t.Fatal(err)
		}
		res, err = s.BatchCache(ctx, cid, []CacheOp{{URL: origin + "/b?zzz", IgnoreSearch: true}})
		if err != nil || len(res[0].Removed) != 2 {
			t.Fatalf("ignoreSearch delete: %+v %v", res, err)
		}

		// All or nothing: a failing op (here a Match that panics) rolls back
		// the earlier ops of the batch.
		before, _ := s.CacheEntries(ctx, cid, CacheQuery{})
		_, err = s.BatchCache(ctx, cid, []CacheOp{
			{Put: put(origin+"/d", "x")},
			{URL: origin + "/a"},
			{Put: put(origin+"/d", "y"), Match: func(*CacheEntry) bool { panic("match failed") }},
		})
		if err == nil {
			t.Fatal("batch with a panicking Match succeeded")
		}
		_, err = s.BatchCache(ctx, cid, []CacheOp{{Put: put(origin+"/d", "x")}, {}})
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("delete without URL: %v", err)
		}
		after, _ := s.CacheEntries(ctx, cid, CacheQuery{})
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("failed batch changed the cache:\n%+v\n%+v", before, after)
		}
	})
}

func TestCacheConcurrentPutsSameURL(t *testing.T) {
	s := openFile(t, t.TempDir(), Options{})
	ctx := context.Background()
	cid, _, _ := s.OpenCache(ctx, origin, "c")
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := []byte{byte(i)}
			if _, err := s.BatchCache(ctx, cid, []CacheOp{{Put: &CacheEntry{Method: "GET", URL: origin + "/same", Body: body}}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if es, _ := s.CacheEntries(ctx, cid, CacheQuery{URL: origin + "/same"}); len(es) != 1 {
		t.Fatalf("%d entries for one URL after concurrent puts", len(es))
	}
}

func blobFiles(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(s.blobs, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestCacheBlobs(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, Options{BlobGrace: -1, GCInterval: -1})
	ctx := context.Background()
	cid, _, _ := s.OpenCache(ctx, origin, "c")
	big := bigBody(DefaultInlineBodyLimit+1, 1)
	edge := bigBody(DefaultInlineBodyLimit, 2)
	ids, err := s.PutCacheEntries(ctx, cid, []CacheEntry{
		{Method: "GET", URL: origin + "/big", Body: big},
		{Method: "GET", URL: origin + "/big2", Body: big},  // same content: one file
		{Method: "GET", URL: origin + "/edge", Body: edge}, // at the limit: inline
	})
	if err != nil {
		t.Fatal(err)
	}
	files := blobFiles(t, s)
	sum := sha256.Sum256(big)
	if len(files) != 1 || filepath.Base(files[0]) != hexs(sum[:]) {
		t.Fatalf("blob files: %v", files)
	}
	es, _ := s.CacheEntries(ctx, cid, CacheQuery{})
	if !bytes.Equal(es[0].BodySHA256, sum[:]) || es[0].BodySize != int64(len(big)) || es[2].BodySHA256 != nil {
		t.Fatalf("entries: %+v", es)
	}
	if b, err := s.ReadCacheBody(ctx, &es[1]); err != nil || !bytes.Equal(b, big) {
		t.Fatalf("read blob: %v", err)
	}
	rc, err := s.OpenCacheBody(ctx, &es[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rc.(*os.File); !ok {
		t.Fatalf("blob body should stream from its file, got %T", rc)
	}
	if b, _ := io.ReadAll(rc); !bytes.Equal(b, big) {
		t.Fatal("stream mismatch")
	}
	rc.Close()
	if b, err := s.ReadCacheBody(ctx, &es[2]); err != nil || !bytes.Equal(b, edge) {
		t.Fatalf("inline edge: %v", err)
	}
	wb, _ := s.CacheEntries(ctx, cid, CacheQuery{WithBodies: true})
	if !bytes.Equal(wb[0].Body, big) || !bytes.Equal(wb[2].Body, edge) {
		t.Fatal("WithBodies mismatch")
	}

	// Still referenced by big2: GC keeps it.
	if _, err := s.DeleteCacheEntries(ctx, cid, ids[:1]); err != nil {
		t.Fatal(err)
	}
	if st, err := s.GC(ctx); err != nil || st.Blobs != 0 || len(blobFiles(t, s)) != 1 {
		t.Fatalf("gc while referenced: %+v %v", st, err)
	}
	// Unreferenced: collected.
	if _, err := s.DeleteCacheEntries(ctx, cid, ids[1:2]); err != nil {
		t.Fatal(err)
	}
	if st, err := s.GC(ctx); err != nil || st.Blobs != 1 || st.Bytes != int64(len(big)) || len(blobFiles(t, s)) != 0 {
		t.Fatalf("gc: %+v %v %v", st, err, blobFiles(t, s))
	}
	if n := countRows(t, s, "blobs"); n != 0 {
		t.Fatalf("blob rows: %d", n)
	}

	// Re-adding the same content after collection writes the file again.
	if _, err := s.PutCacheEntries(ctx, cid, []CacheEntry{{Method: "GET", URL: origin + "/big3", Body: big}}); err != nil {
		t.Fatal(err)
	}
	if len(blobFiles(t, s)) != 1 {
		t.Fatal("blob not rewritten")
	}
	// A doomed cache keeps its blobs until purged; purging orphans them.
	big4 := bigBody(100<<10, 9)
	if _, err := s.PutCacheEntries(ctx, cid, []CacheEntry{{Method: "GET", URL: origin + "/big4", Body: big4}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteCache(ctx, origin, "c"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.GC(ctx); st.Blobs != 0 {
		t.Fatal("doomed cache's blobs collected")
	}
	if _, err := s.PurgeCache(ctx, cid); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.GC(ctx); st.Blobs != 2 || len(blobFiles(t, s)) != 0 {
		t.Fatalf("after purge: %+v", st)
	}
}

func TestBlobGraceAndRecovery(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, Options{BlobGrace: time.Hour, GCInterval: -1})
	ctx := context.Background()
	cid, _, _ := s.OpenCache(ctx, origin, "c")
	big := bigBody(70<<10, 3)
	ids, err := s.PutCacheEntries(ctx, cid, []CacheEntry{{Method: "GET", URL: origin + "/x", Body: big}})
	if err != nil {
		t.Fatal(err)
	}
	es, _ := s.CacheEntries(ctx, cid, CacheQuery{})
	s.DeleteCacheEntries(ctx, cid, ids)
	// Within the grace period the file stays: a reader holding the entry
	// can still read it.
	if st, _ := s.GC(ctx); st.Blobs != 0 {
		t.Fatal("collected within grace")
	}
	if b, err := s.ReadCacheBody(ctx, &es[0]); err != nil || !bytes.Equal(b, big) {
		t.Fatalf("read in grace: %v", err)
	}
	// A stray file (written for a transaction that never committed) and a
	// temp file: removed at the next Open, as is the orphan.
	stray := filepath.Join(s.blobs, "ab", "ab"+string(bytes.Repeat([]byte("0"), 62)))
	os.MkdirAll(filepath.Dir(stray), 0o700)
	os.WriteFile(stray, []byte("stray"), 0o600)
	os.WriteFile(filepath.Join(s.blobs, "tmp", "partial-123"), []byte("partial"), 0o600)
	// A doomed cache is purged at Open too.
	if _, err := s.PutCacheEntries(ctx, cid, []CacheEntry{{Method: "GET", URL: origin + "/y", Body: bigBody(80<<10, 4)}}); err != nil {
		t.Fatal(err)
	}
	s.DeleteCache(ctx, origin, "c")
	s.Close()

	s = openFile(t, dir, Options{BlobGrace: time.Hour, GCInterval: -1})
	if f := blobFiles(t, s); len(f) != 0 {
		t.Fatalf("files after recovery: %v", f)
	}
	if n := countRows(t, s, "caches"); n != 0 {
		t.Fatalf("doomed cache not purged: %d", n)
	}
	if n := countRows(t, s, "blobs"); n != 0 {
		t.Fatalf("blob rows: %d", n)
	}
}

// TestBlobRewrittenIfCollectedMeanwhile: the file a put wrote before
// queueing is collected before the put's transaction runs; the put rewrites
// it so the committed row never points at a missing file.
func TestBlobRewrittenIfCollectedMeanwhile(t *testing.T) {
	s := openFile(t, t.TempDir(), Options{BlobGrace: -1, GCInterval: -1})
	ctx := context.Background()
	cid, _, _ := s.OpenCache(ctx, origin, "c")
	big := bigBody(90<<10, 5)
	e := CacheEntry{Method: "GET", URL: origin + "/x", Body: big}
	bodies, err := s.prepareOps([]CacheOp{{Put: &e}}, true)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(s.blobPath(bodies[0].sum)) // what the collector would do
	err = s.Update(ctx, func(tx *Tx) error {
		_, err := tx.batchCache(cid, []CacheOp{{Put: &e}}, bodies)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	es, _ := s.CacheEntries(ctx, cid, CacheQuery{WithBodies: true})
	if len(es) != 1 || !bytes.Equal(es[0].Body, big) {
		t.Fatal("blob missing after rewrite")
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
