package web_test

import (
	"os"
	"strings"
	"testing"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/web"
)

// BenchmarkEventDispatchParts measures Event construction and EventTarget dispatch
// in base.js (the parts of every functional event). EVSNIP_FILE names a file
// of extra snippets: blocks separated by a line "---", each "name", setup
// lines, a line "===", body lines.
func BenchmarkEventDispatchParts(b *testing.B) {
	snips := []struct{ name, setup, body string }{
		{"new-Event", ``, `x = new Event('x');`},
		{"new-Event-init", `const init = { cancelable: true };`, `x = new Event('x', init);`},
		{"dispatch-no-listener", `const t = new EventTarget(); const e = new Event('x');`, `t.dispatchEvent(e);`},
		{"dispatch-empty-listener", `const t = new EventTarget(); t.addEventListener('x', () => {}); const e = new Event('x');`, `t.dispatchEvent(e);`},
		{"dispatch-2-listeners", `const t = new EventTarget(); t.addEventListener('x', () => {}); t.addEventListener('x', { handleEvent() {} }); const e = new Event('x');`, `t.dispatchEvent(e);`},
	}
	if f := os.Getenv("EVSNIP_FILE"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, block := range strings.Split(string(data), "\n---\n") {
			name, rest, _ := strings.Cut(strings.TrimSpace(block), "\n")
			setup, body, _ := strings.Cut(rest, "\n===\n")
			snips = append(snips, struct{ name, setup, body string }{name, setup, body})
		}
	}
	for _, s := range snips {
		b.Run(s.name, func(b *testing.B) {
			r, _ := newFetchRealm(b, web.FetchEnv{})
			var fn sobek.Callable
			loopDo(b, r, func(rt *sobek.Runtime) error {
				v, err := rt.RunString(`let x; ` + s.setup + `; (n) => { for (let i = 0; i < n; i++) { ` + s.body + ` } }`)
				if err != nil {
					return err
				}
				fn, _ = sobek.AssertFunction(v)
				return nil
			})
			b.ResetTimer()
			const chunk = 512
			for i := 0; i < b.N; i += chunk {
				n := min(chunk, b.N-i)
				loopDo(b, r, func(rt *sobek.Runtime) error {
					_, err := fn(sobek.Undefined(), rt.ToValue(n))
					return err
				})
			}
		})
	}
}
