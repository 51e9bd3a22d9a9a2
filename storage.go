package swhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/swhost/swhost/internal/contentindex"
	"github.com/swhost/swhost/internal/discovery"
	"github.com/swhost/swhost/internal/store"
	"github.com/swhost/swhost/internal/sw"
)

// The adapters below connect the feature packages' narrow persistence
// interfaces to the SQLite store. Each writes in one transaction, which
// commits (WAL, group commit; fsynced with Config.Durability "full") before
// it returns. Content index changes go through contentindex.Journal first.

// openStore opens the SQLite store under cfg.DataDir, or an in-memory one.
func openStore(ctx context.Context, cfg Config) (*store.Store, error) {
	durability, err := store.ParseDurability(cfg.Durability)
	if err != nil {
		return nil, err
	}
	if cfg.DataDir == "" {
		return store.OpenMemoryWith(store.Options{Logger: cfg.Logger})
	}
	st, err := store.Open(ctx, cfg.DataDir, store.Options{Logger: cfg.Logger, Durability: durability})
	if err != nil {
		return nil, fmt.Errorf("opening data directory %s: %w", cfg.DataDir, err)
	}
	return st, nil
}

// regStore adapts the store to sw.Store.
type regStore struct{ st *store.Store }

func (a regStore) LoadRegistrations(ctx context.Context) ([]sw.RegistrationRecord, error) {
	regs, err := a.st.ListRegistrations(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]sw.RegistrationRecord, 0, len(regs))
	for _, r := range regs {
		rec := sw.RegistrationRecord{ID: r.ID, Scope: r.Scope, Origin: r.StorageKey, UpdateViaCache: r.UpdateViaCache}
		versions, err := a.st.ListVersions(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		for _, v := range versions {
			if v.State == store.StateRedundant {
				continue
			}
			scripts, err := a.st.LoadVersionScripts(ctx, v.ID)
			if err != nil {
				return nil, err
			}
			vr := sw.VersionRecord{ID: v.ID, ScriptURL: v.ScriptURL, Type: v.Type, State: sw.State(v.State), EventTypes: v.ExtendedEvents}
			// The main script first, then imports in URL order.
			if s, ok := scripts[v.ScriptURL]; ok {
				vr.Scripts = append(vr.Scripts, sw.ScriptRecord{URL: v.ScriptURL, ContentType: s.ContentType, Body: s.Body})
			}
			for u, s := range scripts {
				if u != v.ScriptURL {
					vr.Scripts = append(vr.Scripts, sw.ScriptRecord{URL: u, ContentType: s.ContentType, Body: s.Body})
				}
			}
			rec.Versions = append(rec.Versions, vr)
		}
		out = append(out, rec)
	}
	return out, nil
}

func (a regStore) SaveRegistration(ctx context.Context, rec sw.RegistrationRecord) error {
	return a.st.Update(ctx, func(tx *store.Tx) error {
		existing, err := tx.GetRegistrationByID(rec.ID)
		insert := errors.Is(err, store.ErrNotFound)
		if err != nil && !insert {
			return err
		}
		r := store.Registration{ID: rec.ID, StorageKey: rec.Origin, Scope: rec.Scope, UpdateViaCache: rec.UpdateViaCache, Insert: insert}
		if !insert {
			// Keep what other parts own (the published state).
			r.Published, r.PublishOrigins = existing.Published, existing.PublishOrigins
			r.CreatedAt = existing.CreatedAt
		}
		if _, err := tx.PutRegistration(r); err != nil {
			return err
		}
		keep := map[int64]bool{}
		var active, waiting int64
		for _, v := range rec.Versions {
			keep[v.ID] = true
			// Nil scripts: unchanged since the last save (the store keeps them).
			var scripts map[string]store.Script
			if v.Scripts != nil {
				scripts = make(map[string]store.Script, len(v.Scripts))
				for _, s := range v.Scripts {
					scripts[s.URL] = store.Script{Body: s.Body, ContentType: s.ContentType}
				}
			}
			hasFetch := false
			for _, t := range v.EventTypes {
				hasFetch = hasFetch || t == "fetch"
			}
			_, err := tx.GetVersion(v.ID)
			vinsert := errors.Is(err, store.ErrNotFound)
			if err != nil && !vinsert {
				return err
			}
			if _, err := tx.PutVersion(store.Version{ID: v.ID, Insert: vinsert, RegistrationID: rec.ID, ScriptURL: v.ScriptURL, Type: v.Type,
				State: string(v.State), HasFetchHandler: hasFetch, ExtendedEvents: v.EventTypes, Scripts: scripts}); err != nil {
				return err
			}
			switch v.State {
			case sw.Activating, sw.Activated:
				active = v.ID
			case sw.Installed:
				waiting = v.ID
			}
		}
		if err := tx.SetRegistrationVersions(rec.ID, active, waiting); err != nil {
			return err
		}
		// Versions no longer listed are gone (redundant).
		versions, err := tx.ListVersions(rec.ID)
		if err != nil {
			return err
		}
		for _, v := range versions {
			if !keep[v.ID] {
				if _, err := tx.DeleteVersion(v.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (a regStore) DeleteRegistration(ctx context.Context, id int64) error {
	_, err := a.st.DeleteRegistration(ctx, id)
	return err
}

// ciStore adapts the store to contentindex.Store and OpenStore.
type ciStore struct{ st *store.Store }

func parseRegID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("content index: bad registration id %q", s)
	}
	return id, nil
}

func (a ciStore) LoadEntries(ctx context.Context) ([]contentindex.Record, error) {
	entries, err := a.st.ListAllContentEntries(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]contentindex.Record, 0, len(entries))
	for _, e := range entries {
		var d contentindex.Description
		if err := json.Unmarshal([]byte(e.Description), &d); err != nil {
			return nil, fmt.Errorf("content index entry %q: %w", e.ID, err)
		}
		rec := contentindex.Record{RegID: contentindex.RegID(e.RegistrationID), Scope: e.Scope, Seq: e.Seq, Description: d,
			LaunchURL: e.LaunchURL, Added: e.UpdatedAt}
		for i, ic := range e.Icons {
			res := contentindex.ImageResource{Src: ic.Src, Sizes: ic.Sizes, Type: ic.Type, Label: ic.Label}
			if i < len(d.Icons) {
				res = d.Icons[i]
			}
			rec.Icons = append(rec.Icons, contentindex.Icon{Resource: res, ContentType: ic.MIME})
		}
		out = append(out, rec)
	}
	return out, nil
}

func (a ciStore) Apply(ctx context.Context, batch []contentindex.Mutation) error {
	return a.st.Update(ctx, func(tx *store.Tx) error { return applyCI(tx, batch, nil) })
}

// The journal's mark: the last journal record the store has applied.
const ciMarkNS, ciMarkKey = "contentindex", "journal-mark"

// ApplyMarked applies journaled batches and sets the mark in one commit; a
// put for a registration removed since it was journaled is dropped.
func (a ciStore) ApplyMarked(ctx context.Context, batches [][]contentindex.Mutation, mark uint64) error {
	return a.st.Update(ctx, func(tx *store.Tx) error {
		exists := map[int64]bool{}
		for _, b := range batches {
			if err := applyCI(tx, b, exists); err != nil {
				return err
			}
		}
		return tx.KVPut(ciMarkNS, ciMarkKey, []byte(strconv.FormatUint(mark, 10)))
	})
}

func (a ciStore) Mark(ctx context.Context) (uint64, error) {
	v, err := a.st.KVGet(ctx, ciMarkNS, ciMarkKey)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(v), 10, 64)
}

// applyCI applies one batch in tx. With exists (a cache of registration
// lookups), puts for registrations the store no longer has are skipped.
func applyCI(tx *store.Tx, batch []contentindex.Mutation, exists map[int64]bool) error {
	for _, m := range batch {
		regID, err := parseRegID(m.RegID)
		if err != nil {
			return err
		}
		if m.Put == nil {
			if _, err := tx.DeleteContentEntry(regID, m.ID); err != nil {
				return err
			}
			continue
		}
		if exists != nil {
			ok, known := exists[regID]
			if !known {
				if ok, err = tx.RegistrationExists(regID); err != nil {
					return err
				}
				exists[regID] = ok
			}
			if !ok {
				continue
			}
		}
		desc, err := json.Marshal(m.Put.Description)
		if err != nil {
			return err
		}
		e := store.ContentEntry{RegistrationID: regID, ID: m.ID, Description: string(desc), LaunchURL: m.Put.LaunchURL,
			Category: m.Put.Description.Category}
		for _, ic := range m.Put.Icons {
			e.Icons = append(e.Icons, store.Icon{Src: ic.URL, Sizes: ic.Resource.Sizes, Type: ic.Resource.Type, Label: ic.Resource.Label,
				MIME: ic.ContentType, Body: ic.Data})
		}
		if err := tx.PutContentEntry(e); err != nil {
			return err
		}
	}
	return nil
}

func (a ciStore) LoadIcon(ctx context.Context, regID, id string, i int) ([]byte, error) {
	rid, err := parseRegID(regID)
	if err != nil {
		return nil, err
	}
	ic, err := a.st.LoadContentIcon(ctx, rid, id, i)
	if err != nil {
		return nil, err
	}
	return ic.Body, nil
}

func (a ciStore) RecordOpen(ctx context.Context, regID, id, origin string, at time.Time) error {
	rid, err := parseRegID(regID)
	if err != nil {
		return err
	}
	return a.st.RecordContentOpen(ctx, rid, id, at)
}

func (a ciStore) LoadOpens(ctx context.Context) (map[string]int, error) {
	entries, err := a.st.ListAllContentEntries(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, e := range entries {
		if e.OpenCount > 0 {
			out[sw.OriginOf(e.Scope)] += int(e.OpenCount)
		}
	}
	return out, nil
}

// discStore adapts the store to discovery.Store.
type discStore struct{ st *store.Store }

func (a discStore) PutPublication(ctx context.Context, p discovery.Publication) error {
	return a.st.SetPublished(ctx, p.RegID, true, p.AllowedOrigins)
}

func (a discStore) DeletePublication(ctx context.Context, regID int64) error {
	err := a.st.SetPublished(ctx, regID, false, nil)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func (a discStore) ListPublications(ctx context.Context) ([]discovery.Publication, error) {
	regs, err := a.st.ListPublished(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]discovery.Publication, len(regs))
	for i, r := range regs {
		out[i] = discovery.Publication{RegID: r.ID, Origin: r.StorageKey, AllowedOrigins: r.PublishOrigins, PublishedAt: r.UpdatedAt}
	}
	return out, nil
}

func (a discStore) PutGrant(ctx context.Context, g discovery.Grant) error {
	return a.st.PutGrant(ctx, store.Grant{RequestingOrigin: g.RequestingOrigin, ScriptURL: g.ScriptURL, Decision: store.Decision(g.Decision),
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt})
}

func (a discStore) DeleteGrant(ctx context.Context, origin, scriptURL string) (bool, error) {
	return a.st.DeleteGrant(ctx, origin, scriptURL)
}

func (a discStore) ListGrants(ctx context.Context) ([]discovery.Grant, error) {
	gs, err := a.st.ListGrants(ctx, store.GrantFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]discovery.Grant, len(gs))
	for i, g := range gs {
		out[i] = discovery.Grant{RequestingOrigin: g.RequestingOrigin, ScriptURL: g.ScriptURL, Decision: discovery.Decision(g.Decision),
			Source: discovery.SourceStored, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	}
	return out, nil
}
