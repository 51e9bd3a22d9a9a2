package js

import (
	"context"
	"testing"
	"time"

	"github.com/grafana/sobek"
)

// SettleSoon: settlements made together share one task, in order, and each
// promise's reactions run before the next one settles (as with a task each).
func TestSettleSoonBatchesInOrder(t *testing.T) {
	r := NewRealm(Options{Name: "t"})
	defer r.Close()
	var res []*Resolver
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_ = rt.Set("log", []any{})
		for range 3 {
			p, rs := r.NewPromise()
			res = append(res, rs)
			_ = rt.Set("p", p)
			if _, err := rt.RunString(`p.then((v) => { log.push('then ' + v); Promise.resolve().then(() => log.push('micro ' + v)); });`); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	tasksBefore := r.taskSeq
	r.mu.Unlock()
	// Settled from inside a task (as the index's queue does on the loop):
	// the loop cannot run their task before this one ends, so all three
	// must be in one.
	_ = r.Do(context.Background(), func(*sobek.Runtime) error {
		for i, rs := range res {
			rs.SettleSoon(i, nil)
		}
		return nil
	})
	select {
	case <-r.Idle():
	case <-time.After(5 * time.Second):
		t.Fatal("not idle")
	}
	var got string
	_ = r.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, _ := rt.RunString(`log.join(',')`)
		got = v.String()
		return nil
	})
	if want := "then 0,micro 0,then 1,micro 1,then 2,micro 2"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	r.mu.Lock()
	tasks := r.taskSeq - tasksBefore
	r.mu.Unlock()
	// The Do that settled, one task for the three settlements, the Do that
	// read the log.
	if tasks != 3 {
		t.Fatalf("%d tasks, want 3: the three settlements did not share one", tasks)
	}
}

// On a closed realm SettleSoon drops the work and releases its refs.
func TestSettleSoonClosedRealm(t *testing.T) {
	r := NewRealm(Options{Name: "t"})
	var rs *Resolver
	_ = r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_, rs = r.NewPromise()
		return nil
	})
	r.Close()
	rs.SettleSoon(1, nil)
	r.soonMu.Lock()
	defer r.soonMu.Unlock()
	if len(r.soon) != 0 {
		t.Fatalf("%d settlements kept after close", len(r.soon))
	}
}
