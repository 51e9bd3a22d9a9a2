package contentindex

import (
	"context"
	_ "embed"
	"strconv"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/sw"
)

//go:embed js/index.js
var indexSource string

var indexPrelude = js.NewPrelude("contentindex/index.js", indexSource)

// RegID is the index's key of a service worker registration.
func RegID(id int64) string { return strconv.FormatInt(id, 10) }

// Install puts ContentIndex, ServiceWorkerRegistration.index and (in
// workers) ContentIndexEvent and oncontentdelete into a realm. Use it as an
// sw.Options.RealmSetup hook.
func (x *Index) Install(env *sw.Env) error {
	r := env.Realm
	rt := r.Runtime()
	core := env.Core()
	// The queue's work for this realm's calls runs as the loop's next task
	// (the calls of one task share a commit), or on a goroutine once the
	// realm is gone.
	run := func(f func()) {
		if !r.Enqueue(f) {
			go f()
		}
	}
	cienv := Env{BaseURL: env.URL, Origin: env.Origin, Fetcher: env.Fetcher, Run: run}
	registration := func(v sobek.Value) *sw.Registration {
		reg := core.RegistrationByID(v.ToInteger())
		if reg == nil || reg.Origin != env.Origin {
			r.Throw(js.Errorf("InvalidStateError", "the service worker registration was removed"))
		}
		return reg
	}
	settle := func(res *js.Resolver) func(struct{}, error) {
		return func(_ struct{}, err error) { res.SettleSoon(sobek.Undefined(), err) }
	}
	var conv *jsConverter
	r.SetOp("indexAdd", func(call sobek.FunctionCall) sobek.Value {
		reg := registration(call.Argument(0))
		iterate, ok := sobek.AssertFunction(call.Argument(2))
		if !ok {
			panic(rt.NewTypeError("indexAdd: no icon converter"))
		}
		if conv == nil {
			conv = newJSConverter(rt, iterate)
		}
		conv.iterate = iterate
		d := conv.description(call.Argument(1))
		p, res := r.NewPromise()
		// The operation takes its place in the entry edit queue now, in
		// call order, whatever its icons take.
		x.Add(context.Background(), RegID(reg.ID), reg.Scope, d, cienv).Then(settle(res))
		return rt.ToValue(p)
	})
	r.SetOp("indexDelete", func(call sobek.FunctionCall) sobek.Value {
		reg := registration(call.Argument(0))
		p, res := r.NewPromise()
		x.DeleteOn(run, RegID(reg.ID), call.Argument(1).String()).Then(settle(res))
		return rt.ToValue(p)
	})
	r.SetOp("indexGetAll", func(call sobek.FunctionCall) sobek.Value {
		reg := registration(call.Argument(0))
		p, res := r.NewPromise()
		x.GetAllOn(run, RegID(reg.ID)).Then(func(list []Description, err error) {
			if err != nil {
				res.SettleSoon(nil, err)
				return
			}
			res.SettleSoon(func(rt *sobek.Runtime) sobek.Value {
				vals := make([]any, len(list))
				for i, d := range list {
					vals[i] = descriptionToJS(rt, d)
				}
				return rt.NewArray(vals...)
			}, nil)
		})
		return rt.ToValue(p)
	})
	return r.RunPrelude(indexPrelude)
}

// descriptionToJS converts a ContentDescription to a JS object as WebIDL
// does: members in lexicographic order, optional image members only when
// present (given, even empty).
func descriptionToJS(rt *sobek.Runtime, d Description) *sobek.Object {
	icons := make([]any, len(d.Icons))
	for i, ic := range d.Icons {
		o := rt.NewObject()
		if ic.HasLabel() {
			_ = o.Set("label", ic.Label)
		}
		if ic.HasSizes() {
			_ = o.Set("sizes", ic.Sizes)
		}
		_ = o.Set("src", ic.Src)
		if ic.HasType() {
			_ = o.Set("type", ic.Type)
		}
		icons[i] = o
	}
	o := rt.NewObject()
	_ = o.Set("category", d.Category)
	_ = o.Set("description", d.Description)
	_ = o.Set("icons", rt.NewArray(icons...))
	_ = o.Set("id", d.ID)
	_ = o.Set("title", d.Title)
	_ = o.Set("url", d.URL)
	return o
}
