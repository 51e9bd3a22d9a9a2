package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// swhostBinary builds cmd/swhost once per test binary.
func swhostBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "swhost-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "swhost")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/swhost").CombinedOutput()
		if err != nil {
			binErr = err
			t.Logf("go build: %s", out)
		}
	})
	if binErr != nil {
		t.Fatalf("building swhost: %v", binErr)
	}
	return binPath
}

// TestKillAfterRegister: kill -9 the host right after register() resolved;
// after restart the registration is active and answers a push.
func TestKillAfterRegister(t *testing.T) {
	bin := swhostBinary(t)
	data := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--data", data, "--listen", "127.0.0.1:0",
		"--origin", "https://kill.example=testdata/kill", "--open", "https://kill.example/")
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	serve.Stderr = os.Stderr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	registered := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "registered ") {
			// register() resolved in the page: kill at once.
			_ = serve.Process.Signal(syscall.SIGKILL)
			registered = true
			break
		}
	}
	_ = serve.Wait()
	if !registered {
		t.Fatal("the page never printed that register() resolved")
	}

	// First thing after the restart: a push (it waits for the interrupted
	// install to finish and the worker to activate).
	out, err := exec.CommandContext(ctx, bin, "push", "--data", data, "--origin", "https://kill.example=testdata/kill",
		"https://kill.example/", "after the crash").CombinedOutput()
	if err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "[sw https://kill.example/] got push: after the crash") {
		t.Fatalf("push output: %s", out)
	}
	out, err = exec.CommandContext(ctx, bin, "registrations", "--data", data, "--json").Output()
	if err != nil {
		t.Fatalf("registrations: %v", err)
	}
	var regs []struct {
		Scope  string `json:"scope"`
		Active *struct {
			State string `json:"state"`
		} `json:"active"`
	}
	if err := json.Unmarshal(out, &regs); err != nil {
		t.Fatalf("registrations output %q: %v", out, err)
	}
	if len(regs) != 1 || regs[0].Scope != "https://kill.example/" {
		t.Fatalf("registrations after restart: %s", out)
	}

	// The registration's worker finished installing and activating after
	// the restart (the page's register() resolved while it was installing).
	out, _ = exec.CommandContext(ctx, bin, "registrations", "--data", data, "--json").Output()
	if !strings.Contains(string(out), `"state": "activated"`) {
		t.Fatalf("not activated after restart: %s", out)
	}
}
