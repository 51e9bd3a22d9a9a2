package contentindex

import (
	"context"
	"errors"
	"testing"

	"github.com/swhost/swhost/internal/web"
)

func TestFetchIconsRequest(t *testing.T) {
	s := newIconServer()
	s.serve("https://cdn.example/a.png", encPNG(16, 16))
	s.serve("https://news.example/img/b.svg", []byte(tinySVG))
	icons := []ImageResource{{Src: "https://cdn.example/a.png", Sizes: "16x16"}, {Src: "img/b.svg", Label: "b"}}
	got, err := FetchIcons(t.Context(), s, testBase, "https://news.example", icons, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ContentType != "image/png" || got[0].Width != 16 || got[0].Resource != icons[0] ||
		got[1].ContentType != "image/svg+xml" || got[1].URL != "https://news.example/img/b.svg" || got[1].Resource.Label != "b" {
		t.Fatalf("%+v", got)
	}
	if string(got[1].Data) != tinySVG {
		t.Fatal("svg data")
	}
	for _, r := range s.requests() {
		if r.Method != "GET" || r.Destination != "image" || r.Mode != "no-cors" || r.Credentials != "include" ||
			!r.Keepalive || r.Origin != "https://news.example" || r.Redirect != "follow" {
			t.Errorf("request %+v", r)
		}
	}
}

func TestFetchIconsErrors(t *testing.T) {
	png := encPNG(4, 4)
	cases := []struct {
		name   string
		src    string
		body   []byte
		status int
		limits Limits
		err    string
		frag   string
	}{
		{"ok opaque", "/ok.png", png, 0, Limits{}, "", ""},
		{"ok 200", "/ok.png", png, 200, Limits{}, "", ""},
		{"network error", "/missing.png", nil, 0, Limits{}, TypeError, "the icon fetch failed"},
		{"404", "/ok.png", png, 404, Limits{}, TypeError, "HTTP status 404"},
		{"not an image", "/ok.png", []byte("<html>nope</html>"), 200, Limits{}, TypeError, "not a supported image format"},
		{"data url", "data:image/png;base64,AAAA", nil, 0, Limits{}, TypeError, "icons[0].src 'data:image/png;base64,AAAA' is not an http(s) URL"},
		{"javascript url", "javascript:alert(1)", nil, 0, Limits{}, TypeError, "not an http(s) URL"},
		{"ftp url", "ftp://x.example/a.png", nil, 0, Limits{}, TypeError, "not an http(s) URL"},
		{"invalid url", "https://[::1/a.png", nil, 0, Limits{}, TypeError, "icons[0].src 'https://[::1/a.png' is not a valid URL"},
		{"too big", "/ok.png", png, 200, Limits{MaxIconBytes: 10}, QuotaExceededError, "icons[0] (https://news.example/ok.png): the image is"},
		{"too many pixels", "/ok.png", png, 200, Limits{MaxIconPixels: 15}, QuotaExceededError, "4x4 pixels"},
		{"bomb", "/ok.png", pngBomb(100000, 100000), 200, Limits{}, QuotaExceededError, "100000x100000"},
		{"resolved url too long", "/" + string(make([]byte, 0)) + "abcdefghij", png, 0, Limits{MaxURLLen: 20}, QuotaExceededError, "resolves to a URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newIconServer()
			if c.body != nil {
				u, _ := ResolveURL(testBase, c.src)
				s.serve(u, c.body)
				s.status[u] = c.status
			}
			_, err := FetchIcons(t.Context(), s, testBase, "https://news.example", []ImageResource{{Src: c.src}}, c.limits)
			wantErr(t, err, c.err, c.frag)
		})
	}
}

func TestFetchIconsErrorResponse(t *testing.T) {
	f := web.FetcherFunc(func(ctx context.Context, req *web.Request) (*web.Response, error) { return web.NetworkError(), nil })
	_, err := FetchIcons(t.Context(), f, testBase, "", []ImageResource{{Src: "/a.png"}}, Limits{})
	wantErr(t, err, TypeError, "network error")
	f = func(ctx context.Context, req *web.Request) (*web.Response, error) { return nil, nil }
	_, err = FetchIcons(t.Context(), f, testBase, "", []ImageResource{{Src: "/a.png"}}, Limits{})
	wantErr(t, err, TypeError, "network error")
}

func TestFetchIconsTooMany(t *testing.T) {
	_, err := FetchIcons(t.Context(), newIconServer(), testBase, "", make([]ImageResource, 3), Limits{MaxIcons: 2})
	wantErr(t, err, QuotaExceededError, "icons has 3 icons; the limit is 2")
}

// The first failure cancels the other fetches: a blocked fetch does not hold
// the add.
func TestFetchIconsFirstFailureCancels(t *testing.T) {
	s := newIconServer()
	s.serve("https://news.example/slow.png", encPNG(2, 2))
	release := s.gate("https://news.example/slow.png")
	defer release()
	done := make(chan error)
	go func() {
		_, err := FetchIcons(context.Background(), s, testBase, "", []ImageResource{{Src: "/slow.png"}, {Src: "/missing.png"}}, Limits{})
		done <- err
	}()
	err := <-done
	wantErr(t, err, TypeError, "icons[1]")
}

func TestFetchIconsContextCancelled(t *testing.T) {
	s := newIconServer()
	s.serve("https://news.example/slow.png", encPNG(2, 2))
	release := s.gate("https://news.example/slow.png")
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := FetchIcons(ctx, s, testBase, "", []ImageResource{{Src: "/slow.png"}}, Limits{})
		done <- err
	}()
	<-s.started
	cancel()
	err := <-done
	wantErr(t, err, AbortError, "aborted")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cause: %v", err)
	}
}

func TestParseIconMode(t *testing.T) {
	for in, want := range map[string]IconMode{"fetch": IconsFetch, "none": IconsNone, "": IconsFetch} {
		got, err := ParseIconMode(in)
		if err != nil || got != want || (in != "" && got.String() != in) {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseIconMode("some"); err == nil {
		t.Error("accepted some")
	}
}
