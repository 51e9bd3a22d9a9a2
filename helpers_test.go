package swhost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swhost/swhost"
)

// waitConsole collects console lines (a swhost.Config.Console) and lets a
// test wait for one.
type waitConsole struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

// The UI and content index tests name it after themselves.
type (
	uiConsole = waitConsole
	ciConsole = waitConsole
)

func newWaitConsole() *waitConsole { return &waitConsole{changed: make(chan struct{})} }
func newUIConsole() *waitConsole   { return newWaitConsole() }
func newCIConsole() *waitConsole   { return newWaitConsole() }

func (c *waitConsole) line(src swhost.Source, level, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, msg)
	close(c.changed)
	c.changed = make(chan struct{})
}

// wait returns the first line with prefix (seen before or after the call).
func (c *waitConsole) wait(ctx context.Context, prefix string) (string, error) {
	for {
		c.mu.Lock()
		for _, l := range c.lines {
			if strings.HasPrefix(l, prefix) {
				c.mu.Unlock()
				return l, nil
			}
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for console line %q: %w", prefix, ctx.Err())
		}
	}
}

// waitPrefix is wait returning the rest of the line after prefix.
func (c *waitConsole) waitPrefix(ctx context.Context, prefix string) (string, error) {
	l, err := c.wait(ctx, prefix)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(l, prefix), nil
}

// testCtx bounds a test's waiting so that a hang fails instead of blocking
// the whole run; it asserts nothing about time.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// jsResult is what a snippet produced: its value as JSON, or the exception
// it threw as "Name: message".
type jsResult struct {
	OK  json.RawMessage `json:"ok"`
	Err string          `json:"err"`
}

// The fetch and content index tests name it after themselves.
type (
	ffResult      = jsResult
	snippetResult = jsResult
)

func (r jsResult) String() string {
	if r.Err != "" {
		return "threw " + r.Err
	}
	return string(r.OK)
}

// str decodes a string result (or returns the raw text).
func (r jsResult) str() string {
	var s string
	if r.Err != "" || json.Unmarshal(r.OK, &s) != nil {
		return r.String()
	}
	return s
}
