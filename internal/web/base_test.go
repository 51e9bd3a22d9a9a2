package web_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

type capture struct {
	mu   sync.Mutex
	logs []string
	errs []*js.ScriptError
}

func (c *capture) console(level, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logs = append(c.logs, level+": "+msg)
}

func (c *capture) onError(e *js.ScriptError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, e)
}

func newRealm(t *testing.T) (*js.Realm, *capture) {
	t.Helper()
	c := &capture{}
	r := js.NewRealm(js.Options{Name: "test", OnError: c.onError})
	t.Cleanup(r.Close)
	if err := r.Do(context.Background(), func(*sobek.Runtime) error { return web.InstallBase(r, c.console) }); err != nil {
		t.Fatal(err)
	}
	return r, c
}

func run(t *testing.T, r *js.Realm, src string) {
	t.Helper()
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_, err := r.Run(&js.Script{Name: "https://test.example/t.js", Source: src})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.Idle():
	case <-time.After(5 * time.Second):
		t.Fatal("realm did not go idle")
	}
}

func TestBaseObjects(t *testing.T) {
	r, c := newRealm(t)
	run(t, r, `
		const out = [];
		const t = new EventTarget();
		t.addEventListener('x', e => out.push('a:' + e.type + ':' + (e.target === t)));
		t.addEventListener('x', { handleEvent(e) { out.push('b'); } }, { once: true });
		t.dispatchEvent(new Event('x')); t.dispatchEvent(new Event('x'));
		out.push(typeof EventTarget, typeof Event, typeof CustomEvent, typeof DOMException);
		const d = new DOMException('gone', 'NotFoundError');
		out.push(d.name, d.message, d.code, d instanceof Error, String(d));
		out.push(new CustomEvent('c', {detail: 5}).detail);
		out.push(Object.prototype.toString.call(new Event('q')));
		try { new Event(); } catch (e) { out.push(e instanceof TypeError); }
		try { EventTarget.prototype.addEventListener.call({}, 'x', () => {}); } catch (e) { out.push('illegal:' + e.message); }
		setTimeout((a) => { out.push('timer' + a); console.log(out.join('|')); }, 5, 1);
		queueMicrotask(() => out.push('micro'));
	`)
	want := "a:x:true|b|a:x:true|function|function|function|function|NotFoundError|gone|8|true|NotFoundError: gone|5|[object Event]|true|illegal:Illegal invocation|micro|timer1"
	if len(c.logs) != 1 || c.logs[0] != "log: "+want {
		t.Fatalf("got %q\nwant %q", c.logs, want)
	}
	if len(c.errs) != 0 {
		t.Fatalf("unexpected errors: %v", c.errs[0])
	}
}

func TestListenerExceptionReported(t *testing.T) {
	r, c := newRealm(t)
	run(t, r, `
		const t = new EventTarget();
		t.addEventListener('x', () => { throw new TypeError('boom'); });
		t.addEventListener('x', () => console.log('second ran'));
		t.dispatchEvent(new Event('x'));
		Promise.reject(new RangeError('nobody catches'));
	`)
	if len(c.logs) != 1 || c.logs[0] != "log: second ran" {
		t.Fatalf("logs %q", c.logs)
	}
	if len(c.errs) != 2 {
		t.Fatalf("errors %v", c.errs)
	}
	if c.errs[0].Message != "TypeError: boom" || c.errs[0].File != "https://test.example/t.js" || c.errs[0].Line != 3 {
		t.Errorf("first error %+v", c.errs[0])
	}
	if c.errs[1].Kind != "unhandledrejection" || !strings.Contains(c.errs[1].Message, "RangeError: nobody catches") {
		t.Errorf("second error %+v", c.errs[1])
	}
}

// TestConsoleErrorStack: the console shows an error with the script's
// frames only (none of the platform's, which made a DOMException or threw a
// TypeError), positions without the engine's bytecode offsets; nested, an
// error shows as name and message.
func TestConsoleErrorStack(t *testing.T) {
	r, c := newRealm(t)
	run(t, r, `
function f() { return new Error('boom'); }
console.log(f());
console.log(new DOMException('gone', 'NotFoundError'));
try { new EventTarget().addEventListener(); } catch (e) { console.log(e); }
console.log([new Error('nested')]);`)
	want := []string{
		"log: Error: boom\n\tat f (https://test.example/t.js:2:23)\n\tat https://test.example/t.js:3:14",
		"log: NotFoundError: gone\n\tat https://test.example/t.js:4:13",
		"log: TypeError: Failed to execute 'addEventListener' on 'EventTarget': 2 arguments required, but only 0 present.\n\tat https://test.example/t.js:5:41",
		"log: [ Error: nested ]",
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Equal(c.logs, want) {
		t.Fatalf("logs\n%q\nwant\n%q", c.logs, want)
	}
}

func TestToUSV(t *testing.T) {
	tests := map[string]string{
		"plain":                "plain",
		"caf\u00e9 \U0001F600": "caf\u00e9 \U0001F600",
		"a\xed\xa0\x80b":       "a\ufffdb",     // lone high surrogate (WTF-8)
		"\xed\xbf\xbfz":        "\ufffdz",      // lone low surrogate
		"x\xffy":               "x\ufffdy",     // a stray byte
		"\xed\xa0":             "\ufffd\ufffd", // truncated
		"kept \ufffd":          "kept \ufffd",  // a real U+FFFD stays one
	}
	for in, want := range tests {
		if got := web.ToUSV(in); got != want {
			t.Errorf("ToUSV(%q) = %q, want %q", in, got, want)
		}
	}
}
