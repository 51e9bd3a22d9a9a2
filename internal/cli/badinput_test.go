package cli

import (
	"net/url"
	"strings"
	"testing"
)

// TestRegisterBadInput: each bad registration rejects with the spec's
// exception type and a message naming the problem, and leaves nothing
// registered.
func TestRegisterBadInput(t *testing.T) {
	tests := []struct {
		name    string
		page    string // origin of the page
		script  string
		scope   string
		wantErr string // prefix: "ErrorName: "
		wantMsg string // the message names the problem
	}{
		{"ok", "https://bad.example", "/sw-ok.js", "", "ok https://bad.example/", ""},
		{"insecure origin", "http://insecure.example", "/sw-ok.js", "", "SecurityError: ", "is not secure"},
		{"cross-origin script", "https://bad.example", "https://other.example/sw-ok.js", "", "SecurityError: ", "does not match the current origin"},
		{"scope above max", "https://bad.example", "/sub/sw.js", "/", "SecurityError: ", "not under the max scope allowed ('/sub/')"},
		{"Service-Worker-Allowed widens", "https://bad.example", "/allowed/sw.js", "/", "ok https://bad.example/", ""},
		{"wrong MIME type", "https://bad.example", "/sw.txt", "", "SecurityError: ", "unsupported MIME type ('text/plain; charset=utf-8')"},
		{"404 script", "https://bad.example", "/missing.js", "", "TypeError: ", "bad HTTP response code (404)"},
		{"syntax error", "https://bad.example", "/syntax.js", "", "TypeError: ", "evaluation failed"},
		{"exception during evaluation", "https://bad.example", "/throws.js", "", "TypeError: ", "Error: boom at startup"},
		{"bad scheme", "https://bad.example", "data:text/javascript,1", "", "TypeError: ", "protocol of the script"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"script": {tt.script}}
			if tt.scope != "" {
				q.Set("scope", tt.scope)
			}
			page := tt.page + "/index.html?" + q.Encode()
			out, errOut, code := runCLI(t, "run", "--timeout", "20s",
				"--origin", "https://bad.example=testdata/bad", "--origin", "http://insecure.example=testdata/bad",
				"--origin", "https://other.example=testdata/bad",
				page, "/cases/register.js")
			if code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 {
				t.Fatalf("got %q\nstderr: %s", out, errOut)
			}
			if !strings.HasPrefix(lines[0], tt.wantErr) || !strings.Contains(lines[0], tt.wantMsg) {
				t.Fatalf("got %q\nwant prefix %q containing %q\nstderr: %s", lines[0], tt.wantErr, tt.wantMsg, errOut)
			}
			wantRegs := "registrations: 0"
			if strings.HasPrefix(tt.wantErr, "ok") {
				wantRegs = "registrations: 1"
			}
			if lines[1] != wantRegs {
				t.Fatalf("after %q: %q, want %q", lines[0], lines[1], wantRegs)
			}
		})
	}
}
