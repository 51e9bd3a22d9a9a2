package swhost_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/origins"
	"github.com/swhost/swhost/internal/sw"
)

type logs struct {
	mu    sync.Mutex
	lines []string
	errs  []*js.ScriptError
}

func (l *logs) console(src swhost.Source, level, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, msg)
}

func (l *logs) scriptError(src swhost.Source, se *js.ScriptError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, se)
}

func (l *logs) errors() []*js.ScriptError {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*js.ScriptError(nil), l.errs...)
}

func (l *logs) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if line == s {
			return true
		}
	}
	return false
}

func newHost(t *testing.T, cfg swhost.Config) (*swhost.Host, *logs) {
	t.Helper()
	l := &logs{}
	cfg.Console = l.console
	cfg.OnScriptError = l.scriptError
	if cfg.Origins == nil {
		cfg.Origins = []origins.Mapping{{Origin: "https://guards.example", Dir: "testdata/guards"}}
	}
	h, err := swhost.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, l
}

// TestGuards: a push handler that spins, recurses without bound, runs a
// catastrophic regexp or allocates without bound is stopped with a clear
// error; a second worker keeps answering, and the first starts again.
func TestGuards(t *testing.T) {
	h, l := newHost(t, swhost.Config{CPUBudget: 300 * time.Millisecond, HeapGrowthLimit: 256 << 20, EventDeadline: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := h.Register(ctx, "https://guards.example/spin.js", "/spin/"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Register(ctx, "https://guards.example/other.js", "/other/"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind    string
		wantErr string
	}{
		{"spin", "script exceeded its CPU budget (300ms)"},
		{"recurse", "RangeError: Maximum call stack size exceeded"},
		{"regexp", "script exceeded its CPU budget (300ms)"},
		{"alloc", ""}, // heap limit or CPU budget, whichever comes first
		{"never", "push event: event exceeded its deadline (2s)"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			err := h.Push(ctx, "https://guards.example/spin/", []byte(tt.kind))
			if err == nil {
				t.Fatalf("push %s succeeded", tt.kind)
			}
			msg := err.Error()
			for _, se := range l.errors() {
				msg += "\n" + se.Message
			}
			switch {
			case tt.wantErr != "" && !strings.Contains(msg, tt.wantErr):
				t.Fatalf("error %q does not mention %q", msg, tt.wantErr)
			case tt.wantErr == "" && !strings.Contains(msg, js.ErrHeapLimit.Error()) && !strings.Contains(msg, js.ErrCPUBudget.Error()):
				t.Fatalf("error %q names neither guard", msg)
			}
			// Another worker answers, and the guarded one starts again.
			if err := h.Push(ctx, "https://guards.example/other/", []byte("after "+tt.kind)); err != nil {
				t.Fatalf("second worker: %v", err)
			}
			if !l.has("other worker got: after " + tt.kind) {
				t.Fatalf("second worker did not log")
			}
			if err := h.Push(ctx, "https://guards.example/spin/", []byte("fine")); err != nil {
				t.Fatalf("guarded worker after %s: %v", tt.kind, err)
			}
		})
	}
}

func TestPushWithoutRegistration(t *testing.T) {
	h, _ := newHost(t, swhost.Config{})
	err := h.Push(context.Background(), "https://guards.example/none/", []byte("x"))
	if !errors.Is(err, sw.ErrNoActiveWorker) {
		t.Fatalf("got %v, want ErrNoActiveWorker", err)
	}
}

// TestHeapWatchdog: with a generous CPU budget, unbounded allocation is
// stopped by the heap watchdog.
func TestHeapWatchdog(t *testing.T) {
	h, l := newHost(t, swhost.Config{CPUBudget: 60 * time.Second, HeapGrowthLimit: 64 << 20})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := h.Register(ctx, "https://guards.example/spin.js", "/spin/"); err != nil {
		t.Fatal(err)
	}
	err := h.Push(ctx, "https://guards.example/spin/", []byte("alloc"))
	if err == nil || !strings.Contains(err.Error(), "script exceeded its heap limit") {
		t.Fatalf("push: %v; script errors %v", err, l.errors())
	}
}

// TestIdleStopAndRestart: an idle worker stops after the idle timeout and
// starts again for the next event.
func TestIdleStopAndRestart(t *testing.T) {
	h, l := newHost(t, swhost.Config{IdleTimeout: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := h.Register(ctx, "https://guards.example/other.js", "/other/"); err != nil {
		t.Fatal(err)
	}
	w := h.Core().RegistrationByScope("https://guards.example/other/").Active()
	if err := h.Push(ctx, "https://guards.example/other/", []byte("one")); err != nil {
		t.Fatal(err)
	}
	starts := w.Starts()
	for w.Running() {
		select {
		case <-ctx.Done():
			t.Fatal("the worker never stopped")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := h.Push(ctx, "https://guards.example/other/", []byte("two")); err != nil {
		t.Fatal(err)
	}
	if w.Starts() != starts+1 || !l.has("other worker got: two") {
		t.Fatalf("starts %d → %d; lines %v", starts, w.Starts(), l.has("other worker got: two"))
	}
}
