package contentindex

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
)

func benchIndex(b *testing.B, st *MemStore) *Index {
	b.Helper()
	return newTestIndex(b, Options{Store: st, Limits: Limits{MaxEntriesPerRegistration: -1}})
}

func benchDesc(i int) Description {
	id := strconv.Itoa(i)
	return Description{ID: id, Title: "Title " + id, Description: "About " + id, Category: "article",
		URL: "/article/" + id, Icons: []ImageResource{{Src: "/icons/" + id + ".png", Sizes: "96x96", Type: "image/png"}}}
}

// One add at a time, each awaited (a worker doing `await index.add(...)` in
// a loop): the cost of one operation end to end, one commit each.
func BenchmarkAddSequential(b *testing.B) {
	st := NewMemStore()
	x := newTestIndex(b, Options{Store: st, Icons: IconsNone, Limits: Limits{MaxEntriesPerRegistration: -1}})
	ctx := context.Background()
	env := testEnv(nil)
	i := 0
	for b.Loop() {
		if err := x.Add(ctx, testReg, testScope, benchDesc(i), env).Err(); err != nil {
			b.Fatal(err)
		}
		i++
	}
	commits, _ := st.Commits()
	b.ReportMetric(float64(commits)/float64(i), "commits/add")
}

// 1,000 adds issued at once by one registration (Promise.all over add()),
// then awaited. fsync simulates a store whose commit takes that long: the
// adds that become ready during a commit share the next one.
func BenchmarkAddConcurrent1000(b *testing.B) {
	for _, c := range []struct {
		name       string
		fsync      time.Duration
		goroutines bool
	}{
		{"mem", 0, false},
		{"mem/goroutines", 0, true},
		{"fsync=2ms", 2 * time.Millisecond, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			st := NewMemStore()
			if c.fsync > 0 {
				st.BeforeApply = func(context.Context, []Mutation) error { time.Sleep(c.fsync); return nil }
			}
			x := benchIndex(b, st)
			ctx := context.Background()
			env := testEnv(nil)
			descs := make([]Description, 1000)
			for i := range descs {
				descs[i] = benchDesc(i)
				descs[i].Icons = nil
			}
			iter := 0
			for b.Loop() {
				reg := "r" + strconv.Itoa(iter)
				iter++
				ops := make([]*Op[struct{}], len(descs))
				if c.goroutines {
					var wg sync.WaitGroup
					for i := range descs {
						wg.Add(1)
						go func() { defer wg.Done(); ops[i] = x.Add(ctx, reg, testScope, descs[i], env) }()
					}
					wg.Wait()
				} else {
					for i := range descs {
						ops[i] = x.Add(ctx, reg, testScope, descs[i], env)
					}
				}
				for _, op := range ops {
					if err := op.Err(); err != nil {
						b.Fatal(err)
					}
				}
			}
			commits, _ := st.Commits()
			b.ReportMetric(float64(commits)/float64(iter), "commits/1000adds")
		})
	}
}

func BenchmarkGetAll10k(b *testing.B) {
	x := newTestIndex(b, Options{Icons: IconsNone, Limits: Limits{MaxEntriesPerRegistration: -1}})
	ctx := context.Background()
	env := testEnv(nil)
	ops := make([]*Op[struct{}], 10000)
	for i := range ops {
		ops[i] = x.Add(ctx, testReg, testScope, benchDesc(i), env)
	}
	for _, op := range ops {
		if err := op.Err(); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		ds, err := x.GetAll(testReg).Result()
		if err != nil || len(ds) != 10000 {
			b.Fatal(len(ds), err)
		}
	}
}

// 1,000 deletes issued at once on a registration of 1,000 entries.
func BenchmarkDelete1000(b *testing.B) {
	st := NewMemStore()
	x := newTestIndex(b, Options{Store: st, Icons: IconsNone, Limits: Limits{MaxEntriesPerRegistration: -1}})
	ctx := context.Background()
	env := testEnv(nil)
	adds := make([]*Op[struct{}], 1000)
	dels := make([]*Op[struct{}], 1000)
	var commits int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := range adds {
			adds[j] = x.Add(ctx, testReg, testScope, benchDesc(j), env)
		}
		for _, op := range adds {
			if err := op.Err(); err != nil {
				b.Fatal(err)
			}
		}
		c0, _ := st.Commits()
		b.StartTimer()
		for j := range dels {
			dels[j] = x.Delete(testReg, strconv.Itoa(j))
		}
		for _, op := range dels {
			if err := op.Err(); err != nil {
				b.Fatal(err)
			}
		}
		c1, _ := st.Commits()
		commits += c1 - c0
	}
	if st.Len() != 0 {
		b.Fatal("entries left")
	}
	b.ReportMetric(float64(commits)/float64(b.N), "commits/1000dels")
}
