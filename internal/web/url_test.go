package web

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

// newTestRealm makes a realm with InstallBase and InstallPlatform for the
// internal tests.
func newTestRealm(t testing.TB) *js.Realm {
	t.Helper()
	r := js.NewRealm(js.Options{Name: "test", OnError: func(e *js.ScriptError) { t.Errorf("script error: %v", e) }})
	t.Cleanup(r.Close)
	err := r.Do(context.Background(), func(*sobek.Runtime) error {
		if err := InstallBase(r, nil); err != nil {
			return err
		}
		return InstallPlatform(r, PlatformEnv{Location: "https://test.example/sw.js"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wptURLCase is one entry of WPT's url/resources/urltestdata.json.
type wptURLCase struct {
	Input    string  `json:"input"`
	Base     *string `json:"base"`
	Failure  bool    `json:"failure"`
	Href     string  `json:"href"`
	Origin   *string `json:"origin"`
	Protocol string  `json:"protocol"`
	Username string  `json:"username"`
	Password string  `json:"password"`
	Host     string  `json:"host"`
	Hostname string  `json:"hostname"`
	Port     string  `json:"port"`
	Pathname string  `json:"pathname"`
	Search   string  `json:"search"`
	Hash     string  `json:"hash"`
}

func loadWPTURLCases(t testing.TB) []wptURLCase {
	data, err := os.ReadFile("testdata/urltestdata.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	var out []wptURLCase
	for _, r := range raw {
		if len(r) == 0 || r[0] != '{' {
			continue // comments
		}
		var c wptURLCase
		if err := json.Unmarshal(r, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func TestParseURLWPT(t *testing.T) {
	for i, c := range loadWPTURLCases(t) {
		base := ""
		if c.Base != nil {
			base = *c.Base
		}
		u, err := ParseURL(c.Input, base)
		if c.Failure {
			if err == nil {
				t.Errorf("#%d %q base %q: want failure, got %q", i, c.Input, base, u.Href)
			}
			continue
		}
		if err != nil {
			t.Errorf("#%d %q base %q: %v", i, c.Input, base, err)
			continue
		}
		got := []string{u.Href, u.Protocol, u.Username, u.Password, u.Host, u.Hostname, u.Port, u.Pathname, u.Search, u.Hash}
		want := []string{c.Href, c.Protocol, c.Username, c.Password, c.Host, c.Hostname, c.Port, c.Pathname, c.Search, c.Hash}
		names := []string{"href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"}
		for k := range got {
			if got[k] != want[k] {
				t.Errorf("#%d %q base %q: %s = %q, want %q", i, c.Input, base, names[k], got[k], want[k])
			}
		}
		if c.Origin != nil && u.Origin != *c.Origin {
			t.Errorf("#%d %q base %q: origin = %q, want %q", i, c.Input, base, u.Origin, *c.Origin)
		}
	}
}

type wptSetterCase struct {
	Comment  string            `json:"comment"`
	Href     string            `json:"href"`
	NewValue string            `json:"new_value"`
	Expected map[string]string `json:"expected"`
}

func loadWPTSetterCases(t testing.TB) map[string][]wptSetterCase {
	data, err := os.ReadFile("testdata/setters_tests.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string][]wptSetterCase{}
	for k, v := range raw {
		if k == "comment" {
			continue
		}
		var cs []wptSetterCase
		if err := json.Unmarshal(v, &cs); err != nil {
			t.Fatal(err)
		}
		out[k] = cs
	}
	return out
}

var attrIndex = map[string]int{"href": uHref, "protocol": uProtocol, "username": uUsername, "password": uPassword, "host": uHost, "hostname": uHostname, "port": uPort, "pathname": uPathname, "search": uSearch, "hash": uHash, "origin": uOrigin}

func TestURLSettersWPT(t *testing.T) {
	for attr, cases := range loadWPTSetterCases(t) {
		for i, c := range cases {
			rec, ok := urlSet(c.Href, attrIndex[attr], c.NewValue)
			if !ok {
				t.Errorf("%s #%d %q ← %q: failed", attr, i, c.Href, c.NewValue)
				continue
			}
			comps := urlComponents(rec)
			for k, want := range c.Expected {
				if got := comps[attrIndex[k]]; got != want {
					t.Errorf("%s #%d %q ← %q (%s): %s = %q, want %q", attr, i, c.Href, c.NewValue, c.Comment, k, got, want)
				}
			}
		}
	}
}

// TestURLWPTInRealm runs WPT's urltestdata.json and setters_tests.json
// through the JS URL class (constructor, attributes, setters, origin,
// URL.canParse and URL.parse).
func TestURLWPTInRealm(t *testing.T) {
	urlData, err := os.ReadFile("testdata/urltestdata.json")
	if err != nil {
		t.Fatal(err)
	}
	setterData, err := os.ReadFile("testdata/setters_tests.json")
	if err != nil {
		t.Fatal(err)
	}
	r := newTestRealm(t)
	var failures []string
	err = r.Do(context.Background(), func(rt *sobek.Runtime) error {
		_ = rt.Set("urlTests", string(urlData))
		_ = rt.Set("setterTests", string(setterData))
		v, err := r.Run(&js.Script{Name: "wpt.js", Source: `(() => {
			const fails = [];
			const attrs = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'];
			for (const c of JSON.parse(urlTests)) {
				if (typeof c === 'string') continue;
				const args = c.base === null ? [c.input] : [c.input, c.base];
				const label = JSON.stringify(args);
				if (URL.canParse(...args) === !!c.failure) fails.push('canParse ' + label);
				if ((URL.parse(...args) === null) !== !!c.failure) fails.push('parse ' + label);
				let u;
				try { u = new URL(...args); } catch (e) {
					if (!c.failure) fails.push('threw ' + label + ' ' + e);
					else if (!(e instanceof TypeError)) fails.push('not a TypeError ' + label);
					continue;
				}
				if (c.failure) { fails.push('parsed ' + label + ' as ' + u.href); continue; }
				for (const a of attrs) if (u[a] !== c[a]) fails.push(label + ' ' + a + ': ' + u[a] + ' want ' + c[a]);
				if ('origin' in c && u.origin !== c.origin) fails.push(label + ' origin: ' + u.origin + ' want ' + c.origin);
				if (u.searchParams.toString() !== new URLSearchParams(c.search).toString()) fails.push(label + ' searchParams');
				if (String(u) !== c.href || u.toJSON() !== c.href) fails.push(label + ' stringifier');
			}
			const sets = JSON.parse(setterTests);
			for (const attr of Object.keys(sets)) {
				if (attr === 'comment') continue;
				for (const c of sets[attr]) {
					const u = new URL(c.href);
					u[attr] = c.new_value;
					for (const k of Object.keys(c.expected)) {
						if (u[k] !== c.expected[k]) fails.push('set ' + attr + ' ' + JSON.stringify([c.href, c.new_value]) + ' ' + k + ': ' + u[k] + ' want ' + c.expected[k]);
					}
				}
			}
			return fails;
		})()`})
		if err != nil {
			return err
		}
		return rt.ExportTo(v, &failures)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failures {
		t.Error(f)
	}
}

func TestURLGoHelpers(t *testing.T) {
	tests := []struct {
		raw, base, href, origin string
		fail                    bool
	}{
		{raw: "https://EXAMPLE.com:443/a/../b?x#y", href: "https://example.com/b?x#y", origin: "https://example.com"},
		{raw: "https://münchen.example/", href: "https://xn--mnchen-3ya.example/", origin: "https://xn--mnchen-3ya.example"},
		{raw: "http://0x7f.1/", href: "http://127.0.0.1/", origin: "http://127.0.0.1"},
		{raw: "http://[0:0::1]:8080/", href: "http://[::1]:8080/", origin: "http://[::1]:8080"},
		{raw: "http://[::1", fail: true},
		{raw: "http://a b/", fail: true},
		{raw: "x/y z", base: "https://a.example/p/q", href: "https://a.example/p/x/y%20z", origin: "https://a.example"},
		{raw: "//b.example/c", base: "wss://a.example/", href: "wss://b.example/c", origin: "wss://b.example"},
		{raw: "?q=ä", base: "https://a.example/p", href: "https://a.example/p?q=%C3%A4", origin: "https://a.example"},
		{raw: "file:///C:/x", href: "file:///C:/x", origin: "null"},
		{raw: "data:text/plain,hi", href: "data:text/plain,hi", origin: "null"},
		{raw: "blob:https://a.example:443/uuid", href: "blob:https://a.example:443/uuid", origin: "https://a.example"},
		{raw: "mailto:x@y", href: "mailto:x@y", origin: "null"},
		{raw: "relative", fail: true},
		{raw: "a", base: "not a url", fail: true},
	}
	for _, tc := range tests {
		u, err := ParseURL(tc.raw, tc.base)
		if tc.fail {
			if err == nil {
				t.Errorf("ParseURL(%q, %q) = %q, want failure", tc.raw, tc.base, u.Href)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q, %q): %v", tc.raw, tc.base, err)
			continue
		}
		if u.Href != tc.href || u.Origin != tc.origin {
			t.Errorf("ParseURL(%q, %q) = %q origin %q, want %q origin %q", tc.raw, tc.base, u.Href, u.Origin, tc.href, tc.origin)
		}
		if OriginOf(u.Href) != tc.origin {
			t.Errorf("OriginOf(%q) = %q", u.Href, OriginOf(u.Href))
		}
	}
	if u := MustParseURL("https://a.example/x?y#z"); u.HrefNoFragment() != "https://a.example/x?y" || u.Scheme() != "https" || !u.IsSpecial() || u.OpaquePath() {
		t.Errorf("helpers of %q: %q %q", u.Href, u.HrefNoFragment(), u.Scheme())
	}
	if u := MustParseURL("https://a.example/x#"); u.Hash != "" || u.Href != "https://a.example/x#" || u.HrefNoFragment() != "https://a.example/x" {
		t.Errorf("empty fragment: %+v", u)
	}
	if got, _ := ResolveURL("../c", "https://a.example/a/b/"); got != "https://a.example/a/c" {
		t.Errorf("ResolveURL = %q", got)
	}
	same := []struct {
		a, b string
		want bool
	}{
		{"https://a.example/x", "https://a.example:443/y?z", true},
		{"https://a.example/", "http://a.example/", false},
		{"https://a.example/", "https://b.a.example/", false},
		{"https://a.example:8443/", "https://a.example/", false},
		{"data:,x", "data:,x", false}, // opaque origins are never same origin
		{"https://a.example", "https://a.example", true},
		{"junk", "junk", false},
	}
	for _, tc := range same {
		if got := SameOrigin(tc.a, tc.b); got != tc.want {
			t.Errorf("SameOrigin(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
	trust := map[string]bool{
		"https://a.example/": true, "http://localhost:8080/": true, "http://app.localhost/": true,
		"http://127.0.0.1/": true, "http://127.9.9.9/": true, "http://[::1]/": true, "wss://x.example/": true,
		"http://a.example/": false, "ws://a.example/": false, "data:,x": false, "http://128.0.0.1/": false,
		"file:///tmp/x": true,
	}
	for u, want := range trust {
		if got := PotentiallyTrustworthy(u); got != want {
			t.Errorf("PotentiallyTrustworthy(%q) = %v", u, got)
		}
	}
	n, err := MustParseURL("https://a.example/p%20q?x=1").NetURL()
	if err != nil || n.Host != "a.example" || n.Path != "/p q" || n.RawQuery != "x=1" {
		t.Errorf("NetURL = %#v, %v", n, err)
	}
}

func TestForm(t *testing.T) {
	tests := []struct {
		in    string
		pairs [][2]string
		out   string
	}{
		{"a=1&b=2", [][2]string{{"a", "1"}, {"b", "2"}}, "a=1&b=2"},
		{"&&a&=b&", [][2]string{{"a", ""}, {"", "b"}}, "a=&=b"},
		{"a+b=c+d", [][2]string{{"a b", "c d"}}, "a+b=c+d"},
		{"%2B=%20&%zz=%4", [][2]string{{"+", " "}, {"%zz", "%4"}}, "%2B=+&%25zz=%254"},
		{"x=%FF%C3%A9", [][2]string{{"x", "\uFFFDé"}}, "x=%EF%BF%BD%C3%A9"},
		{"~!'()*-._", [][2]string{{"~!'()*-._", ""}}, "%7E%21%27%28%29*-._="},
		{"a=b=c", [][2]string{{"a", "b=c"}}, "a=b%3Dc"},
	}
	for _, tc := range tests {
		got := ParseForm(tc.in)
		if len(got) != len(tc.pairs) {
			t.Errorf("ParseForm(%q) = %q", tc.in, got)
			continue
		}
		for i := range got {
			if got[i] != tc.pairs[i] {
				t.Errorf("ParseForm(%q)[%d] = %q, want %q", tc.in, i, got[i], tc.pairs[i])
			}
		}
		if s := SerializeForm(got); s != tc.out {
			t.Errorf("SerializeForm(%q) = %q, want %q", got, s, tc.out)
		}
	}
}

// FuzzParseURL checks that the parser never panics, that its output parses
// again to the same URL (idempotence, which the JS setters rely on) and that
// the attributes add up to the href.
func FuzzParseURL(f *testing.F) {
	for _, c := range loadWPTURLCases(f) {
		base := ""
		if c.Base != nil {
			base = *c.Base
		}
		f.Add(c.Input, base)
	}
	f.Fuzz(func(t *testing.T, raw, base string) {
		u, err := ParseURL(raw, base)
		if err != nil {
			return
		}
		again, err := ParseURL(u.Href, "")
		if err != nil {
			t.Fatalf("%q (base %q) → %q does not parse again: %v", raw, base, u.Href, err)
		}
		if again.Href != u.Href {
			t.Fatalf("%q (base %q) → %q → %q", raw, base, u.Href, again.Href)
		}
		if u.Protocol == "" || u.Protocol[len(u.Protocol)-1] != ':' {
			t.Fatalf("%q: protocol %q", raw, u.Protocol)
		}
		if !u.opaquePath && u.Host != "" && !strings.HasPrefix(u.Href, u.Protocol+"//") {
			t.Fatalf("%q: href %q lacks //", raw, u.Href)
		}
		if !strings.HasSuffix(u.Href, u.Hash) || !strings.Contains(u.Href, u.Search+u.Hash) {
			t.Fatalf("%q: href %q does not end with search %q hash %q", raw, u.Href, u.Search, u.Hash)
		}
		if o := OriginOf(u.Href); o != u.Origin {
			t.Fatalf("%q: origin %q vs OriginOf %q", raw, u.Origin, o)
		}
	})
}
