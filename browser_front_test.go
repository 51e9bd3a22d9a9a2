package swhost_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/origins"
)

// TestBrowserFrontOffline: a person's browser — headless Chromium (the
// Debian package) driven with chromedp — reads the news example on the
// front; the site's upstream server is stopped; the article the person read
// still opens and renders, with its stylesheet and image, answered by the
// worker swhost runs. A screenshot is kept as a test artifact
// ($SWHOST_ARTIFACTS, else the test's temporary directory). Without
// Chromium the test is skipped locally and fails on CI.
func TestBrowserFrontOffline(t *testing.T) {
	chromium := ffNeed(t, "chromium", os.Getenv("SWHOST_CHROMIUM"), "/usr/bin/chromium")
	site := newFFSite(t, filepath.Join("examples", "news"))
	h := newFFHost(t, swhost.Config{DataDir: t.TempDir(), Origins: []origins.Mapping{{Origin: "https://news.example", Upstream: site.URL()}}})
	ctx := testCtx(t)
	// As `swhost serve` does: a headless page of the site registers its
	// worker, which precaches the shell.
	home, err := h.OpenPage(ctx, "https://news.example/")
	if err != nil {
		t.Fatal(err)
	}
	if r := h.eval(t, home, `return (await navigator.serviceWorker.ready).active.state;`); r.Err != "" {
		t.Fatal(r)
	}
	home.Close()
	s := ffServe(t, h.Host)
	front := s.front("news")

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		// The front must answer every load: no HTTP cache of the browser's own.
		chromedp.Flag("disk-cache-size", "1"), chromedp.Flag("media-cache-size", "1"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1024, 768))
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	// The first action starts the browser, whose lifetime is its context's.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	// Each browser action is bounded so that a bug fails instead of hanging.
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(tab, time.Minute)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		c, cancel := context.WithTimeout(tab, time.Minute)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}

	// Online: the home page, then two articles by following their links.
	do(chromedp.Navigate(front+"/"), chromedp.WaitVisible(chromedp.CSS("#articles a")))
	// The browser may not install the worker: swhost runs it.
	if got := eval(`navigator.serviceWorker.register('/sw.js').then(() => 'registered', (e) => e.name).then(async (r) => r + ' ' + (await navigator.serviceWorker.getRegistrations()).length)`); got != "TypeError 0" {
		t.Errorf("the browser's own register(): %s", got)
	}
	for _, a := range []struct{ link, title string }{{"/article/offline-first", "Offline first, explained"}, {"/article/welcome", "Welcome to the offline news"}} {
		do(chromedp.Navigate(front+"/"), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("a[href=%q]", a.link))),
			chromedp.Click(chromedp.CSS(fmt.Sprintf("a[href=%q]", a.link))), chromedp.WaitVisible(chromedp.CSS("article h1")))
		if got := eval(`document.querySelector('article h1').textContent`); got != a.title {
			t.Fatalf("online %s: %q", a.link, got)
		}
	}

	site.Stop()
	before := len(s.requests())

	// Offline: the article opens and renders, styled, with its image.
	do(chromedp.Navigate(front+"/article/offline-first"), chromedp.WaitVisible(chromedp.CSS("article h1")))
	if got := eval(`document.querySelector('article h1').textContent`); got != "Offline first, explained" {
		t.Errorf("offline article title %q", got)
	}
	if got := eval(`getComputedStyle(document.body).fontFamily`); !strings.Contains(got, "Georgia") {
		t.Errorf("the stylesheet did not apply offline: font %q", got)
	}
	if got := eval(`(async () => { const img = document.querySelector('header img'); await img.decode(); return String(img.naturalWidth > 0); })()`); got != "true" {
		t.Errorf("the header image did not load offline: %s", got)
	}
	c, cancel := context.WithTimeout(tab, time.Minute)
	shot, err := chromedp.Run(c, chromedp.FullScreenshot(100)) // quality 100: a PNG
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(ffArtifactDir(t), "front-offline-article.png")
	if err := os.WriteFile(p, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)

	// Each offline load reached the front (not a browser cache) and was
	// answered.
	after := s.requests()[before:]
	for _, want := range []string{"GET news.localhost:" + s.port + " /article/offline-first 200", "GET news.localhost:" + s.port + " /style.css 200", "GET news.localhost:" + s.port + " /icons/news.png 200"} {
		if !slices.Contains(after, want) {
			t.Errorf("the front did not answer %q offline; it saw %q", want, after)
		}
	}

	// An article the person never opened: the worker's offline page.
	do(chromedp.Navigate(front+"/article/content-index"), chromedp.WaitVisible(chromedp.CSS("main p")))
	if got := eval(`document.querySelector('main p').textContent`); !strings.Contains(got, "You are offline") {
		t.Errorf("an unread article offline: %q", got)
	}
}
