package contentindex

import (
	"context"
	_ "embed"
	"strconv"
	"sync"

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
	// The ContentIndex objects of this realm and their registrations (one
	// per registration the realm saw: [SameObject]).
	type brand struct {
		id  int64
		key string // RegID(id)
	}
	brands := map[*sobek.Object]brand{}
	r.SetOp("indexBrand", func(call sobek.FunctionCall) sobek.Value {
		if o, ok := call.Argument(0).(*sobek.Object); ok {
			id := call.Argument(1).ToInteger()
			brands[o] = brand{id, RegID(id)}
		}
		return sobek.Undefined()
	})
	// registration returns the registration of a ContentIndex object and
	// its index key.
	registration := func(this sobek.Value) (*sw.Registration, string) {
		o, _ := this.(*sobek.Object)
		b, ok := brands[o]
		if o == nil || !ok {
			panic(rt.NewTypeError("Illegal invocation"))
		}
		reg := core.RegistrationByID(b.id)
		if reg == nil || reg.Origin != env.Origin {
			r.Throw(js.Errorf("InvalidStateError", "the service worker registration was removed"))
		}
		return reg, b.key
	}
	settle := func(res *js.Resolver) func(struct{}, error) {
		return func(_ struct{}, err error) { res.SettleSoon(sobek.Undefined(), err) }
	}
	requiredArgs := func(call sobek.FunctionCall, op string) {
		if len(call.Arguments) < 1 {
			panic(rt.NewTypeError("Failed to execute '" + op + "' on 'ContentIndex': 1 argument required, but only 0 present."))
		}
	}
	var conv *jsConverter
	dict := js.NewDictionaryMaker(rt)
	add := func(call sobek.FunctionCall) sobek.Value {
		reg, key := registration(call.This)
		requiredArgs(call, "add")
		if conv == nil {
			iterate, ok := sobek.AssertFunction(r.Internal("contentIndexIcons"))
			if !ok {
				panic(rt.NewTypeError("ContentIndex: no icon converter"))
			}
			conv = newJSConverter(rt, iterate)
		}
		d := conv.description(call.Argument(0))
		p, res := r.NewPromise()
		// The operation takes its place in the entry edit queue now, in
		// call order, whatever its icons take.
		x.Add(context.Background(), key, reg.Scope, d, cienv).Then(settle(res))
		return rt.ToValue(p)
	}
	del := func(call sobek.FunctionCall) sobek.Value {
		_, key := registration(call.This)
		requiredArgs(call, "delete")
		id := js.DOMString(rt, call.Argument(0))
		p, res := r.NewPromise()
		x.DeleteOn(run, key, id).Then(settle(res))
		return rt.ToValue(p)
	}
	getAll := func(call sobek.FunctionCall) sobek.Value {
		_, key := registration(call.This)
		p, res := r.NewPromise()
		x.GetAllRecordsOn(run, key).Then(func(list []*Record, err error) {
			if err != nil {
				res.SettleSoon(nil, err)
				return
			}
			res.SettleSoon(func(rt *sobek.Runtime) sobek.Value {
				vals := make([]any, len(list))
				for i, r := range list {
					vals[i] = recordToJS(rt, dict, r)
				}
				return rt.NewArray(vals...)
			}, nil)
		})
		return rt.ToValue(p)
	}
	r.SetOp("indexMethods", func(sobek.FunctionCall) sobek.Value {
		o := rt.NewObject()
		_ = o.Set("add", js.PromiseOperation(rt, "add", 1, add))
		_ = o.Set("delete", js.PromiseOperation(rt, "delete", 1, del))
		_ = o.Set("getAll", js.PromiseOperation(rt, "getAll", 0, getAll))
		return o
	})
	return r.RunPrelude(indexPrelude)
}

// jsStrings are a description's strings as engine values.
type jsStrings struct {
	once                                  sync.Once
	category, description, id, title, url sobek.Value
}

func (s *jsStrings) fill(rt *sobek.Runtime, d *Description) {
	s.category, s.description, s.id, s.title = rt.ToValue(d.Category), rt.ToValue(d.Description), rt.ToValue(d.ID), rt.ToValue(d.Title)
	s.url = rt.ToValue(d.URL)
}

// object converts the description to a JS object as WebIDL does: members
// in lexicographic order, optional image members only when present (given,
// even empty).
func (s *jsStrings) object(rt *sobek.Runtime, dict js.DictionaryMaker, icons []ImageResource) *sobek.Object {
	o := dict.Begin(rt)
	_ = o.Set("category", s.category)
	_ = o.Set("description", s.description)
	_ = o.Set("icons", iconsToJS(rt, dict, icons))
	_ = o.Set("id", s.id)
	_ = o.Set("title", s.title)
	_ = o.Set("url", s.url)
	return dict.Done(o)
}

// recordToJS converts a record's description, its strings made once per
// record.
func recordToJS(rt *sobek.Runtime, dict js.DictionaryMaker, r *Record) *sobek.Object {
	if r.js == nil {
		return descriptionToJS(rt, dict, r.Description)
	}
	r.js.once.Do(func() { r.js.fill(rt, &r.Description) })
	return r.js.object(rt, dict, r.Description.Icons)
}

// descriptionToJS converts a ContentDescription to a JS object.
func descriptionToJS(rt *sobek.Runtime, dict js.DictionaryMaker, d Description) *sobek.Object {
	var s jsStrings
	s.fill(rt, &d)
	return s.object(rt, dict, d.Icons)
}

// iconsToJS converts sequence<ImageResource>: members in lexicographic
// order, optional ones only when present (given, even empty).
func iconsToJS(rt *sobek.Runtime, dict js.DictionaryMaker, icons []ImageResource) *sobek.Object {
	vals := make([]any, len(icons))
	for i, ic := range icons {
		o := dict.Begin(rt)
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
		vals[i] = dict.Done(o)
	}
	return rt.NewArray(vals...)
}
