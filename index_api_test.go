package swhost_test

import (
	"strings"
	"testing"
)

// Issue 4, point 1: the API surface in both realms.
func TestIndexAPISurface(t *testing.T) {
	c := newCIHost(t, ciOptions{})
	// Each check is an expression that must be true in the realm.
	common := []string{
		// [SameObject] readonly attribute ContentIndex index
		`reg.index === reg.index`,
		`reg.index instanceof ContentIndex`,
		`Object.getPrototypeOf(reg.index) === ContentIndex.prototype`,
		// the attribute is a getter on ServiceWorkerRegistration.prototype
		`typeof Object.getOwnPropertyDescriptor(ServiceWorkerRegistration.prototype, 'index').get === 'function'`,
		`Object.getOwnPropertyDescriptor(ServiceWorkerRegistration.prototype, 'index').set === undefined`,
		`Object.getOwnPropertyDescriptor(ServiceWorkerRegistration.prototype, 'index').enumerable`,
		`Object.getOwnPropertyDescriptor(ServiceWorkerRegistration.prototype, 'index').get.name === 'get index'`,
		`(() => { try { Object.getOwnPropertyDescriptor(ServiceWorkerRegistration.prototype, 'index').get.call({}); return false } catch (e) { return e instanceof TypeError } })()`,
		// ContentIndex: an interface object
		`Object.getOwnPropertyDescriptor(self, 'ContentIndex').enumerable === false`,
		`Object.getOwnPropertyDescriptor(self, 'ContentIndex').writable`,
		`ContentIndex.name === 'ContentIndex' && ContentIndex.length === 0`,
		`(() => { try { new ContentIndex(); return false } catch (e) { return e instanceof TypeError } })()`,
		`(() => { try { ContentIndex(); return false } catch (e) { return e instanceof TypeError } })()`,
		`Object.prototype.toString.call(reg.index) === '[object ContentIndex]'`,
		`['add', 'delete', 'getAll'].every((m) => { const d = Object.getOwnPropertyDescriptor(ContentIndex.prototype, m); return typeof d.value === 'function' && d.enumerable && d.writable && d.configurable; })`,
		`ContentIndex.prototype.add.length === 1 && ContentIndex.prototype.delete.length === 1 && ContentIndex.prototype.getAll.length === 0`,
		`ContentIndex.prototype.add.name === 'add' && ContentIndex.prototype.delete.name === 'delete' && ContentIndex.prototype.getAll.name === 'getAll'`,
		// operations are functions, not constructors
		`['add', 'delete', 'getAll'].every((m) => { const f = ContentIndex.prototype[m]; if (Object.getPrototypeOf(f) !== Function.prototype || 'prototype' in f) return false; try { new f(); return false } catch (e) { return e instanceof TypeError } })`,
		`await idx.delete(Symbol()).then(() => false, (e) => e instanceof TypeError)`,
		`await idx.add.call(reg, {}).then(() => false, (e) => e instanceof TypeError && e.message === 'Illegal invocation')`,
		// operations return promises, never throw
		`idx.add() instanceof Promise && idx.delete() instanceof Promise && idx.getAll() instanceof Promise`,
		`await ContentIndex.prototype.getAll.call({}).then(() => false, (e) => e instanceof TypeError)`,
		`await ContentIndex.prototype.add.call(undefined, {}).then(() => false, (e) => e instanceof TypeError)`,
		`await idx.add().then(() => false, (e) => e instanceof TypeError)`,
		`await idx.delete().then(() => false, (e) => e instanceof TypeError)`,
		`(await idx.getAll()) instanceof Array`,
	}
	window := []string{
		// [Exposed=ServiceWorker]: not in a window
		`!('ContentIndexEvent' in self)`,
		`!('oncontentdelete' in self)`,
	}
	worker := []string{
		`typeof ContentIndexEvent === 'function' && ContentIndexEvent.name === 'ContentIndexEvent' && ContentIndexEvent.length === 2`,
		`Object.getPrototypeOf(ContentIndexEvent) === ExtendableEvent`,
		`Object.getPrototypeOf(ContentIndexEvent.prototype) === ExtendableEvent.prototype`,
		`new ContentIndexEvent('contentdelete', { id: 'x' }).id === 'x'`,
		`new ContentIndexEvent('contentdelete', { id: 5 }).id === '5'`,
		`new ContentIndexEvent('contentdelete', { id: 'x' }) instanceof ExtendableEvent`,
		`new ContentIndexEvent('contentdelete', { id: 'x' }).type === 'contentdelete'`,
		`new ContentIndexEvent('x', { id: 'y', bubbles: true, cancelable: true }).cancelable`,
		`new ContentIndexEvent('x', { id: 'y' }).isTrusted === false`,
		`(() => { try { new ContentIndexEvent('contentdelete'); return false } catch (e) { return e instanceof TypeError } })()`,
		`(() => { try { new ContentIndexEvent('contentdelete', {}); return false } catch (e) { return e instanceof TypeError } })()`,
		`(() => { try { ContentIndexEvent('contentdelete', { id: 'x' }); return false } catch (e) { return e instanceof TypeError } })()`,
		`(() => { try { Object.getOwnPropertyDescriptor(ContentIndexEvent.prototype, 'id').get.call(new ExtendableEvent('x')); return false } catch (e) { return e instanceof TypeError } })()`,
		`Object.getOwnPropertyDescriptor(ContentIndexEvent.prototype, 'id').set === undefined`,
		// attribute EventHandler oncontentdelete
		`'oncontentdelete' in self && self.oncontentdelete === null`,
		`Object.getOwnPropertyDescriptor(ServiceWorkerGlobalScope.prototype, 'oncontentdelete').get.name === 'get oncontentdelete'`,
		`Object.getOwnPropertyDescriptor(ServiceWorkerGlobalScope.prototype, 'oncontentdelete').set.name === 'set oncontentdelete'`,
		`Object.getOwnPropertyDescriptor(ContentIndexEvent.prototype, 'id').get.name === 'get id'`,
		`(() => { let got = null; self.oncontentdelete = (e) => { got = e.id; }; self.dispatchEvent(new ContentIndexEvent('contentdelete', { id: 'via-handler' })); self.oncontentdelete = null; return got === 'via-handler'; })()`,
		`self.registration.index === reg.index`,
	}
	for _, realm := range ciRealms {
		checks := append([]string(nil), common...)
		if realm == "window" {
			checks = append(checks, window...)
		} else {
			checks = append(checks, worker...)
		}
		for _, expr := range checks {
			t.Run(realm+"/"+expr, func(t *testing.T) {
				if r := c.run(realm, "return !!("+expr+");"); r.String() != "true" {
					t.Fatalf("%s in %s: %s", expr, realm, r)
				}
			})
		}
	}
}

// Issue 4, point 1 and 2: getAll returns the descriptions in insertion
// order and exactly as given; the same id overwrites in place.
func TestIndexGetAllExactlyAsGiven(t *testing.T) {
	for _, realm := range ciRealms {
		t.Run(realm, func(t *testing.T) {
			c := newCIHost(t, ciOptions{cfg: swhostConfigIconsFetch()})
			r := c.run(realm, `
const given = [
  { id: 'z', title: 'Zed', description: 'last letter', url: '/a/z?q=1#frag', category: 'video' },
  { id: 'b', title: 'Bee', description: 'icons as given', url: './a/b', icons: [{ src: '/icons/tiny.png' }, { src: 'icons/tiny.svg', sizes: '16x16 32x32', type: 'image/svg+xml', label: 'logo' }] },
  { id: 'a', title: 'A', description: 'extra members are not kept', url: '/a/a', extra: 1, category: undefined, icons: undefined },
  { id: 10, title: 11, description: 12, url: '/a/10', category: 'audio', icons: [{ src: '/icons/tiny.gif', sizes: '' }] },
];
for (const d of given) await idx.add(d);
// Overwrite b in place: its position is kept.
await idx.add({ id: 'b', title: 'Bee 2', description: 'overwritten', url: '/a/b2', category: 'homepage' });
return await idx.getAll();`)
			want := `[` +
				`{"category":"video","description":"last letter","icons":[],"id":"z","title":"Zed","url":"/a/z?q=1#frag"},` +
				`{"category":"homepage","description":"overwritten","icons":[],"id":"b","title":"Bee 2","url":"/a/b2"},` +
				`{"category":"","description":"extra members are not kept","icons":[],"id":"a","title":"A","url":"/a/a"},` +
				`{"category":"audio","description":"12","icons":[{"sizes":"","src":"/icons/tiny.gif"}],"id":"10","title":"11","url":"/a/10"}]`
			if got := r.String(); got != want {
				t.Fatalf("getAll:\n got %s\nwant %s", got, want)
			}
			// The icons of a description are given back without added keys.
			r = c.run(realm, `
await idx.add({ id: 'i', title: 'T', description: 'D', url: '/a/i', icons: [{ src: 'icons/tiny.svg', sizes: '16x16 32x32', type: 'image/svg+xml', label: 'logo' }, { src: '/icons/tiny.png' }] });
const d = (await idx.getAll()).find((x) => x.id === 'i');
return d.icons.map((i) => Object.keys(i).join('+') + '=' + Object.values(i).join('|'));`)
			if got := r.String(); got != `["label+sizes+src+type=logo|16x16 32x32|icons/tiny.svg|image/svg+xml","src=/icons/tiny.png"]` {
				t.Fatalf("icons %s", got)
			}
			// getAll gives new objects each time.
			r = c.run(realm, `const [a, b] = [await idx.getAll(), await idx.getAll()]; a[0].title = 'changed'; return a !== b && a[0] !== b[0] && b[0].title !== 'changed';`)
			if r.String() != "true" {
				t.Fatalf("getAll objects: %s", r)
			}
			// The objects are made as WebIDL's dictionary conversion makes
			// them (CreateDataProperty): setters a script put on
			// Object.prototype never run and hide no member; the objects are
			// ordinary, with %Object.prototype%.
			r = c.run(realm, `
const seen = [];
for (const k of ['category', 'description', 'icons', 'id', 'title', 'url', 'src', 'label', 'sizes', 'type']) {
  Object.defineProperty(Object.prototype, k, { set(v) { seen.push(k); }, get() { return 'inherited'; }, configurable: true });
}
try {
  const d = (await idx.getAll()).find((x) => x.id === 'i');
  const own = (o) => Object.getOwnPropertyNames(o).map((k) => k + '=' + (Object.getOwnPropertyDescriptor(o, k).writable && Object.getOwnPropertyDescriptor(o, k).enumerable && Object.getOwnPropertyDescriptor(o, k).configurable)).join(',');
  return [seen.length, own(d), own(d.icons[0]), Object.getPrototypeOf(d) === Object.prototype, Object.getPrototypeOf(d.icons[0]) === Object.prototype, d.title, d.icons[1].src].join(' | ');
} finally {
  for (const k of ['category', 'description', 'icons', 'id', 'title', 'url', 'src', 'label', 'sizes', 'type']) delete Object.prototype[k];
}`)
			if got, want := r.String(), `"0 | category=true,description=true,icons=true,id=true,title=true,url=true | label=true,sizes=true,src=true,type=true | true | true | T | /icons/tiny.png"`; got != want {
				t.Fatalf("getAll objects with setters on Object.prototype:\n got %s\nwant %s", got, want)
			}
			// The launch URL is resolved; the description keeps the string.
			e, err := c.h.FindEntry("", "b")
			if err != nil {
				t.Fatal(err)
			}
			if e.LaunchURL != ciOrigin+"/a/b2" || e.Description.URL != "/a/b2" {
				t.Fatalf("entry b: launch %q, url %q", e.LaunchURL, e.Description.URL)
			}
		})
	}
}

// Issue 4, point 2: add() per §5.3.1, in both realms.
func TestIndexAddAlgorithm(t *testing.T) {
	c := newCIHost(t, ciOptions{register: []string{"/sw.js", "/narrow/sw.js", "/nofetch/sw.js"}})
	tests := []struct {
		name  string
		scope string // the registration whose index is used (default /)
		body  string // returns the outcome
		want  string
	}{
		{"a URL in scope is accepted", "", `await idx.add(desc('ok', { url: '/a/ok' })); return 'resolved';`, "resolved"},
		{"a URL under a narrower registration is refused", "",
			`return idx.add(desc('n', { url: '/narrow/page' })).then(() => 'resolved', (e) => e.name + ': ' + e.message);`,
			"TypeError: ContentDescription.url '" + ciOrigin + "/narrow/page' is not controlled by this service worker registration"},
		{"the narrower registration may add it", "/narrow/",
			`await idx.add(desc('n', { url: '/narrow/page' })); return 'resolved';`, "resolved"},
		{"a URL outside the narrower scope is refused by it", "/narrow/",
			`return idx.add(desc('n2', { url: '/a/x' })).then(() => 'resolved', (e) => e.name);`, "TypeError"},
		{"a URL beside the scope is refused (/narrowish is not under /narrow/)", "/narrow/",
			`return idx.add(desc('n3', { url: '/narrowish' })).then(() => 'resolved', (e) => e.name);`, "TypeError"},
		// The worker's API base URL is /narrow/sw.js, the window's
		// /page.html: the same relative URL is in scope for one only.
		{"relative URLs resolve against the API base URL", "/narrow/",
			`return idx.add(desc('rel', { url: 'relative-page' })).then(() => 'resolved', (e) => e.name + ': ' + e.message);`, "relative"},
		{"a worker without a fetch listener is refused", "/nofetch/",
			`return idx.add(desc('f', { url: '/nofetch/x' })).then(() => 'resolved', (e) => e.name + ': ' + e.message);`,
			"TypeError: the active service worker has no fetch event listener"},
		{"icons must be http(s)", "",
			`return idx.add(desc('i', { icons: [{ src: 'ftp://ci.example/i.png' }] })).then(() => 'resolved', (e) => e.name);`, "TypeError"},
		{"the same id overwrites", "",
			`await idx.add(desc('same', { title: 'one' })); await idx.add(desc('same', { title: 'two' }));
			 const all = (await idx.getAll()).filter((d) => d.id === 'same'); return all.length + ' ' + all[0].title;`, "1 two"},
		{"delete of an absent id resolves", "", `return String(await idx.delete('never-added'));`, "undefined"},
		{"add resolves with undefined", "", `return String(await idx.add(desc('undef')));`, "undefined"},
	}
	prelude := `const desc = (id, over) => Object.assign({ id, title: 'Title ' + id, description: 'About ' + id, url: '/a/' + id }, over || {});` + "\n"
	for _, realm := range ciRealms {
		for _, tt := range tests {
			t.Run(realm+"/"+tt.name, func(t *testing.T) {
				scope := ciOrigin + "/"
				if tt.scope != "" {
					scope = ciOrigin + tt.scope
				}
				want := tt.want
				if want == "relative" {
					want = "resolved"
					if realm == "window" {
						want = "TypeError: ContentDescription.url '" + ciOrigin + "/relative-page' is not controlled by this service worker registration"
					}
				}
				if got := c.start(realm, scope, prelude+tt.body)(); got.str() != want {
					t.Fatalf("got %s, want %s", got, want)
				}
				if tt.want == "relative" && realm == "worker" {
					e, err := c.h.FindEntry(c.regID(ciOrigin+"/narrow/"), "rel")
					if err != nil {
						t.Fatal(err)
					}
					if e.LaunchURL != ciOrigin+"/narrow/relative-page" || e.Description.URL != "relative-page" {
						t.Fatalf("launch URL %q, url %q", e.LaunchURL, e.Description.URL)
					}
				}
			})
		}
	}
}

// Issue 4, point 2: no active worker → TypeError, from the worker (its
// install handler) and from a window (while the registration installs).
func TestIndexAddNoActiveWorker(t *testing.T) {
	c := newCIHost(t, ciOptions{})
	open := c.site.gate("/gate/late-install")
	defer open()
	// The window registers the late worker; its install waits at the gate.
	res := c.start("window", ciOrigin+"/", `
const late = await navigator.serviceWorker.register('/late/sw.js');
const r = await late.index.add({ id: 'w', title: 't', description: 'd', url: '/late/w' }).then(() => 'resolved', (e) => e.name + ': ' + e.message);
return [late.installing !== null, late.active === null, r].join(' ');`)
	if got := res().str(); got != "true true TypeError: the service worker registration has no active worker" {
		t.Fatalf("window: %s", got)
	}
	select {
	case <-c.site.arrived("/gate/late-install"):
	case <-testCtx(t).Done():
		t.Fatalf("the late worker never reached its gate (script errors: %v)", c.errs.list())
	}
	open()
	// The install handler's own add() was refused too.
	r := c.run("window", `
const late = await navigator.serviceWorker.getRegistration('/late/');
await new Promise((res) => { const w = late.installing || late.waiting || late.active; if (w.state === 'activated') res(); else w.addEventListener('statechange', () => { if (w.state === 'activated') res(); }); });
const outcome = await (await (await caches.open('late')).match('/outcome')).text();
return outcome + ' | entries: ' + (await late.index.getAll()).length;`)
	if got := r.str(); got != "TypeError: the service worker registration has no active worker | entries: 0" {
		t.Fatalf("worker: %s", got)
	}
}

// Issue 4, point 2: icons are fetched as image requests, no-cors, with
// credentials; every supported format decodes, SVG is accepted, failures
// reject with a TypeError and bombs are refused.
func TestIndexAddIcons(t *testing.T) {
	c := newCIHost(t, ciOptions{})
	formats := []string{"tiny.png", "tiny.jpg", "tiny.gif", "tiny.webp", "tiny.ico", "tiny.svg"}
	for _, realm := range ciRealms {
		t.Run(realm, func(t *testing.T) {
			var srcs []string
			for _, f := range formats {
				srcs = append(srcs, `{ src: '/icons/`+f+`' }`)
			}
			id := "icons-" + realm
			r := c.run(realm, `await idx.add({ id: '`+id+`', title: 't', description: 'd', url: '/a/x', icons: [`+strings.Join(srcs, ",")+`] }); return 'resolved';`)
			if r.str() != "resolved" {
				t.Fatalf("add with every format: %s", r)
			}
			e, err := c.h.FindEntry("", id)
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for i, ic := range e.Icons {
				full, err := c.h.Index().Icon(testCtx(t), e.RegID, id, i)
				if err != nil || len(full.Data) == 0 {
					t.Fatalf("icon %d: %v", i, err)
				}
				types = append(types, ic.ContentType)
			}
			if got := strings.Join(types, " "); got != "image/png image/jpeg image/gif image/webp image/x-icon image/svg+xml" {
				t.Fatalf("icon types %s", got)
			}
		})
	}
	// The window's icon requests go through its controller: the worker saw
	// them as image requests, no-cors, with credentials.
	r := c.run("worker", `return self.seenRequests.filter((r) => r.path.startsWith('/icons/')).map((r) => r.destination + ' ' + r.mode + ' ' + r.credentials);`)
	want := `["image no-cors include","image no-cors include","image no-cors include","image no-cors include","image no-cors include","image no-cors include"]`
	if r.String() != want {
		t.Fatalf("icon requests seen by the worker: %s", r)
	}
}

func TestIndexIconsNoneMode(t *testing.T) {
	c := newCIHost(t, ciOptions{cfg: swhostConfigIconsNone()})
	for _, realm := range ciRealms {
		t.Run(realm, func(t *testing.T) {
			before := c.site.count("/icons/missing.png")
			r := c.run(realm, `await idx.add({ id: 'n-`+realm+`', title: 't', description: 'd', url: '/a/x', icons: [{ src: '/icons/missing.png', sizes: '1x1' }] });
return (await idx.getAll()).find((d) => d.id === 'n-`+realm+`').icons;`)
			if r.String() != `[{"sizes":"1x1","src":"/icons/missing.png"}]` {
				t.Fatalf("%s", r)
			}
			if n := c.site.count("/icons/missing.png"); n != before {
				t.Fatalf("icons were fetched in none mode (%d requests)", n-before)
			}
			// Still refused: an icon URL that is not http(s).
			r = c.run(realm, `return idx.add({ id: 'n2', title: 't', description: 'd', url: '/a/x', icons: [{ src: 'data:image/png;base64,AAAA' }] }).then(() => 'resolved', (e) => e.name);`)
			if r.str() != "TypeError" {
				t.Fatalf("data: icon in none mode: %s", r)
			}
		})
	}
}
