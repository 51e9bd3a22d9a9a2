package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/swhost/swhost"
)

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// remote talks to a running host's JSON API, found through the address and
// token files the host wrote into its data directory.
type remote struct {
	base  string
	token string
	http  *http.Client
}

// findRemote returns the API of a host serving dataDir, or nil when none
// answers (the command then opens dataDir itself).
func findRemote(ctx context.Context, dataDir, addr string) *remote {
	if addr == "" && dataDir != "" {
		b, err := os.ReadFile(filepath.Join(dataDir, "api-addr"))
		if err != nil {
			return nil
		}
		addr = strings.TrimSpace(string(b))
	}
	if addr == "" {
		return nil
	}
	tok := ""
	if dataDir != "" {
		b, _ := os.ReadFile(filepath.Join(dataDir, "api-token"))
		tok = strings.TrimSpace(string(b))
	}
	r := &remote{base: "http://" + addr, token: tok, http: &http.Client{Timeout: 5 * time.Minute}}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/api/health", nil)
	resp, err := r.http.Do(req)
	if err != nil {
		return nil
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return r
}

func (r *remote) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Swhost-Token", r.token)
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// clientFlags registers the flags of a command that acts on a host: the
// host flags (for opening --data itself) and --addr.
func clientFlags(fs *flag.FlagSet) (*hostFlags, *string) {
	hf := &hostFlags{}
	hf.register(fs, "data")
	return hf, addrFlag(fs)
}

func addrFlag(fs *flag.FlagSet) *string {
	return fs.String("addr", "", "API address of a running host (default: the one serving --data)")
}

// withHost runs fn against a host: the running one's API if there is one
// for the data directory, else a host opened on the directory for the
// command's duration.
func withHost(e *Env, hf *hostFlags, addr string, viaAPI func(r *remote) error, direct func(h *swhost.Host) error) int {
	if r := findRemote(e.Ctx, hf.data, addr); r != nil {
		if err := viaAPI(r); err != nil {
			return errorf(e, "%v", err)
		}
		return ExitOK
	}
	if addr != "" {
		return errorf(e, "no host answers at %s", addr)
	}
	cfg, err := hf.config(e)
	if err != nil {
		return errorf(e, "%v", err)
	}
	con := &console{stdout: e.Stdout, stderr: e.Stderr}
	cfg.Console = con.line
	cfg.OnScriptError = con.scriptError
	h, err := swhost.New(e.Ctx, cfg)
	if err != nil {
		return errorf(e, "%v", err)
	}
	defer h.Close()
	if err := direct(h); err != nil {
		return errorf(e, "%v", err)
	}
	return ExitOK
}

func cmdPush(e *Env, args []string) int {
	fs := newFlags(e, "push", "[flags] SCOPE DATA")
	hf, addr := clientFlags(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return ExitUsage
	}
	scope, data := fs.Arg(0), fs.Arg(1)
	return withHost(e, hf, *addr, func(r *remote) error {
		return r.do(e.Ctx, http.MethodPost, "/api/push", map[string]string{"scope": scope, "data": data}, nil)
	}, func(h *swhost.Host) error {
		return h.Push(e.Ctx, scope, []byte(data))
	})
}

func cmdRegistrations(e *Env, args []string) int {
	fs := newFlags(e, "registrations", "[flags]")
	hf, addr := clientFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	print := func(list []swhost.RegistrationInfo) error {
		if *asJSON {
			enc := json.NewEncoder(e.Stdout)
			enc.SetIndent("", "  ")
			if list == nil {
				list = []swhost.RegistrationInfo{}
			}
			return enc.Encode(list)
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSCOPE\tACTIVE\tWAITING\tINSTALLING")
		w := func(i *swhost.WorkerInfo) string {
			if i == nil {
				return "-"
			}
			return fmt.Sprintf("%s (%s)", i.ScriptURL, i.State)
		}
		for _, r := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Scope, w(r.Active), w(r.Waiting), w(r.Installing))
		}
		return tw.Flush()
	}
	return withHost(e, hf, *addr, func(r *remote) error {
		var list []swhost.RegistrationInfo
		if err := r.do(e.Ctx, http.MethodGet, "/api/registrations", nil, &list); err != nil {
			return err
		}
		return print(list)
	}, func(h *swhost.Host) error {
		return print(h.Registrations())
	})
}
