package swhost_test

import (
	"fmt"
	"strings"
	"testing"
)

// Issue 4, bad input table: every field of ContentDescription wrong in every
// way, in both realms; each rejects with its exact exception and stores
// nothing. WebIDL converts what it can (a number id becomes "5", as in every
// engine); what it cannot (a Symbol, a non-object dictionary or sequence, a
// missing required member) is a TypeError, and an exception thrown by a
// conversion (a throwing toString) propagates as it is.
func TestIndexBadInput(t *testing.T) {
	c := newCIHost(t, ciOptions{register: []string{"/sw.js", "/narrow/sw.js"}})
	huge := func(n int) string { return fmt.Sprintf("'x'.repeat(%d)", n) }
	tests := []struct {
		name string
		call string // an expression using d (a valid description) that calls idx.add
		want string // "Name: message fragment"
	}{
		// the argument itself
		{"no argument", `idx.add()`, "TypeError: Failed to execute 'add' on 'ContentIndex': 1 argument required, but only 0 present."},
		{"undefined", `idx.add(undefined)`, "TypeError: "},
		{"null", `idx.add(null)`, "TypeError: "},
		{"a number", `idx.add(5)`, "TypeError: "},
		{"a string", `idx.add('desc')`, "TypeError: "},
		{"a getter that throws", `idx.add(Object.defineProperty(d, 'id', { get() { throw new RangeError('getter') } }))`, "RangeError: getter"},
		// id
		{"id missing", `(delete d.id, idx.add(d))`, "TypeError: Failed to execute 'add' on 'ContentIndex': required member id is undefined."},
		{"id undefined", `idx.add({ ...d, id: undefined })`, "TypeError: Failed to execute 'add' on 'ContentIndex': required member id is undefined."},
		{"id empty", `idx.add({ ...d, id: '' })`, "TypeError: ContentDescription.id must not be empty"},
		{"id a Symbol", `idx.add({ ...d, id: Symbol('s') })`, "TypeError: Cannot convert a Symbol value to a string"},
		{"id whose toPrimitive gives a Symbol", `idx.add({ ...d, id: { [Symbol.toPrimitive]() { return Symbol('p') } } })`, "TypeError: Cannot convert a Symbol value to a string"},
		{"id whose toString throws", `idx.add({ ...d, id: { toString() { throw new SyntaxError('tostring') } } })`, "SyntaxError: tostring"},
		{"id huge", `idx.add({ ...d, id: ` + huge(1025) + ` })`, "QuotaExceededError: ContentDescription.id is 1025 bytes long; the limit is 1024"},
		// title
		{"title missing", `(delete d.title, idx.add(d))`, "TypeError: Failed to execute 'add' on 'ContentIndex': required member title is undefined."},
		{"title empty", `idx.add({ ...d, title: '' })`, "TypeError: ContentDescription.title must not be empty"},
		{"title a Symbol", `idx.add({ ...d, title: Symbol() })`, "TypeError: Cannot convert a Symbol value to a string"},
		{"title huge", `idx.add({ ...d, title: ` + huge(1025) + ` })`, "QuotaExceededError: ContentDescription.title is 1025 bytes long"},
		// description
		{"description missing", `(delete d.description, idx.add(d))`, "TypeError: Failed to execute 'add' on 'ContentIndex': required member description is undefined."},
		{"description empty", `idx.add({ ...d, description: '' })`, "TypeError: ContentDescription.description must not be empty"},
		{"description a Symbol", `idx.add({ ...d, description: Symbol() })`, "TypeError: Cannot convert a Symbol value to a string"},
		{"description huge", `idx.add({ ...d, description: ` + huge(8193) + ` })`, "QuotaExceededError: ContentDescription.description is 8193 bytes long; the limit is 8192"},
		// category
		{"category unknown", `idx.add({ ...d, category: 'news' })`, "TypeError: The provided value 'news' is not a valid enum value of type ContentCategory."},
		{"category wrong case", `idx.add({ ...d, category: 'Article' })`, "TypeError: The provided value 'Article' is not a valid enum value"},
		{"category a number", `idx.add({ ...d, category: 1 })`, "TypeError: The provided value '1' is not a valid enum value"},
		{"category null", `idx.add({ ...d, category: null })`, "TypeError: The provided value 'null' is not a valid enum value"},
		{"category a Symbol", `idx.add({ ...d, category: Symbol() })`, "TypeError: Cannot convert a Symbol value to a string"},
		// icons
		{"icons a string", `idx.add({ ...d, icons: '/icons/tiny.png' })`, "TypeError: "},
		{"icons an object", `idx.add({ ...d, icons: { src: '/icons/tiny.png' } })`, "TypeError: "},
		{"icons null", `idx.add({ ...d, icons: null })`, "TypeError: "},
		{"icon a number", `idx.add({ ...d, icons: [5] })`, "TypeError: "},
		{"icons an iterable that throws", `idx.add({ ...d, icons: { [Symbol.iterator]() { throw new RangeError('iter') } } })`, "RangeError: iter"},
		// An array's own iteration is honoured (it yields a number here).
		{"icons an array with its own iterator", `(() => { const a = [{ src: '/icons/tiny.png' }]; a[Symbol.iterator] = function* () { yield 5; }; return idx.add({ ...d, icons: a }); })()`, "TypeError: Failed to execute 'add' on 'ContentIndex': ImageResource is not of type 'dictionary'."},
		{"icon a getter that throws", `idx.add({ ...d, icons: [Object.defineProperty({}, 'src', { get() { throw new EvalError('src') } })] })`, "EvalError: src"},
		{"icon without src", `idx.add({ ...d, icons: [{ sizes: '1x1' }] })`, "TypeError: Failed to execute 'add' on 'ContentIndex': required member src is undefined."},
		{"icon src a Symbol", `idx.add({ ...d, icons: [{ src: Symbol() }] })`, "TypeError: Cannot convert a Symbol value to a string"},
		{"icon src empty (the page itself, not an image)", `idx.add({ ...d, icons: [{ src: '' }] })`, "TypeError: ContentDescription.icons[0] ("},
		{"icon src not a URL", `idx.add({ ...d, icons: [{ src: 'https://[bad' }] })`, "TypeError: ContentDescription.icons[0].src 'https://[bad' is not a valid URL"},
		{"icon src a data: URL", `idx.add({ ...d, icons: [{ src: 'data:image/png;base64,iVBORw0KGgo=' }] })`, "TypeError: ContentDescription.icons[0].src 'data:image/png;base64,iVBORw0KGgo=' is not an http(s) URL"},
		{"icon src a file: URL", `idx.add({ ...d, icons: [{ src: 'file:///etc/icon.png' }] })`, "TypeError: ContentDescription.icons[0].src 'file:///etc/icon.png' is not an http(s) URL"},
		{"icon 404", `idx.add({ ...d, icons: [{ src: '/icons/missing.png' }] })`, "TypeError: ContentDescription.icons[0] (" + ciOrigin + "/icons/missing.png): the icon fetch returned HTTP status 404"},
		{"icon not an image", `idx.add({ ...d, icons: [{ src: '/icons/note.txt' }] })`, "TypeError: ContentDescription.icons[0] (" + ciOrigin + "/icons/note.txt): "},
		{"icon network error", `idx.add({ ...d, icons: [{ src: 'http://127.0.0.1:1/icon.png' }] })`, "TypeError: ContentDescription.icons[0] (http://127.0.0.1:1/icon.png): the icon fetch failed"},
		{"icon bomb", `idx.add({ ...d, icons: [{ src: '/icons/bomb.png' }] })`, "QuotaExceededError: ContentDescription.icons[0] (" + ciOrigin + "/icons/bomb.png): "},
		{"second icon bad", `idx.add({ ...d, icons: [{ src: '/icons/tiny.png' }, { src: '/icons/note.txt' }] })`, "TypeError: ContentDescription.icons[1] ("},
		{"too many icons", `idx.add({ ...d, icons: Array.from({ length: 11 }, () => ({ src: '/icons/tiny.png' })) })`, "QuotaExceededError: ContentDescription.icons has 11 icons; the limit is 10"},
		{"icon sizes huge", `idx.add({ ...d, icons: [{ src: '/icons/tiny.png', sizes: ` + huge(1025) + ` }] })`, "QuotaExceededError: ContentDescription.icons[0].sizes is 1025 bytes long"},
		{"icon src huge", `idx.add({ ...d, icons: [{ src: '/icons/' + ` + huge(8193) + ` }] })`, "QuotaExceededError: ContentDescription.icons[0].src is 8200 bytes long"},
		// url
		{"url missing", `(delete d.url, idx.add(d))`, "TypeError: Failed to execute 'add' on 'ContentIndex': required member url is undefined."},
		{"url empty", `idx.add({ ...d, url: '' })`, "TypeError: ContentDescription.url must not be empty"},
		{"url a Symbol", `idx.add({ ...d, url: Symbol() })`, "TypeError: Cannot convert a Symbol value to a string"},
		{"url not a URL", `idx.add({ ...d, url: 'https://[bad' })`, "TypeError: ContentDescription.url 'https://[bad' is not a valid URL"},
		{"url of another origin", `idx.add({ ...d, url: 'https://other.example/a/x' })`, "TypeError: ContentDescription.url 'https://other.example/a/x' is not controlled by this service worker registration"},
		{"url http of the same host", `idx.add({ ...d, url: 'http://ci.example/a/x' })`, "TypeError: ContentDescription.url 'http://ci.example/a/x' is not controlled"},
		{"url under a narrower scope", `idx.add({ ...d, url: '/narrow/x' })`, "TypeError: ContentDescription.url '" + ciOrigin + "/narrow/x' is not controlled"},
		{"url a data: URL", `idx.add({ ...d, url: 'data:text/html,hi' })`, "TypeError: ContentDescription.url 'data:text/html,hi' is not controlled"},
		{"url javascript:", `idx.add({ ...d, url: 'javascript:alert(1)' })`, "TypeError: ContentDescription.url 'javascript:alert(1)' is not controlled"},
		{"url huge", `idx.add({ ...d, url: '/a/' + ` + huge(8190) + ` })`, "QuotaExceededError: ContentDescription.url is 8193 bytes long; the limit is 8192"},
	}
	for _, realm := range ciRealms {
		for i, tt := range tests {
			t.Run(realm+"/"+tt.name, func(t *testing.T) {
				id := fmt.Sprintf("bad-%s-%d", realm, i)
				r := c.run(realm, `
const d = { id: '`+id+`', title: 'Title', description: 'About', url: '/a/`+id+`', category: 'article', icons: [] };
const before = JSON.stringify(await idx.getAll());
let outcome;
try {
  const p = `+tt.call+`;
  if (!(p instanceof Promise)) return 'not a promise';
  await p;
  outcome = 'resolved';
} catch (e) {
  outcome = e.name + ': ' + e.message + (e instanceof DOMException ? ' [DOMException ' + e.code + ']' : '');
}
const after = JSON.stringify(await idx.getAll());
return outcome + (after === before ? '' : ' | STORED: ' + after);`)
				got := r.str()
				if !strings.HasPrefix(got, tt.want) || strings.Contains(got, "STORED") {
					t.Fatalf("\n got %s\nwant %s…", got, tt.want)
				}
				if strings.HasPrefix(tt.want, "QuotaExceededError") && !strings.HasSuffix(got, "[DOMException 22]") {
					t.Fatalf("a QuotaExceededError must be a DOMException with code 22: %s", got)
				}
				if _, err := c.h.FindEntry("", id); err == nil {
					t.Fatalf("entry %s was stored", id)
				}
			})
		}
	}
	// The valid description of the table is accepted (the table is honest).
	for _, realm := range ciRealms {
		r := c.run(realm, `await idx.add({ id: 'good-`+realm+`', title: 'Title', description: 'About', url: '/a/good', category: 'article', icons: [{ src: '/icons/tiny.png' }] }); return 'resolved';`)
		if r.str() != "resolved" {
			t.Fatalf("%s: the valid description was refused: %s", realm, r)
		}
	}
}

// Issue 4, point 6: limits on entries per registration → QuotaExceededError
// (an overwrite does not count), never a truncation.
func TestIndexEntryLimit(t *testing.T) {
	cfg := swhostConfigIconsFetch()
	cfg.IndexLimits.MaxEntriesPerRegistration = 3
	c := newCIHost(t, ciOptions{cfg: cfg})
	for _, realm := range ciRealms {
		t.Run(realm, func(t *testing.T) {
			r := c.run(realm, `
for (const d of await idx.getAll()) await idx.delete(d.id);
const add = (id, title) => idx.add({ id, title: title || id, description: 'd', url: '/a/' + id }).then(() => 'ok', (e) => e.name);
const out = [await add('1'), await add('2'), await add('3'), await add('4'), await add('2', 'again')];
await idx.delete('1');
out.push(await add('4'));
out.push((await idx.getAll()).map((d) => d.id + ':' + d.title).join(','));
return out.join(' ');`)
			if got := r.str(); got != "ok ok ok QuotaExceededError ok ok 2:again,3:3,4:4" {
				t.Fatalf("%s", got)
			}
		})
	}
}
