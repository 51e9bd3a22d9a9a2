package discovery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSerializeOrigin(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "https://news.example", want: "https://news.example"},
		{in: "https://news.example/", want: "https://news.example"},
		{in: "HTTPS://News.Example", want: "https://news.example"},
		{in: "https://news.example:443", want: "https://news.example"},
		{in: "http://news.example:80", want: "http://news.example"},
		{in: "https://news.example:8443", want: "https://news.example:8443"},
		{in: "http://localhost:8080", want: "http://localhost:8080"},
		{in: "http://[::1]:8080", want: "http://[::1]:8080"},
		{in: "https://news.example/page", err: TypeError},
		{in: "https://news.example?q", err: TypeError},
		{in: "https://news.example#f", err: TypeError},
		{in: "https://user@news.example", err: TypeError},
		{in: "null", err: TypeError},
		{in: "", err: TypeError},
		{in: "ftp://news.example", err: TypeError},
		{in: "news.example", err: TypeError},
		{in: "https://", err: TypeError},
		{in: "https://news.example:99999", err: TypeError},
		{in: "https://nëws.example", err: TypeError},
		{in: " https://news.example", err: TypeError},
	} {
		got, err := SerializeOrigin(tc.in)
		if errName(err) != tc.err || got != tc.want {
			t.Errorf("SerializeOrigin(%q) = %q, %v; want %q, %s", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestCanonicalScriptURL(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: sdk, want: sdk},
		{in: "https://SDK.social.example:443/sw.js", want: sdk},
		{in: "https://sdk.social.example/sw.js#frag", want: sdk},
		{in: "https://sdk.social.example/sw.js?v=1", want: "https://sdk.social.example/sw.js?v=1"},
		{in: "https://sdk.social.example", want: "https://sdk.social.example/"},
		{in: "https://sdk.social.example?x=1", want: "https://sdk.social.example/?x=1"},
		{in: "https://sdk.social.example/a%20b/SW.js", want: "https://sdk.social.example/a%20b/SW.js"},
		{in: "http://localhost:8080/sw.js", want: "http://localhost:8080/sw.js"},
		{in: "https://sdk.social.example/a/../sw.js", err: TypeError},
		{in: "https://sdk.social.example/./sw.js", err: TypeError},
		{in: "/sw.js", err: TypeError},
		{in: "data:text/javascript,1", err: TypeError},
		{in: "javascript:1", err: TypeError},
		{in: "https://u:p@sdk.social.example/sw.js", err: TypeError},
	} {
		got, err := CanonicalScriptURL(tc.in)
		if errName(err) != tc.err || got != tc.want {
			t.Errorf("CanonicalScriptURL(%q) = %q, %v; want %q, %s", tc.in, got, err, tc.want, tc.err)
		}
	}
	if o := OriginOfScript("https://a.example:8443/x?y"); o != "https://a.example:8443" {
		t.Errorf("OriginOfScript = %q", o)
	}
}

func TestPotentiallyTrustworthy(t *testing.T) {
	for o, want := range map[string]bool{
		"https://news.example": true, "http://news.example": false, "http://localhost": true,
		"http://a.localhost:1": true, "http://127.0.0.1:8080": true, "http://127.9.9.9": true,
		"http://[::1]": true, "http://10.0.0.1": false, "null": false, "ws://localhost": false,
	} {
		if got := PotentiallyTrustworthy(o); got != want {
			t.Errorf("PotentiallyTrustworthy(%q) = %v", o, got)
		}
	}
}

func TestParseGrantRule(t *testing.T) {
	r, err := ParseGrantRule("https://News.example/=https://sdk.social.example/sw.js?a=b#x")
	if err != nil || r.RequestingOrigin != news || r.ScriptURL != sdk+"?a=b" {
		t.Fatalf("ParseGrantRule = %+v, %v", r, err)
	}
	if r.String() != news+"="+sdk+"?a=b" {
		t.Errorf("String = %q", r.String())
	}
	for _, bad := range []string{
		"", "https://news.example", "=" + sdk, news + "=",
		"http://news.example=" + sdk, // insecure requester: could never discover
		"https://news.example/page=" + sdk,
		news + "=/sw.js", news + "=ftp://x/sw.js", "null=" + sdk,
	} {
		if _, err := ParseGrantRule(bad); err == nil {
			t.Errorf("ParseGrantRule(%q) succeeded", bad)
		} else if !strings.Contains(err.Error(), "grant") {
			t.Errorf("ParseGrantRule(%q) error %q does not say what", bad, err)
		}
	}
	if _, err := ParseGrantRules([]string{news + "=" + sdk, "bad"}); err == nil {
		t.Error("ParseGrantRules accepted a bad entry")
	}
	if _, err := ParseMode("maybe"); err == nil {
		t.Error("ParseMode(maybe) succeeded")
	}
	if _, err := New(context.Background(), Options{Policy: Policy{Allow: []GrantRule{{RequestingOrigin: "http://x.example", ScriptURL: sdk}}}}); err == nil {
		t.Error("New accepted an insecure allow rule")
	}
	if _, err := New(context.Background(), Options{Policy: Policy{Mode: "nope"}}); err == nil {
		t.Error("New accepted mode nope")
	}
}

// TestSecurityTable is the security table at the Go level.
func TestSecurityTable(t *testing.T) {
	type tc struct {
		name   string
		opts   Options
		setup  func(e *env)
		origin string
		script string
		want   string // error name, "" for success
		same   bool   // want a same-origin discovery
	}
	pub := func(e *env) { e.publish(1, sdk) }
	pubAllow := func(e *env) { pub(e); e.allow(news, sdk) }
	cases := []tc{
		{name: "unknown script URL", setup: pubAllow, origin: news, script: "https://sdk.social.example/nope.js", want: NotFoundError},
		{name: "unpublished", setup: func(e *env) { e.allow(news, sdk) }, origin: news, script: sdk, want: NotFoundError},
		{name: "unpublished after unpublish()", setup: func(e *env) {
			pubAllow(e)
			e.svc.Unpublish(context.Background(), 1)
		}, origin: news, script: sdk, want: NotFoundError},
		{name: "published to other origins only", setup: func(e *env) { e.publish(1, sdk, other); e.allow(news, sdk) }, origin: news, script: sdk, want: NotFoundError},
		{name: "published to the caller among others", setup: func(e *env) { e.publish(1, sdk, other, news); e.allow(news, sdk) }, origin: news, script: sdk},
		{name: "published, no grant (deny mode)", setup: pub, origin: news, script: sdk, want: NotAllowedError},
		{name: "published, denied", setup: func(e *env) {
			pub(e)
			e.svc.Deny(context.Background(), news, sdk)
		}, origin: news, script: sdk, want: NotAllowedError},
		{name: "published, granted", setup: pubAllow, origin: news, script: sdk},
		{name: "granted, fragment and default port ignored", setup: pubAllow, origin: "https://NEWS.example:443", script: "https://sdk.social.example:443/sw.js#x"},
		{name: "grant does not cover a subdomain", setup: pubAllow, origin: evil, script: sdk, want: NotAllowedError},
		{name: "grant does not cover another port", setup: pubAllow, origin: "https://news.example:8443", script: sdk, want: NotAllowedError},
		{name: "grant does not cover http (insecure)", setup: pubAllow, origin: "http://news.example", script: sdk, want: SecurityError},
		{name: "grant does not cover another script", setup: func(e *env) { pubAllow(e); e.publish(2, sdk2) }, origin: news, script: sdk2, want: NotAllowedError},
		{name: "grant for http://localhost does not cover https://localhost", setup: func(e *env) { pub(e); e.allow("http://localhost:8080", sdk) }, origin: "https://localhost:8080", script: sdk, want: NotAllowedError},
		{name: "http://localhost is secure", setup: func(e *env) { pub(e); e.allow("http://localhost:8080", sdk) }, origin: "http://localhost:8080", script: sdk},
		{name: "opaque caller", setup: pubAllow, origin: "null", script: sdk, want: SecurityError},
		{name: "garbage caller", setup: pubAllow, origin: "not an origin", script: sdk, want: SecurityError},
		{name: "bad script URL", setup: pubAllow, origin: news, script: "sw.js", want: TypeError},
		{name: "same origin, unpublished", origin: sdkOrigin, script: sdk, same: true},
		{name: "same origin, unknown", origin: sdkOrigin, script: "https://sdk.social.example/nope.js", want: NotFoundError},
		{name: "same host other port is cross-origin", origin: "https://sdk.social.example:444", script: sdk, want: NotFoundError},
		{name: "configured allow list", opts: Options{Policy: Policy{Allow: []GrantRule{{news, sdk}}}}, setup: pub, origin: news, script: sdk},
		{name: "configured allow list is exact", opts: Options{Policy: Policy{Allow: []GrantRule{{news, sdk}}}}, setup: pub, origin: evil, script: sdk, want: NotAllowedError},
		{name: "recorded deny overrides configured allow", opts: Options{Policy: Policy{Allow: []GrantRule{{news, sdk}}}}, setup: func(e *env) {
			pub(e)
			e.svc.Deny(context.Background(), news, sdk)
		}, origin: news, script: sdk, want: NotAllowedError},
		{name: "publishing disabled", opts: Options{Policy: Policy{Publish: PublishPolicy{Disabled: true}}}, setup: func(e *env) {
			e.svc.Publish(context.Background(), 1, sdk, nil)
			e.allow(news, sdk)
		}, origin: news, script: sdk, want: NotFoundError},
		{name: "publish origin not allowed by host", opts: Options{Policy: Policy{Publish: PublishPolicy{Origins: []string{"https://a.example"}}}}, setup: func(e *env) {
			e.svc.Publish(context.Background(), 1, sdk, nil)
			e.allow(news, sdk)
		}, origin: news, script: sdk, want: NotFoundError},
		{name: "publish origin allowed by host", opts: Options{Policy: Policy{Publish: PublishPolicy{Origins: []string{"https://SDK.social.example/"}}}}, setup: pubAllow, origin: news, script: sdk},
		{name: "second candidate published", setup: func(e *env) {
			e.regs.m[sdk] = []int64{7, 1}
			pubAllow(e)
		}, origin: news, script: sdk},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.opts)
			if c.setup != nil {
				c.setup(e)
			}
			d, err := e.discover(c.origin, c.script)
			if got := errName(err); got != c.want {
				t.Fatalf("Discover(%s, %s) error %v; want %s", c.origin, c.script, err, c.want)
			}
			if err != nil {
				if d != (Discovery{}) {
					t.Errorf("discovery %+v with an error", d)
				}
				return
			}
			if d.SameOrigin != c.same || (d.Instance == nil) != c.same {
				t.Fatalf("discovery %+v; want same-origin %v", d, c.same)
			}
			if !c.same {
				if d.RegID != 1 || d.Instance.Inert() || !d.Instance.Valid() {
					t.Errorf("discovery %+v, instance inert %v", d, d.Instance.Inert())
				}
			}
		})
	}
}

// TestNotFoundIndistinguishable: unknown, unpublished and published to
// others give byte-identical errors.
func TestNotFoundIndistinguishable(t *testing.T) {
	msgs := map[string]string{}
	for name, setup := range map[string]func(e *env){
		"unknown":     func(e *env) { delete(e.regs.m, sdk) },
		"unpublished": func(e *env) {},
		"others only": func(e *env) { e.publish(1, sdk, other) },
		"policy":      func(e *env) {},
	} {
		opts := Options{}
		if name == "policy" {
			opts.Policy.Publish.Disabled = true
		}
		e := newEnv(t, opts)
		e.svc.Publish(context.Background(), 1, sdk, nil) // refused under "policy"
		if name == "unpublished" || name == "unknown" {
			e.svc.Unpublish(context.Background(), 1)
		}
		setup(e)
		e.allow(news, sdk) // a grant must not change the answer either
		_, err := e.discover(news, sdk)
		if errName(err) != NotFoundError {
			t.Fatalf("%s: %v", name, err)
		}
		msgs[name] = err.Error()
	}
	for name, m := range msgs {
		if m != msgs["unknown"] {
			t.Errorf("%s: %q differs from unknown's %q", name, m, msgs["unknown"])
		}
		if strings.Contains(m, "publish") || strings.Contains(m, "grant") {
			t.Errorf("message %q hints at the reason", m)
		}
	}
}

func TestPublishSemantics(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Options{})
	s := e.svc
	step := func(what string, ok bool, err error, want bool) {
		t.Helper()
		if err != nil || ok != want {
			t.Fatalf("%s = %v, %v; want %v", what, ok, err, want)
		}
	}
	ok, err := s.Unpublish(ctx, 1)
	step("unpublish() never published", ok, err, true)
	ok, err = s.Publish(ctx, 1, sdk, nil)
	step("publish()", ok, err, true)
	w := e.store.Writes
	ok, err = s.Publish(ctx, 1, sdk, nil)
	step("publish() again", ok, err, true)
	if e.store.Writes != w {
		t.Error("idempotent publish() wrote")
	}
	if p, ok := s.Published(1); !ok || p.AllowedOrigins != nil || p.Origin != sdkOrigin || p.ScriptURL != sdk || !p.PublishedAt.Equal(t0) {
		t.Errorf("Published = %+v, %v", p, ok)
	}
	ok, err = s.Publish(ctx, 1, sdk, []string{"https://b.example", "https://A.example/", "https://b.example"})
	step("publish({origins})", ok, err, true)
	if p, _ := s.Published(1); fmt.Sprint(p.AllowedOrigins) != "[https://a.example https://b.example]" {
		t.Errorf("AllowedOrigins = %v", p.AllowedOrigins)
	}
	ok, err = s.Publish(ctx, 1, sdk, nil)
	step("publish() lifts the restriction", ok, err, true)
	if p, _ := s.Published(1); p.AllowedOrigins != nil {
		t.Errorf("AllowedOrigins = %v", p.AllowedOrigins)
	}
	if _, err := s.Publish(ctx, 1, sdk, []string{"https://a.example/path"}); errName(err) != TypeError {
		t.Errorf("publish({origins: [bad]}) = %v", err)
	}
	if _, err := s.Publish(ctx, 1, "sw.js", nil); errName(err) != TypeError {
		t.Errorf("publish with a relative script URL = %v", err)
	}
	ok, err = s.Unpublish(ctx, 1)
	step("unpublish()", ok, err, true)
	ok, err = s.Unpublish(ctx, 1)
	step("unpublish() again", ok, err, true)
	if _, ok := s.Published(1); ok {
		t.Error("still published")
	}

	// A store failure: false + error, nothing changes.
	e.store.Err = errors.New("disk full")
	ok, err = s.Publish(ctx, 1, sdk, nil)
	if ok || err == nil {
		t.Errorf("publish() on a failing store = %v, %v", ok, err)
	}
	if _, ok := s.Published(1); ok {
		t.Error("published despite the store failing")
	}
	e.store.Err = nil
	e.publish(1, sdk)
	e.store.Err = errors.New("disk full")
	if ok, err := s.Unpublish(ctx, 1); ok || err == nil {
		t.Errorf("unpublish() on a failing store = %v, %v", ok, err)
	}
	if _, ok := s.Published(1); !ok {
		t.Error("unpublished despite the store failing")
	}
	e.store.Err = nil

	// The host's refusal.
	for name, pol := range map[string]PublishPolicy{
		"disabled": {Disabled: true},
		"origins":  {Origins: []string{"https://a.example"}},
		"func":     {Allow: func(o, u string) bool { return o != sdkOrigin }},
	} {
		e := newEnv(t, Options{Policy: Policy{Publish: pol}})
		ok, err := e.svc.Publish(ctx, 1, sdk, nil)
		if ok || err != nil {
			t.Errorf("%s: publish() = %v, %v; want false", name, ok, err)
		}
		if e.store.Writes != 0 || len(e.svc.Publications()) != 0 {
			t.Errorf("%s: refused publish() changed state", name)
		}
		if ok, err := e.svc.Unpublish(ctx, 1); !ok || err != nil {
			t.Errorf("%s: unpublish() = %v, %v", name, ok, err)
		}
	}
	if _, err := New(ctx, Options{Policy: Policy{Publish: PublishPolicy{Origins: []string{"nope"}}}}); err == nil {
		t.Error("New accepted a bad publish origin")
	}
}

// Publishing survives worker updates: the publication is the
// registration's, and discover() follows the registration's current script.
func TestPublishSurvivesUpdate(t *testing.T) {
	e := newEnv(t, Options{})
	e.publish(1, sdk)
	e.allow(news, sdk)
	e.mustDiscover(news, sdk)
	// Update: the registration's new worker (same script URL) is active.
	e.regs.m[sdk] = []int64{1}
	e.mustDiscover(news, sdk)
	// The new worker has a new script URL; the registration is still
	// published, the old script URL finds nothing, the new one needs its
	// own grant.
	v2 := "https://sdk.social.example/sw-v2.js"
	e.regs.m = map[string][]int64{v2: {1}}
	if _, err := e.discover(news, sdk); errName(err) != NotFoundError {
		t.Errorf("old script URL: %v", err)
	}
	if _, err := e.discover(news, v2); errName(err) != NotAllowedError {
		t.Errorf("new script URL without a grant: %v", err)
	}
	e.allow(news, v2)
	if d := e.mustDiscover(news, v2); d.RegID != 1 {
		t.Errorf("RegID %d", d.RegID)
	}
}

func TestNilLookupUsesPublications(t *testing.T) {
	e := newEnv(t, Options{})
	e.publish(1, sdk)
	e.allow(news, sdk)
	if d, err := e.svc.Discover(context.Background(), news, sdk, nil); err != nil || d.RegID != 1 {
		t.Fatalf("Discover = %+v, %v", d, err)
	}
	if _, err := e.svc.Discover(context.Background(), sdkOrigin, sdk, nil); errName(err) != NotFoundError {
		t.Fatalf("same-origin with nil lookup: %v", err)
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Options{Policy: Policy{Allow: []GrantRule{{news, sdk}}}})
	for _, tc := range []struct {
		origin, script string
		want           Decision
		err            string
	}{
		{news, sdk, Allow, ""},
		{evil, sdk, Deny, ""},
		{"http://news.example", sdk, Deny, SecurityError},
		{news, "nope", Deny, TypeError},
	} {
		d, err := e.svc.Check(ctx, tc.origin, tc.script)
		if d != tc.want || errName(err) != tc.err {
			t.Errorf("Check(%s, %s) = %v, %v", tc.origin, tc.script, d, err)
		}
	}
}

func TestGrantsListAllowDenyRevoke(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Options{Policy: Policy{Allow: []GrantRule{{other, sdk}}}})
	s := e.svc
	e.allow(news, sdk)
	e.clock.Advance(5)
	g, err := s.Deny(ctx, "https://NEWS.example", sdk+"#x")
	if err != nil || g.Decision != Deny || !g.CreatedAt.Equal(t0) || !g.UpdatedAt.Equal(t0.Add(5)) || g.Source != SourceStored {
		t.Fatalf("Deny = %+v, %v", g, err)
	}
	e.allow(evil, sdk)
	list := s.List()
	want := "https://evil.news.example allow stored|https://news.example deny stored|https://other.example allow config"
	if got := fmtGrants(list); got != want {
		t.Errorf("List =\n%s\nwant\n%s", got, want)
	}
	if g, ok := s.Grant(other, sdk); !ok || g.Source != SourceConfig {
		t.Errorf("Grant(config) = %+v %v", g, ok)
	}
	existed, err := s.Revoke(ctx, news, sdk)
	if !existed || err != nil {
		t.Errorf("Revoke = %v, %v", existed, err)
	}
	existed, err = s.Revoke(ctx, news, sdk)
	if existed || err != nil {
		t.Errorf("Revoke again = %v, %v", existed, err)
	}
	existed, _ = s.Revoke(ctx, other, sdk)
	if existed {
		t.Error("Revoke of a configured rule reported a recorded decision")
	}
	if _, ok := s.Grant(other, sdk); !ok {
		t.Error("configured rule gone after Revoke")
	}
	if _, err := s.Allow(ctx, "nope", sdk); errName(err) != TypeError {
		t.Errorf("Allow(bad origin) = %v", err)
	}
	if got := fmtGrants(s.List()); got != "https://evil.news.example allow stored|https://other.example allow config" {
		t.Errorf("List after revoke = %s", got)
	}
}

func fmtGrants(gs []Grant) string {
	var parts []string
	for _, g := range gs {
		parts = append(parts, fmt.Sprintf("%s %s %s", g.RequestingOrigin, g.Decision, g.Source))
	}
	return strings.Join(parts, "|")
}
