package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestRegistrations(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const key = "https://a.example"
		check := time.Unix(1700000000, 123)
		id, err := s.PutRegistration(ctx, Registration{StorageKey: key, Scope: key + "/app/", UpdateViaCache: "all",
			LastUpdateCheck: check, Published: true, PublishOrigins: []string{"https://b.example"}, Extra: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		id2 := mustReg(t, s, key, key+"/")
		mustReg(t, s, "https://other.example", "https://other.example/")

		for _, tc := range []struct {
			name string
			put  Registration
			want error
		}{
			{"duplicate scope", Registration{StorageKey: key, Scope: key + "/app/"}, ErrExists},
			{"empty scope", Registration{StorageKey: key}, ErrInvalid},
			{"empty key", Registration{Scope: key + "/z/"}, ErrInvalid},
			{"update missing id", Registration{ID: 9999, StorageKey: key, Scope: key + "/q/"}, ErrNotFound},
			{"new with versions", Registration{StorageKey: key, Scope: key + "/v/", ActiveVersionID: 4242}, ErrInvalid},
			{"active version missing", Registration{ID: id, StorageKey: key, Scope: key + "/app/", ActiveVersionID: 4242}, ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := s.PutRegistration(ctx, tc.put); !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
			})
		}

		r, err := s.GetRegistration(ctx, key, key+"/app/")
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != id || r.UpdateViaCache != "all" || !r.LastUpdateCheck.Equal(check) || !r.Published ||
			!reflect.DeepEqual(r.PublishOrigins, []string{"https://b.example"}) || string(r.Extra) != "x" ||
			r.NavigationPreloadHeader != "true" || r.CreatedAt.IsZero() {
			t.Fatalf("got %+v", r)
		}
		if _, err := s.GetRegistration(ctx, "https://other.example", key+"/app/"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("other storage key: %v", err)
		}
		if r2, err := s.GetRegistrationByID(ctx, id2); err != nil || r2.Scope != key+"/" || r2.UpdateViaCache != "imports" || r2.PublishOrigins == nil {
			t.Fatalf("by id: %+v %v", r2, err)
		}
		if l, err := s.ListRegistrations(ctx, key); err != nil || len(l) != 2 || l[0].ID != id || l[1].ID != id2 {
			t.Fatalf("list: %+v %v", l, err)
		}
		if l, err := s.ListRegistrations(ctx, ""); err != nil || len(l) != 3 {
			t.Fatalf("list all: %d %v", len(l), err)
		}

		// Overwrite, UpdateRegistration, targeted setters.
		r.NavigationPreloadEnabled, r.NavigationPreloadHeader = true, "yes"
		if _, err := s.PutRegistration(ctx, r); err != nil {
			t.Fatal(err)
		}
		up, err := s.UpdateRegistration(ctx, id, func(r *Registration) error {
			r.UpdateViaCache = "none"
			return nil
		})
		if err != nil || up.UpdateViaCache != "none" || !up.NavigationPreloadEnabled || up.NavigationPreloadHeader != "yes" {
			t.Fatalf("update: %+v %v", up, err)
		}
		if _, err := s.UpdateRegistration(ctx, id, func(r *Registration) error { return errors.New("no") }); err == nil || err.Error() != "no" {
			t.Fatalf("update error: %v", err)
		}
		if _, err := s.UpdateRegistration(ctx, 777, func(r *Registration) error { return nil }); !errors.Is(err, ErrNotFound) {
			t.Fatalf("update missing: %v", err)
		}
		if err := s.SetPublished(ctx, id, false, nil); err != nil {
			t.Fatal(err)
		}
		later := check.Add(time.Hour)
		if err := s.SetLastUpdateCheck(ctx, id, later); err != nil {
			t.Fatal(err)
		}
		r, _ = s.GetRegistrationByID(ctx, id)
		if r.Published || len(r.PublishOrigins) != 0 || !r.LastUpdateCheck.Equal(later) || r.UpdateViaCache != "none" {
			t.Fatalf("after setters: %+v", r)
		}
		for _, f := range []func() error{
			func() error { return s.SetPublished(ctx, 777, true, nil) },
			func() error { return s.SetLastUpdateCheck(ctx, 777, later) },
			func() error { return s.SetRegistrationVersions(ctx, 777, 0, 0) },
		} {
			if err := f(); !errors.Is(err, ErrNotFound) {
				t.Fatalf("setter on missing registration: %v", err)
			}
		}

		if ok, err := s.DeleteRegistration(ctx, id2); err != nil || !ok {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if ok, err := s.DeleteRegistration(ctx, id2); err != nil || ok {
			t.Fatalf("delete again: %v %v", ok, err)
		}
		// Ids are not reused.
		if id3 := mustReg(t, s, key, key+"/"); id3 <= id2 {
			t.Fatalf("id reused: %d after %d", id3, id2)
		}
	})
}

func TestVersions(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		regID := mustReg(t, s, "https://a.example", "https://a.example/")
		main, lib := "https://a.example/sw.js", "https://a.example/lib.js"
		shared := []byte("function shared() {}")
		v1, err := s.PutVersion(ctx, Version{RegistrationID: regID, ScriptURL: main, Type: "module",
			ExtendedEvents: []string{"push", "fetch", "push"}, HasFetchHandler: true,
			Scripts: map[string]Script{
				main: {Body: []byte("import './lib.js'"), ContentType: "text/javascript"},
				lib:  {Body: shared, ContentType: "application/javascript"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		// A second version shares lib.js's body (stored once).
		v2, err := s.PutVersion(ctx, Version{RegistrationID: regID, ScriptURL: main,
			Scripts: map[string]Script{main: {Body: []byte("v2")}, lib: {Body: shared}}})
		if err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "bodies"); n != 3 {
			t.Fatalf("bodies: %d, want 3 (deduplicated)", n)
		}

		for _, tc := range []struct {
			name string
			v    Version
			want error
		}{
			{"no registration", Version{RegistrationID: 999, ScriptURL: main}, ErrNotFound},
			{"no script url", Version{RegistrationID: regID}, ErrInvalid},
			{"bad state", Version{RegistrationID: regID, ScriptURL: main, State: "sleepy"}, ErrInvalid},
			{"bad sha", Version{RegistrationID: regID, ScriptURL: main, Scripts: map[string]Script{main: {Body: []byte("a"), SHA256: []byte{1}}}}, ErrInvalid},
			{"missing id", Version{ID: 999, RegistrationID: regID, ScriptURL: main}, ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := s.PutVersion(ctx, tc.v); !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
			})
		}

		v, err := s.GetVersion(ctx, v1)
		if err != nil {
			t.Fatal(err)
		}
		if v.Type != "module" || v.State != StateParsed || !v.HasFetchHandler || !reflect.DeepEqual(v.ExtendedEvents, []string{"fetch", "push"}) ||
			!v.HasEvent("push") || v.HasEvent("sync") || v.Scripts != nil {
			t.Fatalf("got %+v", v)
		}
		scripts, err := s.LoadVersionScripts(ctx, v1)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(shared)
		if len(scripts) != 2 || string(scripts[lib].Body) != string(shared) || scripts[lib].ContentType != "application/javascript" ||
			string(scripts[lib].SHA256) != string(sum[:]) {
			t.Fatalf("scripts %+v", scripts)
		}
		if err := s.PutVersionScripts(ctx, v1, map[string]Script{"https://a.example/extra.js": {Body: []byte("x")}, lib: {Body: []byte("lib2")}}); err != nil {
			t.Fatal(err)
		}
		scripts, _ = s.LoadVersionScripts(ctx, v1)
		if len(scripts) != 3 || string(scripts[lib].Body) != "lib2" {
			t.Fatalf("after PutVersionScripts: %+v", scripts)
		}
		if _, err := s.LoadVersionScripts(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("load missing: %v", err)
		}
		// A version with an empty script map loads as empty, not missing.
		v3, err := s.PutVersion(ctx, Version{RegistrationID: regID, ScriptURL: main})
		if err != nil {
			t.Fatal(err)
		}
		if m, err := s.LoadVersionScripts(ctx, v3); err != nil || len(m) != 0 {
			t.Fatalf("empty map: %v %v", m, err)
		}

		if err := s.SetVersionState(ctx, v1, StateActivated); err != nil {
			t.Fatal(err)
		}
		if err := s.SetVersionState(ctx, v1, "bogus"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad state: %v", err)
		}
		if err := s.SetVersionState(ctx, 999, StateActivated); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if err := s.SetRegistrationVersions(ctx, regID, v1, v2); err != nil {
			t.Fatal(err)
		}
		otherReg := mustReg(t, s, "https://a.example", "https://a.example/other/")
		if err := s.SetRegistrationVersions(ctx, otherReg, v1, 0); !errors.Is(err, ErrInvalid) {
			t.Fatalf("foreign version: %v", err)
		}
		if err := s.SetRegistrationVersions(ctx, regID, 0, 4242); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing version: %v", err)
		}
		if l, err := s.ListVersions(ctx, regID); err != nil || len(l) != 3 || l[0].ID != v1 || l[0].State != StateActivated {
			t.Fatalf("list: %+v %v", l, err)
		}

		// Deleting the waiting version clears the pointer and drops the
		// bodies only it used.
		if ok, err := s.DeleteVersion(ctx, v2); err != nil || !ok {
			t.Fatalf("delete: %v %v", ok, err)
		}
		r, _ := s.GetRegistrationByID(ctx, regID)
		if r.ActiveVersionID != v1 || r.WaitingVersionID != 0 {
			t.Fatalf("pointers after delete: %+v", r)
		}
		// Left: v1's main, lib2 and extra.js; "v2" and the shared lib body
		// (replaced in v1, deleted with v2) are gone.
		if n := countRows(t, s, "bodies"); n != 3 {
			t.Fatalf("bodies after delete: %d, want 3", n)
		}
		assertNoOrphanBodies(t, s)
		if ok, _ := s.DeleteVersion(ctx, v2); ok {
			t.Fatal("deleted twice")
		}
	})
}

// TestCascadeDelete: deleting a registration removes its versions, scripts,
// bodies, content index entries, icons and published state; other
// registrations and shared bodies stay.
func TestCascadeDelete(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		icon := []byte("shared icon")
		mk := func(scope string) int64 {
			id, err := s.PutRegistration(ctx, Registration{StorageKey: "https://a.example", Scope: scope, Published: true})
			if err != nil {
				t.Fatal(err)
			}
			vid, err := s.PutVersion(ctx, Version{RegistrationID: id, ScriptURL: scope + "sw.js",
				Scripts: map[string]Script{scope + "sw.js": {Body: []byte("// " + scope)}, "https://a.example/lib.js": {Body: []byte("shared lib")}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SetRegistrationVersions(ctx, id, vid, 0); err != nil {
				t.Fatal(err)
			}
			for _, e := range []string{"a", "b"} {
				if err := s.PutContentEntry(ctx, ContentEntry{RegistrationID: id, ID: e, Description: `{}`, LaunchURL: scope + e,
					Icons: []Icon{{Src: "i.png", Body: icon}, {Src: "own.png", Body: []byte(scope + e)}}}); err != nil {
					t.Fatal(err)
				}
			}
			return id
		}
		a, b := mk("https://a.example/a/"), mk("https://a.example/b/")
		if err := s.PutGrant(ctx, Grant{RequestingOrigin: "https://x.example", ScriptURL: "https://a.example/a/sw.js", Decision: Allow}); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.ListPublished(ctx, "https://a.example/a/sw.js"); len(l) != 1 || l[0].ID != a {
			t.Fatalf("published before: %+v", l)
		}
		if ok, err := s.DeleteRegistration(ctx, a); err != nil || !ok {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if l, _ := s.ListVersions(ctx, a); len(l) != 0 {
			t.Fatalf("versions left: %+v", l)
		}
		if n, _ := s.CountContentEntries(ctx, a); n != 0 {
			t.Fatalf("entries left: %d", n)
		}
		if l, _ := s.ListPublished(ctx, "https://a.example/a/sw.js"); len(l) != 0 {
			t.Fatalf("still published: %+v", l)
		}
		if n, _ := s.CountContentEntries(ctx, b); n != 2 {
			t.Fatalf("other registration's entries: %d", n)
		}
		e, err := s.GetContentEntry(ctx, b, "a")
		if err != nil || len(e.Icons) != 2 || string(e.Icons[0].Body) != string(icon) {
			t.Fatalf("other registration's icons: %+v %v", e, err)
		}
		if m, err := s.LoadVersionScripts(ctx, mustActive(t, s, b)); err != nil || string(m["https://a.example/lib.js"].Body) != "shared lib" {
			t.Fatalf("other registration's scripts: %v %v", m, err)
		}
		if _, err := s.GetGrant(ctx, "https://x.example", "https://a.example/a/sw.js"); err != nil {
			t.Fatalf("grant should survive: %v", err)
		}
		for _, tbl := range []string{"versions", "version_scripts", "ci_entries", "ci_icons"} {
			var n int
			if err := s.rq().queryRow(`SELECT COUNT(*) FROM ` + tbl).Scan(&n); err != nil || n == 0 {
				t.Fatalf("%s: %d %v", tbl, n, err)
			}
		}
		assertNoOrphanBodies(t, s)
		if ok, err := s.DeleteRegistration(ctx, b); err != nil || !ok {
			t.Fatal(ok, err)
		}
		for _, tbl := range []string{"versions", "version_scripts", "ci_entries", "ci_icons", "bodies"} {
			if n := countRows(t, s, tbl); n != 0 {
				t.Fatalf("%s: %d rows left", tbl, n)
			}
		}
	})
}

func mustActive(t *testing.T, s *Store, regID int64) int64 {
	t.Helper()
	r, err := s.GetRegistrationByID(context.Background(), regID)
	if err != nil {
		t.Fatal(err)
	}
	return r.ActiveVersionID
}

func (s *Store) rq() querier { return reader{ctx: context.Background(), s: s} }

func countRows(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.rq().queryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func assertNoOrphanBodies(t *testing.T, s *Store) {
	t.Helper()
	var n int
	if err := s.rq().queryRow(`SELECT COUNT(*) FROM bodies b WHERE NOT EXISTS (SELECT 1 FROM version_scripts WHERE sha256 = b.sha256)
		AND NOT EXISTS (SELECT 1 FROM ci_icons WHERE sha256 = b.sha256)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d unreferenced bodies", n)
	}
	if err := s.rq().queryRow(`SELECT COUNT(*) FROM (SELECT sha256 FROM version_scripts UNION SELECT sha256 FROM ci_icons WHERE sha256 IS NOT NULL) r
		WHERE NOT EXISTS (SELECT 1 FROM bodies WHERE sha256 = r.sha256)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d references to missing bodies", n)
	}
}
