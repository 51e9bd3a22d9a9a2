package contentindex

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// MarkedStore is a Store that can record, in the same commit as the
// mutations, the sequence number of the last journal record they came from,
// and report it. A Journal needs one underneath.
type MarkedStore interface {
	Store
	// ApplyMarked commits each batch in order, as Apply would one after the
	// other, and sets the mark to mark, all in one atomic commit. A Put for a
	// registration the store no longer has is dropped (it went away after
	// the batch was journaled).
	ApplyMarked(ctx context.Context, batches [][]Mutation, mark uint64) error
	// Mark returns the mark last committed (0 if none).
	Mark(ctx context.Context) (uint64, error)
}

// JournalOptions configure a Journal.
type JournalOptions struct {
	// Sync fsyncs the journal after each append (a resolved operation then
	// survives power loss, not only the end of the process).
	Sync bool
	// CompactAt: once every journaled batch is in the store and the file is
	// at least this large, it is emptied (default 4 MiB).
	CompactAt int64
	// RetryEvery is how long the applier waits after the store failed
	// (default 1 s). The journal keeps the batches meanwhile.
	RetryEvery time.Duration
	Logger     *slog.Logger
}

// Journal is a Store that makes a batch durable by appending it to a file (a
// write(2), plus fsync with Sync) and applies it to the store underneath in
// the background, in order, many batches per commit. Apply returns as soon as
// the record is written: a kill -9 after that loses nothing, because
// OpenJournal applies what the store does not have yet (the store's mark
// tells which records those are) before anything is read.
//
// This takes the database commit off the path of every add() and delete():
// the index's own memory is what getAll() and the display read; the store
// underneath is what a restart loads.
type Journal struct {
	inner MarkedStore
	opts  JournalOptions
	log   *slog.Logger

	mu      sync.Mutex
	f       *os.File
	size    int64
	next    uint64 // sequence number of the next record
	pending []journaled
	failed  error // the store's last error (nil once a commit worked)
	closed  bool
	wake    chan struct{}
	drained *sync.Cond // signalled when pending empties or the applier fails

	done chan struct{}
	stop chan struct{}
}

type journaled struct {
	seq   uint64
	batch []Mutation
}

// journalRecord is one record's payload (JSON; icon data as base64).
type journalRecord struct {
	Seq   uint64         `json:"seq"`
	Batch []journalMutat `json:"batch"`
}

type journalMutat struct {
	RegID string   `json:"reg"`
	ID    string   `json:"id"`
	Put   *Record  `json:"put,omitempty"`
	Icons [][]byte `json:"icons,omitempty"` // the Put's icon Data (Icon.Data is not marshalled)
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// A record on disk: 4-byte little-endian payload length, 4-byte CRC-32C of
// the payload, the payload.
const recordHeader = 8

// maxRecord bounds a record's payload when reading (a corrupt length).
const maxRecord = 1 << 30

// OpenJournal opens (creating) the journal file at path over inner, and
// first applies to inner every intact record after inner's mark; a torn or
// corrupt tail (a crash in the middle of an append) is cut off. Then the file
// is emptied.
func OpenJournal(ctx context.Context, path string, inner MarkedStore, opts JournalOptions) (*Journal, error) {
	if opts.CompactAt <= 0 {
		opts.CompactAt = 4 << 20
	}
	if opts.RetryEvery <= 0 {
		opts.RetryEvery = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("content index journal: %w", err)
	}
	if opts.Sync {
		// The file's directory entry must survive a power loss too.
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, fmt.Errorf("content index journal: %w", err)
		}
	}
	j := &Journal{inner: inner, opts: opts, log: opts.Logger.With("component", "contentindex-journal"), f: f,
		wake: make(chan struct{}, 1), done: make(chan struct{}), stop: make(chan struct{})}
	j.drained = sync.NewCond(&j.mu)
	if err := j.recover(ctx); err != nil {
		f.Close()
		return nil, fmt.Errorf("content index journal %s: %w", path, err)
	}
	go j.applier()
	return j, nil
}

// recover replays the file into the store and empties it.
func (j *Journal) recover(ctx context.Context) error {
	mark, err := j.inner.Mark(ctx)
	if err != nil {
		return err
	}
	recs, good, err := readJournal(j.f)
	if err != nil {
		return err
	}
	var batches [][]Mutation
	last := mark
	for _, r := range recs {
		if r.seq <= mark {
			continue
		}
		batches = append(batches, r.batch)
		last = r.seq
	}
	if len(batches) > 0 {
		j.log.Info("applying journaled content index changes", "records", len(batches), "after", mark)
		if err := j.inner.ApplyMarked(ctx, batches, last); err != nil {
			return err
		}
	}
	if good < j.size0() {
		j.log.Warn("cut a torn record off the content index journal", "at", good)
	}
	if err := j.f.Truncate(0); err != nil {
		return err
	}
	if _, err := j.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	j.next = max(last, mark) + 1
	return nil
}

func (j *Journal) size0() int64 {
	fi, err := j.f.Stat()
	if err != nil {
		return 0
	}
	return fi.Size()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// readJournal reads every intact record from the start of f, stopping at the
// first torn or corrupt one; good is the offset just past the last intact
// record.
func readJournal(f *os.File) (recs []journaled, good int64, err error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, err
	}
	r := bufio.NewReaderSize(f, 1<<16)
	var hdr [recordHeader]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return recs, good, nil // end, or a torn header
		}
		n := binary.LittleEndian.Uint32(hdr[0:4])
		sum := binary.LittleEndian.Uint32(hdr[4:8])
		if n > maxRecord {
			return recs, good, nil
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return recs, good, nil
		}
		if crc32.Checksum(payload, crcTable) != sum {
			return recs, good, nil
		}
		rec, err := decodeRecord(payload)
		if err != nil {
			return recs, good, nil
		}
		recs = append(recs, rec)
		good += recordHeader + int64(n)
	}
}

func encodeRecord(seq uint64, batch []Mutation) ([]byte, error) {
	jr := journalRecord{Seq: seq, Batch: make([]journalMutat, len(batch))}
	for i, m := range batch {
		jm := journalMutat{RegID: m.RegID, ID: m.ID, Put: m.Put}
		if m.Put != nil {
			for k, ic := range m.Put.Icons {
				if ic.Data != nil {
					if jm.Icons == nil {
						jm.Icons = make([][]byte, len(m.Put.Icons))
					}
					jm.Icons[k] = ic.Data
				}
			}
		}
		jr.Batch[i] = jm
	}
	payload, err := json.Marshal(jr)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, recordHeader+len(payload))
	binary.LittleEndian.PutUint32(buf[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(buf[4:8], crc32.Checksum(payload, crcTable))
	copy(buf[recordHeader:], payload)
	return buf, nil
}

func decodeRecord(payload []byte) (journaled, error) {
	var jr journalRecord
	if err := json.Unmarshal(payload, &jr); err != nil {
		return journaled{}, err
	}
	batch := make([]Mutation, len(jr.Batch))
	for i, jm := range jr.Batch {
		if jm.Put != nil && jm.Icons != nil {
			if len(jm.Icons) != len(jm.Put.Icons) {
				return journaled{}, errors.New("icon data does not match the icons")
			}
			for k := range jm.Put.Icons {
				jm.Put.Icons[k].Data = jm.Icons[k]
			}
		}
		batch[i] = Mutation{RegID: jm.RegID, ID: jm.ID, Put: jm.Put}
	}
	return journaled{seq: jr.Seq, batch: batch}, nil
}

// LoadEntries loads from the store underneath (OpenJournal brought it up to
// date).
func (j *Journal) LoadEntries(ctx context.Context) ([]Record, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	return j.inner.LoadEntries(ctx)
}

// Apply appends the batch to the journal: when it returns nil the batch
// survives the end of the process (and power loss with Sync). The store
// underneath gets it soon after.
func (j *Journal) Apply(ctx context.Context, batch []Mutation) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return errors.New("content index journal: closed")
	}
	seq := j.next
	buf, err := encodeRecord(seq, batch)
	if err != nil {
		return fmt.Errorf("content index journal: %w", err)
	}
	if _, err := j.f.Write(buf); err != nil {
		// A short write leaves a torn record that recovery cuts off; put
		// the file back where it was so the next append starts clean.
		_ = j.f.Truncate(j.size)
		_, _ = j.f.Seek(j.size, io.SeekStart)
		return fmt.Errorf("content index journal: %w", err)
	}
	if j.opts.Sync {
		if err := j.f.Sync(); err != nil {
			// The record may or may not be on disk: cut it off so that
			// the failed call leaves no trace.
			_ = j.f.Truncate(j.size)
			_, _ = j.f.Seek(j.size, io.SeekStart)
			return fmt.Errorf("content index journal: %w", err)
		}
	}
	j.next++
	j.size += int64(len(buf))
	j.pending = append(j.pending, journaled{seq: seq, batch: batch})
	select {
	case j.wake <- struct{}{}:
	default:
	}
	return nil
}

// LoadIcon reads from the store underneath once it has every journaled
// batch.
func (j *Journal) LoadIcon(ctx context.Context, regID, id string, i int) ([]byte, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	return j.inner.LoadIcon(ctx, regID, id, i)
}

// RecordOpen and LoadOpens pass through (after a Flush, so that an open is
// counted on an entry the store has) when the store underneath counts opens.
func (j *Journal) RecordOpen(ctx context.Context, regID, id, origin string, at time.Time) error {
	os, ok := j.inner.(OpenStore)
	if !ok {
		return nil
	}
	if err := j.Flush(ctx); err != nil {
		return err
	}
	return os.RecordOpen(ctx, regID, id, origin, at)
}

func (j *Journal) LoadOpens(ctx context.Context) (map[string]int, error) {
	os, ok := j.inner.(OpenStore)
	if !ok {
		return map[string]int{}, nil
	}
	return os.LoadOpens(ctx)
}

// Flush waits until the store underneath has every batch journaled so far,
// or returns the store's error.
func (j *Journal) Flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		j.mu.Lock()
		j.drained.Broadcast()
		j.mu.Unlock()
	})
	defer stop()
	j.mu.Lock()
	defer j.mu.Unlock()
	for len(j.pending) > 0 {
		if j.failed != nil {
			return j.failed
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if j.closed {
			return errors.New("content index journal: closed")
		}
		j.drained.Wait()
	}
	return nil
}

// Pending returns how many journaled batches the store does not have yet.
func (j *Journal) Pending() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.pending)
}

func (j *Journal) applier() {
	defer close(j.done)
	for {
		select {
		case <-j.wake:
		case <-j.stop:
			return
		}
		for j.applyPending() {
			select {
			case <-j.stop:
				return
			case <-time.After(j.opts.RetryEvery):
			}
		}
	}
}

// applyPending commits everything pending in one transaction; it reports
// whether the store failed (the batches stay pending).
func (j *Journal) applyPending() (failed bool) {
	for {
		j.mu.Lock()
		todo := j.pending
		j.mu.Unlock()
		if len(todo) == 0 {
			return false
		}
		batches := make([][]Mutation, len(todo))
		for i, p := range todo {
			batches[i] = p.batch
		}
		err := j.inner.ApplyMarked(context.Background(), batches, todo[len(todo)-1].seq)
		j.mu.Lock()
		if err != nil {
			if j.failed == nil {
				j.log.Error("content index: the store refused journaled changes; they stay in the journal and are retried", "err", err)
			}
			j.failed = fmt.Errorf("content index store: %w", err)
			j.drained.Broadcast()
			j.mu.Unlock()
			return true
		}
		j.failed = nil
		j.pending = j.pending[len(todo):]
		if len(j.pending) == 0 {
			j.pending = nil
			if j.size >= j.opts.CompactAt {
				// Everything written is in the store: start the file again.
				if err := j.f.Truncate(0); err == nil {
					if _, err := j.f.Seek(0, io.SeekStart); err == nil {
						j.size = 0
					}
				}
			}
			j.drained.Broadcast()
		}
		j.mu.Unlock()
	}
}

// Close stops taking batches, gives the store underneath what it does not
// have yet (waiting up to ctx; what is left stays in the file for the next
// OpenJournal), and closes the file.
func (j *Journal) Close(ctx context.Context) error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.mu.Unlock()
	err := j.Flush(ctx)
	j.mu.Lock()
	j.closed = true
	j.drained.Broadcast()
	j.mu.Unlock()
	close(j.stop)
	<-j.done
	if err == nil && j.Pending() == 0 {
		// All in the store: leave an empty file.
		err = j.f.Truncate(0)
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}
