package swhost_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/swhost/swhost"
)

// A Go program embeds a host with only the swhost package: a site served
// from a file system (an embed.FS would do), its worker registered, a push
// that the worker turns into a content index entry, and the entries the
// user agent would display.
func Example() {
	site := fstest.MapFS{
		"index.html": {Data: []byte(`<!doctype html><title>Example</title>`)},
		"sw.js": {Data: []byte(`
self.addEventListener('fetch', () => {});
self.addEventListener('push', (e) => e.waitUntil(self.registration.index.add({
  id: e.data.text(), title: 'Hello', description: 'An article to read offline', url: '/articles/' + e.data.text(),
})));`)},
	}
	ctx := context.Background()
	host, err := swhost.New(ctx, swhost.Config{
		Origins:       []swhost.Mapping{{Origin: "https://example.test", FS: site}},
		IndexIcons:    "none",
		IndexLimits:   swhost.IndexLimits{MaxEntriesPerRegistration: 100},
		OnScriptError: func(src swhost.Source, err *swhost.ScriptError) { fmt.Println(src.URL, err) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	if _, err := host.Register(ctx, "https://example.test/sw.js", ""); err != nil {
		fmt.Println(err)
		return
	}
	if err := host.Push(ctx, "https://example.test/", []byte("hello")); err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range host.IndexEntries(true, "") {
		fmt.Println(e.Description.ID, e.Description.Title, e.LaunchURL)
	}
	// Output: hello Hello https://example.test/articles/hello
}
