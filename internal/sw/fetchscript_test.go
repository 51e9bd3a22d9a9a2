package sw

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

type bodyTransport string

func (b bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/javascript"}},
		Body: io.NopCloser(strings.NewReader(string(b))), Request: req}, nil
}

// TestFetchScriptSize: a script up to the bound is read whole; a larger one
// is an error, never a script cut short (whose first part could run).
func TestFetchScriptSize(t *testing.T) {
	defer func(n int) { maxScriptSize = n }(maxScriptSize)
	maxScriptSize = 1024
	for _, tt := range []struct {
		size    int
		wantErr string
	}{
		{1024, ""},
		{1025, "the script is larger than"},
	} {
		src := strings.Repeat("x", tt.size)
		c := &Core{opts: Options{Transport: bodyTransport(src)}}
		_, body, err := c.fetchScript(context.Background(), "https://a.example/sw.js", true)
		switch {
		case tt.wantErr == "" && (err != nil || string(body) != src):
			t.Errorf("%d bytes: %d read, %v", tt.size, len(body), err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%d bytes: %d read, error %v; want %q", tt.size, len(body), err, tt.wantErr)
		}
	}
}
