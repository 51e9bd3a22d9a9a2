package contentindex

import (
	"strings"
	"testing"
	"time"
)

func TestPolicySelect(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := func(origin, id, cat string, age time.Duration, opens int) Entry {
		return Entry{Record: Record{RegID: origin, Description: Description{ID: id, Category: cat}, Added: now.Add(-age)},
			Origin: origin, Opens: opens}
	}
	day := 24 * time.Hour
	cases := []struct {
		name    string
		p       Policy
		entries []Entry
		want    string
	}{
		{"newest first", Policy{}, []Entry{e("a", "1", "article", 3*day, 0), e("b", "2", "", day, 0), e("c", "3", "video", 2*day, 0)}, "2 3 1"},
		{"per-origin cap", Policy{MaxPerOrigin: 2}, []Entry{e("a", "1", "", 1, 0), e("a", "2", "", 2, 0), e("a", "3", "", 3, 0), e("b", "4", "", 4, 0)}, "1 2 4"},
		{"default cap is 3", Policy{}, []Entry{e("a", "1", "", 1, 0), e("a", "2", "", 2, 0), e("a", "3", "", 3, 0), e("a", "4", "", 4, 0)}, "1 2 3"},
		{"total cap", Policy{MaxTotal: 2}, []Entry{e("a", "1", "", 1, 0), e("b", "2", "", 2, 0), e("c", "3", "", 3, 0)}, "1 2"},
		{"no caps", Policy{MaxTotal: -1, MaxPerOrigin: -1}, []Entry{e("a", "1", "", 1, 0), e("a", "2", "", 2, 0), e("a", "3", "", 3, 0), e("a", "4", "", 4, 0)}, "1 2 3 4"},
		{"window", Policy{Window: 2 * day}, []Entry{e("a", "1", "", day, 0), e("b", "2", "", 3*day, 0)}, "1"},
		{"default window 28 days", Policy{}, []Entry{e("a", "1", "", 27*day, 0), e("b", "2", "", 29*day, 0)}, "1"},
		{"no window", Policy{Window: -1}, []Entry{e("a", "1", "", 1000*day, 0)}, "1"},
		{"categories", Policy{Categories: []string{"article", "video"}}, []Entry{e("a", "1", "", 1, 0), e("b", "2", "article", 2, 0), e("c", "3", "audio", 3, 0), e("d", "4", "video", 4, 0)}, "2 4"},
		{"empty allow list", Policy{Categories: []string{}}, []Entry{e("a", "1", "article", 1, 0)}, ""},
		{"opens outweigh a day", Policy{}, []Entry{e("a", "1", "", day, 0), e("b", "2", "", 2*day, 10)}, "2 1"},
		{"opens do not outweigh weeks", Policy{}, []Entry{e("a", "1", "", day, 0), e("b", "2", "", 20*day, 10)}, "1 2"},
		{"no weighting", Policy{OpenWeight: -1}, []Entry{e("a", "1", "", day, 0), e("b", "2", "", 2*day, 1000)}, "1 2"},
		{"ties: origin then seq", Policy{}, []Entry{e("b", "1", "", day, 0), e("a", "2", "", day, 0)}, "2 1"},
		{"future entries are fine", Policy{}, []Entry{e("a", "1", "", -day, 0), e("b", "2", "", 0, 0)}, "1 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.p.Select(c.entries, now)
			s := make([]string, len(got))
			for i, g := range got {
				if !g.Displayed {
					t.Fatal("Displayed not set")
				}
				s[i] = g.ID()
			}
			if strings.Join(s, " ") != c.want {
				t.Fatalf("got %q, want %q", strings.Join(s, " "), c.want)
			}
			for _, e := range c.entries {
				if e.Displayed {
					t.Fatal("input modified")
				}
			}
		})
	}
}

func TestPolicyDefaults(t *testing.T) {
	p := Policy{}.WithDefaults()
	d := DefaultPolicy()
	if p.MaxPerOrigin != d.MaxPerOrigin || p.MaxTotal != 20 || p.Window != 28*24*time.Hour || p.HalfLife != 3*24*time.Hour || p.OpenWeight != 1 || p.Categories != nil {
		t.Fatalf("%+v", p)
	}
	for _, c := range []struct {
		p Policy
		k int
	}{{Policy{}, 3}, {Policy{MaxPerOrigin: 10, MaxTotal: 4}, 4}, {Policy{MaxPerOrigin: -1}, 20}, {Policy{MaxPerOrigin: -1, MaxTotal: -1}, 0}} {
		if k := c.p.perOriginCandidates(); k != c.k {
			t.Errorf("%+v: k=%d want %d", c.p, k, c.k)
		}
	}
}
