package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/origins"
	"github.com/swhost/swhost/internal/sw"
)

// hostFlags are the flags every command that starts a host shares.
type hostFlags struct {
	origins   stringList
	grants    stringList
	grantMode string
	data      string
	durable   string
	cpuBudget time.Duration
	idle      time.Duration
	deadline  time.Duration
	verbose   bool
	index     indexFlags
}

func (h *hostFlags) register(fs *flag.FlagSet, dataDefault string) {
	fs.Var(&h.origins, "origin", "map `ORIGIN=DIR|URL` (repeatable), e.g. https://news.example=./examples/news")
	fs.StringVar(&h.data, "data", dataDefault, "directory of the host's database (empty: in memory)")
	fs.StringVar(&h.durable, "durability", "process", "what a resolved write survives: process (the end of the process, kill -9 included) or full (also power loss: an fsync per commit)")
	fs.Var(&h.grants, "grant", "allow `ORIGIN=SCRIPTURL`: pages of ORIGIN may discover the published worker SCRIPTURL (repeatable)")
	fs.StringVar(&h.grantMode, "grants", "deny", "how discovery grants are decided when none is recorded: deny or prompt")
	fs.DurationVar(&h.cpuBudget, "cpu-budget", 0, "longest one script task may run (default 5s)")
	fs.DurationVar(&h.idle, "idle-timeout", 0, "stop workers idle this long (default 30s)")
	fs.DurationVar(&h.deadline, "event-deadline", 0, "longest an event's waitUntil/respondWith promises may keep it going (install, activate, fetch, push, …); past it the event fails (default 5m)")
	fs.BoolVar(&h.verbose, "v", false, "verbose logs")
	h.index.register(fs)
}

func (h *hostFlags) config(e *Env) (swhost.Config, error) {
	cfg := swhost.Config{DataDir: h.data, CPUBudget: h.cpuBudget, IdleTimeout: h.idle, EventDeadline: h.deadline, Logger: logger(e, h.verbose),
		Grants: h.grants, GrantMode: h.grantMode, Durability: h.durable}
	if err := h.index.apply(&cfg); err != nil {
		return cfg, err
	}
	for _, o := range h.origins {
		m, err := origins.ParseMapping(o)
		if err != nil {
			return cfg, err
		}
		cfg.Origins = append(cfg.Origins, m)
	}
	return cfg, nil
}

// console prints console output: page lines as they are, worker lines
// prefixed with the worker's scope; warnings and errors go to stderr.
type console struct {
	mu     sync.Mutex
	stdout io.Writer
	stderr io.Writer
}

func (c *console) line(src swhost.Source, level, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.stdout
	if level == "warn" || level == "error" {
		w = c.stderr
	}
	if src.Kind == "worker" {
		fmt.Fprintf(w, "[sw %s] %s\n", src.Scope, msg)
		return
	}
	fmt.Fprintln(w, msg)
}

func (c *console) scriptError(src swhost.Source, se *js.ScriptError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prefix := ""
	if src.Kind == "worker" {
		prefix = "[sw " + src.Scope + "] "
	}
	text := se.Stack
	if text == "" {
		text = se.Message
	}
	if se.Kind == "exception" && !strings.HasPrefix(text, "Uncaught") {
		text = "Uncaught " + text
	}
	fmt.Fprintf(c.stderr, "%s%s\n", prefix, text)
}

// runScript runs one SCRIPT argument of run in the page: a local file
// (./x.js, ../x.js or a file: URL), or else a URL resolved against the
// page's, fetched as <script src> is.
func runScript(ctx context.Context, page *swhost.Page, s string) error {
	path, local := strings.CutPrefix(s, "file:")
	if !local && !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") {
		return page.RunScriptURL(ctx, s)
	}
	if local {
		u, err := url.Parse(s)
		if err != nil || u.Path == "" {
			return fmt.Errorf("script %s: not a file URL", s)
		}
		path = u.Path
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("script %s: %w", s, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("script %s: %w", s, err)
	}
	return page.Eval(ctx, (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), string(src))
}

func cmdRun(e *Env, args []string) int {
	fs := newFlags(e, "run", "[flags] URL [SCRIPT...]\n\nOpens a headless page at URL, runs its document's scripts, then each SCRIPT: a local\nfile (./test.js, ../test.js, file:///abs/test.js) or a URL resolved against the page's.")
	var hf hostFlags
	hf.register(fs, "")
	timeout := fs.Duration("timeout", 30*time.Second, "stop after this long")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return ExitUsage
	}
	cfg, err := hf.config(e)
	if err != nil {
		return errorf(e, "%v", err)
	}
	con := &console{stdout: e.Stdout, stderr: e.Stderr}
	var mu sync.Mutex
	pageErrors := 0
	cfg.Console = con.line
	cfg.OnScriptError = func(src swhost.Source, se *js.ScriptError) {
		con.scriptError(src, se)
		if src.Kind == "page" {
			mu.Lock()
			pageErrors++
			mu.Unlock()
		}
	}
	// --timeout bounds the page's work, not the host's start-up.
	host, err := swhost.New(e.Ctx, cfg)
	if err != nil {
		return errorf(e, "%v", err)
	}
	defer host.Close()
	ctx, cancel := context.WithTimeout(e.Ctx, *timeout)
	defer cancel()

	page, err := host.OpenPage(ctx, fs.Arg(0))
	if err == nil {
		for _, s := range fs.Args()[1:] {
			if err = runScript(ctx, page, s); err != nil && !errors.Is(err, sw.ErrUncaught) {
				break
			}
			err = nil
		}
	}
	if err == nil {
		err = page.Wait(ctx)
	}
	if page != nil {
		defer page.Close()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(e.Stderr, "swhost: run: still busy after %s (pending timers, promises or events); stopped\n", *timeout)
		return ExitTimeout
	case errors.Is(err, context.Canceled):
		return ExitError
	case err != nil:
		fmt.Fprintf(e.Stderr, "swhost: run: %v\n", err)
		return ExitError
	}
	mu.Lock()
	defer mu.Unlock()
	if pageErrors > 0 {
		return ExitError
	}
	return ExitOK
}
