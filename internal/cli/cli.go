// Package cli implements the swhost command. All process state (arguments,
// environment, standard streams, exit code) goes through Env, so every
// command is tested in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Env is the process state a command sees.
type Env struct {
	Args   []string // without the program name
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ctx is cancelled on SIGINT/SIGTERM.
	Ctx context.Context
	// Ready, if set, is called by serve with its listen address once it
	// accepts connections (for tests).
	Ready func(addr string)
}

// OS returns the Env of the running process.
func OS() *Env {
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	return &Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Ctx: ctx}
}

// Exit codes.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitTimeout = 124
)

type command struct {
	name    string
	summary string
	run     func(e *Env, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "host service workers and the user agent's web UI", cmdServe},
		{"run", "open a headless page and run its scripts", cmdRun},
		{"push", "fire a push event at a registration", cmdPush},
		{"registrations", "list registrations", cmdRegistrations},
		{"index", "list, open (activate) and delete content index entries", cmdIndex},
		{"grants", "list, allow, deny and revoke cross-origin discovery grants", cmdGrants},
	}
}

// Main runs the command line and returns the exit code.
func Main(e *Env) int {
	if e.Ctx == nil {
		e.Ctx = context.Background()
	}
	if e.Getenv == nil {
		e.Getenv = func(string) string { return "" }
	}
	if len(e.Args) == 0 || e.Args[0] == "-h" || e.Args[0] == "--help" || e.Args[0] == "help" {
		usage(e.Stdout)
		if len(e.Args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	name := e.Args[0]
	for _, c := range commands() {
		if c.name == name {
			return c.run(e, e.Args[1:])
		}
	}
	fmt.Fprintf(e.Stderr, "swhost: unknown command %q\n\n", name)
	usage(e.Stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: swhost COMMAND [flags] [args]")
	fmt.Fprintln(w, "\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'swhost COMMAND --help' for a command's flags.")
}

// newFlags makes a flag set that reports to the env's stderr.
func newFlags(e *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: swhost %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags allowing them after positional arguments too.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return ExitOK, false
			}
			return ExitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	_ = fs.Parse([]string{})
	fs.Parse(append([]string{"--"}, positional...)) //nolint:errcheck // cannot fail
	return 0, true
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func logger(e *Env, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: level}))
}

func errorf(e *Env, format string, args ...any) int {
	fmt.Fprintf(e.Stderr, "swhost: "+format+"\n", args...)
	return ExitError
}
