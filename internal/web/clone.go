package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

// Structured clone (HTML §2.7, "Safe passing of structured data"):
// StructuredSerializeWithTransfer and StructuredDeserializeWithTransfer over
// a realm-neutral record, Cloned, that may cross goroutines and realms.

// Cloned is the result of StructuredSerializeWithTransfer: a serialized
// value plus its transfer data holders. It holds only Go values and is safe
// to hand to another goroutine. Without transferred values it may be
// deserialized any number of times, in any realms, concurrently; with them
// (ArrayBuffers, MessagePorts) exactly once.
type Cloned struct {
	root      cval
	objs      []*cobj
	transfers []transferHolder
	consumed  atomic.Bool
}

type ckind uint8

const (
	cUndefined ckind = iota
	cNull
	cBool
	cNumber
	cBigInt
	cString   // s
	cString16 // x.([]uint16): a string with lone surrogates
	cRef      // objs[ref]
	cTransfer // transfers[ref]
)

// cval is a serialized value: a primitive, or a reference to an object
// record or a transfer data holder.
type cval struct {
	k   ckind
	b   bool
	ref int32
	num float64
	s   string
	x   any
}

type okind uint8

const (
	oObject okind = iota
	oArray
	oBoolean
	oNumber
	oString
	oBigInt
	oDate
	oRegExp
	oArrayBuffer
	oView
	oMap
	oSet
	oError
	oHostJS // a platform object serialized by a JS hook (internals.registerSerializable)
	oHostGo // a platform object serialized by a Go HostType
)

// cobj is the serialized form of one object (HTML's "serialized" record).
type cobj struct {
	kind   okind
	keys   []string // own enumerable string keys (Object, Array)
	vals   []cval   // their values; Map: k0,v0,k1,v1…; Set: values; View: [buffer]; HostJS: [data]; wrappers: [value]
	length int      // Array [[Length]]; View [[ArrayLength]] or [[ByteLength]]
	offset int      // View [[ByteOffset]]
	num    float64  // Date [[DateValue]]
	s1, s2 string   // RegExp source/flags; Error name/message; View constructor name; Host interface
	s3     string   // Error stack
	flag   bool     // Error: message present; Error: stack present (flag2)
	flag2  bool
	bytes  []byte // ArrayBuffer [[ArrayBufferData]]
	host   any    // HostGo data
	dense  bool   // Array: keys are exactly "0".."length-1"
}

type transferKind uint8

const (
	tArrayBuffer transferKind = iota
	tHost
)

type transferHolder struct {
	kind  transferKind
	bytes []byte
	name  string
	data  any
}

// HostType makes the platform objects of one interface serializable and/or
// transferable, for interfaces implemented in Go. Interfaces implemented in
// JS can use internals.registerSerializable instead.
type HostType struct {
	// Interface is the interface name, as passed to internals.expose.
	Interface string
	// Serialize runs the interface's serialization steps on obj (in obj's
	// realm) and returns realm-neutral data. Nil: not serializable.
	Serialize func(r *js.Realm, obj *sobek.Object) (any, error)
	// Deserialize makes a new platform object in r from that data.
	Deserialize func(r *js.Realm, data any) (sobek.Value, error)
	// Transfer runs the transfer steps: it detaches obj and returns the
	// data to hand over. Nil: not transferable.
	Transfer func(r *js.Realm, obj *sobek.Object) (any, error)
	// Detached reports whether obj's [[Detached]] is true.
	Detached func(r *js.Realm, obj *sobek.Object) bool
	// Receive runs the transfer-receiving steps in r.
	Receive func(r *js.Realm, data any) (sobek.Value, error)
	// Discard releases transfer data that will never be received (see
	// Cloned.Discard). May be nil.
	Discard func(data any)
}

var hostTypes sync.Map // interface name → *HostType

// RegisterHostType registers a Go-implemented serializable or transferable
// interface. Call from init.
func RegisterHostType(t HostType) {
	if t.Interface == "" {
		panic("web: RegisterHostType without an interface name")
	}
	hostTypes.Store(t.Interface, &t)
}

func hostType(name string) *HostType {
	v, ok := hostTypes.Load(name)
	if !ok {
		return nil
	}
	return v.(*HostType)
}

func dataCloneError(format string, args ...any) *js.Error {
	return &js.Error{Name: "DataCloneError", Message: fmt.Sprintf(format, args...)}
}

// ---- per-realm intrinsics -----------------------------------------------

// cloneIntrinsics are the original built-ins and brand checks the
// serializer uses, captured by platform.js before user code runs
// (internals.cloneOps), so that user code replacing Map.prototype.forEach or
// the TypedArray getters cannot change what is cloned.
type cloneIntrinsics struct {
	global      *sobek.Object
	objectProto *sobek.Object
	errorProtos map[*sobek.Object]bool
	fn          map[string]sobek.Callable
	newMap      sobek.Value
	newSet      sobek.Value
}

var (
	typeMap     = reflect.TypeOf([][2]any(nil))
	typeSet     = reflect.TypeOf([]any(nil))
	typePromise = reflect.TypeOf((*sobek.Promise)(nil))
	typeAB      = reflect.TypeOf(sobek.ArrayBuffer{})
	typeProxy   = reflect.TypeOf(sobek.Proxy{})
	typeBig     = reflect.TypeOf((*big.Int)(nil))
	typeString  = reflect.TypeOf("")
	typeTA      = map[reflect.Type]bool{
		reflect.TypeOf([]uint8(nil)): true, reflect.TypeOf([]int8(nil)): true,
		reflect.TypeOf([]uint16(nil)): true, reflect.TypeOf([]int16(nil)): true,
		reflect.TypeOf([]uint32(nil)): true, reflect.TypeOf([]int32(nil)): true,
		reflect.TypeOf([]float32(nil)): true, reflect.TypeOf([]float64(nil)): true,
		reflect.TypeOf([]int64(nil)): true, reflect.TypeOf([]uint64(nil)): true,
	}
)

var cloneFuncs = []string{
	"classify", "viewInfo", "mapEntries", "setValues", "errorParts", "unwrap", "dateValue", "regexpParts",
	"makeView", "makeRegExp", "makeError", "makeDate", "mapSet", "setAdd",
	"hostSerialize", "hostDeserialize",
}

func intrinsicsOf(r *js.Realm) (*cloneIntrinsics, error) {
	st := stateOf(r)
	if st == nil {
		return nil, errors.New("web: InstallPlatform was not run in this realm")
	}
	if st.clone != nil {
		return st.clone, nil
	}
	ops, ok := r.Internal("cloneOps").(*sobek.Object)
	if !ok {
		return nil, errors.New("web: internals.cloneOps missing")
	}
	ci := &cloneIntrinsics{
		global:      r.Runtime().GlobalObject(),
		fn:          make(map[string]sobek.Callable, len(cloneFuncs)),
		errorProtos: map[*sobek.Object]bool{},
	}
	ci.objectProto, _ = ops.Get("objectProto").(*sobek.Object)
	if protos, ok := ops.Get("errorProtos").(*sobek.Object); ok {
		for _, k := range protos.Keys() {
			if p, ok := protos.Get(k).(*sobek.Object); ok {
				ci.errorProtos[p] = true
			}
		}
	}
	for _, name := range cloneFuncs {
		f, ok := sobek.AssertFunction(ops.Get(name))
		if !ok {
			return nil, fmt.Errorf("web: internals.cloneOps.%s missing", name)
		}
		ci.fn[name] = f
	}
	ci.newMap = ops.Get("Map")
	ci.newSet = ops.Get("Set")
	st.clone = ci
	return ci, nil
}

func (ci *cloneIntrinsics) call(name string, args ...sobek.Value) sobek.Value {
	v, err := ci.fn[name](sobek.Undefined(), args...)
	if err != nil {
		panic(err) // re-thrown as the JS exception by Runtime.Try
	}
	return v
}

// ---- serialization --------------------------------------------------------

type serializer struct {
	r      *js.Realm
	rt     *sobek.Runtime
	ci     *cloneIntrinsics
	memory map[*sobek.Object]int32 // ≥0: objs index; <0: -(transfer index)-1
	c      *Cloned
	depth  int
}

// maxCloneDepth bounds the nesting the serializer recurses into, as an
// engine's stack limit would (a script can build a list a million levels
// deep; recursing that far would exhaust the Go stack).
const maxCloneDepth = 10000

// Serialize runs StructuredSerializeWithTransfer(v, transfer) in r (on its
// loop). Errors are *js.Error (DataCloneError) or the exception a getter or
// hook threw (a *sobek.Exception); Realm.ErrorValue turns either into the
// value to throw.
func Serialize(r *js.Realm, v sobek.Value, transfer []sobek.Value) (c *Cloned, err error) {
	ci, err := intrinsicsOf(r)
	if err != nil {
		return nil, err
	}
	s := &serializer{r: r, rt: r.Runtime(), ci: ci, c: &Cloned{}}
	ex := s.rt.Try(func() {
		c, err = s.serializeWithTransfer(v, transfer)
	})
	if ex != nil {
		return nil, ex
	}
	return c, err
}

type transferable struct {
	obj  *sobek.Object
	ab   bool
	host *HostType
}

func (s *serializer) serializeWithTransfer(v sobek.Value, transfer []sobek.Value) (*Cloned, error) {
	// 1. Let memory be an empty map.
	s.memory = make(map[*sobek.Object]int32, 8)
	// 2. For each transferable of transferList:
	var list []transferable
	for i, t := range transfer {
		obj, _ := t.(*sobek.Object)
		tr := transferable{obj: obj}
		switch {
		case obj == nil:
			return nil, dataCloneError("Value at index %d does not have a transferable type.", i)
		case obj.ExportType() == typeAB:
			// An ArrayBuffer (sobek has no SharedArrayBuffer: step 2.2 holds).
			tr.ab = true
		default:
			// 2.1 If transferable has neither an [[ArrayBufferData]] nor a
			// [[Detached]] internal slot, throw a DataCloneError.
			name := s.platformName(obj)
			ht := hostType(name)
			if ht == nil || ht.Transfer == nil {
				return nil, dataCloneError("Value at index %d does not have a transferable type.", i)
			}
			tr.host = ht
		}
		// 2.3 If memory[transferable] exists, throw a DataCloneError.
		if _, dup := s.memory[obj]; dup {
			return nil, dataCloneError("Value at index %d is a duplicate of an earlier value in the transfer list.", i)
		}
		// 2.4 Set memory[transferable] to a placeholder for its transfer data.
		s.memory[obj] = -int32(len(list)) - 1
		list = append(list, tr)
	}
	// 3. Let serialized be ? StructuredSerializeInternal(value, false, memory).
	root, err := s.value(v)
	if err != nil {
		return nil, err
	}
	s.c.root = root
	// 4-5. For each transferable, make its transfer data holder.
	s.c.transfers = make([]transferHolder, len(list))
	for i, tr := range list {
		if tr.ab {
			ab := tr.obj.Export().(sobek.ArrayBuffer)
			// 5.1 If IsDetachedBuffer(transferable), throw a DataCloneError.
			if ab.Detached() {
				return nil, dataCloneError("An ArrayBuffer is detached and could not be cloned.")
			}
			// 5.4 The data moves to the holder and the buffer is detached.
			data := ab.Bytes()
			ab.Detach()
			s.c.transfers[i] = transferHolder{kind: tArrayBuffer, bytes: data}
			continue
		}
		// 5.2 If transferable has a [[Detached]] slot that is true, throw.
		if tr.host.Detached != nil && tr.host.Detached(s.r, tr.obj) {
			return nil, dataCloneError("A %s is detached and could not be transferred.", tr.host.Interface)
		}
		// 5.5 Otherwise: the interface's transfer steps, then [[Detached]].
		data, err := tr.host.Transfer(s.r, tr.obj)
		if err != nil {
			return nil, err
		}
		s.c.transfers[i] = transferHolder{kind: tHost, name: tr.host.Interface, data: data}
	}
	return s.c, nil
}

// platformName returns the interface name of a platform object (found on
// its prototype chain among the exposed interfaces), or "".
func (s *serializer) platformName(o *sobek.Object) string {
	v := s.ci.call("classify", o)
	if sobek.IsUndefined(v) {
		return ""
	}
	name := v.String()
	if name != "" && name[0] == '#' {
		return ""
	}
	return name
}

// value is StructuredSerializeInternal(value, forStorage=false, memory).
func (s *serializer) value(v sobek.Value) (cval, error) {
	switch x := v.(type) {
	case nil:
		return cval{k: cUndefined}, nil
	case *sobek.Object:
		if s.depth >= maxCloneDepth {
			return cval{}, &js.Error{Name: "RangeError", Message: "Maximum call stack size exceeded"}
		}
		s.depth++
		cv, err := s.object(x)
		s.depth--
		return cv, err
	case *sobek.Symbol:
		// 3. If value is a Symbol, throw a DataCloneError.
		return cval{}, dataCloneError("%s could not be cloned.", x.String())
	case sobek.String:
		return stringCval(x), nil
	}
	// 4. Primitives other than Symbol: { [[Type]]: "primitive", [[Value]] }.
	switch {
	case sobek.IsUndefined(v):
		return cval{k: cUndefined}, nil
	case sobek.IsNull(v):
		return cval{k: cNull}, nil
	case sobek.IsBigInt(v):
		return cval{k: cBigInt, x: new(big.Int).Set(v.Export().(*big.Int))}, nil
	}
	if v.ExportType().Kind() == reflect.Bool {
		return cval{k: cBool, b: v.ToBoolean()}, nil
	}
	return cval{k: cNumber, num: v.ToFloat()}, nil
}

func stringCval(x sobek.String) cval {
	s := x.String()
	// A decoded U+FFFD may stand for a lone surrogate: look at the code
	// units to keep the string exactly.
	if strings.Contains(s, "\uFFFD") {
		if u := utf16Of(x); hasLoneSurrogate(u) {
			return cval{k: cString16, x: u}
		}
	}
	return cval{k: cString, s: s}
}

func (s *serializer) newObj(o *sobek.Object, rec *cobj) cval {
	idx := int32(len(s.c.objs))
	s.c.objs = append(s.c.objs, rec)
	s.memory[o] = idx
	return cval{k: cRef, ref: idx}
}

func describe(o *sobek.Object) string {
	if _, ok := sobek.AssertFunction(o); ok {
		if name := o.Get("name"); name != nil && name.String() != "" {
			return "function " + name.String()
		}
		return "An anonymous function"
	}
	return "#<" + o.ClassName() + ">"
}

func (s *serializer) object(o *sobek.Object) (cval, error) {
	// 1. If memory[value] exists, return memory[value].
	if idx, ok := s.memory[o]; ok {
		if idx < 0 {
			return cval{k: cTransfer, ref: -idx - 1}, nil
		}
		return cval{k: cRef, ref: idx}, nil
	}
	ci := s.ci
	if o == ci.global {
		return cval{}, dataCloneError("The global object could not be cloned.")
	}
	et := o.ExportType()
	// IsCallable(value), or an exotic object (a Proxy): DataCloneError.
	if _, ok := sobek.AssertFunction(o); ok || et == typeProxy {
		return cval{}, dataCloneError("%s could not be cloned.", describe(o))
	}
	cls := o.ClassName()
	proto := o.Prototype()
	isPlainType := et == reflectTypeMapAny
	// Platform objects are ordinary JS objects here, told apart by the
	// exposed interface on their prototype chain.
	if (isPlainType && proto != nil && proto != ci.objectProto) || (cls == "Error" && !ci.errorProtos[proto]) {
		switch name := ci.call("classify", o).String(); name {
		case "undefined", "":
		case "#DataView":
			return s.view(o, "DataView")
		case "#Slots":
			return cval{}, dataCloneError("%s could not be cloned.", describe(o))
		default:
			return s.platform(o, name)
		}
	}
	switch {
	case cls == "Array":
		return s.array(o)
	case cls == "Boolean":
		// [[BooleanData]]: { [[Type]]: "Boolean", [[BooleanData]] }.
		return s.newObj(o, &cobj{kind: oBoolean, vals: []cval{{k: cBool, b: ci.call("unwrap", o, s.rt.ToValue("Boolean")).ToBoolean()}}}), nil
	case cls == "Number":
		return s.newObj(o, &cobj{kind: oNumber, vals: []cval{{k: cNumber, num: ci.call("unwrap", o, s.rt.ToValue("Number")).ToFloat()}}}), nil
	case cls == "String":
		sv, _ := ci.call("unwrap", o, s.rt.ToValue("String")).(sobek.String)
		val := cval{k: cString}
		if sv != nil {
			val = stringCval(sv)
		}
		return s.newObj(o, &cobj{kind: oString, vals: []cval{val}}), nil
	case et == typeBig && cls == "Object":
		b, _ := ci.call("unwrap", o, s.rt.ToValue("BigInt")).Export().(*big.Int)
		if b == nil {
			b = new(big.Int)
		}
		return s.newObj(o, &cobj{kind: oBigInt, vals: []cval{{k: cBigInt, x: new(big.Int).Set(b)}}}), nil
	case cls == "Date":
		return s.newObj(o, &cobj{kind: oDate, num: ci.call("dateValue", o).ToFloat()}), nil
	case cls == "RegExp":
		parts := ci.call("regexpParts", o).(*sobek.Object)
		return s.newObj(o, &cobj{kind: oRegExp, s1: parts.Get("0").String(), s2: parts.Get("1").String()}), nil
	case et == typeAB:
		ab := o.Export().(sobek.ArrayBuffer)
		// If IsDetachedBuffer(value), throw a DataCloneError.
		if ab.Detached() {
			return cval{}, dataCloneError("An ArrayBuffer is detached and could not be cloned.")
		}
		// Let dataCopy be ? CreateByteDataBlock(size); CopyDataBlockBytes.
		data := append([]byte(nil), ab.Bytes()...)
		return s.newObj(o, &cobj{kind: oArrayBuffer, bytes: data}), nil
	case typeTA[et]:
		return s.view(o, "")
	case et == typeMap:
		return s.mapOrSet(o, oMap, "mapEntries")
	case et == typeSet && cls == "Object":
		return s.mapOrSet(o, oSet, "setValues")
	case cls == "Error":
		return s.error(o)
	case et == typePromise, et == typeString && cls == "Object", cls == "global",
		cls == "Generator", cls == "Array Iterator", cls == "Map Iterator", cls == "Set Iterator",
		cls == "String Iterator", cls == "RegExp String Iterator":
		// Objects with internal slots other than [[Prototype]] and
		// [[Extensible]] (Promise, Symbol wrappers, iterators): DataCloneError.
		return cval{}, dataCloneError("%s could not be cloned.", describe(o))
	}
	// Otherwise: an ordinary object; deep = true.
	return s.ordinary(o, &cobj{kind: oObject})
}

var reflectTypeMapAny = reflect.TypeOf(map[string]any(nil))

// ordinary serializes the own enumerable string-keyed properties of o into
// rec ("For each key in ! EnumerableOwnProperties(value, key)").
func (s *serializer) ordinary(o *sobek.Object, rec *cobj) (cval, error) {
	ref := s.newObj(o, rec)
	keys := o.Keys()
	rec.keys = keys[:0:len(keys)]
	rec.vals = make([]cval, 0, len(keys))
	for _, k := range keys {
		// If ! HasOwnProperty(value, key) (a getter may have deleted it; Get
		// returns nil for a property that does not exist at all): let
		// inputValue be ? value.[[Get]](key, value) and outputValue be ?
		// StructuredSerializeInternal(inputValue, forStorage, memory).
		v := o.Get(k)
		if v == nil {
			continue
		}
		cv, err := s.value(v)
		if err != nil {
			return cval{}, err
		}
		rec.keys = append(rec.keys, k)
		rec.vals = append(rec.vals, cv)
	}
	return ref, nil
}

func (s *serializer) array(o *sobek.Object) (cval, error) {
	// { [[Type]]: "Array", [[Length]]: length, [[Properties]] }.
	n := int(o.Get("length").ToInteger())
	rec := &cobj{kind: oArray, length: n}
	ref, err := s.ordinary(o, rec)
	if err != nil {
		return cval{}, err
	}
	if len(rec.keys) == n {
		rec.dense = true
		for i, k := range rec.keys {
			if k != itoa(i) {
				rec.dense = false
				break
			}
		}
	}
	return ref, nil
}

func (s *serializer) view(o *sobek.Object, kind string) (cval, error) {
	// [[ViewedArrayBuffer]]: serialize the buffer (shared with other views)
	// and record the constructor, byte offset and length.
	info, ok := s.ci.call("viewInfo", o).(*sobek.Object)
	if !ok {
		return s.ordinary(o, &cobj{kind: oObject}) // not a view after all
	}
	name := info.Get("0").String()
	buf := info.Get("1").(*sobek.Object)
	// If IsArrayBufferViewOutOfBounds(value) (a detached buffer), throw.
	if buf.Export().(sobek.ArrayBuffer).Detached() {
		return cval{}, dataCloneError("An ArrayBuffer is detached and could not be cloned.")
	}
	rec := &cobj{kind: oView, s1: name, offset: int(info.Get("2").ToInteger()), length: int(info.Get("3").ToInteger())}
	ref := s.newObj(o, rec)
	bv, err := s.value(buf)
	if err != nil {
		return cval{}, err
	}
	rec.vals = []cval{bv}
	return ref, nil
}

func (s *serializer) mapOrSet(o *sobek.Object, kind okind, fn string) (cval, error) {
	rec := &cobj{kind: kind}
	ref := s.newObj(o, rec)
	// Let copiedList be the entries of value.[[MapData]]/[[SetData]], then
	// serialize each (after the copy: mutations by getters do not matter).
	list := s.ci.call(fn, o).(*sobek.Object)
	n := int(list.Get("length").ToInteger())
	rec.vals = make([]cval, n)
	for i := 0; i < n; i++ {
		cv, err := s.value(list.Get(itoa(i)))
		if err != nil {
			return cval{}, err
		}
		rec.vals[i] = cv
	}
	return ref, nil
}

func (s *serializer) error(o *sobek.Object) (cval, error) {
	// errorParts runs steps 1-5 of the [[ErrorData]] branch: name (one of
	// the seven native error names, else "Error"), message from an own data
	// property; and the stack as "interesting accompanying data".
	parts := s.ci.call("errorParts", o).(*sobek.Object)
	rec := &cobj{kind: oError, s1: parts.Get("0").String()}
	if m := parts.Get("1"); !sobek.IsUndefined(m) {
		rec.flag, rec.s2 = true, m.String()
	}
	if st := parts.Get("2"); !sobek.IsUndefined(st) {
		rec.flag2, rec.s3 = true, st.String()
	}
	return s.newObj(o, rec), nil
}

func (s *serializer) platform(o *sobek.Object, name string) (cval, error) {
	// Otherwise, if value is a platform object that is a serializable object:
	// run the serialization steps of its interface.
	if ht := hostType(name); ht != nil && ht.Serialize != nil {
		rec := &cobj{kind: oHostGo, s1: name}
		ref := s.newObj(o, rec)
		data, err := ht.Serialize(s.r, o)
		if err != nil {
			return cval{}, err
		}
		rec.host = data
		return ref, nil
	}
	rec := &cobj{kind: oHostJS, s1: name}
	ref := s.newObj(o, rec)
	// hostSerialize throws a DataCloneError for interfaces that are not
	// serializable ("Otherwise, if value is a platform object, throw").
	data := s.ci.call("hostSerialize", s.rt.ToValue(name), o)
	cv, err := s.value(data)
	if err != nil {
		return cval{}, err
	}
	rec.vals = []cval{cv}
	return ref, nil
}

// ---- deserialization ------------------------------------------------------

type deserializer struct {
	r      *js.Realm
	rt     *sobek.Runtime
	ci     *cloneIntrinsics
	c      *Cloned
	memory []sobek.Value
	transf []sobek.Value
	// inBuild marks dense arrays whose elements are being deserialized.
	inBuild map[int32]bool
}

func (d *deserializer) building(idx int32, on bool) {
	if on {
		if d.inBuild == nil {
			d.inBuild = map[int32]bool{}
		}
		d.inBuild[idx] = true
	} else {
		delete(d.inBuild, idx)
	}
}

// Deserialize runs StructuredDeserializeWithTransfer in r (on its loop) and
// returns the value.
func Deserialize(r *js.Realm, c *Cloned) (sobek.Value, error) {
	v, _, err := DeserializeWithTransfer(r, c)
	return v, err
}

// DeserializeWithTransfer is StructuredDeserializeWithTransfer: the value
// and the transferred values in transfer-list order (MessageEvent.ports is
// the MessagePorts among them).
func DeserializeWithTransfer(r *js.Realm, c *Cloned) (v sobek.Value, transferred []sobek.Value, err error) {
	if c == nil {
		return sobek.Undefined(), nil, nil
	}
	ci, err := intrinsicsOf(r)
	if err != nil {
		return nil, nil, err
	}
	if len(c.transfers) > 0 && !c.consumed.CompareAndSwap(false, true) {
		return nil, nil, dataCloneError("The transferred values were already received.")
	}
	d := &deserializer{r: r, rt: r.Runtime(), ci: ci, c: c, memory: make([]sobek.Value, len(c.objs))}
	ex := d.rt.Try(func() {
		v, transferred, err = d.run()
	})
	if ex != nil {
		return nil, nil, ex
	}
	return v, transferred, err
}

func (d *deserializer) run() (sobek.Value, []sobek.Value, error) {
	// 2. For each transferDataHolder: make the transferred value in the
	// target realm (ArrayBuffer: the data moves; platform objects: the
	// transfer-receiving steps).
	d.transf = make([]sobek.Value, len(d.c.transfers))
	for i, t := range d.c.transfers {
		switch t.kind {
		case tArrayBuffer:
			d.transf[i] = d.rt.ToValue(d.rt.NewArrayBuffer(t.bytes))
		case tHost:
			ht := hostType(t.name)
			if ht == nil || ht.Receive == nil {
				return nil, nil, dataCloneError("Cannot receive a transferred %s.", t.name)
			}
			v, err := ht.Receive(d.r, t.data)
			if err != nil {
				return nil, nil, err
			}
			d.transf[i] = v
		}
	}
	// 3. Let deserialized be ? StructuredDeserialize(serialized, targetRealm, memory).
	v, err := d.value(d.c.root)
	if err != nil {
		return nil, nil, err
	}
	return v, d.transf, nil
}

func (d *deserializer) value(cv cval) (sobek.Value, error) {
	switch cv.k {
	case cUndefined:
		return sobek.Undefined(), nil
	case cNull:
		return sobek.Null(), nil
	case cBool:
		return d.rt.ToValue(cv.b), nil
	case cNumber:
		return d.rt.ToValue(cv.num), nil
	case cBigInt:
		return d.rt.ToValue(new(big.Int).Set(cv.x.(*big.Int))), nil
	case cString:
		return d.rt.ToValue(cv.s), nil
	case cString16:
		return d.rt.ToValue(sobek.StringFromUTF16(cv.x.([]uint16))), nil
	case cTransfer:
		return d.transf[cv.ref], nil
	case cRef:
		if v := d.memory[cv.ref]; v != nil {
			return v, nil
		}
		if d.inBuild[cv.ref] {
			// A cycle back to a dense array still collecting its elements.
			obj := d.rt.NewArray()
			d.memory[cv.ref] = obj
			return obj, nil
		}
		return d.object(cv.ref)
	}
	return sobek.Undefined(), nil
}

func (d *deserializer) object(idx int32) (sobek.Value, error) {
	rec := d.c.objs[idx]
	rt, ci := d.rt, d.ci
	var obj *sobek.Object
	switch rec.kind {
	case oBoolean, oNumber, oString, oBigInt:
		inner, err := d.value(rec.vals[0])
		if err != nil {
			return nil, err
		}
		obj = inner.ToObject(rt)
	case oDate:
		obj = ci.call("makeDate", rt.ToValue(rec.num)).(*sobek.Object)
	case oRegExp:
		obj = ci.call("makeRegExp", rt.ToValue(rec.s1), rt.ToValue(rec.s2)).(*sobek.Object)
	case oArrayBuffer:
		obj = rt.ToValue(rt.NewArrayBuffer(append([]byte(nil), rec.bytes...))).(*sobek.Object)
	case oView:
		buf, err := d.value(rec.vals[0])
		if err != nil {
			return nil, err
		}
		obj = ci.call("makeView", rt.ToValue(rec.s1), buf, rt.ToValue(rec.offset), rt.ToValue(rec.length)).(*sobek.Object)
	case oError:
		msg, stack := sobek.Undefined(), sobek.Undefined()
		if rec.flag {
			msg = rt.ToValue(rec.s2)
		}
		if rec.flag2 {
			stack = rt.ToValue(rec.s3)
		}
		obj = ci.call("makeError", rt.ToValue(rec.s1), msg, stack).(*sobek.Object)
	case oHostGo:
		ht := hostType(rec.s1)
		if ht == nil || ht.Deserialize == nil {
			return nil, dataCloneError("Cannot deserialize a %s.", rec.s1)
		}
		v, err := ht.Deserialize(d.r, rec.host)
		if err != nil {
			return nil, err
		}
		d.memory[idx] = v
		return v, nil
	case oHostJS:
		data, err := d.value(rec.vals[0])
		if err != nil {
			return nil, err
		}
		v := ci.call("hostDeserialize", rt.ToValue(rec.s1), data)
		d.memory[idx] = v
		return v, nil
	case oMap:
		obj = construct(rt, ci.newMap)
		d.memory[idx] = obj
		for i := 0; i+1 < len(rec.vals); i += 2 {
			k, err := d.value(rec.vals[i])
			if err != nil {
				return nil, err
			}
			v, err := d.value(rec.vals[i+1])
			if err != nil {
				return nil, err
			}
			ci.call("mapSet", obj, k, v)
		}
		return obj, nil
	case oSet:
		obj = construct(rt, ci.newSet)
		d.memory[idx] = obj
		for _, cv := range rec.vals {
			v, err := d.value(cv)
			if err != nil {
				return nil, err
			}
			ci.call("setAdd", obj, v)
		}
		return obj, nil
	case oArray:
		if rec.dense {
			// Arrays without holes or extra properties are made in one go
			// from their deserialized elements. If an element refers back to
			// the array (a cycle), the array is made at that moment instead
			// (see value) and filled below like any other.
			d.memory[idx] = nil
			d.building(idx, true)
			args := make([]any, len(rec.vals))
			for i, cv := range rec.vals {
				v, err := d.value(cv)
				if err != nil {
					return nil, err
				}
				args[i] = v
			}
			d.building(idx, false)
			if d.memory[idx] == nil {
				obj = rt.NewArray(args...)
				d.memory[idx] = obj
				return obj, nil
			}
			obj = d.memory[idx].(*sobek.Object)
			for i, v := range args {
				if err := obj.DefineDataProperty(itoa(i), v.(sobek.Value), sobek.FLAG_TRUE, sobek.FLAG_TRUE, sobek.FLAG_TRUE); err != nil {
					return nil, err
				}
			}
			return obj, nil
		}
		// ArrayCreate(length), then the properties.
		obj = rt.NewArray()
		_ = obj.Set("length", rec.length)
	default:
		obj = rt.NewObject()
	}
	d.memory[idx] = obj
	// Deep: for each {key, value} of [[Properties]]: CreateDataProperty.
	for i, k := range rec.keys {
		v, err := d.value(rec.vals[i])
		if err != nil {
			return nil, err
		}
		if err := obj.DefineDataProperty(k, v, sobek.FLAG_TRUE, sobek.FLAG_TRUE, sobek.FLAG_TRUE); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

func construct(rt *sobek.Runtime, ctor sobek.Value) *sobek.Object {
	o, err := rt.New(ctor)
	if err != nil {
		panic(err)
	}
	return o
}

// ---- transfer bookkeeping -------------------------------------------------

// Discard releases what c holds that will never be received (entangled
// ports in transit are closed). Call when a message is dropped undelivered.
func (c *Cloned) Discard() {
	if c == nil || len(c.transfers) == 0 || !c.consumed.CompareAndSwap(false, true) {
		return
	}
	for _, t := range c.transfers {
		if t.kind == tHost {
			if ht := hostType(t.name); ht != nil && ht.Discard != nil {
				ht.Discard(t.data)
			}
		}
	}
}

// HasTransfers reports whether c carries transferred values (and can be
// deserialized only once).
func (c *Cloned) HasTransfers() bool { return c != nil && len(c.transfers) > 0 }

// Ports returns the MessagePorts transferred with c, in transfer order.
func (c *Cloned) Ports() []*Port {
	var out []*Port
	for _, t := range c.transfers {
		if p, ok := t.data.(*Port); ok && t.kind == tHost {
			out = append(out, p)
		}
	}
	return out
}

// ---- Go values ------------------------------------------------------------

// CloneFromGo serializes a JSON-like Go value as if a script had: nil →
// null, bool, numbers, string, []byte → Uint8Array, time.Time → Date,
// *big.Int → BigInt, error → Error, slices → Array, maps with string keys →
// Object; anything else goes through encoding/json first.
func CloneFromGo(v any) (*Cloned, error) {
	g := &goSerializer{c: &Cloned{}, seen: map[uintptr]int32{}}
	root, err := g.value(reflect.ValueOf(v), 0)
	if err != nil {
		return nil, err
	}
	g.c.root = root
	return g.c, nil
}

// MustCloneFromGo is CloneFromGo for values known to convert.
func MustCloneFromGo(v any) *Cloned {
	c, err := CloneFromGo(v)
	if err != nil {
		panic(err)
	}
	return c
}

type goSerializer struct {
	c    *Cloned
	seen map[uintptr]int32
}

func (g *goSerializer) add(rec *cobj) cval {
	g.c.objs = append(g.c.objs, rec)
	return cval{k: cRef, ref: int32(len(g.c.objs) - 1)}
}

var (
	typeTime  = reflect.TypeOf(time.Time{})
	typeBytes = reflect.TypeOf([]byte(nil))
	typeError = reflect.TypeOf((*error)(nil)).Elem()
)

func (g *goSerializer) value(v reflect.Value, depth int) (cval, error) {
	if depth > 1000 {
		return cval{}, errors.New("web: CloneFromGo: value nested too deeply (cycle?)")
	}
	if !v.IsValid() {
		return cval{k: cNull}, nil
	}
	switch x := v.Interface().(type) {
	case *big.Int:
		if x == nil {
			return cval{k: cNull}, nil
		}
		return cval{k: cBigInt, x: new(big.Int).Set(x)}, nil
	case time.Time:
		return g.add(&cobj{kind: oDate, num: float64(x.UnixMilli())}), nil
	case []byte:
		if x == nil {
			return cval{k: cNull}, nil
		}
		buf := g.add(&cobj{kind: oArrayBuffer, bytes: append([]byte(nil), x...)})
		return g.add(&cobj{kind: oView, s1: "Uint8Array", length: len(x), vals: []cval{buf}}), nil
	case json.RawMessage:
		return g.json(x)
	case *js.Error:
		if x == nil {
			return cval{k: cNull}, nil
		}
		return g.add(&cobj{kind: oError, s1: errorName(x.Name), flag: true, s2: x.Message}), nil
	case error:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return cval{k: cNull}, nil
		}
		return g.add(&cobj{kind: oError, s1: "Error", flag: true, s2: x.Error()}), nil
	}
	switch v.Kind() {
	case reflect.Bool:
		return cval{k: cBool, b: v.Bool()}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cval{k: cNumber, num: float64(v.Int())}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cval{k: cNumber, num: float64(v.Uint())}, nil
	case reflect.Float32, reflect.Float64:
		return cval{k: cNumber, num: v.Float()}, nil
	case reflect.String:
		return cval{k: cString, s: ToUSV(v.String())}, nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return cval{k: cNull}, nil
		}
		if v.Kind() == reflect.Pointer && v.Elem().Kind() != reflect.Struct {
			return g.value(v.Elem(), depth+1)
		}
		if v.Kind() == reflect.Interface {
			return g.value(v.Elem(), depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return cval{k: cNull}, nil
		}
		n := v.Len()
		rec := &cobj{kind: oArray, length: n, dense: true, keys: make([]string, n), vals: make([]cval, n)}
		ref := g.add(rec)
		for i := 0; i < n; i++ {
			cv, err := g.value(v.Index(i), depth+1)
			if err != nil {
				return cval{}, err
			}
			rec.keys[i], rec.vals[i] = itoa(i), cv
		}
		return ref, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			break
		}
		if v.IsNil() {
			return cval{k: cNull}, nil
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		rec := &cobj{kind: oObject, keys: keys, vals: make([]cval, len(keys))}
		ref := g.add(rec)
		for i, k := range keys {
			cv, err := g.value(v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key())), depth+1)
			if err != nil {
				return cval{}, err
			}
			rec.vals[i] = cv
			rec.keys[i] = ToUSV(k)
		}
		return ref, nil
	}
	// Structs and the rest: as encoding/json sees them (fields in order).
	data, err := json.Marshal(v.Interface())
	if err != nil {
		return cval{}, fmt.Errorf("web: CloneFromGo: %w", err)
	}
	return g.json(data)
}

// json converts JSON text, keeping the order of object members.
func (g *goSerializer) json(data []byte) (cval, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var read func() (cval, error)
	read = func() (cval, error) {
		tok, err := dec.Token()
		if err != nil {
			return cval{}, err
		}
		switch x := tok.(type) {
		case json.Delim:
			if x == '[' {
				rec := &cobj{kind: oArray, dense: true}
				ref := g.add(rec)
				for dec.More() {
					cv, err := read()
					if err != nil {
						return cval{}, err
					}
					rec.keys = append(rec.keys, itoa(len(rec.vals)))
					rec.vals = append(rec.vals, cv)
				}
				rec.length = len(rec.vals)
				_, err := dec.Token()
				return ref, err
			}
			rec := &cobj{kind: oObject}
			ref := g.add(rec)
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return cval{}, err
				}
				cv, err := read()
				if err != nil {
					return cval{}, err
				}
				rec.keys = append(rec.keys, ToUSV(k.(string)))
				rec.vals = append(rec.vals, cv)
			}
			_, err := dec.Token()
			return ref, err
		case json.Number:
			f, err := x.Float64()
			return cval{k: cNumber, num: f}, err
		case string:
			return cval{k: cString, s: ToUSV(x)}, nil
		case bool:
			return cval{k: cBool, b: x}, nil
		}
		return cval{k: cNull}, nil
	}
	return read()
}

func errorName(n string) string {
	switch n {
	case "Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError":
		return n
	}
	return "Error"
}

// ToGo converts a Cloned to Go values: Object → map[string]any, Array →
// []any (holes are nil), primitives → bool, float64, string, *big.Int, nil
// (null and undefined), Date → time.Time, ArrayBuffer and views → []byte
// (a copy of the viewed bytes), Map → [][2]any, Set → []any, RegExp →
// "/source/flags", Error → *js.Error, wrapper objects → their primitive,
// platform objects → the data of a Go HostType or their JS serialization.
// Transferred values are skipped (nil).
func ToGo(c *Cloned) (any, error) {
	if c == nil {
		return nil, nil
	}
	g := &goDeserializer{c: c, memo: make([]any, len(c.objs)), done: make([]bool, len(c.objs))}
	return g.value(c.root), nil
}

type goDeserializer struct {
	c    *Cloned
	memo []any
	done []bool
}

func (g *goDeserializer) value(cv cval) any {
	switch cv.k {
	case cBool:
		return cv.b
	case cNumber:
		return cv.num
	case cBigInt:
		return new(big.Int).Set(cv.x.(*big.Int))
	case cString:
		return cv.s
	case cString16:
		return ToUSV(string(utf16Decode(cv.x.([]uint16))))
	case cRef:
		return g.object(cv.ref)
	}
	return nil
}

func utf16Decode(u []uint16) []rune {
	out := make([]rune, 0, len(u))
	for i := 0; i < len(u); i++ {
		c := rune(u[i])
		if c >= 0xD800 && c < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] <= 0xDFFF {
			out = append(out, 0x10000+(c-0xD800)<<10+rune(u[i+1])-0xDC00)
			i++
			continue
		}
		if c >= 0xD800 && c <= 0xDFFF {
			c = 0xFFFD
		}
		out = append(out, c)
	}
	return out
}

func (g *goDeserializer) object(idx int32) any {
	if g.done[idx] {
		return g.memo[idx]
	}
	g.done[idx] = true
	rec := g.c.objs[idx]
	switch rec.kind {
	case oObject:
		m := make(map[string]any, len(rec.keys))
		g.memo[idx] = m
		for i, k := range rec.keys {
			m[k] = g.value(rec.vals[i])
		}
		return m
	case oArray:
		a := make([]any, rec.length)
		g.memo[idx] = a
		for i, k := range rec.keys {
			if n, ok := arrayIndex(k); ok && n < len(a) {
				a[n] = g.value(rec.vals[i])
			}
		}
		return a
	case oBoolean, oNumber, oString, oBigInt:
		g.memo[idx] = g.value(rec.vals[0])
	case oDate:
		if math.IsNaN(rec.num) {
			g.memo[idx] = time.Time{}
		} else {
			g.memo[idx] = time.UnixMilli(int64(rec.num)).UTC()
		}
	case oRegExp:
		g.memo[idx] = "/" + rec.s1 + "/" + rec.s2
	case oArrayBuffer:
		g.memo[idx] = append([]byte(nil), rec.bytes...)
	case oView:
		var b []byte
		if rec.vals[0].k == cRef {
			if buf := g.c.objs[rec.vals[0].ref]; buf.kind == oArrayBuffer {
				size := viewElementSize(rec.s1)
				end := rec.offset + rec.length*size
				if rec.s1 == "DataView" {
					end = rec.offset + rec.length
				}
				if end <= len(buf.bytes) {
					b = append([]byte(nil), buf.bytes[rec.offset:end]...)
				}
			}
		}
		g.memo[idx] = b
	case oMap:
		out := make([][2]any, 0, len(rec.vals)/2)
		for i := 0; i+1 < len(rec.vals); i += 2 {
			out = append(out, [2]any{g.value(rec.vals[i]), g.value(rec.vals[i+1])})
		}
		g.memo[idx] = out
	case oSet:
		out := make([]any, len(rec.vals))
		for i, v := range rec.vals {
			out[i] = g.value(v)
		}
		g.memo[idx] = out
	case oError:
		g.memo[idx] = &js.Error{Name: rec.s1, Message: rec.s2}
	case oHostGo:
		g.memo[idx] = rec.host
	case oHostJS:
		g.memo[idx] = g.value(rec.vals[0])
	}
	return g.memo[idx]
}

func arrayIndex(k string) (int, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return 0, false
		}
		n = n*10 + int(k[i]-'0')
	}
	return n, true
}

func viewElementSize(name string) int {
	switch name {
	case "Int16Array", "Uint16Array", "Float16Array":
		return 2
	case "Int32Array", "Uint32Array", "Float32Array":
		return 4
	case "Float64Array", "BigInt64Array", "BigUint64Array":
		return 8
	}
	return 1
}

// ---- JS binding -----------------------------------------------------------

func installCloneOps(r *js.Realm) {
	// structuredClone(value, transfer): serialize then deserialize in the
	// same realm (HTML "structuredClone(value, options)").
	r.SetOp("structuredClone", func(c sobek.FunctionCall) sobek.Value {
		transfer := arrayValues(c.Argument(1))
		cl, err := Serialize(r, c.Argument(0), transfer)
		if err != nil {
			r.Throw(err)
		}
		v, err := Deserialize(r, cl)
		if err != nil {
			r.Throw(err)
		}
		return v
	})
}

// arrayValues reads the elements of a JS array.
func arrayValues(v sobek.Value) []sobek.Value {
	obj, ok := v.(*sobek.Object)
	if !ok {
		return nil
	}
	n := int(obj.Get("length").ToInteger())
	out := make([]sobek.Value, n)
	for i := range out {
		out[i] = obj.Get(itoa(i))
	}
	return out
}
