package ua

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/swhost/swhost/internal/contentindex"
)

// shelfIndex loads an index of n entries spread over origins origins (100
// registrations' worth per origin is one registration each), as a restart
// would load them from the store.
func shelfIndex(b *testing.B, n, origins int, p contentindex.Policy) *contentindex.Index {
	b.Helper()
	st := contentindex.NewMemStore()
	now := time.Now()
	batches := map[string][]contentindex.Mutation{}
	for i := range n {
		o := i % origins
		reg := fmt.Sprint(o + 1)
		origin := fmt.Sprintf("https://site%03d.example", o)
		id := fmt.Sprintf("article-%05d", i)
		rec := &contentindex.Record{RegID: reg, Scope: origin + "/", Seq: int64(i), LaunchURL: origin + "/article/" + id,
			Added: now.Add(-time.Duration(i) * time.Minute),
			Description: contentindex.Description{ID: id, Title: fmt.Sprintf("Article %d from site %d", i, o),
				Description: "A fairly ordinary description of an article that was saved for reading offline.",
				Category:    contentindex.Categories[1+i%4], URL: "/article/" + id},
			Icons: []contentindex.Icon{{URL: origin + "/icon.png", ContentType: "image/png", Width: 96, Height: 96, Data: []byte("png")}}}
		batches[reg] = append(batches[reg], contentindex.Mutation{RegID: reg, ID: id, Put: rec})
	}
	for _, batch := range batches {
		if err := st.Apply(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	x, err := contentindex.New(context.Background(), contentindex.Options{Store: st, Policy: p})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { x.Close() })
	return x
}

// BenchmarkShelf10k: the server time of the shelf's first screen (GET /,
// HTML complete) with 10,000 entries across 100 origins: under the default
// display policy (20 shown), under a policy that shows every entry (the
// first 50 of 10,000 rendered, facets over all), and searching all 10,000.
// The target is under 200 ms.
func BenchmarkShelf10k(b *testing.B) {
	for _, c := range []struct {
		name   string
		policy contentindex.Policy
		path   string
		want   int // entries rendered
	}{
		{"default-policy", contentindex.Policy{}, "/", 20},
		{"show-all", contentindex.Policy{MaxPerOrigin: -1, MaxTotal: -1, Window: -1}, "/", pageSize},
		{"show-all/search", contentindex.Policy{MaxPerOrigin: -1, MaxTotal: -1, Window: -1}, "/?q=FROM+SITE+1&category=video", pageSize},
		{"show-all/api-list", contentindex.Policy{MaxPerOrigin: -1, MaxTotal: -1, Window: -1}, "/api/index?limit=50", 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			x := shelfIndex(b, 10000, 100, c.policy)
			h := New(&fakeBackend{idx: x}, Options{Token: testToken, Addr: testAddr})
			defer h.Close()
			var size int
			for b.Loop() {
				w := httptest.NewRecorder()
				r := httptest.NewRequest("GET", c.path, nil)
				r.Host = testAddr
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
			if c.want > 0 {
				w := httptest.NewRecorder()
				r := httptest.NewRequest("GET", c.path, nil)
				r.Host = testAddr
				h.ServeHTTP(w, r)
				if n := countEntries(w.Body.String()); n != c.want {
					b.Fatalf("%d entries rendered, want %d", n, c.want)
				}
			}
		})
	}
}

func countEntries(page string) int { return strings.Count(page, `class="entry"`) }
