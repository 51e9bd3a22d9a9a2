//go:build unix

package swhost_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillAfterCachePut: the host runs a page that puts entries into Cache
// Storage one after the other (large bodies in blob files, small ones in
// the database) and prints each put whose promise resolved; the test kills
// the process with SIGKILL as soon as it reads such a line. After a restart
// on the same data directory every entry whose put resolved is there, with
// its headers and exact body.
func TestKillAfterCachePut(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "swhost")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/swhost").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const origin = "https://kill-cache.example"
	mapping := origin + "=" + filepath.Join("testdata", "cachekill")
	for _, killAt := range []int{1, 4} {
		t.Run(fmt.Sprintf("AfterPut%d", killAt), func(t *testing.T) {
			data := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "run", "--data", data, "--timeout", "2m", "--origin", mapping, origin+"/put.html")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			resolved := 0
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if n, ok := strings.CutPrefix(sc.Text(), "put resolved "); ok {
					resolved, _ = strconv.Atoi(n)
					if resolved >= killAt {
						_ = cmd.Process.Signal(syscall.SIGKILL)
						break
					}
				}
			}
			err = cmd.Wait()
			if resolved < killAt {
				t.Fatalf("the page printed %d resolved puts before it ended (%v)", resolved, err)
			}
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the host was not killed by SIGKILL: %v", cmd.ProcessState)
			}

			out, err := exec.CommandContext(ctx, bin, "run", "--data", data, "--timeout", "1m", "--origin", mapping, origin+"/check.html").CombinedOutput()
			if err != nil {
				t.Fatalf("check after restart: %v\n%s", err, out)
			}
			ok := map[int]bool{}
			checked := -1
			for _, line := range strings.Split(string(out), "\n") {
				var i int
				if _, err := fmt.Sscanf(line, "entry %d ok", &i); err == nil && strings.HasSuffix(line, " ok") {
					ok[i] = true
				} else if strings.HasSuffix(line, " bad") {
					t.Errorf("after restart: %s", line)
				}
				if n, found := strings.CutPrefix(line, "checked "); found {
					checked, _ = strconv.Atoi(n)
				}
			}
			if checked < 0 {
				t.Fatalf("the check page did not finish:\n%s", out)
			}
			for i := 1; i <= resolved; i++ {
				if !ok[i] {
					t.Errorf("entry %d: its put resolved before the kill, but after the restart it is missing or wrong", i)
				}
			}
			t.Logf("killed after %d resolved puts; after restart %d entries, all intact", resolved, checked)
		})
	}
}
