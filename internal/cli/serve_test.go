package cli

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServeBuiltInExample: `swhost serve` run away from the repository (no
// examples/news above the working directory) hosts the news example built
// into the binary, and its worker answers the front.
func TestServeBuiltInExample(t *testing.T) {
	t.Chdir(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	out := newSyncBuffer()
	addr := make(chan string, 1)
	served := make(chan int, 1)
	go func() {
		served <- Main(&Env{Args: []string{"serve", "--data", "", "--listen", "127.0.0.1:0"}, Stdout: out, Stderr: out, Ctx: ctx,
			Ready: func(a string) { addr <- a }})
	}()
	defer func() {
		cancel()
		if code := <-served; code != ExitOK {
			t.Errorf("serve exited %d:\n%s", code, out.String())
		}
	}()
	a := <-addr
	out.waitFor(t, "news: service worker registered for https://news.example/")
	if s := out.String(); !strings.Contains(s, "https://news.example -> (files built into swhost), front http://news.localhost:") {
		t.Fatalf("serve said:\n%s", s)
	}
	// The article, as a browser navigates to it on the front: through the
	// worker (which caches it).
	req, _ := http.NewRequest(http.MethodGet, "http://"+a+"/article/welcome/", nil)
	req.Host = "news.localhost:" + a[strings.LastIndex(a, ":")+1:]
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<html") {
		t.Fatalf("HTTP %d %q", resp.StatusCode, body)
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
