package swhost_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/sw"
)

// displayAll is a policy that displays every entry (to watch undisplays).
func displayAll(cfg swhost.Config) swhost.Config {
	cfg.IndexPolicy = contentindex.Policy{MaxPerOrigin: -1, MaxTotal: -1, Window: -1}
	return cfg
}

// events records the index's display notifications.
type events struct {
	mu      sync.Mutex
	list    []string
	changed chan struct{}
}

func watch(t *testing.T, h *swhost.Host) *events {
	ev := &events{changed: make(chan struct{})}
	cancel := h.Index().Subscribe(func(e contentindex.Event) {
		ev.mu.Lock()
		ev.list = append(ev.list, e.Kind.String()+" "+e.Entry.Description.ID)
		close(ev.changed)
		ev.changed = make(chan struct{})
		ev.mu.Unlock()
	})
	t.Cleanup(cancel)
	return ev
}

// waitFor waits until the notifications include want.
func (ev *events) waitFor(t *testing.T, want string) {
	t.Helper()
	ctx := testCtx(t)
	for {
		ev.mu.Lock()
		for _, s := range ev.list {
			if s == want {
				ev.mu.Unlock()
				return
			}
		}
		ch := ev.changed
		ev.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("no %q notification; got %v", want, ev.list)
		}
	}
}

func contentDeleteLog(c *ciHost) string {
	return c.run("window", `const r = await (await caches.open('ci-test')).match('/contentdelete-log'); return r ? r.text() : '';`).str()
}

func setContentDeleteMode(t *testing.T, c *ciHost, mode string) {
	t.Helper()
	if r := c.run("window", `await (await caches.open('ci-test')).put('/contentdelete-mode', new Response('`+mode+`')); return 'ok';`); r.str() != "ok" {
		t.Fatal(r)
	}
}

// Issue 4, point 4: entries and icons survive a restart; unregistering
// removes (and undisplays) a registration's entries, also on disk; an update
// of the worker keeps them.
func TestIndexPersistenceAndLifecycle(t *testing.T) {
	dir := t.TempDir()
	site := newSiteServer(t, filepath.Join("testdata", "contentindex", "site"))
	cfg := displayAll(swhost.Config{DataDir: dir})
	c := newCIHost(t, ciOptions{cfg: cfg, site: site, register: []string{"/sw.js", "/narrow/sw.js"}})
	for _, realm := range ciRealms {
		r := c.run(realm, `
await idx.add({ id: '`+realm+`-1', title: 'One', description: 'first', url: '/a/1', category: 'article', icons: [{ src: '/icons/tiny.png', sizes: '1x1' }, { src: '/icons/tiny.svg', label: '' }] });
await idx.add({ id: '`+realm+`-2', title: 'Two', description: 'second', url: '/a/2' });
return 'ok';`)
		if r.str() != "ok" {
			t.Fatal(r)
		}
	}
	if r := c.start("worker", ciOrigin+"/narrow/", `await idx.add({ id: 'n', title: 'N', description: 'narrow', url: 'n' }); return 'ok';`)(); r.str() != "ok" {
		t.Fatal(r)
	}
	before := c.run("worker", `return await idx.getAll();`).String()
	rootReg := c.regID(ciOrigin + "/")
	icon0, err := c.h.Index().Icon(testCtx(t), rootReg, "window-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.h.Close()

	// Restart: the same entries, in the same order, with their icons.
	c = newCIHost(t, ciOptions{cfg: cfg, site: site, register: []string{}})
	if got := c.run("worker", `return await idx.getAll();`).String(); got != before {
		t.Fatalf("after restart:\n got %s\nwant %s", got, before)
	}
	if got := c.run("window", `return await idx.getAll();`).String(); got != before {
		t.Fatalf("after restart (window):\n got %s\nwant %s", got, before)
	}
	if !strings.Contains(before, `{"label":"","src":"/icons/tiny.svg"}`) {
		t.Fatalf("an empty label given is given back: %s", before)
	}
	for i, ct := range []string{"image/png", "image/svg+xml"} {
		ic, err := c.h.Index().Icon(testCtx(t), rootReg, "window-1", i)
		if err != nil || ic.ContentType != ct || len(ic.Data) == 0 {
			t.Fatalf("icon %d after restart: %+v %v", i, ic.ContentType, err)
		}
		if i == 0 && string(ic.Data) != string(icon0.Data) {
			t.Fatal("icon bytes changed across the restart")
		}
	}
	if got := c.ids(ciOrigin + "/narrow/"); got != "n" {
		t.Fatalf("narrow entries after restart %q", got)
	}

	// An update keeps the entries.
	ev := watch(t, c.h)
	oldActive := c.h.Core().Match(ciOrigin + "/").Active().ID
	site.version.Store(2)
	reg := c.h.Core().Match(ciOrigin + "/")
	if _, err := c.h.Core().Update(testCtx(t), reg); err != nil {
		t.Fatal(err)
	}
	if err := c.h.Core().WaitFor(testCtx(t), func() bool {
		w := reg.Active()
		return w != nil && w.ID != oldActive && w.State() == sw.Activated
	}); err != nil {
		t.Fatal(err)
	}
	if got := c.run("worker", `return await idx.getAll();`).String(); got != before {
		t.Fatalf("after the update:\n got %s\nwant %s", got, before)
	}

	// Unregistering /narrow/ removes and undisplays its entry; the root's stay.
	if r := c.run("window", `return String(await (await navigator.serviceWorker.getRegistration('/narrow/x')).unregister());`); r.str() != "true" {
		t.Fatal(r)
	}
	ev.waitFor(t, "undisplay n")
	if got := c.ids(ciOrigin + "/"); got != "window-1,window-2,worker-1,worker-2" {
		t.Fatalf("root entries after unregistering /narrow/: %q", got)
	}
	for _, e := range c.h.IndexEntries(false, "") {
		if e.Description.ID == "n" {
			t.Fatal("the unregistered registration's entry is still listed")
		}
	}
	c.h.Close()
	c = newCIHost(t, ciOptions{cfg: cfg, site: site, register: []string{}})
	var ids []string
	for _, e := range c.h.IndexEntries(false, "") {
		ids = append(ids, e.Description.ID)
	}
	if got := strings.Join(ids, ","); got != "window-1,window-2,worker-1,worker-2" {
		t.Fatalf("after unregister and restart: %q", got)
	}
}

// Issue 4, point 5: activating an entry opens a browsing context on its
// launch URL through the worker's fetch handler; its window client is
// visible in clients.matchAll().
func TestIndexOpenEntry(t *testing.T) {
	c := newCIHost(t, ciOptions{})
	if r := c.run("worker", `await idx.add({ id: 'open-me', title: 'Open', description: 'D', url: '/a/opened?x=1' }); return 'ok';`); r.str() != "ok" {
		t.Fatal(r)
	}
	if _, err := c.h.OpenEntry(testCtx(t), "", "missing"); !errors.Is(err, swhost.ErrNoEntry) {
		t.Fatalf("open of a missing entry: %v", err)
	}
	page, err := c.h.OpenEntry(testCtx(t), c.regID(ciOrigin+"/"), "open-me")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	if page.Response.Status != 200 || !page.Client.ServedByWorker || !strings.Contains(string(page.Response.Body), "launched /a/opened") {
		t.Fatalf("navigation: %d, by worker %v, %q", page.Response.Status, page.Client.ServedByWorker, page.Response.Body)
	}
	if page.Client.URL != ciOrigin+"/a/opened?x=1" {
		t.Fatalf("client URL %q", page.Client.URL)
	}
	r := c.run("worker", `
const nav = self.seenRequests.filter((r) => r.path === '/a/opened' && r.mode === 'navigate').map((r) => r.resultingClientId);
const list = await clients.matchAll();
const w = list.find((cl) => cl.url === '`+ciOrigin+`/a/opened?x=1');
return [nav.length, w && w.id === nav[0], w && w.type, w && w.frameType, w && w.visibilityState, w && w.focused].join(' ');`)
	if got := r.str(); got != "1 true window top-level visible true" {
		t.Fatalf("clients.matchAll: %s", got)
	}
}

// Issue 4, point 5: the user agent's delete undisplays and removes the
// entry, then fires contentdelete as a functional event, starting the worker
// if it is stopped, even right after a restart.
func TestIndexUserDeleteAfterRestart(t *testing.T) {
	dir := t.TempDir()
	site := newSiteServer(t, filepath.Join("testdata", "contentindex", "site"))
	cfg := displayAll(swhost.Config{DataDir: dir})
	c := newCIHost(t, ciOptions{cfg: cfg, site: site})
	if r := c.run("worker", `await idx.add({ id: 'keep', title: 'K', description: 'D', url: '/a/k' }); await idx.add({ id: 'gone', title: 'G', description: 'D', url: '/a/g' }); return 'ok';`); r.str() != "ok" {
		t.Fatal(r)
	}
	c.h.Close()

	c = newCIHost(t, ciOptions{cfg: cfg, site: site, register: []string{}, noPage: true})
	ev := watch(t, c.h)
	reg := c.h.Core().Match(ciOrigin + "/")
	if info := reg.Info(); info.Active == nil || info.Active.Running {
		t.Fatalf("the worker should be stopped after the restart: %+v", info.Active)
	}
	if err := c.h.DeleteEntry(testCtx(t), "", "gone"); err != nil {
		t.Fatal(err)
	}
	ev.waitFor(t, "undisplay gone")
	if info := reg.Info(); !info.Active.Running {
		t.Fatal("the worker did not start for contentdelete")
	}
	c.openPage()
	if got := contentDeleteLog(c); got != "contentdelete gone true entries:[keep]\n" {
		t.Fatalf("contentdelete log %q", got)
	}
	if got := c.ids(ciOrigin + "/"); got != "keep" {
		t.Fatalf("entries %q", got)
	}
	var rec *swhost.EventRecord
	for _, e := range c.h.Events() {
		if e.Type == "contentdelete" {
			rec = &e
		}
	}
	if rec == nil || rec.Outcome != "ok" {
		t.Fatalf("event record %+v", rec)
	}
	if err := c.h.DeleteEntry(testCtx(t), "", "gone"); !errors.Is(err, swhost.ErrNoEntry) {
		t.Fatalf("second delete: %v", err)
	}
}

// Issue 4, point 6: a contentdelete event's duration is capped, and while
// it runs add() from the registration is refused with an AbortError, in the
// worker (its own handler) and in a window.
func TestIndexContentDeletePrivacy(t *testing.T) {
	cfg := swhost.Config{ContentDeleteTimeout: time.Minute}
	c := newCIHost(t, ciOptions{cfg: cfg})
	add := func(realm, id string) string {
		return c.run(realm, `return idx.add({ id: '`+id+`', title: 'T', description: 'D', url: '/a/`+id+`' }).then(() => 'resolved', (e) => e.name + ': ' + e.message);`).str()
	}
	for _, id := range []string{"a", "b"} {
		if got := add("worker", id); got != "resolved" {
			t.Fatal(got)
		}
	}
	setContentDeleteMode(t, c, "hang-add")
	open := c.site.gate("/gate/contentdelete")
	defer open()
	done := make(chan error, 1)
	go func() { done <- c.h.DeleteEntry(context.Background(), "", "a") }()
	<-c.site.arrived("/gate/contentdelete") // the handler is running
	refused := "AbortError: adding content is refused while a contentdelete event runs for this registration"
	for _, realm := range ciRealms {
		if got := add(realm, "during-"+realm); got != refused {
			t.Fatalf("%s: add during contentdelete: %s", realm, got)
		}
	}
	open()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := contentDeleteLog(c); got != "contentdelete a true entries:[b] add:AbortError\n" {
		t.Fatalf("log %q", got)
	}
	for _, realm := range ciRealms {
		if got := add(realm, "after-"+realm); got != "resolved" {
			t.Fatalf("%s: add after contentdelete: %s", realm, got)
		}
	}

	// The cap: a handler that never finishes is stopped; the entry is
	// deleted all the same and adds work again.
	c2 := newCIHost(t, ciOptions{cfg: swhost.Config{ContentDeleteTimeout: 200 * time.Millisecond}})
	if r := c2.run("worker", `await idx.add({ id: 'x', title: 'T', description: 'D', url: '/a/x' }); return 'ok';`); r.str() != "ok" {
		t.Fatal(r)
	}
	setContentDeleteMode(t, c2, "forever")
	err := c2.h.DeleteEntry(testCtx(t), "", "x")
	var cde *swhost.ContentDeleteError
	if !errors.As(err, &cde) || !errors.Is(err, sw.ErrEventTimeout) {
		t.Fatalf("DeleteEntry with a handler that never ends: %v", err)
	}
	if _, err := c2.h.FindEntry("", "x"); !errors.Is(err, swhost.ErrNoEntry) {
		t.Fatalf("the entry survived: %v", err)
	}
	if r := c2.run("window", `await idx.add({ id: 'y', title: 'T', description: 'D', url: '/a/y' }); return 'ok';`); r.str() != "ok" {
		t.Fatalf("add after the capped event: %s", r)
	}
}

// Issue 4, point 6: the display policy does not surface everything: at
// most MaxPerOrigin entries per origin, only the configured categories.
func TestIndexDisplayPolicy(t *testing.T) {
	cfg := swhost.Config{IndexPolicy: contentindex.Policy{MaxPerOrigin: 2, Categories: []string{"article", "video"}}}
	c := newCIHost(t, ciOptions{cfg: cfg})
	r := c.run("worker", `
for (const [id, category] of [['a1', 'article'], ['h1', 'homepage'], ['v1', 'video'], ['a2', 'article'], ['none', '']])
  await idx.add({ id, title: id, description: 'D', url: '/a/' + id, category });
return 'ok';`)
	if r.str() != "ok" {
		t.Fatal(r)
	}
	var shown []string
	for _, e := range c.h.IndexEntries(true, "") {
		shown = append(shown, e.Description.ID)
	}
	// Newest first, two per origin, articles and videos only.
	if got := strings.Join(shown, ","); got != "a2,v1" {
		t.Fatalf("displayed %q", got)
	}
	if n := len(c.h.IndexEntries(false, "")); n != 5 {
		t.Fatalf("all entries: %d", n)
	}
	if n := len(c.h.IndexEntries(true, "https://other.example")); n != 0 {
		t.Fatalf("other origin: %d", n)
	}

}
