package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

func ciEntry(regID int64, id string, icons ...Icon) ContentEntry {
	return ContentEntry{RegistrationID: regID, ID: id,
		Description: fmt.Sprintf(`{"id": %q, "title":"T \u00e9", "description":"d","category":"article","icons":[],"url":"/a/%s"}`, id, id),
		LaunchURL:   "https://news.example/a/" + id, Category: "article", Icons: icons}
}

func ids(es []ContentEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestContentIndex(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		reg := mustReg(t, s, "https://news.example", "https://news.example/")
		other := mustReg(t, s, "https://news.example", "https://news.example/other/")

		for _, id := range []string{"c", "a", "b"} {
			if err := s.PutContentEntry(ctx, ciEntry(reg, id)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutContentEntry(ctx, ciEntry(other, "a")); err != nil {
			t.Fatal(err)
		}
		l, err := s.ListContentEntries(ctx, reg)
		if err != nil || !reflect.DeepEqual(ids(l), []string{"c", "a", "b"}) {
			t.Fatalf("insertion order: %v %v", ids(l), err)
		}
		orig := l[1]
		want := ciEntry(reg, "a")
		if orig.Description != want.Description || orig.LaunchURL != want.LaunchURL || orig.Category != "article" ||
			orig.AddedAt.IsZero() || !orig.AddedAt.Equal(orig.UpdatedAt) || orig.OpenCount != 0 || !orig.LastOpenedAt.IsZero() {
			t.Fatalf("entry: %+v", orig)
		}

		// Overwrite keeps the position, AddedAt and open stats.
		if err := s.RecordContentOpen(ctx, reg, "a", time.Unix(1800000000, 0)); err != nil {
			t.Fatal(err)
		}
		icon := []byte("\x89PNG...")
		upd := ciEntry(reg, "a", Icon{Src: "/i.png", Sizes: "96x96", Type: "image/png", Label: "L", MIME: "image/png", Body: icon}, Icon{Src: "/no-body.png"})
		upd.Description = `{"id":"a","title":"new"}`
		upd.Category = "video"
		if err := s.PutContentEntry(ctx, upd); err != nil {
			t.Fatal(err)
		}
		l, _ = s.ListContentEntries(ctx, reg)
		if !reflect.DeepEqual(ids(l), []string{"c", "a", "b"}) {
			t.Fatalf("order after overwrite: %v", ids(l))
		}
		a := l[1]
		if a.Description != upd.Description || a.Category != "video" || a.Seq != orig.Seq || !a.AddedAt.Equal(orig.AddedAt) ||
			!a.UpdatedAt.After(orig.UpdatedAt) || a.OpenCount != 1 || !a.LastOpenedAt.Equal(time.Unix(1800000000, 0)) {
			t.Fatalf("after overwrite: %+v", a)
		}
		if len(a.Icons) != 2 || a.Icons[0].Body != nil || a.Icons[0].Size != int64(len(icon)) || a.Icons[0].Label != "L" ||
			a.Icons[1].SHA256 != nil || a.Icons[1].Src != "/no-body.png" {
			t.Fatalf("listed icons: %+v", a.Icons)
		}
		if b, err := s.ContentIcon(ctx, a.Icons[0].SHA256); err != nil || string(b) != string(icon) {
			t.Fatalf("icon body: %q %v", b, err)
		}
		g, err := s.GetContentEntry(ctx, reg, "a")
		if err != nil || len(g.Icons) != 2 || string(g.Icons[0].Body) != string(icon) || g.Icons[0].MIME != "image/png" ||
			g.Icons[0].Sizes != "96x96" || g.Icons[0].Type != "image/png" {
			t.Fatalf("get: %+v %v", g, err)
		}
		if ic, err := s.LoadContentIcon(ctx, reg, "a", 0); err != nil || string(ic.Body) != string(icon) || ic.Src != "/i.png" {
			t.Fatalf("load icon 0: %+v %v", ic, err)
		}
		if ic, err := s.LoadContentIcon(ctx, reg, "a", 1); err != nil || ic.Body != nil || ic.Src != "/no-body.png" {
			t.Fatalf("load icon 1: %+v %v", ic, err)
		}
		if _, err := s.LoadContentIcon(ctx, reg, "a", 2); !errors.Is(err, ErrNotFound) {
			t.Fatalf("load icon 2: %v", err)
		}
		// Overwrite with no icons drops the old ones and their body.
		if err := s.PutContentEntry(ctx, ciEntry(reg, "a")); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.GetContentEntry(ctx, reg, "a"); len(g.Icons) != 0 {
			t.Fatalf("icons kept: %+v", g.Icons)
		}
		if _, err := s.ContentIcon(ctx, a.Icons[0].SHA256); !errors.Is(err, ErrNotFound) {
			t.Fatalf("icon body should be collected: %v", err)
		}

		// Delete then re-add appends.
		if ok, err := s.DeleteContentEntry(ctx, reg, "c"); err != nil || !ok {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if ok, _ := s.DeleteContentEntry(ctx, reg, "c"); ok {
			t.Fatal("deleted twice")
		}
		if err := s.PutContentEntry(ctx, ciEntry(reg, "c")); err != nil {
			t.Fatal(err)
		}
		l, _ = s.ListContentEntries(ctx, reg)
		if !reflect.DeepEqual(ids(l), []string{"a", "b", "c"}) {
			t.Fatalf("after delete+add: %v", ids(l))
		}
		if n, err := s.CountContentEntries(ctx, reg); err != nil || n != 3 {
			t.Fatalf("count %d %v", n, err)
		}
		if n, _ := s.CountContentEntries(ctx, 999); n != 0 {
			t.Fatalf("count of missing registration: %d", n)
		}

		all, err := s.ListAllContentEntries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range all {
			got = append(got, e.Scope+"#"+e.ID)
			if e.StorageKey != "https://news.example" {
				t.Fatalf("storage key: %+v", e)
			}
		}
		if !reflect.DeepEqual(got, []string{"https://news.example/#a", "https://news.example/#b", "https://news.example/#c", "https://news.example/other/#a"}) {
			t.Fatalf("all: %v", got)
		}

		for _, tc := range []struct {
			name string
			e    ContentEntry
			want error
		}{
			{"no registration", ciEntry(999, "x"), ErrNotFound},
			{"empty id", ciEntry(reg, ""), ErrInvalid},
			{"empty launch url", ContentEntry{RegistrationID: reg, ID: "x", Description: "{}"}, ErrInvalid},
			{"bad json", ContentEntry{RegistrationID: reg, ID: "x", Description: "{", LaunchURL: "u"}, ErrInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := s.PutContentEntry(ctx, tc.e); !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
			})
		}
		if err := s.RecordContentOpen(ctx, reg, "zzz", time.Now()); !errors.Is(err, ErrNotFound) {
			t.Fatalf("open missing: %v", err)
		}
		if _, err := s.GetContentEntry(ctx, reg, "zzz"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get missing: %v", err)
		}
		assertNoOrphanBodies(t, s)
	})
}

// TestContentIndexDescriptionVerbatim: the description JSON comes back byte
// for byte (whitespace, key order, escapes).
func TestContentIndexDescriptionVerbatim(t *testing.T) {
	s, _ := OpenMemoryWith(Options{Logger: quietLogger()})
	defer s.Close()
	ctx := context.Background()
	reg := mustReg(t, s, "https://n.example", "https://n.example/")
	desc := "{\n  \"url\": \"/x\",  \"id\":\"\\u0041\", \"title\": \"😀\"\t}"
	if err := s.PutContentEntry(ctx, ContentEntry{RegistrationID: reg, ID: "A", Description: desc, LaunchURL: "https://n.example/x"}); err != nil {
		t.Fatal(err)
	}
	g, _ := s.GetContentEntry(ctx, reg, "A")
	if g.Description != desc {
		t.Fatalf("got %q", g.Description)
	}
}

// TestContentIndexConcurrentAdds: many goroutines adding to a few
// registrations; every add is listed exactly once.
func TestContentIndexConcurrentAdds(t *testing.T) {
	s := openFile(t, t.TempDir(), Options{})
	ctx := context.Background()
	regs := []int64{mustReg(t, s, "https://n.example", "https://n.example/1/"), mustReg(t, s, "https://n.example", "https://n.example/2/")}
	var wg sync.WaitGroup
	for i := range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.PutContentEntry(ctx, ciEntry(regs[i%2], fmt.Sprint(i%200), Icon{Src: "i", Body: []byte{byte(i % 3)}})); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, r := range regs {
		l, err := s.ListContentEntries(ctx, r)
		if err != nil || len(l) != 100 {
			t.Fatalf("registration %d: %d entries %v", r, len(l), err)
		}
		for i := 1; i < len(l); i++ {
			if l[i].Seq <= l[i-1].Seq {
				t.Fatal("not in seq order")
			}
		}
	}
	if n := countRows(t, s, "bodies"); n != 3 {
		t.Fatalf("icon bodies: %d, want 3", n)
	}
}
