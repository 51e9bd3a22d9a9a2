package swhost_test

import (
	"testing"
)

// Issue 4, point 3: the entry edit queue. add, delete and getAll take
// effect in call order, whatever their icons take: add(a) waits for a slow
// icon, add(c)'s icon arrives at once, and still every operation completes
// in call order and sees exactly the effects of the calls before it. An add
// whose icon fails is rejected at once and holds nothing up.
func TestIndexCallOrderWithSlowIcons(t *testing.T) {
	for _, realm := range ciRealms {
		t.Run(realm, func(t *testing.T) {
			c := newCIHost(t, ciOptions{})
			open := c.site.gate("/icons/slow.png")
			defer open()
			res := c.start(realm, ciOrigin+"/", `
const desc = (id, icon) => ({ id, title: 'T ' + id, description: 'D ' + id, url: '/a/' + id, icons: icon ? [{ src: icon }] : [] });
const log = [];
const track = (name, p) => p.then((v) => { log.push(name + (Array.isArray(v) ? '=[' + v.map((d) => d.id).join(',') + ']' : '')); },
                                  (e) => { log.push(name + '!' + e.name); });
let bad;
const ps = [
  track('add(a)', idx.add(desc('a', '/icons/slow.png'))),
  track('getAll', idx.getAll()),
  track('add(b)', idx.add(desc('b'))),
  track('delete(a)', idx.delete('a')),
  track('getAll', idx.getAll()),
  track('add(c)', idx.add(desc('c', '/icons/fast.png'))),
  idx.add(desc('bad', '/icons/note.txt')).then(() => { bad = 'resolved'; }, (e) => { bad = e.name + ' before add(a): ' + !log.includes('add(a)'); console.log('bad rejected in ' + '`+realm+`'); }),
  track('add(a)', idx.add(desc('a', '/icons/fast.png'))),
  track('delete(b)', idx.delete('b')),
  track('getAll', idx.getAll()),
];
await Promise.all(ps);
return log.join(' ') + ' | bad: ' + bad;`)
			// Every fetch but the slow one has happened; nothing completed
			// behind add(a) (the gate holds the slow icon).
			for _, p := range []string{"/icons/slow.png", "/icons/fast.png", "/icons/note.txt"} {
				select {
				case <-c.site.arrived(p):
				case <-testCtx(t).Done():
					t.Fatalf("no request for %s", p)
				}
			}
			// The failed add is rejected while add(a) still waits.
			if _, err := c.con.waitPrefix(testCtx(t), "bad rejected in "+realm); err != nil {
				t.Fatal(err)
			}
			open()
			want := "add(a) getAll=[a] add(b) delete(a) getAll=[b] add(c) add(a) delete(b) getAll=[c,a] | bad: TypeError before add(a): true"
			if got := res().str(); got != want {
				t.Fatalf("\n got %s\nwant %s", got, want)
			}
			if got := c.ids(ciOrigin + "/"); got != "c,a" {
				t.Fatalf("committed entries %q", got)
			}
		})
	}
}

// Issue 4, point 3: the user agent's delete takes its place in the same
// queue: called while add(x) waits for its icon, it completes after it, and
// a getAll called after it no longer sees the entry.
func TestIndexUserDeleteInQueue(t *testing.T) {
	for _, realm := range ciRealms {
		t.Run(realm, func(t *testing.T) {
			c := newCIHost(t, ciOptions{})
			if r := c.run(realm, `await idx.add({ id: 'u', title: 'U', description: 'D', url: '/a/u' }); return 'ok';`); r.str() != "ok" {
				t.Fatal(r)
			}
			open := c.site.gate("/icons/slow.png")
			defer open()
			first := c.start(realm, ciOrigin+"/", `await idx.add({ id: 'x', title: 'X', description: 'D', url: '/a/x', icons: [{ src: '/icons/slow.png' }] }); return (await idx.getAll()).map((d) => d.id).join(',');`)
			<-c.site.arrived("/icons/slow.png")
			reg := c.regID(ciOrigin + "/")
			del := c.h.Index().UserDelete(reg, "u") // the person deletes u now
			second := c.start(realm, ciOrigin+"/", `return (await idx.getAll()).map((d) => d.id).join(',');`)
			select {
			case <-del.Done():
				t.Fatal("the user agent's delete completed before the add called before it")
			default:
			}
			open()
			if err := del.Err(); err != nil {
				t.Fatal(err)
			}
			if got := first().str(); got != "x" {
				t.Fatalf("getAll after add(x): %s", got)
			}
			if got := second().str(); got != "x" {
				t.Fatalf("getAll called after the user agent's delete: %s", got)
			}
			// contentdelete ran for u, with u already removed.
			r := c.run("worker", `const r = await (await caches.open('ci-test')).match('/contentdelete-log'); return r ? r.text() : 'none';`)
			if got := r.str(); got != "contentdelete u true entries:[x]\n" {
				t.Fatalf("contentdelete log %q", got)
			}
		})
	}
}
