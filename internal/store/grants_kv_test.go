package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestGrants(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const sw = "https://sdk.example/sw.js"
		for _, tc := range []struct {
			name string
			g    Grant
			want error
		}{
			{"allow", Grant{RequestingOrigin: "https://a.example", ScriptURL: sw, Decision: Allow}, nil},
			{"deny", Grant{RequestingOrigin: "https://b.example", ScriptURL: sw, Decision: Deny}, nil},
			{"other script", Grant{RequestingOrigin: "https://a.example", ScriptURL: "https://x.example/sw.js", Decision: Allow}, nil},
			{"bad decision", Grant{RequestingOrigin: "https://a.example", ScriptURL: sw, Decision: "maybe"}, ErrInvalid},
			{"no origin", Grant{ScriptURL: sw, Decision: Allow}, ErrInvalid},
			{"no script", Grant{RequestingOrigin: "https://a.example", Decision: Allow}, ErrInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := s.PutGrant(ctx, tc.g); !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
			})
		}
		g, err := s.GetGrant(ctx, "https://a.example", sw)
		if err != nil || g.Decision != Allow || g.CreatedAt.IsZero() || !g.CreatedAt.Equal(g.UpdatedAt) {
			t.Fatalf("get: %+v %v", g, err)
		}
		// Changing the decision keeps CreatedAt.
		if err := s.PutGrant(ctx, Grant{RequestingOrigin: "https://a.example", ScriptURL: sw, Decision: Deny}); err != nil {
			t.Fatal(err)
		}
		g2, _ := s.GetGrant(ctx, "https://a.example", sw)
		if g2.Decision != Deny || !g2.CreatedAt.Equal(g.CreatedAt) || !g2.UpdatedAt.After(g.UpdatedAt) {
			t.Fatalf("changed: %+v", g2)
		}
		for _, tc := range []struct {
			f    GrantFilter
			want int
		}{{GrantFilter{}, 3}, {GrantFilter{ScriptURL: sw}, 2}, {GrantFilter{RequestingOrigin: "https://a.example"}, 2},
			{GrantFilter{"https://a.example", sw}, 1}, {GrantFilter{RequestingOrigin: "https://z.example"}, 0}} {
			if l, err := s.ListGrants(ctx, tc.f); err != nil || len(l) != tc.want {
				t.Fatalf("list %+v: %d %v", tc.f, len(l), err)
			}
		}
		if ok, err := s.DeleteGrant(ctx, "https://a.example", sw); err != nil || !ok {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if ok, _ := s.DeleteGrant(ctx, "https://a.example", sw); ok {
			t.Fatal("deleted twice")
		}
		if _, err := s.GetGrant(ctx, "https://a.example", sw); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get deleted: %v", err)
		}
	})
}

func TestKV(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, kv := range []struct{ ns, k, v string }{
			{"push", "sub/1", "a"}, {"push", "sub/2", "b"}, {"push", "sub0", "c"}, {"push", "other", "d"},
			{"sync", "sub/1", "e"}, {"push", "\xff\xff", "f"}, {"push", "empty", ""},
		} {
			if err := s.KVPut(ctx, kv.ns, kv.k, []byte(kv.v)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.KVPut(ctx, "push", "sub/1", []byte("A")); err != nil {
			t.Fatal(err)
		}
		if v, err := s.KVGet(ctx, "push", "sub/1"); err != nil || string(v) != "A" {
			t.Fatalf("get: %q %v", v, err)
		}
		if v, err := s.KVGet(ctx, "push", "empty"); err != nil || v == nil || len(v) != 0 {
			t.Fatalf("empty value: %q %v", v, err)
		}
		if _, err := s.KVGet(ctx, "push", "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if err := s.KVPut(ctx, "", "k", nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("empty ns: %v", err)
		}
		for _, tc := range []struct {
			prefix string
			want   []string
		}{
			{"sub/", []string{"sub/1", "sub/2"}},
			{"sub", []string{"sub/1", "sub/2", "sub0"}},
			{"", []string{"empty", "other", "sub/1", "sub/2", "sub0", "\xff\xff"}},
			{"\xff", []string{"\xff\xff"}},
			{"zzz", nil},
		} {
			l, err := s.KVList(ctx, "push", tc.prefix)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range l {
				got = append(got, p.Key)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("prefix %q: %q, want %q", tc.prefix, got, tc.want)
			}
		}
		if ok, err := s.KVDelete(ctx, "push", "sub/1"); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if ok, _ := s.KVDelete(ctx, "push", "sub/1"); ok {
			t.Fatal("deleted twice")
		}
		// Read-modify-write inside a transaction.
		if err := s.Update(ctx, func(tx *Tx) error {
			v, err := tx.KVGet("push", "sub/2")
			if err != nil {
				return err
			}
			return tx.KVPut("push", "sub/2", append(v, '!'))
		}); err != nil {
			t.Fatal(err)
		}
		if v, _ := s.KVGet(ctx, "push", "sub/2"); string(v) != "b!" {
			t.Fatalf("rmw: %q", v)
		}
	})
}

func TestQueue(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var ids []int64
		for i := range 5 {
			id, err := s.Enqueue(ctx, "q", []byte(fmt.Sprint(i)))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		s.Enqueue(ctx, "other", []byte("x"))
		if n, _ := s.QueueLen(ctx, "q"); n != 5 {
			t.Fatalf("len %d", n)
		}
		items, err := s.PeekQueue(ctx, "q", 2)
		if err != nil || len(items) != 2 || string(items[0].Value) != "0" || items[1].ID != ids[1] {
			t.Fatalf("peek: %+v %v", items, err)
		}
		if n, err := s.AckQueue(ctx, "q", ids[0], ids[1], 9999); err != nil || n != 2 {
			t.Fatalf("ack: %d %v", n, err)
		}
		if n, _ := s.AckQueue(ctx, "other", ids[2]); n != 0 {
			t.Fatal("acked across namespaces")
		}
		items, err = s.Dequeue(ctx, "q", 0)
		if err != nil || len(items) != 3 || string(items[0].Value) != "2" || string(items[2].Value) != "4" {
			t.Fatalf("dequeue: %+v %v", items, err)
		}
		if n, _ := s.QueueLen(ctx, "q"); n != 0 {
			t.Fatalf("len after dequeue %d", n)
		}
		if items, _ := s.Dequeue(ctx, "q", 1); len(items) != 0 {
			t.Fatal("dequeue from empty")
		}
		if n, _ := s.QueueLen(ctx, "other"); n != 1 {
			t.Fatal("other namespace touched")
		}
		if _, err := s.Enqueue(ctx, "", nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("empty ns: %v", err)
		}
	})
}
