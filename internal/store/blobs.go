package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

func (s *Store) blobPath(sum []byte) string {
	h := hex.EncodeToString(sum)
	return filepath.Join(s.blobs, h[:2], h)
}

// writeBlob makes sure the blob file for sum exists and is durable: written
// to a temporary file, fsynced, renamed into place, directory fsynced.
func (s *Store) writeBlob(sum, body []byte) error {
	p := s.blobPath(sum)
	dir := filepath.Dir(p)
	if _, err := os.Stat(p); err == nil {
		// Present (complete: files appear only by rename after fsync). Its
		// directory entry may not be durable yet if another writer just
		// renamed it, so sync the directory as that writer would.
		return syncDir(dir)
	}
	newDir := false
	if _, err := os.Stat(dir); err != nil { // made at Open; recreate if removed
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		newDir = true
	}
	f, err := os.CreateTemp(filepath.Join(s.blobs, "tmp"), filepath.Base(p)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if newDir {
		return syncDir(s.blobs) // make the new xx/ entry durable
	}
	return nil
}

// makeBlobDirs creates blobs/tmp and the 256 fan-out directories once, so
// that writing a blob only has to sync its own directory.
func makeBlobDirs(root string) error {
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o700); err != nil {
		return err
	}
	for i := range 256 {
		if err := os.Mkdir(filepath.Join(root, fmt.Sprintf("%02x", i)), 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return syncDir(root)
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

// ensureBlob runs on the writer goroutine just before a row referencing sum
// is inserted. A blob row implies its file exists (files are removed only
// after their row is deleted, on this goroutine); without a row, the file
// written before the request was queued may have been collected meanwhile,
// so check and rewrite if needed.
func (tx *Tx) ensureBlob(sum, body []byte) error {
	var one int
	err := tx.queryRow(`SELECT 1 FROM blobs WHERE sha256 = ?`, sum).Scan(&one)
	if err == nil {
		return nil
	}
	s := tx.w.s
	if _, serr := os.Stat(s.blobPath(sum)); serr == nil {
		return nil
	}
	return s.writeBlob(sum, body)
}

// GCStats reports what a collection removed.
type GCStats struct {
	Blobs      int // orphaned blob rows and files removed
	StrayFiles int // files without a row (crash leftovers) removed
	Bytes      int64
}

// GC removes blob files unreferenced for longer than Options.BlobGrace,
// and stray files (written for a transaction that never committed) older
// than that. It runs periodically on its own; tests call it directly.
func (s *Store) GC(ctx context.Context) (GCStats, error) {
	return s.gc(ctx, s.opts.BlobGrace)
}

func (s *Store) gc(ctx context.Context, grace time.Duration) (GCStats, error) {
	var st GCStats
	if s.blobs == "" {
		return st, nil
	}
	cutoff := time.Now().Add(-grace)
	type doomed struct {
		sum  []byte
		size int64
	}
	err := s.update(ctx, func(tx *Tx) error {
		rows, err := tx.query(`DELETE FROM blobs WHERE orphaned_at IS NOT NULL AND orphaned_at <= ?
			RETURNING sha256, size`, cutoff.UnixMilli())
		if err != nil {
			return err
		}
		var gone []doomed
		for rows.Next() {
			var d doomed
			if err := rows.Scan(&d.sum, &d.size); err != nil {
				rows.Close()
				return err
			}
			gone = append(gone, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		tx.onCommit(func() {
			for _, d := range gone {
				if err := os.Remove(s.blobPath(d.sum)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					s.log.Warn("blob remove failed", "err", err)
					continue
				}
				st.Blobs++
				st.Bytes += d.size
			}
		})
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("store: gc: %w", err)
	}

	// Stray files: listed outside the writer, checked and removed on it.
	var stray []string
	_ = filepath.WalkDir(s.blobs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil && !info.ModTime().After(cutoff) {
			stray = append(stray, p)
		}
		return nil
	})
	if len(stray) == 0 {
		return st, nil
	}
	tmpDir := filepath.Join(s.blobs, "tmp")
	err = s.update(ctx, func(tx *Tx) error {
		var remove []string
		for _, p := range stray {
			if filepath.Dir(p) != tmpDir {
				sum, err := hex.DecodeString(filepath.Base(p))
				if err == nil && len(sum) == 32 {
					var one int
					if err := tx.queryRow(`SELECT 1 FROM blobs WHERE sha256 = ?`, sum).Scan(&one); err == nil {
						continue // referenced
					}
				}
			}
			remove = append(remove, p)
		}
		tx.onCommit(func() {
			for _, p := range remove {
				if err := os.Remove(p); err == nil {
					st.StrayFiles++
				}
			}
		})
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("store: gc: %w", err)
	}
	if st.Blobs > 0 || st.StrayFiles > 0 {
		s.log.Debug("blob gc", "blobs", st.Blobs, "stray", st.StrayFiles, "bytes", st.Bytes)
	}
	return st, nil
}

func (s *Store) gcLoop() {
	defer close(s.gcDone)
	t := time.NewTicker(s.opts.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-s.gcStop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if _, err := s.GC(ctx); err != nil && !errors.Is(err, ErrClosed) {
				s.log.Warn("blob gc failed", "err", err)
			}
			cancel()
		}
	}
}

// recover runs at Open: purge doomed caches (no Cache object survives a
// restart) and collect every orphaned blob and stray file.
func (s *Store) recover(ctx context.Context) error {
	err := s.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(`DELETE FROM caches WHERE name IS NULL`)
		return err
	})
	if err != nil {
		return fmt.Errorf("purge doomed caches: %w", err)
	}
	if _, err := s.gc(ctx, -time.Hour); err != nil {
		return err
	}
	return nil
}
