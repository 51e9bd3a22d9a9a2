// Package webtest holds what the tests of the platform packages (web,
// cachestorage, ...) share: running an async snippet in a realm, and the
// table check of WebIDL operations' length, name and argument-count errors.
// Only tests import it.
package webtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

// EvalAsync runs src as the body of an async function in r (as script
// scriptURL) and returns its result as JSON, or "threw Name: message" when
// it throws.
func EvalAsync(t testing.TB, r *js.Realm, scriptURL, src string) string {
	t.Helper()
	done := make(chan string, 1)
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_ = rt.Set("__report", func(c sobek.FunctionCall) sobek.Value {
			done <- c.Argument(0).String()
			return sobek.Undefined()
		})
		_, err := r.Run(&js.Script{Name: scriptURL, Source: "(async () => {\n" + src + "\n})().then(" +
			"(v) => __report(v === undefined ? 'undefined' : JSON.stringify(v)), " +
			"(e) => __report('threw ' + (e && e.name) + ': ' + (e && e.message)))"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-done:
		return s
	case <-time.After(10 * time.Second):
		t.Fatalf("script did not finish: %s", src)
		return ""
	}
}

// OperationCase is one WebIDL operation or constructor: its length (the
// required-argument count), its name, and what one call does.
type OperationCase struct {
	Fn     string // expression for the function object
	Length int
	Name   string
	Call   string // a call, typically with too few arguments or a wrong this
	Want   string // "throw Name: message", "reject Name: message" or "ok"
}

// Op is an OperationCase (tables of them stay short).
func Op(fn string, length int, name, call, want string) OperationCase {
	return OperationCase{Fn: fn, Length: length, Name: name, Call: call, Want: want}
}

// CheckOperations runs each case through eval (an async function body, as
// EvalAsync runs), after prelude: the length and name attributes must be
// WebIDL's, and a synchronous throw is told apart from a rejection.
func CheckOperations(t *testing.T, eval func(src string) string, prelude string, cases []OperationCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Fn+"/"+c.Call, func(t *testing.T) {
			src := fmt.Sprintf(`%s
				const f = %s;
				const d = Object.getOwnPropertyDescriptor(f, 'length');
				const nd = Object.getOwnPropertyDescriptor(f, 'name');
				const attrs = (x) => [x.writable, x.enumerable, x.configurable].join();
				if (attrs(d) !== 'false,false,true') return 'length attributes ' + attrs(d);
				if (attrs(nd) !== 'false,false,true') return 'name attributes ' + attrs(nd);
				const head = f.length + ' ' + f.name + ' ';
				let p;
				try { p = %s; } catch (e) { return head + 'throw ' + e.name + ': ' + e.message + (e instanceof TypeError ? '' : ' (not a TypeError)'); }
				try { await p; } catch (e) { return head + 'reject ' + e.name + ': ' + e.message + (e instanceof TypeError ? '' : ' (not a TypeError)'); }
				return head + 'ok';`, prelude, c.Fn, c.Call)
			want := fmt.Sprintf("%q", fmt.Sprintf("%d %s %s", c.Length, c.Name, c.Want))
			if got := eval(src); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// TooFew is WebIDL's too-few-arguments TypeError as our bindings word it.
func TooFew(what string, n, have int) string {
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf("TypeError: %s: %d argument%s required, but only %d present.", what, n, s, have)
}
