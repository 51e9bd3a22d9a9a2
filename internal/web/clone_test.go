package web_test

import (
	"context"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

func TestStructuredClone(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	plRunCases(t, r, []plCase{
		// primitives
		{`[structuredClone(1), structuredClone('s'), structuredClone(true), structuredClone(null), structuredClone(undefined) === undefined]`, `[1,"s",true,null,true]`},
		{`[Object.is(structuredClone(-0), -0), Number.isNaN(structuredClone(NaN)), structuredClone(Infinity) === Infinity]`, `[true,true,true]`},
		{`structuredClone(12345678901234567890n) === 12345678901234567890n`, `true`},
		{`const s = structuredClone('a\uD800b'); [s.length, s.charCodeAt(1)]`, `[3,55296]`},
		{`structuredClone('\u00e9\uD83D\uDE00')`, `"é😀"`},
		// wrappers
		{`const v = structuredClone([Object(true), Object(2), Object('s'), Object(3n)]); v.map(x => [typeof x, Object.prototype.toString.call(x), String(x.valueOf())])`, `[["object","[object Boolean]","true"],["object","[object Number]","2"],["object","[object String]","s"],["object","[object BigInt]","3"]]`},
		// Date, RegExp
		{`const d = structuredClone(new Date(86400000)); [d instanceof Date, d.getTime()]`, `[true,86400000]`},
		{`Number.isNaN(structuredClone(new Date(NaN)).getTime())`, `true`},
		{`const re = /a+b/giu; re.lastIndex = 3; const c = structuredClone(re); [c instanceof RegExp, c.source, c.flags, c.lastIndex, c !== re]`, `[true,"a+b","giu",0,true]`},
		// ArrayBuffer and views
		{`const b = new Uint8Array([1, 2, 3]).buffer; const c = structuredClone(b); [c instanceof ArrayBuffer, c.byteLength, [...new Uint8Array(c)], c !== b]`, `[true,3,[1,2,3],true]`},
		{`const v = new Int16Array([1, -2, 3]); const c = structuredClone(v); [c.constructor.name, [...c]]`, `["Int16Array",[1,-2,3]]`},
		{`const b = new ArrayBuffer(8); const x = new Uint8Array(b, 2, 3); const y = new Uint16Array(b, 4); const [cx, cy] = structuredClone([x, y]); [cx.buffer === cy.buffer, cx.byteOffset, cx.length, cy.byteOffset, cy.length, cx.buffer.byteLength]`, `[true,2,3,4,2,8]`},
		{`const c = structuredClone(new Uint8ClampedArray([300])); [c.constructor.name, c[0]]`, `["Uint8ClampedArray",255]`},
		{`const c = structuredClone(new DataView(new ArrayBuffer(4), 1, 2)); [c instanceof DataView, c.byteOffset, c.byteLength]`, `[true,1,2]`},
		{`const c = structuredClone([new Float64Array([1.5]), new BigInt64Array([-1n]), new Float32Array([0.5]), new Uint32Array([7]), new Int8Array([-8])]); c.map(x => x.constructor.name + ':' + x[0])`, `["Float64Array:1.5","BigInt64Array:-1","Float32Array:0.5","Uint32Array:7","Int8Array:-8"]`},
		// Map and Set
		{`const k = {k: 1}; const m = new Map([[k, 'v'], ['s', k]]); const c = structuredClone(m); const [ck] = c.keys(); [c instanceof Map, c.size, c.get(ck), c.get('s') === ck]`, `[true,2,"v",true]`},
		{`const c = structuredClone(new Set([1, 'a', 1])); [c instanceof Set, [...c]]`, `[true,[1,"a"]]`},
		// Arrays
		{`const a = [1, , 3]; a.extra = 'x'; const c = structuredClone(a); [c.length, 1 in c, c[2], c.extra, Array.isArray(c)]`, `[3,false,3,"x",true]`},
		{`const a = []; a.length = 5; structuredClone(a).length`, `5`},
		{`const a = [1]; a.push(a); const c = structuredClone(a); [c[1] === c, c[0]]`, `[true,1]`},
		// plain objects, cycles, shared refs
		{`const o = {a: 1}; o.self = o; const c = structuredClone(o); [c.self === c, c !== o]`, `[true,true]`},
		{`const s = {}; const c = structuredClone({x: s, y: s, z: [s]}); [c.x === c.y, c.z[0] === c.x]`, `[true,true]`},
		{`const o = Object.create({inherited: 1}); o.own = 2; Object.defineProperty(o, 'hidden', {value: 3, enumerable: false}); o[Symbol('s')] = 4; const c = structuredClone(o); [Object.keys(c), Object.getPrototypeOf(c) === Object.prototype]`, `[["own"],true]`},
		{`const c = structuredClone({get g() { return 5; }}); Object.getOwnPropertyDescriptor(c, 'g').value`, `5`},
		{`const o = {get a() { delete this.b; return 1; }, b: 2, c: 3}; Object.keys(structuredClone(o))`, `["a","c"]`},
		{`const c = structuredClone(JSON.parse('{"__proto__": {"x": 1}}')); [Object.getPrototypeOf(c) === Object.prototype, c.__proto__.x]`, `[true,1]`},
		{`class P { constructor() { this.a = 1; } m() {} } const c = structuredClone(new P()); [c instanceof P, c.a, Object.getPrototypeOf(c) === Object.prototype]`, `[false,1,true]`},
		{`const c = structuredClone(Object.create(null)); Object.getPrototypeOf(c) === Object.prototype`, `true`},
		{`structuredClone((function () { return arguments; })(1, 2))`, `{"0":1,"1":2}`},
		// errors
		{`const e = new RangeError('bad'); const c = structuredClone(e); [c instanceof RangeError, c.name, c.message, c !== e, typeof c.stack, Object.getOwnPropertyDescriptor(c, 'message').enumerable]`, `[true,"RangeError","bad",true,"string",false]`},
		{`const e = new Error('x'); e.name = 'Custom'; const c = structuredClone(e); [c.constructor.name, c.name]`, `["Error","Error"]`},
		{`const c = structuredClone(new TypeError()); Object.prototype.hasOwnProperty.call(c, 'message')`, `false`},
		{`class MyErr extends Error {} const c = structuredClone(new MyErr('m')); [c.constructor === Error, c.message]`, `[true,"m"]`},
		{`const e = new Error('with stack'); e.stack = 'custom stack'; structuredClone(e).stack`, `"custom stack"`},
		// DOMException is serializable
		{`const d = structuredClone(new DOMException('gone', 'NotFoundError')); [d instanceof DOMException, d.name, d.message, d.code]`, `[true,"NotFoundError","gone",8]`},
		// DataCloneError
		{`const out = []; for (const v of [() => 1, Symbol('s'), new WeakMap(), new WeakSet(), Promise.resolve(), new Proxy({}, {}), {f() {}}, [function () {}], globalThis, new EventTarget(), new Event('x'), new MessageChannel().port1, [1, 2].values(), Object(Symbol())]) { try { structuredClone(v); out.push('cloned'); } catch (e) { out.push(e instanceof DOMException && e.name === 'DataCloneError' && e.code === 25); } } out`, `[true,true,true,true,true,true,true,true,true,true,true,true,true,true]`},
		{`try { structuredClone(() => 1); } catch (e) { e.message }`, `"An anonymous function could not be cloned."`},
		{`class Sub extends EventTarget {} try { structuredClone(new Sub()); } catch (e) { e.name }`, `"DataCloneError"`},
		{`try { structuredClone({get boom() { throw new RangeError('from getter'); }}); } catch (e) { e.constructor.name + ' ' + e.message }`, `"RangeError from getter"`},
		// transfer
		{`const b = new Uint8Array([1, 2]).buffer; const c = structuredClone(b, {transfer: [b]}); [b.byteLength, c.byteLength, new Uint8Array(c)[1]]`, `[0,2,2]`},
		{`const b = new ArrayBuffer(4); const v = new Uint8Array(b); const c = structuredClone({v}, {transfer: [b]}); [b.byteLength, v.length, c.v.length, c.v.buffer.byteLength]`, `[0,0,4,4]`},
		{`const b = new ArrayBuffer(1); try { structuredClone(b, {transfer: [b, b]}); } catch (e) { [e.name, b.byteLength] }`, `["DataCloneError",1]`},
		{`try { structuredClone(1, {transfer: [{}]}); } catch (e) { e.name }`, `"DataCloneError"`},
		{`try { structuredClone(1, {transfer: [1]}); } catch (e) { e instanceof TypeError }`, `true`},
		{`try { structuredClone(1, {transfer: 5}); } catch (e) { e instanceof TypeError }`, `true`},
		{`const b = new ArrayBuffer(1); structuredClone(b, {transfer: [b]}); try { structuredClone(b); } catch (e) { e.name }`, `"DataCloneError"`},
		{`const b = new ArrayBuffer(1); structuredClone(b, {transfer: [b]}); try { structuredClone(1, {transfer: [b]}); } catch (e) { e.name }`, `"DataCloneError"`},
		{`const {port1} = new MessageChannel(); const c = structuredClone({p: port1}, {transfer: [port1]}); [c.p instanceof MessagePort, c.p !== port1]`, `[true,true]`},
		{`try { structuredClone(); } catch (e) { e instanceof TypeError }`, `true`},
		{`let deep = []; for (let i = 0; i < 200000; i++) deep = [deep]; try { structuredClone(deep); } catch (e) { [e.constructor.name, e.message] }`, `["RangeError","Maximum call stack size exceeded"]`},
		{`let deep = {}; for (let i = 0; i < 5000; i++) deep = {d: deep}; let c = structuredClone(deep), n = 0; while (c.d) { c = c.d; n++; } n`, `5000`},
	})
}

// TestCloneTamperProof checks that user code replacing built-in methods
// after the first clone does not change what is cloned.
func TestCloneTamperProof(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	plRunCases(t, r, []plCase{
		{`structuredClone(new Map([[1, 2]])).size`, `1`},
		{`globalThis.input = {m: new Map([[1, [2]]]), s: new Set([3]), u: new Uint8Array([9])}; Map.prototype.forEach = () => { throw new Error('tampered'); }; Map.prototype.set = null; Set.prototype.add = null; Array.prototype.push = null; Object.defineProperty(Object.getPrototypeOf(Uint8Array.prototype), 'buffer', {get() { throw 1; }}); 1`, `1`},
		{`const c = structuredClone(input); [c.m.get(1)[0], c.u[0], c.s.size]`, `[2,9,1]`},
	})
}

func TestSerializeAcrossRealms(t *testing.T) {
	a, _ := newPlatformRealm(t, web.PlatformEnv{})
	b, _ := newPlatformRealm(t, web.PlatformEnv{})
	var c *web.Cloned
	err := a.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, err := rt.RunString(`const o = {s: 'x', n: [1, 2], d: new Date(5), m: new Map([['k', new Set([1])]]), e: new TypeError('t'), u: new Uint8Array([1, 2, 3]).subarray(1)}; o.self = o; o`)
		if err != nil {
			return err
		}
		c, err = web.Serialize(a, v, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.HasTransfers() {
		t.Error("HasTransfers without transfers")
	}
	// The same Cloned deserializes in two realms, concurrently.
	done := make(chan string, 2)
	for _, r := range []*js.Realm{a, b} {
		go func() {
			var out string
			err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
				v, err := web.Deserialize(r, c)
				if err != nil {
					return err
				}
				_ = rt.Set("got", v)
				res, err := rt.RunString(`[got.self === got, got.s, got.n, got.d.getTime(), got.m.get('k').has(1), got.e instanceof TypeError, got.e.message, [...got.u], got.u.byteOffset].join('|')`)
				if err != nil {
					return err
				}
				out = res.String()
				return nil
			})
			if err != nil {
				out = err.Error()
			}
			done <- out
		}()
	}
	for range 2 {
		if got := <-done; got != "true|x|1,2|5|true|true|t|2,3|1" {
			t.Errorf("got %s", got)
		}
	}
	// ToGo sees the same value.
	g, err := web.ToGo(c)
	if err != nil {
		t.Fatal(err)
	}
	m := g.(map[string]any)
	if m["s"] != "x" || !reflect.DeepEqual(m["n"], []any{1.0, 2.0}) || !m["d"].(time.Time).Equal(time.UnixMilli(5)) || !reflect.DeepEqual(m["u"], []byte{2, 3}) {
		t.Errorf("ToGo = %#v", m)
	}
	if e := m["e"].(*js.Error); e.Name != "TypeError" || e.Message != "t" {
		t.Errorf("ToGo error = %#v", e)
	}
	if reflect.ValueOf(m["self"]).Pointer() != reflect.ValueOf(m).Pointer() {
		t.Error("ToGo lost the cycle")
	}
}

func TestTransferOnce(t *testing.T) {
	a, _ := newPlatformRealm(t, web.PlatformEnv{})
	var c *web.Cloned
	err := a.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, err := rt.RunString(`globalThis.buf = new Uint8Array([7, 8]).buffer; buf`)
		if err != nil {
			return err
		}
		c, err = web.Serialize(a, v, []sobek.Value{v})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasTransfers() {
		t.Fatal("no transfers")
	}
	err = a.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, err := web.Deserialize(a, c)
		if err != nil {
			return err
		}
		if n := v.(*sobek.Object).Get("byteLength").ToInteger(); n != 2 {
			t.Errorf("byteLength %d", n)
		}
		if n := rt.Get("buf").(*sobek.Object).Get("byteLength").ToInteger(); n != 0 {
			t.Errorf("source not detached: %d", n)
		}
		_, err = web.Deserialize(a, c)
		var je *js.Error
		if !errors.As(err, &je) || je.Name != "DataCloneError" {
			t.Errorf("second Deserialize: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCloneFromGo(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	type payload struct {
		Title string   `json:"title"`
		Tags  []string `json:"tags"`
	}
	when := time.UnixMilli(1700000000000)
	in := map[string]any{
		"str": "s", "int": 3, "float": 1.5, "bool": true, "nil": nil, "bytes": []byte("hi"),
		"time": when, "big": big.NewInt(7), "list": []any{1, "two"}, "strs": []string{"a"},
		"struct": payload{Title: "t", Tags: []string{"x"}}, "err": errors.New("boom"),
		"jserr": &js.Error{Name: "RangeError", Message: "r"}, "nested": map[string]string{"k": "v"},
	}
	c, err := web.CloneFromGo(in)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	err = r.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, err := web.Deserialize(r, c)
		if err != nil {
			return err
		}
		_ = rt.Set("v", v)
		res, err := rt.RunString(`JSON.stringify([v.str, v.int, v.float, v.bool, v.nil, v.bytes instanceof Uint8Array, new TextDecoder().decode(v.bytes), v.time.getTime(), typeof v.big, String(v.big), v.list, v.strs, v.struct, v.err.message, v.err instanceof Error, v.jserr instanceof RangeError, v.nested, Object.keys(v)])`)
		if err != nil {
			return err
		}
		got = res.String()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `["s",3,1.5,true,null,true,"hi",1700000000000,"bigint","7",[1,"two"],["a"],{"title":"t","tags":["x"]},"boom",true,true,{"k":"v"},["big","bool","bytes","err","float","int","jserr","list","nested","nil","str","strs","struct","time"]]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	back, err := web.ToGo(c)
	if err != nil {
		t.Fatal(err)
	}
	bm := back.(map[string]any)
	if string(bm["bytes"].([]byte)) != "hi" || bm["big"].(*big.Int).Int64() != 7 || !bm["time"].(time.Time).Equal(when) || bm["int"] != 3.0 {
		t.Errorf("ToGo = %#v", bm)
	}
	if _, err := web.CloneFromGo(make(chan int)); err == nil {
		t.Error("CloneFromGo(chan) did not fail")
	}
}

// hostThing is a Go-implemented serializable platform object for the
// registry test.
type hostThing struct{ n int64 }

func TestHostTypes(t *testing.T) {
	web.RegisterHostType(web.HostType{
		Interface: "TestThing",
		Serialize: func(r *js.Realm, obj *sobek.Object) (any, error) {
			return hostThing{n: obj.Get("n").ToInteger()}, nil
		},
		Deserialize: func(r *js.Realm, data any) (sobek.Value, error) {
			v, err := r.Runtime().RunString(`(n) => { const t = new (internals_TestThing)(); t.n = n; return t; }`)
			if err != nil {
				return nil, err
			}
			fn, _ := sobek.AssertFunction(v)
			return fn(sobek.Undefined(), r.Runtime().ToValue(data.(hostThing).n*10))
		},
	})
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		expose, _ := sobek.AssertFunction(r.Internal("expose"))
		register, _ := sobek.AssertFunction(r.Internal("registerSerializable"))
		v, err := rt.RunString(`
			class TestThing {}
			class JSThing { constructor(x) { this.x = x; } }
			class Plain {}
			globalThis.internals_TestThing = TestThing;
			[TestThing, JSThing, Plain]`)
		if err != nil {
			return err
		}
		arr := v.(*sobek.Object)
		for _, i := range []string{"0", "1", "2"} {
			if _, err := expose(sobek.Undefined(), arr.Get(i)); err != nil {
				return err
			}
		}
		ser, _ := rt.RunString(`(t) => ({x: t.x, when: new Date(1)})`)
		de, _ := rt.RunString(`(d) => new JSThing(d.x + ':' + d.when.getTime())`)
		_, err = register(sobek.Undefined(), arr.Get("1"), ser, de)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	plRunCases(t, r, []plCase{
		{`const t = new TestThing(); t.n = 4; const c = structuredClone([t, t]); [c[0] instanceof TestThing, c[0].n, c[0] === c[1]]`, `[true,40,true]`},
		{`const c = structuredClone({j: new JSThing('a')}); [c.j instanceof JSThing, c.j.x]`, `[true,"a:1"]`},
		{`try { structuredClone(new Plain()); } catch (e) { e.name + ': ' + e.message }`, `"DataCloneError: Plain object could not be cloned."`},
	})
}

func TestSerializeErrors(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, _ := rt.RunString(`({f: () => 1})`)
		_, err := web.Serialize(r, v, nil)
		var je *js.Error
		if !errors.As(err, &je) || je.Name != "DataCloneError" {
			t.Errorf("Serialize(function) error = %v", err)
		}
		v, _ = rt.RunString(`({get x() { throw new SyntaxError('getter'); }})`)
		_, err = web.Serialize(r, v, nil)
		if err == nil || !strings.Contains(js.DescribeValue(r.ErrorValue(err)), "SyntaxError: getter") {
			t.Errorf("Serialize(throwing getter) error = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
