package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const crashDirEnv = "SWHOST_STORE_CRASH_DIR"

// TestKill9 re-runs the test binary as a child that opens a store, writes
// from many goroutines and prints a line for each write the moment the call
// returns success; the parent SIGKILLs it mid-stream, reopens the store and
// checks that every printed write is there (content index entries, cache
// entries with blob bodies, kv pairs), and that the database is intact.
func TestKill9(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	br := bufio.NewReader(out)
	killed := false
	deadline := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			// EOF after the kill; a fragment without its newline (none
			// expected: each line is one write(2)) is not a report.
			break
		}
		lines = append(lines, strings.TrimSuffix(line, "\n"))
		if !killed && len(lines) >= 3000 {
			// Writes are still in flight: kill without warning.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("child exited before the kill: %v (%d lines)", werr, len(lines))
	}
	t.Logf("child printed %d committed writes before SIGKILL (%v)", len(lines), werr)

	s := openFile(t, dir, Options{})
	ctx := context.Background()
	reg, err := s.GetRegistration(ctx, "https://news.example", "https://news.example/")
	if err != nil {
		t.Fatal(err)
	}
	cid, _, err := s.OpenCache(ctx, "https://news.example", "articles")
	if err != nil {
		t.Fatal(err)
	}
	var nci, ncache, nkv int
	for _, line := range lines {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "ci":
			if _, err := s.GetContentEntry(ctx, reg.ID, f[1]); err != nil {
				t.Fatalf("committed content entry %s lost: %v", f[1], err)
			}
			nci++
		case len(f) == 3 && f[0] == "cache":
			es, err := s.CacheEntries(ctx, cid, CacheQuery{URL: f[1], WithBodies: true})
			if err != nil || len(es) != 1 {
				t.Fatalf("committed cache entry %s lost: %d %v", f[1], len(es), err)
			}
			if len(es) == 1 {
				sum := sha256.Sum256(es[0].Body)
				if hex.EncodeToString(sum[:]) != f[2] {
					t.Fatalf("cache entry %s: body corrupted", f[1])
				}
			}
			ncache++
		case len(f) == 3 && f[0] == "kv":
			v, err := s.KVGet(ctx, "crash", f[1])
			if err != nil || string(v) != f[2] {
				t.Fatalf("committed kv %s lost: %q %v", f[1], v, err)
			}
			nkv++
		default:
			t.Fatalf("bad line %q", line)
		}
	}
	t.Logf("verified %d content entries, %d cache entries (blobs), %d kv pairs", nci, ncache, nkv)
	var check string
	if err := s.rq().queryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	var fkBad int
	rows, err := s.rq().query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		fkBad++
	}
	rows.Close()
	if fkBad != 0 {
		t.Fatalf("%d foreign key violations", fkBad)
	}
}

func crashChild(dir string) {
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{Logger: quietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	reg, err := s.PutRegistration(ctx, Registration{StorageKey: "https://news.example", Scope: "https://news.example/"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child reg:", err)
		os.Exit(2)
	}
	cid, _, err := s.OpenCache(ctx, "https://news.example", "articles")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child cache:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	emit := func(format string, args ...any) {
		line := fmt.Sprintf(format+"\n", args...)
		mu.Lock()
		io.WriteString(os.Stdout, line) // one write(2) per line
		mu.Unlock()
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := n.Add(1)
				switch i % 10 {
				case 0:
					body := bytes.Repeat([]byte(fmt.Sprintf("article %d ", i)), 8000) // > 64 KiB: a blob file
					u := fmt.Sprintf("https://news.example/article/%d", i)
					if _, err := s.PutCacheEntries(ctx, cid, []CacheEntry{{Method: "GET", URL: u, Status: 200, Body: body}}); err != nil {
						fmt.Fprintln(os.Stderr, "child put:", err)
						continue
					}
					sum := sha256.Sum256(body)
					emit("cache %s %s", u, hex.EncodeToString(sum[:]))
				case 3, 7:
					k := fmt.Sprintf("k%d", i)
					if err := s.KVPut(ctx, "crash", k, []byte(fmt.Sprint(i*i))); err != nil {
						continue
					}
					emit("kv %s %d", k, i*i)
				default:
					id := fmt.Sprintf("e%d", i)
					if err := s.PutContentEntry(ctx, ciEntry(reg, id, Icon{Src: "/i.png", Body: []byte(id)})); err != nil {
						continue
					}
					emit("ci %s", id)
				}
			}
		}()
	}
	wg.Wait() // never: the parent kills us
}
