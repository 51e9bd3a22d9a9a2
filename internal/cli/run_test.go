package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// runCLI runs the command in-process and returns its output and exit code.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(&Env{Args: args, Stdout: &out, Stderr: &errb, Ctx: context.Background()})
	return out.String(), errb.String(), code
}

func TestRunLifecycle(t *testing.T) {
	out, errOut, code := runCLI(t, "run", "--timeout", "20s", "--origin", "https://life.example=testdata/lifecycle", "https://life.example/index.html")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := "states: installing → installed → activating → activated\nactive is the same object: true\n"
	if out != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", out, want, errOut)
	}
}

// TestRunInstallPastDeadline: an install event whose waitUntil promise never
// settles fails at --event-deadline: the worker becomes redundant and the
// registration goes away, as with a rejected install.
func TestRunInstallPastDeadline(t *testing.T) {
	out, errOut, code := runCLI(t, "run", "--timeout", "20s", "--event-deadline", "300ms",
		"--origin", "https://life.example=testdata/lifecycle", "https://life.example/failed-install.html?script=/sw-hang.js")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := "state: redundant\nregistration after failure: undefined\ninstalling: null\n"
	if out != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", out, want, errOut)
	}
	// Said without -v: the developer learns why the worker is redundant.
	if !strings.Contains(errOut, "service worker install failed") || !strings.Contains(errOut, "exceeded its deadline (300ms)") {
		t.Fatalf("stderr does not say why the install failed:\n%s", errOut)
	}
}

// TestRunLocalScripts: a SCRIPT that is a local file (./x.js, ../x.js, a
// file: URL) runs in the page as it is read from disk; a missing one is an
// error naming it; one that runs past the CPU budget is stopped and
// reported where it stood.
func TestRunLocalScripts(t *testing.T) {
	abs, err := filepath.Abs("testdata/local/hello.js")
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"run", "--timeout", "20s", "--cpu-budget", "300ms", "--origin", "https://life.example=testdata/lifecycle"}
	page := "https://life.example/missing.html"
	out, errOut, code := runCLI(t, append(base, page, "./testdata/local/hello.js", "file://"+filepath.ToSlash(abs))...)
	want := "hello from a local file at " + page + "\n"
	if code != ExitOK || out != want+want {
		t.Fatalf("exit %d\nstdout:\n%s\nwant twice:\n%s\nstderr:\n%s", code, out, want, errOut)
	}
	_, errOut, code = runCLI(t, append(base, page, "./testdata/local/nope.js")...)
	if code != ExitError || !strings.Contains(errOut, "script ./testdata/local/nope.js: open ./testdata/local/nope.js: no such file or directory") {
		t.Fatalf("missing file: exit %d\n%s", code, errOut)
	}
	_, errOut, code = runCLI(t, append(base, page, "./testdata/local/spin.js")...)
	if code != ExitError || !strings.Contains(errOut, "script exceeded its CPU budget") ||
		!strings.Contains(errOut, "at file://"+filepath.ToSlash(filepath.Dir(abs))+"/spin.js:1:") || regexp.MustCompile(`:\d+:\d+\(`).MatchString(errOut) {
		t.Fatalf("spin: exit %d\n%s", code, errOut)
	}
}

func TestRunRejectedInstall(t *testing.T) {
	out, errOut, code := runCLI(t, "run", "--timeout", "20s", "--origin", "https://life.example=testdata/lifecycle", "https://life.example/failed-install.html?script=/sw-reject.js")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := "state: redundant\nregistration after failure: undefined\ninstalling: null\n"
	if out != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", out, want, errOut)
	}
}

// TestRunUpdateSkipWaiting: a changed script yields a waiting worker;
// skipWaiting activates it and the controlled page sees controllerchange.
func TestRunUpdateSkipWaiting(t *testing.T) {
	var version atomic.Int32
	version.Store(1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><script src="/page.js"></script>`)
	})
	mux.HandleFunc("/page.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `(async () => {
  const sw = navigator.serviceWorker;
  const reg = await sw.register('/sw.js');
  if (!sw.controller) await new Promise(r => sw.addEventListener('controllerchange', r, { once: true }));
  console.log('controlled by version ' + (await (await fetch('/version')).text()));
  await fetch('/bump');
  await reg.update();
  const w = reg.installing;
  console.log('update found a new worker: ' + (w !== null));
  await new Promise(r => { if (w.state === 'installed') r(); else w.addEventListener('statechange', () => { if (w.state === 'installed') r(); }); });
  console.log('waiting: ' + (reg.waiting === w) + ', old still active: ' + (reg.active !== w && reg.active !== null));
  sw.addEventListener('controllerchange', () => console.log('controllerchange: new controller ' + (sw.controller === w) + ', state ' + w.state));
  w.postMessage('skipWaiting');
})();`)
	})
	mux.HandleFunc("/sw.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, `const VERSION = %d;
self.addEventListener('activate', (e) => e.waitUntil(clients.claim()));
self.addEventListener('message', (e) => { if (e.data === 'skipWaiting') self.skipWaiting(); });
`, version.Load())
	})
	mux.HandleFunc("/bump", func(w http.ResponseWriter, r *http.Request) { version.Add(1) })
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, version.Load()) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	out, errOut, code := runCLI(t, "run", "--timeout", "20s", "--origin", "https://up.example="+srv.URL, "https://up.example/")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := strings.Join([]string{
		"controlled by version 1",
		"update found a new worker: true",
		"waiting: true, old still active: true",
		"controllerchange: new controller true, state activating",
	}, "\n") + "\n"
	if out != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", out, want, errOut)
	}
}
