package swhost_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFront: the front answers a browser for a hosted origin at
// http://<label>.localhost:PORT/; navigations create window clients of the
// origin and subresources are fetches of the client the Referer names, both
// through the worker's fetch event; the worker script itself is refused.
func TestFront(t *testing.T) {
	f := newFetchFixture(t)
	s := ffServe(t, f.h.Host)
	front := s.front("app")

	t.Run("ServiceWorkerScriptIsRefused", func(t *testing.T) {
		code, _, body := s.get(t, http.MethodGet, front+"/sw.js", "Service-Worker", "script", "Sec-Fetch-Dest", "serviceworker")
		if code != http.StatusForbidden || !strings.Contains(string(body), "swhost runs this site's service worker") {
			t.Errorf("HTTP %d %q", code, body)
		}
		// Without the header the script is an ordinary resource.
		if code, _, body := s.get(t, http.MethodGet, front+"/sw.js", ffSubresource(front+"/page.html", "script")...); code != 200 || !strings.Contains(string(body), "addEventListener('fetch'") {
			t.Errorf("the script as a resource: HTTP %d", code)
		}
	})

	var navClient string
	t.Run("NavigationIsAWindowClientServedByTheWorker", func(t *testing.T) {
		code, _, body := s.get(t, http.MethodGet, front+"/fe/respond?from=front", ffNavigate()...)
		var m map[string]any
		if code != 200 || json.Unmarshal(body, &m) != nil {
			t.Fatalf("HTTP %d %q", code, body)
		}
		if m["mode"] != "navigate" || m["destination"] != "document" || m["clientId"] != "" || m["url"] != appOrigin+"/fe/respond?from=front" {
			t.Errorf("the worker saw %v", m)
		}
		navClient, _ = m["resultingClientId"].(string)
		cl := f.h.Core().ClientByID(navClient)
		if cl == nil || cl.URL != appOrigin+"/fe/respond?from=front" || cl.Type != "window" || !cl.ServedByWorker || cl.Controller() == nil {
			t.Fatalf("no controlled window client %q for the navigation: %+v", navClient, cl)
		}
	})

	t.Run("SubresourceIsAFetchOfTheReferringClient", func(t *testing.T) {
		code, _, body := s.get(t, http.MethodGet, front+"/fe/respond?sub", ffSubresource(front+"/fe/respond?from=front", "image")...)
		var m map[string]any
		if code != 200 || json.Unmarshal(body, &m) != nil {
			t.Fatalf("HTTP %d %q", code, body)
		}
		if m["clientId"] != navClient || m["mode"] != "no-cors" || m["destination"] != "image" || m["resultingClientId"] != "" {
			t.Errorf("the worker saw %v (client %s)", m, navClient)
		}
		// fetch() of the page: Sec-Fetch-Mode cors, destination empty.
		_, _, body = s.get(t, http.MethodGet, front+"/fe/respond?xhr", "Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty", "Referer", front+"/fe/respond?from=front")
		m = nil
		_ = json.Unmarshal(body, &m)
		if m["mode"] != "cors" || m["destination"] != "" || m["clientId"] != navClient {
			t.Errorf("the worker saw %v", m)
		}
	})

	t.Run("UnknownClientStillGoesThroughTheWorker", func(t *testing.T) {
		for _, hdr := range [][]string{{"Sec-Fetch-Mode", "no-cors"}, ffSubresource(front+"/a-page-loaded-before-a-restart", "script")} {
			code, _, body := s.get(t, http.MethodGet, front+"/fe/respond?orphan", hdr...)
			var m map[string]any
			if code != 200 || json.Unmarshal(body, &m) != nil || m["isFetchEvent"] != true {
				t.Errorf("%v: HTTP %d %q", hdr, code, body)
			}
		}
	})

	cases := []struct {
		name, method, path string
		hdr                []string
		code               int
		body, location     string
	}{
		{"NoRespondWithFallsThrough", "GET", "/fe/none?x=1", ffNavigate(), 200, "network GET /fe/none?x=1", ""},
		{"NoRespondWithSubresource", "GET", "/fe/none", ffSubresource(front+"/page.html", "script"), 200, "network GET /fe/none", ""},
		{"RejectedRespondWithIsAnError", "GET", "/fe/reject", ffNavigate(), http.StatusBadGateway, "This page is not available", ""},
		{"RejectedSubresource", "GET", "/fe/reject", ffSubresource(front+"/page.html", "image"), http.StatusBadGateway, "", ""},
		{"WorkerRedirectStaysOnTheFront", "GET", "/fe/redirect", ffNavigate(), http.StatusFound, "", front + "/fe/respond?from=redirect"},
		{"HeadHasNoBody", "HEAD", "/fe/none", ffNavigate(), 200, "", ""},
		{"PageOutsideTheWorker", "GET", "/page.html", ffNavigate(), 200, "fetch test page", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, h, body := s.get(t, c.method, front+c.path, c.hdr...)
			if code != c.code || !strings.Contains(string(body), c.body) || h.Get("Location") != c.location {
				t.Errorf("HTTP %d Location %q %q", code, h.Get("Location"), ffClip(body))
			}
			if c.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD body %q", body)
			}
		})
	}

	t.Run("EventsRecordTheAnswer", func(t *testing.T) {
		// Each fetch event's record names its request and what it
		// answered (recorded when its lifetime ends, maybe after the HTTP
		// answer: looked for until then).
		want := map[string]string{
			appOrigin + "/fe/none?x=1":             "network",
			appOrigin + "/fe/reject":               "network error",
			appOrigin + "/fe/respond?from=front":   "response 200",
			appOrigin + "/fe/redirect":             "response 302",
			appOrigin + "/fe/not-a-response?front": "network error",
		}
		s.get(t, http.MethodGet, front+"/fe/not-a-response?front", ffNavigate()...)
		var got map[string]string
		for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			got = map[string]string{}
			for _, e := range f.h.Events() {
				if _, ok := want[e.URL]; ok && e.Type == "fetch" {
					got[e.URL] = e.Answer
				}
			}
			if len(got) == len(want) || time.Now().After(end) {
				break
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("answers recorded: %v\nwant %v", got, want)
		}
	})

	t.Run("PostBodyReachesTheWorker", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, front+"/fe/echo", strings.NewReader("a=1&b=2"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		resp, err := s.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m["method"] != "POST" || m["body"] != "a=1&b=2" || m["type"] != "application/x-www-form-urlencoded" {
			t.Errorf("the worker saw %v", m)
		}
	})

	t.Run("OversizeBodyIsRefusedWhole", func(t *testing.T) {
		// Past 32 MiB: 413, and the worker never sees a body cut short.
		req, _ := http.NewRequest(http.MethodPost, front+"/fe/echo?oversize", strings.NewReader(strings.Repeat("x", 32<<20+1)))
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		resp, err := s.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "larger than 32 MiB") {
			t.Fatalf("HTTP %d %q", resp.StatusCode, ffClip(body))
		}
		for _, e := range f.h.Events() {
			if strings.HasSuffix(e.URL, "/fe/echo?oversize") {
				t.Fatalf("the worker got the request: %+v", e)
			}
		}
	})

	t.Run("OtherHostsAreTheUI", func(t *testing.T) {
		code, _, body := s.get(t, http.MethodGet, s.front("unknown"), ffNavigate()...)
		if code == 200 && strings.Contains(string(body), "fetch test page") {
			t.Errorf("an unknown label reached a site")
		}
	})
}
