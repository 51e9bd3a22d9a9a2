package contentindex

import (
	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// The WebIDL conversion of the add() argument (ContentDescription), on the
// realm's loop, in Go: the same steps, order and exceptions as the
// JavaScript it replaces, at a fraction of the cost in the interpreter.

const (
	whereAdd    = "Failed to execute 'add' on 'ContentIndex'"
	whereImage  = whereAdd + ": ImageResource"
	whereParam  = whereAdd + ": parameter 1"
	categoryErr = "ContentCategory"
)

// jsConverter converts ContentDescription values of one realm.
type jsConverter struct {
	rt *sobek.Runtime
	// The realm's original array iteration: an array whose iteration is
	// still this is read by index (what that iteration does, length
	// re-read at each step); anything else goes through iterate.
	arrayValues, arrayIterNext sobek.Value
	arrayIterProto             *sobek.Object
	// iterate is the JavaScript sequence<ImageResource> conversion
	// (iterator protocol) for other iterables: it returns a plain array of
	// converted dictionaries (whose conversion here changes nothing).
	iterate sobek.Callable
}

func newJSConverter(rt *sobek.Runtime, iterate sobek.Callable) *jsConverter {
	c := &jsConverter{rt: rt, iterate: iterate}
	arrayProto := rt.Get("Array").ToObject(rt).Get("prototype").ToObject(rt)
	c.arrayValues = arrayProto.GetSymbol(sobek.SymIterator)
	iter, _ := sobek.AssertFunction(c.arrayValues)
	it, _ := iter(rt.NewArray())
	c.arrayIterProto = it.ToObject(rt).Prototype()
	c.arrayIterNext = c.arrayIterProto.Get("next")
	return c
}

func (c *jsConverter) typeError(msg string) {
	panic(c.rt.NewTypeError(msg))
}

func (c *jsConverter) dictionary(v sobek.Value, what string) *sobek.Object {
	return js.Dictionary(c.rt, v, what)
}

func member(o *sobek.Object, name string) sobek.Value { return js.Member(o, name) }

func (c *jsConverter) domString(v sobek.Value) string { return js.DOMString(c.rt, v) }

func (c *jsConverter) usvString(v sobek.Value) string { return web.ToUSV(c.domString(v)) }

func required(c *jsConverter, v sobek.Value, name string) sobek.Value {
	if sobek.IsUndefined(v) {
		c.typeError(whereAdd + ": required member " + name + " is undefined.")
	}
	return v
}

// description converts v; members in lexicographic order (category,
// description, icons, id, title, url). Exceptions are thrown into the realm.
func (c *jsConverter) description(v sobek.Value) Description {
	o := c.dictionary(v, whereParam)
	var d Description
	if cat := member(o, "category"); !sobek.IsUndefined(cat) {
		s := c.domString(cat)
		switch s {
		case "", "homepage", "article", "video", "audio":
		default:
			c.typeError("The provided value '" + s + "' is not a valid enum value of type " + categoryErr + ".")
		}
		d.Category = s
	}
	d.Description = c.domString(required(c, member(o, "description"), "description"))
	if icons := member(o, "icons"); !sobek.IsUndefined(icons) {
		d.Icons = c.imageResources(icons)
	} else {
		d.Icons = []ImageResource{}
	}
	d.ID = c.domString(required(c, member(o, "id"), "id"))
	d.Title = c.domString(required(c, member(o, "title"), "title"))
	d.URL = c.usvString(required(c, member(o, "url"), "url"))
	return d
}

// imageResources is sequence<ImageResource>.
func (c *jsConverter) imageResources(v sobek.Value) []ImageResource {
	o, ok := v.(*sobek.Object)
	if ok && o.ClassName() == "Array" && o.GetSymbol(sobek.SymIterator).SameAs(c.arrayValues) &&
		c.arrayIterProto.Get("next").SameAs(c.arrayIterNext) {
		out := []ImageResource{}
		for i := int64(0); i < o.Get("length").ToInteger(); i++ {
			out = append(out, c.imageResource(o.Get(itoa(int(i)))))
		}
		return out
	}
	// Not a plain array (or one whose iteration was changed): the
	// iterator protocol, converting each element as it comes, in
	// JavaScript; it throws the sequence TypeErrors.
	arr, err := c.iterate(sobek.Undefined(), v)
	if err != nil {
		panic(err)
	}
	a := arr.ToObject(c.rt)
	n := a.Get("length").ToInteger()
	out := make([]ImageResource, 0, n)
	for i := int64(0); i < n; i++ {
		out = append(out, c.imageResource(a.Get(itoa(int(i)))))
	}
	return out
}

// imageResource is dictionary ImageResource: label, sizes, src (required),
// type. An optional member given as "" is kept apart from an absent one.
func (c *jsConverter) imageResource(v sobek.Value) ImageResource {
	o := c.dictionary(v, whereImage)
	var r ImageResource
	if x := member(o, "label"); !sobek.IsUndefined(x) {
		if r.Label = c.domString(x); r.Label == "" {
			r.Empty |= EmptyLabel
		}
	}
	if x := member(o, "sizes"); !sobek.IsUndefined(x) {
		if r.Sizes = c.domString(x); r.Sizes == "" {
			r.Empty |= EmptySizes
		}
	}
	r.Src = c.usvString(required(c, member(o, "src"), "src"))
	if x := member(o, "type"); !sobek.IsUndefined(x) {
		if r.Type = c.domString(x); r.Type == "" {
			r.Empty |= EmptyType
		}
	}
	return r
}
