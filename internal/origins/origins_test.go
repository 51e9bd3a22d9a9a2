package origins

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestServeFiles: a directory and a file system (files built in) are served
// alike: index.html for directories, a JavaScript type for .js, sibling
// .headers files, 404 for what is missing or outside, GET and HEAD only.
func TestServeFiles(t *testing.T) {
	files := fstest.MapFS{
		"index.html":             {Data: []byte("<h1>home</h1>")},
		"sw.js":                  {Data: []byte("self.x = 1;")},
		"sw.js.headers":          {Data: []byte("Service-Worker-Allowed: /\nContent-Type: application/javascript")},
		"article/one/index.html": {Data: []byte("one")},
		"data":                   {Data: []byte{1, 2}},
	}
	dir := t.TempDir()
	for name, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "secret"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		code         int
		body, ctype  string
		header       [2]string
	}{
		{"GET", "/", 200, "<h1>home</h1>", "text/html; charset=utf-8", [2]string{}},
		{"GET", "/article/one/", 200, "one", "text/html; charset=utf-8", [2]string{}},
		{"GET", "/article/one", 200, "one", "text/html; charset=utf-8", [2]string{}},
		{"GET", "/sw.js", 200, "self.x = 1;", "application/javascript", [2]string{"Service-Worker-Allowed", "/"}},
		{"GET", "/data", 200, "\x01\x02", "application/octet-stream", [2]string{}},
		{"HEAD", "/sw.js", 200, "", "application/javascript", [2]string{"Content-Length", "11"}},
		{"GET", "/missing.js", 404, "404 page not found\n", "text/plain; charset=utf-8", [2]string{}},
		{"GET", "/article/", 404, "404 page not found\n", "text/plain; charset=utf-8", [2]string{}},
		{"GET", "/../secret", 404, "404 page not found\n", "text/plain; charset=utf-8", [2]string{}},
		{"GET", "/%2e%2e/secret", 404, "404 page not found\n", "text/plain; charset=utf-8", [2]string{}},
		{"POST", "/sw.js", 405, "method not allowed\n", "text/plain; charset=utf-8", [2]string{"Allow", "GET, HEAD"}},
	}
	for _, m := range []Mapping{{Origin: "https://dir.example", Dir: dir}, {Origin: "https://fs.example", FS: files}} {
		tr := NewTransport(nil, m)
		for _, tt := range tests {
			t.Run(m.Target()+" "+tt.method+" "+tt.path, func(t *testing.T) {
				req, err := http.NewRequest(tt.method, m.Origin+tt.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := tr.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != tt.code || string(body) != tt.body || resp.Header.Get("Content-Type") != tt.ctype {
					t.Fatalf("HTTP %d %q %q; want %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.code, tt.ctype, tt.body)
				}
				if k := tt.header[0]; k != "" && resp.Header.Get(k) != tt.header[1] {
					t.Fatalf("%s: %q, want %q", k, resp.Header.Get(k), tt.header[1])
				}
			})
		}
	}
}

// TestServeFilesLastModified: a file's modification time is its
// Last-Modified; files built in have none, and send none.
func TestServeFilesLastModified(t *testing.T) {
	when := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		files fstest.MapFS
		want  string
	}{
		{fstest.MapFS{"a.txt": {Data: []byte("a"), ModTime: when}}, "Fri, 01 May 2026 12:00:00 GMT"},
		{fstest.MapFS{"a.txt": {Data: []byte("a")}}, ""},
	} {
		tr := NewTransport(nil, Mapping{Origin: "https://fs.example", FS: tt.files})
		req, _ := http.NewRequest("GET", "https://fs.example/a.txt", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Last-Modified"); got != tt.want {
			t.Errorf("Last-Modified %q, want %q", got, tt.want)
		}
	}
}

// TestMappingCheck: a mapping that cannot serve is refused up front, with
// what is wrong.
func TestMappingCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		m       Mapping
		wantErr string
	}{
		{Mapping{Origin: "https://a.example", Dir: dir}, ""},
		{Mapping{Origin: "https://a.example", FS: fstest.MapFS{}}, ""},
		{Mapping{Origin: "https://a.example", Upstream: "http://127.0.0.1:1"}, ""},
		{Mapping{Origin: "https://a.example", Dir: filepath.Join(dir, "missing")}, "no such file or directory"},
		{Mapping{Origin: "https://a.example", Dir: file}, "not a directory"},
		{Mapping{Origin: "https://a.example"}, "want one of"},
		{Mapping{Origin: "https://a.example", Dir: dir, Upstream: "http://127.0.0.1:1"}, "want one of"},
		{Mapping{Dir: dir}, "no origin"},
	}
	for _, tt := range tests {
		err := tt.m.Check()
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%+v: %v, want %q", tt.m, err, tt.wantErr)
		}
	}
}
