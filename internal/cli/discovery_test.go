package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// sdkUpstream is the social SDK's server: its worker script and an API that
// records likes; it can be taken down (connections are dropped).
type sdkUpstream struct {
	*httptest.Server
	down  atomic.Bool
	mu    sync.Mutex
	likes []string
}

func newSDKUpstream(t *testing.T) *sdkUpstream {
	u := &sdkUpstream{}
	files := http.FileServer(http.Dir("testdata/sdk"))
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u.down.Load() {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		if r.URL.Path == "/api/like" {
			body, _ := io.ReadAll(r.Body)
			u.mu.Lock()
			u.likes = append(u.likes, string(body))
			u.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *sdkUpstream) recorded() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.likes...)
}

// TestSocialSDKScenario: the SDK worker publishes; a page of
// https://news.example discovers it under a configured grant and posts
// "like article 42" while the SDK's upstream is down; the worker queues it
// durably and acknowledges; after a host restart the queue is still there
// and is delivered when the upstream returns.
func TestSocialSDKScenario(t *testing.T) {
	up := newSDKUpstream(t)
	data := t.TempDir()
	host := []string{"--data", data, "--timeout", "30s",
		"--origin", "https://sdk.social.example=" + up.URL,
		"--origin", "https://news.example=testdata/newsite",
		"--grant", "https://news.example=https://sdk.social.example/sw.js"}
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, append(append([]string{"run"}, host...), args...)...)
		if code != 0 {
			t.Fatalf("run %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
		}
		return out
	}

	out := run("https://sdk.social.example/install.html")
	if !strings.Contains(out, "sdk installed: activated") || !strings.Contains(out, "published: true") {
		t.Fatalf("install: %s", out)
	}

	up.down.Store(true)
	out = run("https://news.example/?action=like", "/like.js")
	want := `discovered: https://sdk.social.example/sw.js (activated), registration hidden: true, true
sdk replied from https://sdk.social.example: {"ack":"like","queued":1,"delivered":0,"sourceType":"window","hasURL":false}
`
	if out != want {
		t.Fatalf("like while the upstream is down:\n%s\nwant:\n%s", out, want)
	}
	if got := up.recorded(); len(got) != 0 {
		t.Fatalf("upstream got %q while down", got)
	}

	// A new host process on the same data: the queue survived; the upstream
	// is back, so the next message delivers it.
	up.down.Store(false)
	out = run("https://news.example/?action=status", "/like.js")
	if !strings.Contains(out, `{"ack":"status","queued":0,"delivered":1,`) {
		t.Fatalf("after restart:\n%s", out)
	}
	got := up.recorded()
	if len(got) != 1 || got[0] != `{"like":42,"from":"https://news.example"}` {
		t.Fatalf("upstream recorded %q", got)
	}
}

// TestDiscoverSecurity: what a page without a grant, or of another
// origin, sees.
func TestDiscoverSecurity(t *testing.T) {
	up := newSDKUpstream(t)
	data := t.TempDir()
	base := []string{"--data", data, "--timeout", "30s",
		"--origin", "https://sdk.social.example=" + up.URL,
		"--origin", "https://news.example=testdata/newsite",
		"--origin", "https://evil.news.example=testdata/newsite",
		"--origin", "http://news.example=testdata/newsite",
		"--grant", "https://news.example=https://sdk.social.example/sw.js"}
	if out, errOut, code := runCLI(t, append(append([]string{"run"}, base...), "https://sdk.social.example/install.html")...); code != 0 {
		t.Fatalf("install: %d %s %s", code, out, errOut)
	}
	tests := []struct {
		page, script, want string
	}{
		{"https://news.example/?action=status", "/like.js", "discovered: https://sdk.social.example/sw.js"},
		{"https://evil.news.example/?action=status", "/like.js", "discover failed: NotAllowedError: "},
		{"http://news.example/?action=status", "/like.js", "discover failed: SecurityError: "},
	}
	for _, tt := range tests {
		t.Run(tt.page, func(t *testing.T) {
			out, errOut, code := runCLI(t, append(append([]string{"run"}, base...), tt.page, tt.script)...)
			if code != 0 || !strings.HasPrefix(out, tt.want) {
				t.Fatalf("exit %d\nstdout: %s\nwant prefix %q\nstderr: %s", code, out, tt.want, errOut)
			}
		})
	}
}
