package swhost_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/origins"
)

// TestHostDictionariesIgnoreObjectPrototype: what the host hands a worker
// (event init dictionaries, client and registration descriptions) is made
// of own data properties, as a browser's native objects are: getters and
// setters a script put on Object.prototype neither run nor stand in for
// the host's values.
func TestHostDictionariesIgnoreObjectPrototype(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"sw.js": `
for (const k of ['data', 'id', 'origin', 'source', 'type', 'url', 'scope', 'active', 'state', 'scriptURL', 'frameType', 'visibilityState', 'focused']) {
  Object.defineProperty(Object.prototype, k, { get() { return 'spoofed'; }, set(v) { console.log('setter ran: ' + k); }, configurable: true });
}
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('push', (e) => console.log('push ' + (e.data && e.data.text())));
self.addEventListener('message', (e) => {
  const s = e.source;
  console.log('message ' + e.data + ' origin=' + e.origin + ' type=' + s.type + ' frameType=' + s.frameType + ' url=' + s.url + ' scope=' + self.registration.scope);
});`,
		"index.html": `<!doctype html><script>
navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready).then((r) => r.active.postMessage('hi'));
</script>`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, l := newHost(t, swhost.Config{Origins: []origins.Mapping{{Origin: "https://proto.example", Dir: dir}}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	page, err := h.OpenPage(ctx, "https://proto.example/")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	want := "message hi origin=https://proto.example type=window frameType=top-level url=https://proto.example/ scope=https://proto.example/"
	for !l.has(want) {
		if ctx.Err() != nil {
			l.mu.Lock()
			t.Fatalf("no %q in %q", want, l.lines)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := h.Push(ctx, "https://proto.example/", []byte("payload")); err != nil {
		t.Fatal(err)
	}
	if !l.has("push payload") {
		t.Fatalf("push: %q", l.lines)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := slices.IndexFunc(l.lines, func(s string) bool { return len(s) > 11 && s[:11] == "setter ran:" }); i >= 0 {
		t.Fatalf("a setter on Object.prototype ran: %q", l.lines)
	}
}
