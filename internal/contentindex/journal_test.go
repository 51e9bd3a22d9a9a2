package contentindex

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// markedMem is a MarkedStore over MemStore that can be made to fail.
type markedMem struct {
	*MemStore
	mu      sync.Mutex
	mark    uint64
	fail    error
	applied int // ApplyMarked calls that worked
	puts    int // puts applied
	gone    map[string]bool
}

func newMarkedMem() *markedMem { return &markedMem{MemStore: NewMemStore(), gone: map[string]bool{}} }

func (m *markedMem) ApplyMarked(ctx context.Context, batches [][]Mutation, mark uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for _, b := range batches {
		var keep []Mutation
		for _, mu := range b {
			if mu.Put != nil && m.gone[mu.RegID] {
				continue
			}
			if mu.Put != nil {
				m.puts++
			}
			keep = append(keep, mu)
		}
		if err := m.MemStore.Apply(ctx, keep); err != nil {
			return err
		}
	}
	m.mark = mark
	m.applied++
	return nil
}

func (m *markedMem) Mark(context.Context) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mark, nil
}

func (m *markedMem) setFail(err error) {
	m.mu.Lock()
	m.fail = err
	m.mu.Unlock()
}

var jseq int64

// jput sets id with the next Seq (as a queue numbers a new or re-added id).
func jput(reg, id string) Mutation {
	jseq++
	return Mutation{RegID: reg, ID: id, Put: &Record{RegID: reg, Seq: jseq, Description: Description{ID: id, Title: "t " + id, Description: "d", Category: "article", URL: "/a/" + id, Icons: []ImageResource{}},
		LaunchURL: "https://a.example/a/" + id}}
}

func jdel(reg, id string) Mutation { return Mutation{RegID: reg, ID: id} }

func storedIDs(t *testing.T, s Store, reg string) []string {
	t.Helper()
	recs, err := s.LoadEntries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var mine []Record
	for _, r := range recs {
		if r.RegID == reg {
			mine = append(mine, r)
		}
	}
	slices.SortFunc(mine, func(a, b Record) int { return int(a.Seq - b.Seq) })
	out := []string{}
	for _, r := range mine {
		out = append(out, r.ID())
	}
	return out
}

// Batches the store never got (the process died first) are applied by the
// next OpenJournal, in order, each once; the mark makes replay exact.
func TestJournalReplaysWhatTheStoreMissed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ci.journal")
	inner := newMarkedMem()
	j, err := OpenJournal(ctx, path, inner, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Two batches reach the store...
	q1 := jput("1", "q")
	p1 := jput("1", "p")
	for _, b := range [][]Mutation{{q1}, {p1}} {
		if err := j.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// ...then it refuses, and the process "dies" with three more journaled:
	// q deleted and set again (it moves after p), r added, p overwritten in
	// place.
	inner.setFail(errors.New("disk full"))
	p2 := jput("1", "p")
	p2.Put.Seq = p1.Put.Seq // an overwrite keeps its position
	for _, b := range [][]Mutation{{jdel("1", "q"), jput("1", "q")}, {jput("1", "r")}, {p2}} {
		if err := j.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Flush(ctx); err == nil || !errors.Is(err, inner.fail) {
		t.Fatalf("Flush with a failing store: %v", err)
	}
	j.f.Close() // no Close: as after kill -9
	close(j.stop)
	<-j.done
	if got := storedIDs(t, inner, "1"); !slices.Equal(got, []string{"q", "p"}) {
		t.Fatalf("before replay the store has %v", got)
	}

	inner.setFail(nil)
	j2, err := OpenJournal(ctx, path, inner, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close(ctx)
	if got := storedIDs(t, inner, "1"); !slices.Equal(got, []string{"p", "q", "r"}) {
		t.Fatalf("after replay %v, want [p q r]", got)
	}
	// Each journaled put reached the store once: 2 before the failure, 3
	// replayed (not the 2 the store had again).
	if inner.puts != 5 {
		t.Fatalf("%d puts applied, want 5", inner.puts)
	}
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Fatalf("journal not emptied after replay: %d bytes", fi.Size())
	}
	// Sequence numbers go on after the replayed ones.
	if err := j2.Apply(ctx, []Mutation{jput("1", "s")}); err != nil {
		t.Fatal(err)
	}
	if err := j2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if inner.mark != 6 {
		t.Fatalf("mark %d, want 6", inner.mark)
	}
}

// A record cut short by a crash in the middle of an append, and garbage
// after it, are dropped; the intact records before it are applied.
func TestJournalTornTail(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		tail func(rec []byte) []byte
	}{
		{"half a header", func(rec []byte) []byte { return rec[:5] }},
		{"half a payload", func(rec []byte) []byte { return rec[:len(rec)-7] }},
		{"bad checksum", func(rec []byte) []byte { c := slices.Clone(rec); c[len(c)-2] ^= 0xff; return c }},
		{"huge length", func(rec []byte) []byte { return []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 2, 3} }},
		{"not JSON", func([]byte) []byte {
			b, _ := encodeRecord(9, nil)
			b = slices.Clone(b)
			copy(b[recordHeader:], "xxxx")
			return fixCRC(b)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ci.journal")
			good, _ := encodeRecord(1, []Mutation{jput("1", "a")})
			torn, _ := encodeRecord(2, []Mutation{jput("1", "b")})
			if err := os.WriteFile(path, append(slices.Clone(good), tc.tail(torn)...), 0o600); err != nil {
				t.Fatal(err)
			}
			inner := newMarkedMem()
			j, err := OpenJournal(ctx, path, inner, JournalOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close(ctx)
			if got := storedIDs(t, inner, "1"); !slices.Equal(got, []string{"a"}) {
				t.Fatalf("got %v, want [a]", got)
			}
		})
	}
}

func fixCRC(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[4:8], crc32.Checksum(b[recordHeader:], crcTable))
	return b
}

// Icon bytes travel through the journal.
func TestJournalKeepsIconData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ci.journal")
	inner := newMarkedMem()
	inner.setFail(errors.New("not now"))
	j, err := OpenJournal(ctx, path, inner, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := jput("1", "a")
	m.Put.Icons = []Icon{{URL: "https://a.example/i.png", ContentType: "image/png", Data: []byte{1, 2, 3}}, {URL: "https://a.example/j.svg"}}
	if err := j.Apply(ctx, []Mutation{m}); err != nil {
		t.Fatal(err)
	}
	j.f.Close()
	close(j.stop)
	<-j.done
	inner.setFail(nil)
	j2, err := OpenJournal(ctx, path, inner, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close(ctx)
	data, err := j2.LoadIcon(ctx, "1", "a", 0)
	if err != nil || !slices.Equal(data, []byte{1, 2, 3}) {
		t.Fatalf("icon 0: %v %v", data, err)
	}
	if data, err := j2.LoadIcon(ctx, "1", "a", 1); err != nil || data != nil {
		t.Fatalf("icon 1: %v %v", data, err)
	}
}

// A put for a registration removed after it was journaled is dropped by the
// store, not retried forever; the store keeps the others.
func TestJournalRegistrationGone(t *testing.T) {
	ctx := context.Background()
	inner := newMarkedMem()
	inner.gone["2"] = true
	j, err := OpenJournal(ctx, filepath.Join(t.TempDir(), "ci.journal"), inner, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close(ctx)
	if err := j.Apply(ctx, []Mutation{jput("2", "x"), jput("1", "y")}); err != nil {
		t.Fatal(err)
	}
	if err := j.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := storedIDs(t, inner, "1"); !slices.Equal(got, []string{"y"}) {
		t.Fatalf("got %v", got)
	}
	if got := storedIDs(t, inner, "2"); len(got) != 0 {
		t.Fatalf("registration 2 got %v", got)
	}
}

// The applier retries a failing store; Flush reports the failure meanwhile
// and succeeds once the store is back. Many appends share few commits.
func TestJournalRetriesAndGroups(t *testing.T) {
	ctx := context.Background()
	inner := newMarkedMem()
	j, err := OpenJournal(ctx, filepath.Join(t.TempDir(), "ci.journal"), inner, JournalOptions{RetryEvery: 10 * time.Millisecond, CompactAt: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close(ctx)
	inner.setFail(errors.New("busy"))
	for i := range 200 {
		if err := j.Apply(ctx, []Mutation{jput("1", fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Flush(ctx); err == nil {
		t.Fatal("Flush succeeded with a failing store")
	}
	inner.setFail(nil)
	deadline := time.Now().Add(10 * time.Second)
	for j.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := j.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := storedIDs(t, inner, "1"); len(got) != 200 || got[0] != "0" || got[199] != "199" {
		t.Fatalf("%d entries", len(got))
	}
	if inner.applied > 10 {
		t.Fatalf("%d commits for 200 appends made while the store was failing", inner.applied)
	}
	// Everything applied and the file over CompactAt: it was emptied.
	if j.size != 0 {
		t.Fatalf("journal holds %d bytes after catching up", j.size)
	}
}
