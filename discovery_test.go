package swhost_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/discovery"
	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/origins"
)

// console collects console lines per source URL prefix.
type console struct {
	mu    sync.Mutex
	lines []string
}

func (c *console) add(src swhost.Source, level, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, src.Kind+": "+msg)
}

func (c *console) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.lines
	c.lines = nil
	return out
}

var discoveryOrigins = []origins.Mapping{
	{Origin: "https://sdk.social.example", Dir: "testdata/discovery/sdk"},
	{Origin: "https://news.example", Dir: "testdata/discovery/news"},
	{Origin: "https://evil.example", Dir: "testdata/discovery/news"},
	{Origin: "https://partner.example", Dir: "testdata/discovery/news"},
}

func discoveryHost(t *testing.T, data string, cfg swhost.Config) (*swhost.Host, *console) {
	t.Helper()
	con := &console{}
	cfg.DataDir = data
	cfg.Origins = discoveryOrigins
	cfg.Logger = quiet
	cfg.Console = con.add
	cfg.OnScriptError = func(src swhost.Source, se *js.ScriptError) { con.add(src, "error", "uncaught "+se.Message) }
	if cfg.Grants == nil {
		cfg.Grants = []string{"https://news.example=https://sdk.social.example/sw.js"}
	}
	h, err := swhost.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, con
}

// evalPage opens a page of origin, runs src in it and returns its console
// lines once nothing is pending.
func evalPage(t *testing.T, h *swhost.Host, con *console, url, src string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	page, err := h.OpenPage(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	if err := page.Eval(ctx, url+"test.js", src); err != nil {
		t.Fatalf("eval: %v", err)
	}
	if err := page.Wait(ctx); err != nil {
		t.Fatalf("page did not settle: %v; lines %q", err, con.take())
	}
	return con.take()
}

const discoverAndEcho = `
(async () => {
  try {
    const d = await navigator.serviceWorker.discover(%q);
    const w = d.active;
    const reply = new Promise((r) => navigator.serviceWorker.addEventListener('message', (e) => { if (e.source === w) r(e); }));
    w.postMessage({ action: 'echo', text: 'hello' });
    const e = await reply;
    console.log('reply ' + JSON.stringify(e.data));
  } catch (e) {
    console.log(e.name + ': ' + e.message);
  }
})();`

func TestDiscoverySecurityTable(t *testing.T) {
	h, con := discoveryHost(t, "", swhost.Config{})
	ctx := context.Background()
	for _, s := range []string{"sw.js", "private.js", "restricted.js"} {
		if _, err := h.Register(ctx, "https://sdk.social.example/"+s, "/"+strings.TrimSuffix(s, ".js")+"/"); err != nil {
			t.Fatal(err)
		}
	}
	con.take()

	notFound := func(lines []string) string {
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "page: NotFoundError: ") {
			t.Fatalf("want one NotFoundError, got %q", lines)
		}
		return lines[0]
	}
	// Unknown, unpublished, and published to other origins only: the same
	// error, so a page cannot probe what is installed.
	unknown := notFound(evalPage(t, h, con, "https://news.example/", fmt.Sprintf(discoverAndEcho, "https://sdk.social.example/nothing.js")))
	unpublished := notFound(evalPage(t, h, con, "https://news.example/", fmt.Sprintf(discoverAndEcho, "https://sdk.social.example/private.js")))
	restricted := notFound(evalPage(t, h, con, "https://news.example/", fmt.Sprintf(discoverAndEcho, "https://sdk.social.example/restricted.js")))
	norm := func(s string) string {
		return strings.NewReplacer("nothing.js", "X", "private.js", "X", "restricted.js", "X").Replace(s)
	}
	if norm(unknown) != norm(unpublished) || norm(unknown) != norm(restricted) {
		t.Fatalf("NotFoundError texts differ:\n%s\n%s\n%s", unknown, unpublished, restricted)
	}

	tests := []struct {
		name, page, script, want string
	}{
		{"granted", "https://news.example/", "https://sdk.social.example/sw.js",
			`page: reply {"echo":"hello","origin":"https://news.example","type":"window","sourceOrigin":"https://news.example","keys":"id,origin,postMessage,type","listed":0,"get":"undefined","version":1}`},
		{"no grant", "https://evil.example/", "https://sdk.social.example/sw.js", "page: NotAllowedError: "},
		{"relative URL against the caller", "https://news.example/", "/sw.js", "page: NotFoundError: "},
		{"restricted, allowed origin without grant", "https://partner.example/", "https://sdk.social.example/restricted.js", "page: NotAllowedError: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := evalPage(t, h, con, tt.page, fmt.Sprintf(discoverAndEcho, tt.script))
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tt.want) {
				t.Fatalf("got %q, want prefix %q", lines, tt.want)
			}
		})
	}
}

// TestRevokeMakesInert: revoking the grant makes live foreign instances
// inert at once (state redundant, postMessage throws InvalidStateError), and
// the revocation holds after a restart.
func TestRevokeMakesInert(t *testing.T) {
	{
		{
			data := t.TempDir()
			h, con := discoveryHost(t, data, swhost.Config{})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := h.Register(ctx, "https://sdk.social.example/sw.js", ""); err != nil {
				t.Fatal(err)
			}
			// A recorded grant (a configured one is not revocable).
			if _, err := h.Discovery().Allow(ctx, "https://evil.example", "https://sdk.social.example/sw.js"); err != nil {
				t.Fatal(err)
			}
			page, err := h.OpenPage(ctx, "https://evil.example/")
			if err != nil {
				t.Fatal(err)
			}
			defer page.Close()
			con.take()
			err = page.Eval(ctx, "https://evil.example/a.js", `
				var w;
				navigator.serviceWorker.discover('https://sdk.social.example/sw.js').then((d) => {
					w = d.active;
					w.onstatechange = () => console.log('state ' + w.state);
					console.log('discovered ' + w.state);
				}, (e) => console.log(e.name));`)
			if err != nil {
				t.Fatal(err)
			}
			if err := page.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			if lines := con.take(); len(lines) != 1 || lines[0] != "page: discovered activated" {
				t.Fatalf("discover: %q", lines)
			}
			if _, err := h.Discovery().Revoke(ctx, "https://evil.example", "https://sdk.social.example/sw.js"); err != nil {
				t.Fatal(err)
			}
			_ = h.Core().WaitFor(ctx, func() bool { return true })
			if err := page.Eval(ctx, "https://evil.example/b.js", `
				setTimeout(() => {
					try { w.postMessage('x'); console.log('posted'); } catch (e) { console.log('post: ' + e.name); }
				}, 20);`); err != nil {
				t.Fatal(err)
			}
			if err := page.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			if lines := con.take(); strings.Join(lines, "|") != "page: state redundant|page: post: InvalidStateError" {
				t.Fatalf("after revoke: %q", lines)
			}
			page.Close()
			h.Close()
			h2, con2 := discoveryHost(t, data, swhost.Config{})
			lines := evalPage(t, h2, con2, "https://evil.example/", fmt.Sprintf(discoverAndEcho, "https://sdk.social.example/sw.js"))
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "page: NotAllowedError") {
				t.Fatalf("after restart: %q", lines)
			}
		}
	}
}

// TestUnpublishMakesInert: the worker's unpublish() makes the granted
// page's instance inert at once, and after a restart it is not found.
func TestUnpublishMakesInert(t *testing.T) {
	data := t.TempDir()
	h, con := discoveryHost(t, data, swhost.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := h.Register(ctx, "https://sdk.social.example/sw.js", ""); err != nil {
		t.Fatal(err)
	}
	con.take()
	lines := evalPage(t, h, con, "https://news.example/", `
		navigator.serviceWorker.discover('https://sdk.social.example/sw.js').then((d) => {
			const w = d.active;
			w.onstatechange = () => {
				console.log('state ' + w.state);
				try { w.postMessage('x'); } catch (e) { console.log('post: ' + e.name); }
			};
			navigator.serviceWorker.onmessage = (e) => console.log('reply ' + JSON.stringify(e.data));
			w.postMessage({ action: 'unpublish' });
		});`)
	// The worker's reply after unpublish() is not delivered: its foreign
	// client is inert too.
	if strings.Join(lines, "|") != `page: state redundant|page: post: InvalidStateError` {
		t.Fatalf("unpublish: %q", lines)
	}
	h.Close()
	h2, con2 := discoveryHost(t, data, swhost.Config{})
	lines = evalPage(t, h2, con2, "https://news.example/", fmt.Sprintf(discoverAndEcho, "https://sdk.social.example/sw.js"))
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "page: NotFoundError") {
		t.Fatalf("after restart: %q", lines)
	}
}

// TestDiscoverFlood: limits hold under a flood of discover() calls.
func TestDiscoverFlood(t *testing.T) {
	h, con := discoveryHost(t, "", swhost.Config{DiscoveryLimits: discovery.Limits{DiscoverPerMinute: 50, MaxInstancesPerOrigin: 10}})
	ctx := context.Background()
	if _, err := h.Register(ctx, "https://sdk.social.example/sw.js", ""); err != nil {
		t.Fatal(err)
	}
	con.take()
	lines := evalPage(t, h, con, "https://news.example/", `
		const calls = [];
		for (let i = 0; i < 300; i++) calls.push(navigator.serviceWorker.discover('https://sdk.social.example/sw.js').then(() => 'ok', (e) => e.name));
		Promise.all(calls).then((r) => {
			const count = {};
			for (const x of r) count[x] = (count[x] || 0) + 1;
			// discover() runs its steps in parallel, so which calls win is
			// not ordered; print the counts in a fixed key order.
			console.log(JSON.stringify(count, Object.keys(count).sort()));
		});`)
	if len(lines) != 1 || lines[0] != `page: {"QuotaExceededError":290,"ok":10}` {
		t.Fatalf("flood: %q", lines)
	}
}

// TestWorkerDiscoversWorker: beyond the draft, a service worker discovers
// another origin's published worker under the same grant rules.
func TestWorkerDiscoversWorker(t *testing.T) {
	h, con := discoveryHost(t, "", swhost.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := h.Register(ctx, "https://sdk.social.example/sw.js", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Register(ctx, "https://news.example/sw.js", ""); err != nil {
		t.Fatal(err)
	}
	con.take()
	if err := h.Push(ctx, "https://news.example/", nil); err != nil {
		t.Fatal(err)
	}
	lines := con.take()
	want := `worker: worker got {"echo":"from a worker","origin":"https://news.example","type":"worker","sourceOrigin":"https://news.example","keys":"id,origin,postMessage,type","listed":0,"get":"undefined","version":1} from https://sdk.social.example`
	if len(lines) != 1 || lines[0] != want {
		t.Fatalf("got %q\nwant %q", lines, want)
	}
}

// TestPromptMode: in prompt mode discover() waits for the person's answer;
// allowing resolves the page's promise, an unanswered prompt times out with
// NotAllowedError.
func TestPromptMode(t *testing.T) {
	h, con := discoveryHost(t, "", swhost.Config{GrantMode: "prompt", Grants: []string{}, PromptTimeout: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := h.Register(ctx, "https://sdk.social.example/sw.js", ""); err != nil {
		t.Fatal(err)
	}
	con.take()
	answered := make(chan error, 1)
	go func() {
		events, stop := h.Discovery().Subscribe(8)
		defer stop()
		for {
			pending := h.Discovery().Pending()
			if len(pending) > 0 {
				p := pending[0]
				if p.RequestingOrigin != "https://news.example" || p.ScriptURL != "https://sdk.social.example/sw.js" {
					answered <- fmt.Errorf("prompt %+v", p)
					return
				}
				answered <- h.Discovery().Answer(ctx, p.ID, true, true)
				return
			}
			select {
			case <-events:
			case <-ctx.Done():
				answered <- ctx.Err()
				return
			}
		}
	}()
	lines := evalPage(t, h, con, "https://news.example/", fmt.Sprintf(discoverAndEcho, "https://sdk.social.example/sw.js"))
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], `page: reply {"echo":"hello"`) {
		t.Fatalf("allowed prompt: %q", lines)
	}
	lines = evalPage(t, h, con, "https://evil.example/", fmt.Sprintf(discoverAndEcho, "https://sdk.social.example/sw.js"))
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "page: NotAllowedError") {
		t.Fatalf("unanswered prompt: %q", lines)
	}
}

// TestDiscoveryUpdateFound: updatefound fires at a discovery when the
// registration gets a new worker, and a same-origin discovery's active
// follows the new version.
func TestDiscoveryUpdateFound(t *testing.T) {
	var version atomic.Int32
	version.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sw.js" {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, "self.addEventListener('message', () => {}); // v%d\n", version.Load())
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html>")
	}))
	defer srv.Close()
	con := &console{}
	h, err := swhost.New(context.Background(), swhost.Config{Logger: quiet, Console: con.add,
		Origins: []origins.Mapping{{Origin: "https://upd.example", Upstream: srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The page is outside the scope: nothing keeps the old version active.
	if _, err := h.Register(ctx, "https://upd.example/sw.js", "/app/"); err != nil {
		t.Fatal(err)
	}
	reg := h.Core().RegistrationByScope("https://upd.example/app/")
	old := reg.Active()
	page, err := h.OpenPage(ctx, "https://upd.example/")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	err = page.Eval(ctx, "https://upd.example/t.js", `
		var d, first;
		navigator.serviceWorker.discover('/sw.js').then((x) => {
			d = x; first = d.active;
			console.log('same origin: ' + (first instanceof ServiceWorker) + ' ' + first.state);
			d.onupdatefound = () => console.log('updatefound');
		});`)
	if err == nil {
		err = page.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	version.Store(2)
	if _, err := h.Core().Update(ctx, reg); err != nil {
		t.Fatal(err)
	}
	if err := h.Core().WaitFor(ctx, func() bool {
		w := reg.Active()
		return w != nil && w != old && w.State() == "activated"
	}); err != nil {
		t.Fatal(err)
	}
	if err := page.Eval(ctx, "https://upd.example/u.js", `
		setTimeout(() => console.log('active changed: ' + (d.active !== first) + ', old ' + first.state + ', new ' + d.active.state), 50);`); err != nil {
		t.Fatal(err)
	}
	if err := page.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(con.take(), "|")
	want := "page: same origin: true activated|page: updatefound|page: active changed: true, old redundant, new activated"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
