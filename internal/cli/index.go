package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/swhost/swhost"
	"github.com/swhost/swhost/internal/contentindex"
)

// indexFlags are the Content Index settings of a host (serve, run and the
// index commands that open a host themselves).
type indexFlags struct {
	icons        string
	deleteCap    time.Duration
	maxEntries   int
	maxPerOrigin int
	maxTotal     int
	window       time.Duration
	categories   string
}

func (f *indexFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.icons, "index-icons", "fetch", "content index icons: `fetch` (fetched, must decode as images) or none (kept as given, never fetched)")
	fs.DurationVar(&f.deleteCap, "contentdelete-timeout", 0, "cap on a contentdelete event (default 30s)")
	fs.IntVar(&f.maxEntries, "index-max-entries", 0, "content index entries per registration (default 1000; -1: no limit)")
	fs.IntVar(&f.maxPerOrigin, "index-max-per-origin", 0, "display policy: entries shown per origin (default 3; -1: no limit)")
	fs.IntVar(&f.maxTotal, "index-max-total", 0, "display policy: entries shown in all (default 20; -1: no limit)")
	fs.DurationVar(&f.window, "index-window", 0, "display policy: show entries added within this long (default 672h; -1ns: no limit)")
	fs.StringVar(&f.categories, "index-categories", "", "display policy: comma-separated categories shown (default all; \"none\" is the empty category)")
}

func (f *indexFlags) apply(cfg *swhost.Config) error {
	if _, err := contentindex.ParseIconMode(f.icons); err != nil {
		return err
	}
	cfg.IndexIcons = f.icons
	cfg.ContentDeleteTimeout = f.deleteCap
	cfg.IndexLimits.MaxEntriesPerRegistration = f.maxEntries
	cfg.IndexPolicy.MaxPerOrigin = f.maxPerOrigin
	cfg.IndexPolicy.MaxTotal = f.maxTotal
	cfg.IndexPolicy.Window = f.window
	if f.categories != "" {
		cats := []string{}
		for _, c := range strings.Split(f.categories, ",") {
			c = strings.TrimSpace(c)
			if c == "none" {
				c = ""
			}
			if !contentindex.ValidCategory(c) {
				return fmt.Errorf("--index-categories: %q is not a ContentCategory (homepage, article, video, audio or none)", c)
			}
			cats = append(cats, c)
		}
		cfg.IndexPolicy.Categories = cats
	}
	return nil
}

const indexUsage = `Usage: swhost index COMMAND [flags] [args]

Commands:
  list [--origin O] [--all] [--json]   the entries the host displays (--all: every entry)
  open ENTRY                           activate an entry: open its launch URL in a new
                                       browsing context, through the worker's fetch handler
  delete ENTRY                         delete an entry as the person would: undisplay it,
                                       remove it, then fire contentdelete at the worker

ENTRY is ID, or REGID/ID when the id is in more than one registration.
They talk to the host serving --data (its JSON API) when one runs, else open --data themselves.

The host does not display every entry: its display policy shows the newest entries,
weighted by how often the person opened each origin's entries, at most
--index-max-per-origin per origin (3) and --index-max-total in all (20), added within
--index-window (28 days), of the --index-categories given (all).
`

func cmdIndex(e *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(e.Stdout, indexUsage)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	switch args[0] {
	case "list":
		return cmdIndexList(e, args[1:])
	case "open":
		return cmdIndexOpen(e, args[1:])
	case "delete":
		return cmdIndexDelete(e, args[1:])
	}
	fmt.Fprintf(e.Stderr, "swhost: index: unknown command %q\n\n", args[0])
	fmt.Fprint(e.Stderr, indexUsage)
	return ExitUsage
}

// The JSON API of a running host (internal/ua):
//
//	GET  /api/index[?all=1][&origin=O]               → []swhost.IndexEntry
//	POST /api/index/{reg}/{id}/open {"headless":true} → indexOpenResult
//	POST /api/index/{reg}/{id}/delete                 → {"ok":true[,"warning":…]}
const apiIndex = "/api/index"

func entryAPIPath(en entryRef, action string) string {
	return apiIndex + "/" + url.PathEscape(en.Reg) + "/" + url.PathEscape(en.ID) + "/" + action
}

type entryRef struct {
	Reg string `json:"reg"`
	ID  string `json:"id"`
}

// indexOpenResult is what `index open` reports.
type indexOpenResult struct {
	Reg            string `json:"reg"`
	ID             string `json:"id"`
	URL            string `json:"url"`
	Status         int    `json:"status"`
	ServedByWorker bool   `json:"servedByWorker"`
	ClientID       string `json:"clientId"`
	Body           string `json:"body,omitempty"`
}

// resolveEntry turns ENTRY ("ID" or "REGID/ID") into an entry of list (all
// entries). "12/a" is registration 12's entry "a" when there is one, else
// the entry whose id is "12/a".
func resolveEntry(list []swhost.IndexEntry, ref string) (entryRef, error) {
	if reg, id, ok := strings.Cut(ref, "/"); ok && isDigits(reg) {
		for _, e := range list {
			if e.RegID == reg && e.Description.ID == id {
				return entryRef{reg, id}, nil
			}
		}
	}
	var found []swhost.IndexEntry
	for _, e := range list {
		if e.Description.ID == ref {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return entryRef{}, fmt.Errorf("%w: %q", swhost.ErrNoEntry, ref)
	case 1:
		return entryRef{found[0].RegID, ref}, nil
	}
	regs := make([]string, len(found))
	for i, e := range found {
		regs[i] = e.RegID + "/" + ref
	}
	return entryRef{}, fmt.Errorf("entry id %q is in %d registrations; name one: %s", ref, len(found), strings.Join(regs, ", "))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (r *remote) indexEntries(ctx context.Context, all bool, origin string) ([]swhost.IndexEntry, error) {
	q := url.Values{}
	if all {
		q.Set("all", "1")
	}
	if origin != "" {
		q.Set("origin", origin)
	}
	path := apiIndex
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var list []swhost.IndexEntry
	if err := r.do(ctx, http.MethodGet, path, nil, &list); err != nil {
		return nil, fmt.Errorf("listing the running host's content index: %w", err)
	}
	return list, nil
}

func cmdIndexList(e *Env, args []string) int {
	fs := newFlags(e, "index list", "[flags]")
	var hf hostFlags
	fs.StringVar(&hf.data, "data", "data", "directory of the host's database (empty: in memory)")
	hf.index.register(fs)
	addr := addrFlag(fs)
	origin := fs.String("origin", "", "only entries of this origin (https://news.example)")
	all := fs.Bool("all", false, "every entry, not only those the display policy shows")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return ExitUsage
	}
	print := func(list []swhost.IndexEntry) error {
		if *asJSON {
			if list == nil {
				list = []swhost.IndexEntry{}
			}
			enc := json.NewEncoder(e.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(list)
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ENTRY\tORIGIN\tCATEGORY\tTITLE\tDESCRIPTION\tURL\tICONS\tSHOWN")
		for _, en := range list {
			d := en.Description
			shown := "no"
			if en.Displayed {
				shown = "yes"
			}
			fmt.Fprintf(tw, "%s/%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", en.RegID, oneLine(d.ID), en.Origin, category(d.Category),
				oneLine(d.Title), oneLine(d.Description), en.LaunchURL, len(en.Icons), shown)
		}
		return tw.Flush()
	}
	return withHost(e, &hf, *addr, func(r *remote) error {
		list, err := r.indexEntries(e.Ctx, *all, *origin)
		if err != nil {
			return err
		}
		return print(list)
	}, func(h *swhost.Host) error {
		return print(h.IndexEntries(!*all, *origin))
	})
}

func category(c string) string {
	if c == "" {
		return "-"
	}
	return c
}

// oneLine keeps a table row on one line and bounded.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
}

func cmdIndexOpen(e *Env, args []string) int {
	fs := newFlags(e, "index open", "[flags] ENTRY")
	hf, addr := clientFlags(fs)
	timeout := fs.Duration("timeout", 30*time.Second, "how long the opened page may run")
	body := fs.Bool("body", false, "print the response body")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return ExitUsage
	}
	ref := fs.Arg(0)
	print := func(res indexOpenResult) error {
		if !*body {
			res.Body = ""
		}
		if *asJSON {
			enc := json.NewEncoder(e.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(res)
		}
		via := "the network"
		if res.ServedByWorker {
			via = "the service worker"
		}
		fmt.Fprintf(e.Stdout, "opened %s/%s: %s (HTTP %d, served by %s, client %s)\n", res.Reg, res.ID, res.URL, res.Status, via, res.ClientID)
		if *body {
			fmt.Fprintln(e.Stdout, res.Body)
		}
		return nil
	}
	return withHost(e, hf, *addr, func(r *remote) error {
		list, err := r.indexEntries(e.Ctx, true, "")
		if err != nil {
			return err
		}
		en, err := resolveEntry(list, ref)
		if err != nil {
			return err
		}
		var res indexOpenResult
		if err := r.do(e.Ctx, http.MethodPost, entryAPIPath(en, "open"), map[string]bool{"headless": true}, &res); err != nil {
			return fmt.Errorf("open %s/%s: %w", en.Reg, en.ID, err)
		}
		return print(res)
	}, func(h *swhost.Host) error {
		en, err := resolveEntry(h.IndexEntries(false, ""), ref)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(e.Ctx, *timeout)
		defer cancel()
		page, err := h.OpenEntry(ctx, en.Reg, en.ID)
		if err != nil {
			return err
		}
		defer page.Close()
		res := indexOpenResult{Reg: en.Reg, ID: en.ID, URL: page.Client.URL, Status: page.Response.Status,
			ServedByWorker: page.Client.ServedByWorker, ClientID: page.Client.ID, Body: string(page.Response.Body)}
		if err := page.Wait(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return print(res)
	})
}

func cmdIndexDelete(e *Env, args []string) int {
	fs := newFlags(e, "index delete", "[flags] ENTRY")
	hf, addr := clientFlags(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return ExitUsage
	}
	ref := fs.Arg(0)
	report := func(en entryRef, eventErr error) {
		fmt.Fprintf(e.Stdout, "deleted %s/%s\n", en.Reg, en.ID)
		if eventErr != nil {
			// The entry is gone whatever the site's handler did.
			fmt.Fprintf(e.Stderr, "swhost: the contentdelete event failed: %v\n", eventErr)
		}
	}
	return withHost(e, hf, *addr, func(r *remote) error {
		list, err := r.indexEntries(e.Ctx, true, "")
		if err != nil {
			return err
		}
		en, err := resolveEntry(list, ref)
		if err != nil {
			return err
		}
		var res struct {
			Warning string `json:"warning"`
		}
		if err := r.do(e.Ctx, http.MethodPost, entryAPIPath(en, "delete"), map[string]any{}, &res); err != nil {
			return fmt.Errorf("delete %s/%s: %w", en.Reg, en.ID, err)
		}
		var evErr error
		if res.Warning != "" {
			evErr = errors.New(res.Warning)
		}
		report(en, evErr)
		return nil
	}, func(h *swhost.Host) error {
		en, err := resolveEntry(h.IndexEntries(false, ""), ref)
		if err != nil {
			return err
		}
		err = h.DeleteEntry(e.Ctx, en.Reg, en.ID)
		var evErr *swhost.ContentDeleteError
		if errors.As(err, &evErr) {
			report(en, evErr.Err)
			return nil
		}
		if err != nil {
			return err
		}
		report(en, nil)
		return nil
	})
}
