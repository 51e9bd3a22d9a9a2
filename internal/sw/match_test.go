package sw

import "testing"

func TestMatchScope(t *testing.T) {
	scopes := []string{
		"https://a.example/",
		"https://a.example/app/",
		"https://a.example/app/admin/",
		"https://a.example/app",
		"https://b.example/app/",
	}
	tests := []struct {
		client string
		want   string
		ok     bool
	}{
		{"https://a.example/", "https://a.example/", true},
		{"https://a.example/index.html", "https://a.example/", true},
		{"https://a.example/app/page", "https://a.example/app/", true},
		{"https://a.example/app/admin/x?y", "https://a.example/app/admin/", true},
		{"https://a.example/application", "https://a.example/app", true}, // prefix, not path-segment, per spec
		{"https://a.example/app/#frag", "https://a.example/app/", true},
		{"https://b.example/other", "", false},
		{"https://b.example/app/x", "https://b.example/app/", true},
		{"https://c.example/", "", false},
		{"http://a.example/", "", false}, // scheme is part of the origin
		{"data:text/plain,x", "", false},
	}
	for _, tt := range tests {
		got, ok := MatchScope(tt.client, scopes)
		if got != tt.want || ok != tt.ok {
			t.Errorf("MatchScope(%q) = %q, %v; want %q, %v", tt.client, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPotentiallyTrustworthy(t *testing.T) {
	tests := map[string]bool{
		"https://news.example":  true,
		"http://localhost:8080": true,
		"http://x.localhost":    true,
		"http://127.0.0.1:9":    true,
		"http://[::1]:80":       true,
		"http://news.example":   false,
		"http://10.0.0.1":       false,
		"ftp://x.example":       false,
		"null":                  false,
	}
	for origin, want := range tests {
		if got := PotentiallyTrustworthy(origin); got != want {
			t.Errorf("PotentiallyTrustworthy(%q) = %v, want %v", origin, got, want)
		}
	}
}

func TestOriginOf(t *testing.T) {
	tests := map[string]string{
		"https://News.Example:443/a?b#c": "https://news.example",
		"http://x.example:8080/":         "http://x.example:8080",
		"http://[::1]:3000/x":            "http://[::1]:3000",
		"blob:https://x/y":               "null",
		"not a url":                      "null",
	}
	for in, want := range tests {
		if got := OriginOf(in); got != want {
			t.Errorf("OriginOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsJavaScriptMIME(t *testing.T) {
	tests := map[string]bool{
		"text/javascript":                       true,
		"application/javascript; charset=utf-8": true,
		"TEXT/JavaScript":                       true,
		"text/plain":                            false,
		"application/json":                      false,
		"":                                      false,
	}
	for ct, want := range tests {
		if got := IsJavaScriptMIME(ct); got != want {
			t.Errorf("IsJavaScriptMIME(%q) = %v, want %v", ct, got, want)
		}
	}
}
