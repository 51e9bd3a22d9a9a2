package swhost_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/origins"
)

// The user agent's UI in a real browser: headless Chromium (Debian's
// chromium package) driven with chromedp. One browser serves every subtest.
// Locally the test is skipped when Chromium is missing; on CI (CI=true) that
// is a failure.

func uiChromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SWHOST_CHROMIUM"), "/usr/bin/chromium"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium); browser tests must run on CI")
	}
	t.Skip("chromium is not installed; skipping the browser tests")
	return ""
}

// newBrowser starts Chromium with a fresh profile and returns the context
// of its first tab (kept open: closing a browser's last tab ends it).
func uiStartBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(uiChromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return bctx
}

// uiTab opens a tab, closed at the end of t.
func uiTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatal(err)
	}
	return tab
}

// uiActionTimeout bounds each browser action, so that a bug fails the test
// instead of hanging it; no assertion depends on it.
const uiActionTimeout = time.Minute

func uiDo(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, uiActionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func uiEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, uiActionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// uiPoll waits until expr is true in the page, across navigations (an
// evaluation that a navigation interrupts is tried again).
func uiPoll(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, uiActionTimeout)
	defer cancel()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("waiting for %s: %v", expr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uiText is the text content of the first element sel selects ("" if none).
func uiText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return uiEval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel))
}

// screenshot saves a full-page PNG as a CI artifact ($SWHOST_ARTIFACTS, else
// the test's temporary directory) and prints its path.
func uiShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, uiActionTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv("SWHOST_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
	fmt.Printf("screenshot: %s\n", p)
}

func uiEntrySel(regID, id string) string { return fmt.Sprintf(`li.entry[data-key=%q]`, regID+"/"+id) }

// waitEvent waits until the host recorded a functional event of typ (its
// handler and waitUntil promises are done).
func uiWaitEvent(t *testing.T, h *swhost.Host, typ string, after int) {
	t.Helper()
	for i := 0; ; i++ {
		n := 0
		for _, e := range h.Events() {
			if e.Type == typ {
				n++
			}
		}
		if n > after {
			return
		}
		if i == 1200 {
			t.Fatalf("no %s event done", typ)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func uiCountEvents(h *swhost.Host, typ string) int {
	n := 0
	for _, e := range h.Events() {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func TestBrowser(t *testing.T) {
	browser := uiStartBrowser(t)
	h, up, con := uiNewsHost(t, swhost.Config{GrantMode: "prompt", Origins: []origins.Mapping{
		{Origin: "https://evil.example", Dir: "testdata/ui/evil"},
		{Origin: "https://sdk.example", Dir: "testdata/ui/sdk"},
	}})
	s := newUIServer(t, h)
	port := strings.Split(s.addr, ":")[1]
	front := "http://news.localhost:" + port
	ctx := uiCtx(t, 5*time.Minute)
	shelf := uiTab(t, browser)

	t.Run("PushAppearsLive", func(t *testing.T) {
		uiDo(t, shelf, chromedp.Navigate(s.url+"/"), chromedp.WaitReady(chromedp.CSS(`#shelf[data-ready="true"]`)))
		if !strings.Contains(uiText(t, shelf, "#shelf-empty"), "Nothing on the shelf yet") {
			t.Error("no empty-shelf message")
		}
		uiEval[bool](t, shelf, `window.stillTheSamePage = true`)
		for _, a := range []struct{ id, title string }{{"welcome", "Welcome to the offline news"}, {"offline-first", "Offline first, explained"},
			{"content-index", "What the Content Index is for"}} {
			if err := h.Push(ctx, "https://news.example/", uiArticlePush(a.id, a.title)); err != nil {
				t.Fatal(err)
			}
			uiDo(t, shelf, chromedp.WaitVisible(chromedp.CSS(uiEntrySel("1", a.id))))
		}
		if !uiEval[bool](t, shelf, `window.stillTheSamePage === true`) {
			t.Fatal("the shelf reloaded")
		}
		card := uiText(t, shelf, uiEntrySel("1", "offline-first"))
		for _, want := range []string{"https://news.example", "Offline first, explained", "The article Offline first, explained, saved for offline reading.", "Article"} {
			if !strings.Contains(card, want) {
				t.Errorf("the card lacks %q: %s", want, card)
			}
		}
		if !uiEval[bool](t, shelf, `(async () => { const img = document.querySelector('`+uiEntrySel("1", "offline-first")+` img.icon'); await img.decode(); return img.naturalWidth === 64; })()`) {
			t.Error("the icon did not load")
		}
		if !uiEval[bool](t, shelf, `document.querySelector('#shelf-empty').hidden`) {
			t.Error("the empty-shelf message is still shown")
		}
		uiShot(t, shelf, "shelf")
	})

	t.Run("OpenWithUpstreamDown", func(t *testing.T) {
		up.down.Store(true)
		defer up.down.Store(false)
		opened := chromedp.WaitNewTarget(shelf, func(i *target.Info) bool { return strings.HasPrefix(i.URL, front+"/") })
		uiDo(t, shelf, chromedp.Click(chromedp.CSS(uiEntrySel("1", "offline-first")+" button.open")))
		var id target.ID
		select {
		case id = <-opened:
		case <-time.After(uiActionTimeout):
			infos, _ := chromedp.Targets(shelf)
			for _, i := range infos {
				t.Logf("target %s %s opener=%s attached=%v", i.Type, i.URL, i.OpenerID, i.Attached)
			}
			t.Fatal("no new tab opened")
		}
		// Attach to the new tab; its first action must have no deadline
		// (the deadline would bind the tab's life).
		actx, cancel := chromedp.NewContext(shelf, chromedp.WithTargetID(id))
		defer cancel()
		if err := chromedp.Do(actx); err != nil {
			t.Fatal(err)
		}
		uiDo(t, actx, chromedp.WaitVisible(chromedp.CSS("article h1")))
		if got := uiText(t, actx, "article h1"); got != "Offline first, explained" {
			t.Errorf("the new tab shows %q", got)
		}
		if loc := uiEval[string](t, actx, "location.href"); loc != front+"/article/offline-first" {
			t.Errorf("the new tab is at %s", loc)
		}
		var client bool
		for _, cl := range h.Core().Clients("https://news.example") {
			client = client || (cl.URL == "https://news.example/article/offline-first" && cl.ServedByWorker)
		}
		if !client {
			t.Error("no window client for the opened entry, served by the worker")
		}
		if e, _ := h.FindEntry("1", "offline-first"); e.Opens != 1 {
			t.Errorf("opens %d", e.Opens)
		}
	})

	t.Run("DeleteRunsContentDelete", func(t *testing.T) {
		up.down.Store(true)
		defer up.down.Store(false)
		before := uiCountEvents(h, "contentdelete")
		if !uiCached(t, h, con, "offline-first") {
			t.Fatal("the article is not uiCached")
		}
		uiDo(t, shelf, chromedp.Click(chromedp.CSS(uiEntrySel("1", "offline-first")+" button.delete")),
			chromedp.WaitNotPresent(chromedp.CSS(uiEntrySel("1", "offline-first"))))
		uiWaitEvent(t, h, "contentdelete", before)
		if _, err := h.FindEntry("1", "offline-first"); err == nil {
			t.Error("the entry is still in the index")
		}
		if uiCached(t, h, con, "offline-first") {
			t.Error("the contentdelete handler did not delete the uiCached article")
		}
		// In the browser, with the network gone, the article is no longer
		// there: the worker answers with its offline page.
		tab := uiTab(t, browser)
		uiDo(t, tab, chromedp.Navigate(front+"/article/offline-first"), chromedp.WaitVisible(chromedp.CSS("main p")))
		if got := uiText(t, tab, "main p"); !strings.Contains(got, "You are offline and this page was not saved") {
			t.Errorf("the deleted article, offline: %q", got)
		}
	})

	t.Run("SiteDeleteUndisplays", func(t *testing.T) {
		uiDo(t, shelf, chromedp.WaitVisible(chromedp.CSS(uiEntrySel("1", "content-index"))))
		page, err := h.OpenPage(ctx, "https://news.example/")
		if err != nil {
			t.Fatal(err)
		}
		defer page.Close()
		if err := page.Eval(ctx, "site.js", `navigator.serviceWorker.ready.then((r) => r.index.delete('content-index')).then(() => console.log('site deleted'))`); err != nil {
			t.Fatal(err)
		}
		if _, err := con.wait(ctx, "site deleted"); err != nil {
			t.Fatal(err)
		}
		uiDo(t, shelf, chromedp.WaitNotPresent(chromedp.CSS(uiEntrySel("1", "content-index"))))
		if !uiEval[bool](t, shelf, `window.stillTheSamePage === true`) {
			t.Error("the shelf reloaded")
		}
	})

	t.Run("FrontPageCannotUseTheAPI", func(t *testing.T) {
		tab := uiTab(t, browser)
		entry := "/api/index/1/welcome"
		uiDo(t, tab, chromedp.Navigate("http://evil.localhost:"+port+"/attack.html"))
		// Even with the token (as if it leaked), a page of the front can
		// neither read nor change anything.
		res := uiEval[map[string]string](t, tab, fmt.Sprintf(`attack(%q, %q, %q)`, s.url, entry, s.token))
		for k, v := range res {
			if k == "noCORS" {
				continue // opaque: the page cannot see the answer; the server log below can
			}
			if !strings.HasPrefix(v, "blocked") {
				t.Errorf("%s: %s", k, v)
			}
		}
		log := s.requests()
		for _, want := range []string{"GET /api/index 403", "GET /api/index/events 403", "POST " + entry + "/delete 403"} {
			if !slices.Contains(log, want) {
				t.Errorf("the server did not refuse %q: %q", want, log)
			}
		}
		// A cross-site form POST without the token (a top-level navigation).
		resp, err := chromedp.RunResponse(tab, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`submitForm(%q)`, s.url+entry+"/delete")))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 403 || !strings.Contains(uiText(t, tab, "body"), "cross-site request refused") {
			t.Errorf("the cross-site form: HTTP %d %q", resp.Status, uiText(t, tab, "body"))
		}
		if _, err := h.FindEntry("1", "welcome"); err != nil {
			t.Errorf("the entry was deleted: %v", err)
		}
	})

	t.Run("Inspector", func(t *testing.T) {
		// A push the worker fails on (not JSON): a script error with file:line.
		_ = h.Push(ctx, "https://news.example/", []byte("not json"))
		tab := uiTab(t, browser)
		uiDo(t, tab, chromedp.Navigate(s.url+"/inspector"), chromedp.WaitVisible(chromedp.CSS("section.registration")))
		if got := uiText(t, tab, "section.registration td.state"); got != "activated" {
			t.Errorf("state %q", got)
		}
		if got := uiText(t, tab, "section.registration .errors code.where"); !strings.HasPrefix(got, "https://news.example/sw.js:") {
			t.Errorf("script error location %q", got)
		}
		if got := uiText(t, tab, "section.registration table.events"); !strings.Contains(got, "contentdelete") || !strings.Contains(got, "push") {
			t.Errorf("events: %s", got)
		}
		// Push a message with the form: the article comes back.
		uiEval[bool](t, tab, `window.beforePush = true`)
		uiDo(t, tab, chromedp.SetValue(chromedp.CSS("textarea[name=data]"), string(uiArticlePush("offline-first", "Offline first, again"))),
			chromedp.Click(chromedp.CSS("form.push button")))
		// The page reloads when the push is done.
		uiPoll(t, tab, `window.beforePush === undefined && document.readyState === 'complete' && !!document.querySelector('section.registration')`)
		e, err := h.FindEntry("1", "offline-first")
		if err != nil || e.Description.Title != "Offline first, again" {
			t.Errorf("after the inspector's push: %+v %v", e.Description, err)
		}
		uiDo(t, shelf, chromedp.WaitVisible(chromedp.CSS(uiEntrySel("1", "offline-first"))))
		uiShot(t, tab, "inspector")
	})

	t.Run("KeyboardAndPhone", func(t *testing.T) {
		tab := uiTab(t, browser)
		uiDo(t, tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS("li.entry")))
		if uiEval[bool](t, tab, `document.documentElement.scrollWidth > window.innerWidth`) {
			t.Error("the shelf scrolls sideways on a phone-sized screen")
		}
		uiShot(t, tab, "shelf-phone")
		// Tab from the top reaches the skip link, then the first entry's
		// Open button; Enter on the next button (Delete) deletes it.
		uiDo(t, tab, chromedp.KeyEvent("\t"))
		if got := uiEval[string](t, tab, `document.activeElement.className`); got != "skip" {
			t.Errorf("first Tab: %q", got)
		}
		reached := false
		for range 20 {
			uiDo(t, tab, chromedp.KeyEvent("\t"))
			if uiEval[string](t, tab, `document.activeElement.className`) == "open" {
				reached = true
				break
			}
		}
		if !reached {
			t.Fatal("Tab never reached an Open button")
		}
		key := uiEval[string](t, tab, `document.activeElement.closest('li.entry').dataset.key`)
		uiDo(t, tab, chromedp.KeyEvent("\t"))
		if got := uiEval[string](t, tab, `document.activeElement.className`); got != "delete" {
			t.Fatalf("after Open comes %q", got)
		}
		before := uiCountEvents(h, "contentdelete")
		uiDo(t, tab, chromedp.KeyEvent("\r"), chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf(`li.entry[data-key=%q]`, key))))
		uiWaitEvent(t, h, "contentdelete", before)
		if uiEval[string](t, tab, `document.activeElement.tagName`) == "BODY" {
			t.Error("the focus was lost when the entry went")
		}
	})

	t.Run("PromptAllowRevoke", func(t *testing.T) {
		disc := h.Discovery()
		if disc == nil {
			t.Skip("the host has no discovery service")
		}
		reg, err := h.Register(ctx, "https://sdk.example/sw.js", "/")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := con.wait(ctx, "sdk published: true"); err != nil {
			t.Fatal(err)
		}
		tab := uiTab(t, browser)
		uiDo(t, tab, chromedp.Navigate(s.url+"/grants"), chromedp.WaitReady(chromedp.CSS(`body[data-prompts-ready="true"]`)))

		page, err := h.OpenPage(ctx, "https://news.example/")
		if err != nil {
			t.Fatal(err)
		}
		defer page.Close()
		err = page.Eval(ctx, "discover.js", `navigator.serviceWorker.discover('https://sdk.example/sw.js').then((d) => {
			const sdk = d.active;
			sdk.addEventListener('statechange', () => console.log('sdk state: ' + sdk.state));
			console.log('discovered: ' + sdk.scriptURL);
		}, (e) => console.log('discover failed: ' + e.name));`)
		if err != nil {
			t.Fatal(err)
		}
		uiDo(t, tab, chromedp.WaitVisible(chromedp.CSS("li.prompt")))
		prompt := uiText(t, tab, "li.prompt")
		for _, want := range []string{"https://news.example", "https://sdk.example/sw.js", "can send messages to this worker"} {
			if !strings.Contains(prompt, want) {
				t.Errorf("the prompt lacks %q", want)
			}
		}
		if got := uiText(t, tab, "#prompt-count .n"); got != "1" {
			t.Errorf("badge %q", got)
		}
		uiShot(t, tab, "prompt")
		uiDo(t, tab, chromedp.Click(chromedp.CSS("li.prompt button.allow")), chromedp.WaitNotPresent(chromedp.CSS("li.prompt")))
		line, err := con.wait(ctx, "discover")
		if err != nil || line != "discovered: https://sdk.example/sw.js" {
			t.Fatalf("the page's discover(): %q %v", line, err)
		}
		if n := len(disc.Instances(reg.ID)); n != 1 {
			t.Fatalf("%d live instances", n)
		}
		uiDo(t, tab, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("tr.grant button.revoke")))
		uiDo(t, tab, chromedp.Click(chromedp.CSS("tr.grant button.revoke")), chromedp.WaitNotPresent(chromedp.CSS("tr.grant button.revoke")))
		if _, err := con.wait(ctx, "sdk state: redundant"); err != nil {
			t.Error(err)
		}
		if n := len(disc.Instances(reg.ID)); n != 0 {
			t.Errorf("%d live instances after revoke", n)
		}
	})
}
