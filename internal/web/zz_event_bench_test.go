package web_test

import (
	"context"
	"testing"

	"github.com/grafana/sobek"
)

func BenchmarkNewEvent(b *testing.B) {
	r, _ := newRealm(&testing.T{})
	defer r.Close()
	var fn sobek.Callable
	_ = r.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, err := rt.RunString(`(n) => { for (let i = 0; i < n; i++) new Event('x'); }`)
		fn, _ = sobek.AssertFunction(v)
		return err
	})
	b.ResetTimer()
	_ = r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_, err := fn(sobek.Undefined(), rt.ToValue(b.N))
		return err
	})
}

func BenchmarkNewObjectBaseline(b *testing.B) {
	r, _ := newRealm(&testing.T{})
	defer r.Close()
	var fn sobek.Callable
	_ = r.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, err := rt.RunString(`class A { constructor(t) { this.t = t; } }; (n) => { for (let i = 0; i < n; i++) new A('x'); }`)
		fn, _ = sobek.AssertFunction(v)
		return err
	})
	b.ResetTimer()
	_ = r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_, err := fn(sobek.Undefined(), rt.ToValue(b.N))
		return err
	})
}
