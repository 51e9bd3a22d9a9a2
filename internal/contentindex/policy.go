package contentindex

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Entry is a content index entry as the user agent sees it.
type Entry struct {
	Record
	// Origin is the serialized origin of the registration's scope.
	Origin string `json:"origin"`
	// Opens is how often the person opened this origin's entries.
	Opens int `json:"opens"`
	// Displayed reports whether the display policy currently shows it.
	Displayed bool `json:"displayed"`

	rec *Record // identity, for telling an overwrite from the same entry
}

// Policy chooses which entries the user agent displays. The spec leaves
// this to the user agent and asks it not to surface everything (a spammy
// site must not flood the shelf); this policy:
//
//  1. keeps entries whose category is in Categories (nil: every category)
//     and that were added (or last overwritten) within Window;
//  2. scores each: recency, halving every HalfLife, times a weight for how
//     often the person opened the origin's entries:
//     score = (1 + OpenWeight*ln(1+opens)) * 2^(-age/HalfLife);
//  3. takes entries by score (ties: newer first, then origin, registration
//     and position), at most MaxPerOrigin per origin and MaxTotal in all.
//
// Zero fields take the defaults of DefaultPolicy; a negative MaxPerOrigin,
// MaxTotal or Window means no limit, a negative OpenWeight no weighting.
type Policy struct {
	MaxPerOrigin int           // default 3
	MaxTotal     int           // default 20
	Window       time.Duration // default 28 days
	Categories   []string      // default nil: all ContentCategory values
	HalfLife     time.Duration // default 3 days
	OpenWeight   float64       // default 1
}

// DefaultPolicy returns the default display policy.
func DefaultPolicy() Policy {
	return Policy{MaxPerOrigin: 3, MaxTotal: 20, Window: 28 * 24 * time.Hour,
		HalfLife: 3 * 24 * time.Hour, OpenWeight: 1}
}

// WithDefaults returns p with zero fields replaced by DefaultPolicy's.
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy()
	orDefault(&p.MaxPerOrigin, d.MaxPerOrigin)
	orDefault(&p.MaxTotal, d.MaxTotal)
	orDefault(&p.Window, d.Window)
	if p.HalfLife <= 0 {
		p.HalfLife = d.HalfLife
	}
	orDefault(&p.OpenWeight, d.OpenWeight)
	return p
}

// Allows reports whether the policy displays entries of category c at all.
func (p Policy) Allows(c string) bool {
	return p.Categories == nil || slices.Contains(p.Categories, c)
}

// perOriginCandidates is how many of an origin's entries (best first) can
// be selected: 0 means all.
func (p Policy) perOriginCandidates() int {
	p = p.WithDefaults()
	k := 0
	if p.MaxPerOrigin > 0 {
		k = p.MaxPerOrigin
	}
	if p.MaxTotal > 0 && (k == 0 || p.MaxTotal < k) {
		k = p.MaxTotal
	}
	return k
}

// logScore is the logarithm of the entry's score.
func (p Policy) logScore(e *Entry, now time.Time) float64 {
	w := 1.0
	if p.OpenWeight > 0 && e.Opens > 0 {
		w += p.OpenWeight * math.Log1p(float64(e.Opens))
	}
	age := now.Sub(e.Added).Seconds()
	return math.Log(w) - math.Ln2*age/p.HalfLife.Seconds()
}

// newerFirst orders one origin's entries: newer first, then by registration
// id, then later position first. Select's order agrees with it within an
// origin.
func newerFirst(a, b *Record) int {
	return cmp.Or(b.Added.Compare(a.Added), cmp.Compare(a.RegID, b.RegID), cmp.Compare(b.Seq, a.Seq))
}

// Select returns the entries to display at time now, best first, with
// Displayed set. entries is not modified.
func (p Policy) Select(entries []Entry, now time.Time) []Entry {
	p = p.WithDefaults()
	type scored struct {
		e *Entry
		s float64
	}
	cands := make([]scored, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		if !p.Allows(e.Description.Category) {
			continue
		}
		if p.Window > 0 && now.Sub(e.Added) > p.Window {
			continue
		}
		cands = append(cands, scored{e, p.logScore(e, now)})
	}
	slices.SortFunc(cands, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.s, a.s), b.e.Added.Compare(a.e.Added), cmp.Compare(a.e.Origin, b.e.Origin),
			cmp.Compare(a.e.RegID, b.e.RegID), cmp.Compare(b.e.Seq, a.e.Seq))
	})
	perOrigin := map[string]int{}
	var out []Entry
	for _, c := range cands {
		if p.MaxTotal > 0 && len(out) >= p.MaxTotal {
			break
		}
		if p.MaxPerOrigin > 0 && perOrigin[c.e.Origin] >= p.MaxPerOrigin {
			continue
		}
		perOrigin[c.e.Origin]++
		e := *c.e
		e.Displayed = true
		out = append(out, e)
	}
	return out
}

func sortBySeq(rs []*Record) {
	slices.SortStableFunc(rs, func(a, b *Record) int { return cmp.Compare(a.Seq, b.Seq) })
}
