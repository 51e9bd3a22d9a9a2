package js

import "github.com/grafana/sobek"

// WebIDL helpers for bindings written in Go. They run on the realm's loop,
// inside a native function, and throw into the calling script by panicking
// with the exception (as sobek's own natives do).

// DOMString is the WebIDL DOMString conversion: ToString (an object's
// toString or valueOf runs), a TypeError for a Symbol.
func DOMString(rt *sobek.Runtime, v sobek.Value) string {
	if s, ok := v.(sobek.String); ok {
		return s.Export().(string)
	}
	if _, ok := v.(*sobek.Symbol); ok {
		panic(rt.NewTypeError("Cannot convert a Symbol value to a string"))
	}
	p := v.ToString()
	if _, ok := p.(*sobek.Symbol); ok {
		panic(rt.NewTypeError("Cannot convert a Symbol value to a string"))
	}
	if s, ok := p.(sobek.String); ok {
		return s.Export().(string)
	}
	return p.String()
}

// Dictionary is the WebIDL dictionary check: undefined and null are an
// empty dictionary (nil), another non-object a TypeError ("what is not of
// type 'dictionary'.", or "The provided value is not of type 'object'."
// when what is "").
func Dictionary(rt *sobek.Runtime, v sobek.Value, what string) *sobek.Object {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return nil
	}
	o, ok := v.(*sobek.Object)
	if !ok {
		if what == "" {
			panic(rt.NewTypeError("The provided value is not of type 'object'."))
		}
		panic(rt.NewTypeError(what + " is not of type 'dictionary'."))
	}
	return o
}

// Member reads a dictionary member (getters run): undefined when o is nil
// or the member is absent.
func Member(o *sobek.Object, name string) sobek.Value {
	if o == nil {
		return sobek.Undefined()
	}
	if v := o.Get(name); v != nil {
		return v
	}
	return sobek.Undefined()
}

// PromiseOperation makes a native function for a promise-returning WebIDL
// operation: name and length as WebIDL gives them, not a constructor, and
// an exception it throws returned as a rejected promise instead.
func PromiseOperation(rt *sobek.Runtime, name string, length int, fn func(sobek.FunctionCall) sobek.Value) *sobek.Object {
	f := rt.ToValue(func(call sobek.FunctionCall) (ret sobek.Value) {
		defer func() {
			if x := recover(); x != nil {
				var v sobek.Value
				switch e := x.(type) {
				case *sobek.Exception:
					v = e.Value()
				case sobek.Value:
					v = e
				default:
					panic(x) // an interrupt or an engine error: not a JS exception
				}
				p, _, reject := rt.NewPromise()
				_ = reject(v)
				ret = rt.ToValue(p)
			}
		}()
		return fn(call)
	}).(*sobek.Object)
	_ = f.DefineDataProperty("name", rt.ToValue(name), sobek.FLAG_FALSE, sobek.FLAG_TRUE, sobek.FLAG_FALSE)
	_ = f.DefineDataProperty("length", rt.ToValue(length), sobek.FLAG_FALSE, sobek.FLAG_TRUE, sobek.FLAG_FALSE)
	return f
}

// DictionaryMaker makes the objects of WebIDL's dictionary-to-JavaScript
// conversion: an ordinary object whose members are added with
// CreateDataProperty. Begin returns the object without a prototype, so
// Set adds own data properties and no setter a script put on
// Object.prototype runs (nor hides a member); Done gives it
// %Object.prototype%. (This is also the engine's cheapest way to fill a
// fresh object: no prototype lookup per member.)
type DictionaryMaker struct{ proto *sobek.Object }

// NewDictionaryMaker returns a DictionaryMaker for rt's realm.
func NewDictionaryMaker(rt *sobek.Runtime) DictionaryMaker {
	// %Object.prototype%, whatever a script did to the global Object.
	return DictionaryMaker{proto: rt.NewObject().Prototype()}
}

// Begin returns a new object to fill with Set, member by member in the
// dictionary's order (lexicographic, inherited dictionaries first).
func (DictionaryMaker) Begin(rt *sobek.Runtime) *sobek.Object { return rt.CreateObject(nil) }

// Done completes o.
func (m DictionaryMaker) Done(o *sobek.Object) *sobek.Object {
	_ = o.SetPrototype(m.proto)
	return o
}
