package js

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/grafana/sobek"
)

// TestWeakMapSurvivesGC guards against an engine regression (sobek after
// 2026-07, goja PR #725): WeakMap entries keyed by object address were
// deleted by the cleanup of a dead object whose address a live key reused.
// Platform code keeps private state in WeakMaps, so losing an entry breaks
// events, requests and responses at random under GC pressure.
func TestWeakMapSurvivesGC(t *testing.T) {
	r := NewRealm(Options{Name: "weakmap"})
	defer r.Close()
	var lost int64
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_, err := rt.RunString(`
			const wm = new WeakMap();
			var check = (n) => {
				let lost = 0;
				const live = [];
				for (let i = 0; i < n; i++) {
					// Garbage keys die at once; live keys are allocated
					// among them and must keep their entries.
					wm.set({ garbage: i }, i);
					const k = { live: i };
					wm.set(k, i);
					live.push(k);
				}
				return () => live.filter((k, i) => wm.get(k) !== i).length;
			};
		`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var verify sobek.Value
	for round := 0; round < 20; round++ {
		err = r.Do(context.Background(), func(rt *sobek.Runtime) error {
			fn, _ := sobek.AssertFunction(rt.Get("check"))
			v, err := fn(sobek.Undefined(), rt.ToValue(20000))
			verify = v
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		runtime.GC()
		err = r.Do(context.Background(), func(rt *sobek.Runtime) error {
			fn, _ := sobek.AssertFunction(verify)
			v, err := fn(sobek.Undefined())
			if err == nil {
				lost += v.ToInteger()
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if lost != 0 {
		t.Fatalf("WeakMap lost %d entries of live keys", lost)
	}
}

// TestEnginePanicIsReported: a script that makes the engine panic (sobek
// mishandles `arguments` read only inside an arrow function) is reported as
// an error of its task; the process and the loop go on.
func TestEnginePanicIsReported(t *testing.T) {
	var got []*ScriptError
	r := NewRealm(Options{Name: "panic", OnError: func(se *ScriptError) { got = append(got, se) }})
	defer r.Close()
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_, err := rt.RunString(`function f(a) { return (() => arguments.length)(); } f(1, 2);`)
		return err
	})
	if !errors.Is(err, ErrTaskAbandoned) {
		t.Fatalf("Do: %v, want ErrTaskAbandoned", err)
	}
	if err := r.Do(context.Background(), func(*sobek.Runtime) error { return nil }); err != nil {
		t.Fatalf("the loop stopped: %v", err)
	}
	if len(got) != 1 || got[0].Kind != "interrupted" || !errors.Is(got[0], ErrEnginePanic) {
		t.Fatalf("reports: %+v", got)
	}
}
