package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// site is an upstream whose files the test can change between runs.
type site struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string]string
}

func newSite(t *testing.T, files map[string]string) *site {
	s := &site{files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		body, ok := s.files[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, ".js"):
			w.Header().Set("Content-Type", "text/javascript")
		default:
			w.Header().Set("Content-Type", "text/html")
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *site) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = body
}

func runPage(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := runCLI(t, append([]string{"run", "--timeout", "20s"}, args...)...)
	if code != 0 {
		t.Fatalf("run %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
	}
	return out
}

// TestMessagingAndClients: ServiceWorker.postMessage with a transferred
// MessagePort, the worker's reply through Client.postMessage and the port,
// clients.matchAll/get, and DataCloneError for functions.
func TestMessagingAndClients(t *testing.T) {
	s := newSite(t, map[string]string{
		"/": `<!doctype html>`,
		"/sw.js": `
self.addEventListener('activate', (e) => e.waitUntil(clients.claim()));
self.addEventListener('message', (e) => {
  e.waitUntil((async () => {
    const all = await clients.matchAll();
    const me = await clients.get(e.source.id);
    e.ports[0].postMessage('via port: ' + e.data.n * 2);
    e.source.postMessage({ clients: all.length, same: me.id === e.source.id, type: me.type, url: me.url, origin: e.origin, frame: me.frameType });
  })());
});`,
		"/page.js": `
(async () => {
  const sw = navigator.serviceWorker;
  await sw.register('/sw.js');
  if (!sw.controller) await new Promise((r) => sw.addEventListener('controllerchange', r, { once: true }));
  try { sw.controller.postMessage(() => 1); } catch (e) { console.log('function: ' + e.name); }
  const ch = new MessageChannel();
  const viaPort = new Promise((r) => { ch.port1.onmessage = (e) => r(e.data); });
  const viaClient = new Promise((r) => { sw.onmessage = (e) => r([e.data, e.source === sw.controller, e.origin]); });
  sw.controller.postMessage({ n: 21 }, [ch.port2]);
  console.log(await viaPort);
  console.log(JSON.stringify(await viaClient));
  ch.port1.close();
})();`,
	})
	out := runPage(t, "--origin", "https://msg.example="+s.URL, "https://msg.example/", "/page.js")
	want := "function: DataCloneError\nvia port: 42\n" +
		`[{"clients":1,"same":true,"type":"window","url":"https://msg.example/","origin":"https://msg.example","frame":"top-level"},true,"https://msg.example"]` + "\n"
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

// TestImportScriptsAndByteCheck: importScripts works during the first
// evaluation, is refused after installation for new URLs; an update with
// identical bytes (script and imports) installs nothing, a changed import
// installs a new worker.
func TestImportScriptsAndByteCheck(t *testing.T) {
	s := newSite(t, map[string]string{
		"/":       `<!doctype html>`,
		"/lib.js": `var LIB = 'lib v1';`,
		"/sw.js": `
importScripts('/lib.js');
self.addEventListener('message', (e) => {
  let late;
  try { importScripts('/late.js'); late = 'imported'; } catch (err) { late = err.name; }
  let again;
  try { importScripts('/lib.js'); again = 'ok'; } catch (err) { again = err.name; }
  e.source.postMessage(LIB + ', late import: ' + late + ', known import: ' + again);
});`,
		"/late.js": `var LATE = 1;`,
		"/page.js": `
(async () => {
  const sw = navigator.serviceWorker;
  const reg = await sw.register('/sw.js');
  await sw.ready;
  const ask = () => new Promise((r) => { sw.onmessage = (e) => r(e.data); reg.active.postMessage('?'); });
  console.log(await ask());
  await reg.update();
  console.log('unchanged update installs: ' + (reg.installing !== null));
  await fetch('/change-lib');
})();`,
	})
	mux := http.NewServeMux()
	mux.Handle("/", s.Config.Handler)
	mux.HandleFunc("/change-lib", func(w http.ResponseWriter, r *http.Request) { s.set("/lib.js", `var LIB = 'lib v2';`) })
	s.Config.Handler = mux
	data := t.TempDir()
	out := runPage(t, "--data", data, "--origin", "https://imp.example="+s.URL, "https://imp.example/", "/page.js")
	want := "lib v1, late import: NetworkError, known import: ok\nunchanged update installs: false\n"
	if out != want {
		t.Fatalf("first run:\n%s\nwant:\n%s", out, want)
	}
	s.set("/page2.js", `
(async () => {
  const sw = navigator.serviceWorker;
  const reg = await sw.getRegistration();
  await reg.update();
  const w = reg.installing;
  console.log('changed import installs: ' + (w !== null));
  // This page is controlled by the old version, so the new one waits.
  await new Promise((r) => { w.onstatechange = () => { if (w.state === 'installed') r(); }; });
  const ask = (worker) => new Promise((r) => { sw.onmessage = (e) => r(e.data); worker.postMessage('?'); });
  console.log('waiting: ' + await ask(reg.waiting));
  console.log('active: ' + await ask(reg.active));
})();`)
	out = runPage(t, "--data", data, "--origin", "https://imp.example="+s.URL, "https://imp.example/", "/page2.js")
	want = "changed import installs: true\nwaiting: lib v2, late import: NetworkError, known import: ok\nactive: lib v1, late import: NetworkError, known import: ok\n"
	if out != want {
		t.Fatalf("second run:\n%s\nwant:\n%s", out, want)
	}
}

// TestUnregister: unregister() resolves true, then false; the registration
// is gone and its worker redundant.
func TestUnregister(t *testing.T) {
	out := runPage(t, "--origin", "https://life.example=testdata/lifecycle", "https://life.example/index.html", "/unregister.js")
	want := "states: installing → installed → activating → activated\nactive is the same object: true\nunregister: true, again: false, registration: undefined, state: redundant\n"
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

// TestRunExitCodes: uncaught errors make run fail; pending work past
// --timeout stops it with 124; usage errors are 2.
func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"uncaught exception", []string{"https://life.example/throw.html"}, ExitError, "Uncaught Error: thrown by the page"},
		{"unhandled rejection", []string{"https://life.example/reject-promise.html"}, ExitError, "Uncaught (in promise) TypeError: nobody handles this"},
		{"timeout", []string{"--timeout", "300ms", "https://life.example/forever.html"}, ExitTimeout, "still busy after 300ms"},
		{"missing page", []string{"https://life.example/missing.html"}, ExitOK, ""},
		{"unmapped origin", []string{"https://unmapped.invalid/"}, ExitError, "swhost: run:"},
		{"mapping to a missing directory", []string{"--origin", "https://gone.example=testdata/nope", "https://gone.example/"}, ExitError,
			"swhost: origin mapping https://gone.example=testdata/nope: stat testdata/nope: no such file or directory"},
		{"no URL", []string{}, ExitUsage, "Usage: swhost run"},
		{"bad flag", []string{"--frobnicate"}, ExitUsage, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--origin", "https://life.example=testdata/lifecycle"}, tt.args...)
			out, errOut, code := runCLI(t, args...)
			if code != tt.code || !strings.Contains(errOut, tt.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stderr containing %q", code, tt.code, out, errOut, tt.stderr)
			}
		})
	}
}

// TestHelp: every command answers --help with its usage and exit 0.
func TestHelp(t *testing.T) {
	for _, c := range commands() {
		out, errOut, code := runCLI(t, c.name, "--help")
		if code != ExitOK || !strings.Contains(out+errOut, "Usage: swhost "+c.name) {
			t.Errorf("%s --help: exit %d\n%s%s", c.name, code, out, errOut)
		}
	}
	out, _, code := runCLI(t, "--help")
	if code != ExitOK || !strings.Contains(out, "Commands:") {
		t.Errorf("--help: %d %s", code, out)
	}
	if _, errOut, code := runCLI(t, "nope"); code != ExitUsage || !strings.Contains(errOut, `unknown command "nope"`) {
		t.Errorf("unknown command: %d %s", code, errOut)
	}
}
