package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/discovery"
)

// grantRow is a grant or a pending prompt as the CLI prints it (the JSON
// API's shape).
type grantRow struct {
	RequestingOrigin string    `json:"requestingOrigin"`
	ScriptURL        string    `json:"scriptURL"`
	Decision         string    `json:"decision"`
	Source           string    `json:"source"`
	UpdatedAt        time.Time `json:"updatedAt,omitzero"`
}

type promptRow struct {
	ID               string `json:"id"`
	RequestingOrigin string `json:"requestingOrigin"`
	ScriptURL        string `json:"scriptURL"`
}

// cmdGrants: swhost grants list|allow|deny|revoke.
func cmdGrants(e *Env, args []string) int {
	fs := newFlags(e, "grants", "list | allow ORIGIN SCRIPTURL | deny ORIGIN SCRIPTURL | revoke ORIGIN SCRIPTURL")
	hf, addr := clientFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON (list)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return ExitUsage
	}
	action := fs.Arg(0)
	switch action {
	case "list":
		if fs.NArg() != 1 {
			fs.Usage()
			return ExitUsage
		}
		var grants []grantRow
		var pending []promptRow
		return withHost(e, hf, *addr, func(r *remote) error {
			if err := r.do(e.Ctx, http.MethodGet, "/api/grants", nil, &grants); err != nil {
				return err
			}
			if err := r.do(e.Ctx, http.MethodGet, "/api/grants/prompts", nil, &pending); err != nil {
				return err
			}
			return printGrants(e, grants, pending, *asJSON)
		}, func(h *swhost.Host) error {
			for _, g := range h.Discovery().List() {
				grants = append(grants, grantRow{RequestingOrigin: g.RequestingOrigin, ScriptURL: g.ScriptURL, Decision: string(g.Decision),
					Source: string(g.Source), UpdatedAt: g.UpdatedAt})
			}
			for _, p := range h.Discovery().Pending() {
				pending = append(pending, promptRow{ID: p.ID, RequestingOrigin: p.RequestingOrigin, ScriptURL: p.ScriptURL})
			}
			return printGrants(e, grants, pending, *asJSON)
		})
	case "allow", "deny", "revoke":
		if fs.NArg() != 3 {
			fs.Usage()
			return ExitUsage
		}
		origin, script := fs.Arg(1), fs.Arg(2)
		if action != "revoke" {
			if _, err := discovery.NewGrantRule(origin, script); err != nil {
				return errorf(e, "grants %s: %v", action, err)
			}
		}
		return withHost(e, hf, *addr, func(r *remote) error {
			// A running host also answers a pending prompt for the pair.
			var res struct {
				Existed *bool `json:"existed"`
			}
			if err := r.do(e.Ctx, http.MethodPost, "/api/grants/"+action, map[string]string{"origin": origin, "scriptURL": script}, &res); err != nil {
				return err
			}
			if action == "revoke" && res.Existed != nil && !*res.Existed {
				return fmt.Errorf("no recorded grant for %s and %s", origin, script)
			}
			return nil
		}, func(h *swhost.Host) error {
			ctx, cancel := context.WithTimeout(e.Ctx, time.Minute)
			defer cancel()
			var err error
			switch action {
			case "allow":
				_, err = h.Discovery().Allow(ctx, origin, script)
			case "deny":
				_, err = h.Discovery().Deny(ctx, origin, script)
			default:
				var existed bool
				existed, err = h.Discovery().Revoke(ctx, origin, script)
				if err == nil && !existed {
					err = fmt.Errorf("no recorded grant for %s and %s", origin, script)
				}
			}
			return err
		})
	}
	fs.Usage()
	return ExitUsage
}

func printGrants(e *Env, grants []grantRow, pending []promptRow, asJSON bool) error {
	if asJSON {
		if grants == nil {
			grants = []grantRow{}
		}
		if pending == nil {
			pending = []promptRow{}
		}
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"grants": grants, "prompts": pending})
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORIGIN\tSCRIPT\tDECISION\tSOURCE")
	for _, g := range grants {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.RequestingOrigin, g.ScriptURL, g.Decision, g.Source)
	}
	for _, p := range pending {
		fmt.Fprintf(tw, "%s\t%s\tpending (prompt %s)\t-\n", p.RequestingOrigin, p.ScriptURL, p.ID)
	}
	return tw.Flush()
}
