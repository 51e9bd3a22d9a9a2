package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/examples"
	"github.com/swhost/swhost/internal/origins"
)

// DefaultListen is where serve listens: loopback only.
const DefaultListen = "127.0.0.1:8087"

// exampleOrigin is the bundled example, hosted when serve gets no --origin.
const exampleOrigin = "https://news.example"

func cmdServe(e *Env, args []string) int {
	fs := newFlags(e, "serve", "[flags]")
	var hf hostFlags
	hf.register(fs, "data")
	listen := fs.String("listen", DefaultListen, "address of the web UI, JSON API and front")
	token := fs.String("token", "", "API token (required when --listen is not loopback; generated otherwise)")
	var open stringList
	fs.Var(&open, "open", "open a headless page at `URL` on start (repeatable; default: the example's home page)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return ExitUsage
	}
	if !isLoopback(*listen) && *token == "" {
		return errorf(e, "serve: --listen %s is not a loopback address; refusing to start without --token", *listen)
	}
	cfg, err := hf.config(e)
	if err != nil {
		return errorf(e, "%v", err)
	}
	if len(cfg.Origins) == 0 {
		// The news example: the repository's copy when run from it (edits
		// show at once), else the one built in.
		m := origins.Mapping{Origin: exampleOrigin, Dir: findExample()}
		if m.Dir == "" {
			m.FS = examples.News()
		}
		cfg.Origins = append(cfg.Origins, m)
		if len(open) == 0 {
			open = append(open, exampleOrigin+"/")
		}
	}
	// Script engines allocate a lot of short-lived objects: a server trades
	// some memory for fewer collections (≈ +35% requests/s through the front
	// from Cache Storage) unless the operator chose GOGC.
	if e.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	con := &console{stdout: e.Stdout, stderr: e.Stderr}
	cfg.Console = con.line
	cfg.OnScriptError = con.scriptError
	host, err := swhost.New(e.Ctx, cfg)
	if err != nil {
		return errorf(e, "%v", err)
	}
	defer host.Close()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return errorf(e, "serve: %v", err)
	}
	tok := *token
	if tok == "" {
		tok = randomToken()
	}
	if cfg.DataDir != "" {
		// The CLI of this machine reads the token to talk to the API.
		if err := os.WriteFile(filepath.Join(cfg.DataDir, "api-token"), []byte(tok), 0o600); err != nil {
			return errorf(e, "serve: writing token: %v", err)
		}
		if err := os.WriteFile(filepath.Join(cfg.DataDir, "api-addr"), []byte(ln.Addr().String()), 0o600); err != nil {
			return errorf(e, "serve: writing address: %v", err)
		}
	}
	handler := host.Handler(swhost.HandlerOptions{Token: tok, Addr: ln.Addr().String()})
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	if sh, ok := handler.(interface{ Shutdown() }); ok {
		srv.RegisterOnShutdown(sh.Shutdown) // end the UI's live streams
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(e.Stdout, "swhost: serving on http://%s/ (UI and API)\n", ln.Addr())
	for _, m := range cfg.Origins {
		fmt.Fprintf(e.Stdout, "swhost: %s -> %s, front http://%s/\n", m.Origin, m.Target(), swhost.FrontHost(m.Origin, ln.Addr().String()))
	}
	for _, u := range open {
		page, err := host.OpenPage(e.Ctx, u)
		if err != nil {
			fmt.Fprintf(e.Stderr, "swhost: opening %s: %v\n", u, err)
			continue
		}
		go func() {
			ctx, cancel := context.WithTimeout(e.Ctx, time.Minute)
			defer cancel()
			_ = page.Wait(ctx)
			page.Close()
		}()
	}
	if e.Ready != nil {
		e.Ready(ln.Addr().String())
	}
	select {
	case <-e.Ctx.Done():
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		return ExitOK
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return ExitOK
		}
		return errorf(e, "serve: %v", err)
	}
}

// findExample locates examples/news from the working directory upward.
func findExample() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "examples", "news")
		if fi, err := os.Stat(filepath.Join(p, "sw.js")); err == nil && !fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
