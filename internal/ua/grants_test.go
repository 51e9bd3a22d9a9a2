package ua

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/discovery"
	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/sw"
)

const (
	sdkScript = "https://sdk.social.example/sw.js"
	newsSite  = "https://news.example"
)

func grantsFixture(t *testing.T) (*discovery.Service, *Handler, *httptest.Server) {
	t.Helper()
	svc, err := discovery.New(context.Background(), discovery.Options{Policy: discovery.Policy{Mode: discovery.ModePrompt,
		Allow: []discovery.GrantRule{{RequestingOrigin: "https://partner.example", ScriptURL: sdkScript}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if ok, err := svc.Publish(context.Background(), 7, sdkScript, nil); !ok || err != nil {
		t.Fatalf("publish: %v %v", ok, err)
	}
	b := &fakeBackend{idx: newIndex(t, contentindex.Policy{}), disc: svc,
		regs: []sw.RegistrationInfo{{ID: 7, Scope: "https://sdk.social.example/", Origin: "https://sdk.social.example"}}}
	h, srv := newTestServer(t, b)
	return svc, h, srv
}

type discovered struct {
	d   discovery.Discovery
	err error
}

// discover runs discover() for news.example as a page would, in the
// background: under the prompt mode it waits for the person.
func discover(svc *discovery.Service) <-chan discovered {
	ch := make(chan discovered, 1)
	go func() {
		d, err := svc.Discover(context.Background(), newsSite, sdkScript, func(string) []int64 { return []int64{7} })
		ch <- discovered{d, err}
	}()
	return ch
}

// TestGrantsFlow: a discover() in prompt mode shows a prompt (stream and
// API); Allow resolves it with a live foreign instance; the decision is
// listed; Revoke makes the instance inert.
func TestGrantsFlow(t *testing.T) {
	svc, h, srv := grantsFixture(t)
	s := openSSE(t, srv, "/api/grants/events", nil)
	if ev := s.nextOf(t); ev.event != "reset" || !strings.Contains(ev.data, `"prompts":[]`) {
		t.Fatalf("first event: %+v", ev)
	}
	res := discover(svc)
	ev := s.nextOf(t)
	var p promptEvent
	if err := json.Unmarshal([]byte(ev.data), &p); err != nil || ev.event != "prompt" {
		t.Fatalf("prompt event %+v: %v", ev, err)
	}
	if p.RequestingOrigin != newsSite || p.ScriptURL != sdkScript || p.ScriptOrigin != "https://sdk.social.example" {
		t.Errorf("prompt %+v", p.promptJSON)
	}
	for _, want := range []string{"https://news.example</span> asks to use a service worker of", "<code class=\"script\">" + sdkScript,
		"/api/grants/prompts/" + p.ID + "/allow", "can send messages to this worker", ">Allow</button>", ">Deny</button>"} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("prompt HTML lacks %s", want)
		}
	}
	ps := decode[[]promptJSON](t, req{target: "/api/grants/prompts"}.do(h))
	if len(ps) != 1 || ps[0].ID != p.ID || ps[0].Waiting != 1 {
		t.Fatalf("/api/grants/prompts: %+v", ps)
	}
	page := req{target: "/grants"}.do(h).Body.String()
	if !strings.Contains(page, `data-id="`+p.ID+`"`) {
		t.Error("the grants page does not show the prompt")
	}

	tok := map[string]string{"X-Swhost-Token": testToken}
	if w := (req{method: "POST", target: "/api/grants/prompts/" + p.ID + "/allow", header: tok, body: `{"remember":false}`}).do(h); w.Code != 200 {
		t.Fatalf("allow: %d %s", w.Code, w.Body)
	}
	r := <-res
	if r.err != nil || r.d.Instance == nil || r.d.Instance.Inert() {
		t.Fatalf("discover after allow: %+v %v", r.d, r.err)
	}
	if ev := s.nextOf(t); ev.event != "settled" || !strings.Contains(ev.data, `"decision":"allow"`) {
		t.Errorf("settled: %+v", ev)
	}
	if w := (req{method: "POST", target: "/api/grants/prompts/" + p.ID + "/allow", header: tok}).do(h); w.Code != 404 {
		t.Errorf("answering twice: %d", w.Code)
	}

	gs := decode[[]grantJSON](t, req{target: "/api/grants"}.do(h))
	var session, config bool
	for _, g := range gs {
		session = session || (g.RequestingOrigin == newsSite && g.Decision == "allow" && g.Source == "session" && g.Revocable)
		config = config || (g.RequestingOrigin == "https://partner.example" && g.Source == "config" && !g.Revocable)
	}
	if !session || !config {
		t.Errorf("/api/grants: %+v", gs)
	}
	pubs := decode[[]publicationJSON](t, req{target: "/api/publications"}.do(h))
	if len(pubs) != 1 || pubs[0].RegID != 7 || pubs[0].Scope != "https://sdk.social.example/" || pubs[0].Instances != 1 {
		t.Errorf("/api/publications: %+v", pubs)
	}
	page = req{target: "/grants"}.do(h).Body.String()
	for _, want := range []string{"Until swhost stops", "Configured", `action="/api/grants/revoke"`, "1 page"} {
		if !strings.Contains(page, want) {
			t.Errorf("the grants page lacks %s", want)
		}
	}

	w := req{method: "POST", target: "/api/grants/revoke", header: tok, body: `{"origin":"https://news.example","scriptURL":"` + sdkScript + `"}`}.do(h)
	if got := decode[map[string]bool](t, w); w.Code != 200 || !got["existed"] {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	if !r.d.Instance.Inert() {
		t.Error("the instance is still live after revoke")
	}
}

// TestGrantsDenyAndDecide: Deny answers the waiting call with
// NotAllowedError; allow/deny/revoke by pair; bad input.
func TestGrantsDenyAndDecide(t *testing.T) {
	svc, h, srv := grantsFixture(t)
	s := openSSE(t, srv, "/api/grants/events", nil)
	s.nextOf(t) // reset
	res := discover(svc)
	var p promptEvent
	_ = json.Unmarshal([]byte(s.nextOf(t).data), &p)
	// The person answers with the page's form (no JSON, no remember box).
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
	w := req{method: "POST", target: "/api/grants/prompts/" + p.ID + "/deny", header: form, body: "token=" + testToken + "&return=%2Fgrants"}.do(h)
	if w.Code != 303 || w.Header().Get("Location") != "/grants" {
		t.Fatalf("deny (form): %d %q", w.Code, w.Header().Get("Location"))
	}
	var je *js.Error
	if r := <-res; !errors.As(r.err, &je) || je.Name != discovery.NotAllowedError {
		t.Errorf("discover after deny: %v", r.err)
	}
	if g, ok := svc.Grant(newsSite, sdkScript); !ok || g.Decision != discovery.Deny || g.Source != discovery.SourceSession {
		t.Errorf("grant after a form deny without remember: %+v", g)
	}

	tok := map[string]string{"X-Swhost-Token": testToken}
	body := `{"origin":"https://other.example","scriptURL":"` + sdkScript + `"}`
	for _, tc := range []struct {
		path string
		want discovery.Decision
	}{{"/api/grants/allow", discovery.Allow}, {"/api/grants/deny", discovery.Deny}} {
		w := req{method: "POST", target: tc.path, header: tok, body: body}.do(h)
		if g := decode[grantJSON](t, w); w.Code != 200 || g.Decision != string(tc.want) || g.Source != "stored" {
			t.Errorf("%s: %d %s", tc.path, w.Code, w.Body)
		}
	}
	for _, bad := range []string{`{}`, `{"origin":"http://insecure.example","scriptURL":"` + sdkScript + `"}`, `{"origin":"https://x.example","scriptURL":"not a url"}`} {
		w := req{method: "POST", target: "/api/grants/allow", header: tok, body: bad}.do(h)
		if w.Code != 400 && w.Code != 422 {
			t.Errorf("allow %s: %d", bad, w.Code)
		}
	}
}
