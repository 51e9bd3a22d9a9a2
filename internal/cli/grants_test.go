package cli

import (
	"strings"
	"testing"
)

// TestGrantsCommands: allow, list, deny, revoke on a data directory, and
// the usage errors.
func TestGrantsCommands(t *testing.T) {
	data := t.TempDir()
	steps := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"allow", "https://news.example", "https://sdk.social.example/sw.js"}, 0, ""},
		{[]string{"list"}, 0, "https://news.example  https://sdk.social.example/sw.js  allow     stored"},
		{[]string{"deny", "https://evil.example", "https://sdk.social.example/sw.js"}, 0, ""},
		{[]string{"list", "--json"}, 0, `"decision": "deny"`},
		{[]string{"revoke", "https://news.example", "https://sdk.social.example/sw.js"}, 0, ""},
		{[]string{"revoke", "https://news.example", "https://sdk.social.example/sw.js"}, 1, "no recorded grant"},
		{[]string{"allow", "http://insecure.example", "https://sdk.social.example/sw.js"}, 1, ""},
		{[]string{"allow", "https://news.example"}, 2, ""},
		{[]string{"frobnicate"}, 2, ""},
	}
	for _, s := range steps {
		out, errOut, code := runCLI(t, append([]string{"grants", "--data", data}, s.args...)...)
		if code != s.code || !strings.Contains(out+errOut, s.contains) {
			t.Fatalf("grants %v: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", s.args, code, s.code, out, errOut, s.contains)
		}
	}
	out, _, _ := runCLI(t, "grants", "--data", data, "list")
	if strings.Contains(out, "https://news.example  ") || !strings.Contains(out, "https://evil.example") {
		t.Fatalf("after revoke: %s", out)
	}
}
