package store

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func benchStore(b *testing.B) *Store {
	b.Helper()
	return openFile(b, b.TempDir(), Options{GCInterval: -1})
}

func benchEntry(regID int64, id string) ContentEntry {
	return ContentEntry{RegistrationID: regID, ID: id,
		Description: `{"id":"` + id + `","title":"Title","description":"A description of the article","category":"article","icons":[],"url":"/article/` + id + `"}`,
		LaunchURL:   "https://news.example/article/" + id, Category: "article",
		Icons: []Icon{{Src: "/icon.png", Sizes: "192x192", Type: "image/png", MIME: "image/png", Body: make([]byte, 2048)}}}
}

func reportCommits(b *testing.B, s *Store, before Stats, start time.Time) {
	st := s.Stats()
	el := time.Since(start).Seconds()
	commits := st.Commits - before.Commits
	reqs := st.Requests - before.Requests
	b.ReportMetric(float64(commits)/el, "commits/s")
	b.ReportMetric(float64(reqs)/el, "writes/s")
	if commits > 0 {
		b.ReportMetric(float64(reqs)/float64(commits), "writes/commit")
	}
}

// BenchmarkPutEntrySequential: one writer, so one commit (one fsync) per add.
func BenchmarkPutEntrySequential(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	regID := mustReg(b, s, "https://news.example", "https://news.example/")
	before, start := s.Stats(), time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.PutContentEntry(ctx, benchEntry(regID, fmt.Sprint(i))); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCommits(b, s, before, start)
}

// BenchmarkPutEntryConcurrent: 1,000 goroutines adding entries (to 50
// registrations); group commit shares each fsync across a batch.
func BenchmarkPutEntryConcurrent(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	regs := make([]int64, 50)
	for i := range regs {
		regs[i] = mustReg(b, s, "https://news.example", fmt.Sprintf("https://news.example/%d/", i))
	}
	var n atomic.Int64
	b.SetParallelism(max(1, 1000/runtime.GOMAXPROCS(0)))
	before, start := s.Stats(), time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if err := s.PutContentEntry(ctx, benchEntry(regs[i%int64(len(regs))], fmt.Sprint(i))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportCommits(b, s, before, start)
}

// BenchmarkListEntries10k: getAll() of a registration with 10,000 entries
// (one icon each).
func BenchmarkListEntries10k(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	regID := mustReg(b, s, "https://news.example", "https://news.example/")
	const n = 10000
	for i := 0; i < n; i += 500 {
		if err := s.Update(ctx, func(tx *Tx) error {
			for j := i; j < i+500; j++ {
				if err := tx.PutContentEntry(benchEntry(regID, fmt.Sprint(j))); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := s.ListContentEntries(ctx, regID)
		if err != nil || len(l) != n {
			b.Fatal(len(l), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/entry")
}

// BenchmarkCachePutMatch: cache.put (replacing the previous entry for the
// URL, Vary-style match callback) then cache.match (candidates by URL, body
// read), on a cache of 1,000 URLs; 4 KiB inline bodies, and 128 KiB blob
// bodies.
func BenchmarkCachePutMatch(b *testing.B) {
	for _, size := range []int{4 << 10, 128 << 10} {
		b.Run(fmt.Sprintf("body=%dKiB", size>>10), func(b *testing.B) {
			s := benchStore(b)
			ctx := context.Background()
			cid, _, err := s.OpenCache(ctx, "https://news.example", "articles")
			if err != nil {
				b.Fatal(err)
			}
			body := make([]byte, size)
			match := func(c *CacheEntry) bool { return c.Method == "GET" }
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				body[0], body[1] = byte(i), byte(i>>8) // distinct content
				u := fmt.Sprintf("https://news.example/article/%d?x=1", i%1000)
				if _, err := s.BatchCache(ctx, cid, []CacheOp{{Put: &CacheEntry{Method: "GET", URL: u, Status: 200,
					ResponseHeaders: []Header{{"content-type", "text/html"}}, Body: body}, Match: match}}); err != nil {
					b.Fatal(err)
				}
				es, err := s.CacheEntries(ctx, cid, CacheQuery{URL: u})
				if err != nil || len(es) != 1 {
					b.Fatal(len(es), err)
				}
				if got, err := s.ReadCacheBody(ctx, &es[0]); err != nil || len(got) != size {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCacheMatch: cache.match alone (candidates by URL, ignoreSearch,
// and body read) on a cache of 1,000 entries with 4 KiB bodies; parallel
// readers.
func BenchmarkCacheMatch(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	cid, _, _ := s.OpenCache(ctx, "https://news.example", "articles")
	entries := make([]CacheEntry, 1000)
	for i := range entries {
		entries[i] = CacheEntry{Method: "GET", URL: fmt.Sprintf("https://news.example/article/%d?x=1", i), Status: 200, Body: make([]byte, 4096)}
	}
	if _, err := s.PutCacheEntries(ctx, cid, entries); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			es, err := s.CacheEntries(ctx, cid, CacheQuery{URL: fmt.Sprintf("https://news.example/article/%d", i%1000), IgnoreSearch: true, WithBodies: true})
			if err != nil || len(es) != 1 || len(es[0].Body) != 4096 {
				b.Error(len(es), err)
				return
			}
		}
	})
}
