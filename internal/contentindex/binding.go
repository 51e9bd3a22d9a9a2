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
	cienv := Env{BaseURL: env.URL, Origin: env.Origin, Fetcher: env.Fetcher}
	registration := func(v sobek.Value) *sw.Registration {
		reg := core.RegistrationByID(v.ToInteger())
		if reg == nil || reg.Origin != env.Origin {
			r.Throw(js.Errorf("InvalidStateError", "the service worker registration was removed"))
		}
		return reg
	}
	settle := func(res *js.Resolver) func(struct{}, error) {
		return func(_ struct{}, err error) { res.Settle(sobek.Undefined(), err) }
	}
	r.SetOp("indexAdd", func(call sobek.FunctionCall) sobek.Value {
		reg := registration(call.Argument(0))
		d, err := convertedDescription(rt, call.Argument(1))
		if err != nil {
			r.Throw(err)
		}
		p, res := r.NewPromise()
		// The operation takes its place in the entry edit queue now, in
		// call order, whatever its icons take.
		x.Add(context.Background(), RegID(reg.ID), reg.Scope, d, cienv).Then(settle(res))
		return rt.ToValue(p)
	})
	r.SetOp("indexDelete", func(call sobek.FunctionCall) sobek.Value {
		reg := registration(call.Argument(0))
		p, res := r.NewPromise()
		x.Delete(RegID(reg.ID), call.Argument(1).String()).Then(settle(res))
		return rt.ToValue(p)
	})
	r.SetOp("indexGetAll", func(call sobek.FunctionCall) sobek.Value {
		reg := registration(call.Argument(0))
		p, res := r.NewPromise()
		x.GetAll(RegID(reg.ID)).Then(func(list []Description, err error) {
			if err != nil {
				res.Reject(err)
				return
			}
			res.Resolve(func(rt *sobek.Runtime) sobek.Value {
				vals := make([]any, len(list))
				for i, d := range list {
					vals[i] = descriptionToJS(rt, d)
				}
				return rt.NewArray(vals...)
			})
		})
		return rt.ToValue(p)
	})
	return r.RunPrelude(indexPrelude)
}

// convertedDescription reads the ContentDescription that js/index.js
// converted (WebIDL): a plain object whose members are strings and whose
// icons are plain objects, optional members absent when not given. Reading
// it member by member spares the reflection of Export; anything else falls
// back to DescriptionFromValue's checks.
func convertedDescription(rt *sobek.Runtime, v sobek.Value) (Description, error) {
	o, ok := v.(*sobek.Object)
	if !ok {
		return DescriptionFromValue(v.Export())
	}
	str := func(o *sobek.Object, name string) (string, bool) {
		x := o.Get(name)
		if x == nil || sobek.IsUndefined(x) {
			return "", false
		}
		s, isStr := x.Export().(string)
		return s, isStr
	}
	var d Description
	var ok1, ok2, ok3, ok4, ok5 bool
	d.ID, ok1 = str(o, "id")
	d.Title, ok2 = str(o, "title")
	d.Description, ok3 = str(o, "description")
	d.Category, ok4 = str(o, "category")
	d.URL, ok5 = str(o, "url")
	icons, isArr := o.Get("icons").(*sobek.Object)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && isArr) {
		return DescriptionFromValue(v.Export())
	}
	n := int(icons.Get("length").ToInteger())
	d.Icons = make([]ImageResource, n)
	for i := range n {
		ic, isObj := icons.Get(itoa(i)).(*sobek.Object)
		if !isObj {
			return DescriptionFromValue(v.Export())
		}
		r := &d.Icons[i]
		if r.Src, ok = str(ic, "src"); !ok {
			return DescriptionFromValue(v.Export())
		}
		var has bool
		if r.Sizes, has = str(ic, "sizes"); has && r.Sizes == "" {
			r.Empty |= EmptySizes
		}
		if r.Type, has = str(ic, "type"); has && r.Type == "" {
			r.Empty |= EmptyType
		}
		if r.Label, has = str(ic, "label"); has && r.Label == "" {
			r.Empty |= EmptyLabel
		}
	}
	return d, nil
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
