(function (ops, internals, global) {
  'use strict';
  // Common platform objects over Go ops (platform.go, url.go, encoding.go,
  // clone.go, messaging.go). Interface objects are made on first use: the
  // global gets a configurable accessor per name that makes the group's
  // classes and turns itself into the usual data property (or all at once
  // when internals.eagerInterfaces).
  const { idl, requiredArgs } = internals;
  const DOMException = internals.DOMException;
  const EventTarget = internals.EventTarget;
  const Event = internals.Event;
  const illegal = internals.illegalConstructor;
  const KEY = Object.freeze({}); // private token for illegal constructors
  const isWindow = internals.realmKind === 'window';

  // Originals of what base.js already touched, captured before any user
  // script runs. Built-ins the engine creates lazily (typed arrays,
  // DataView, RegExp, Date, weak collections) are captured on first use
  // instead, in intrinsics(): touching them here would make every realm pay
  // for creating them.
  const defineProp = Object.defineProperty;
  const getOwnDesc = Object.getOwnPropertyDescriptor;
  const getProto = Object.getPrototypeOf;
  const freeze = Object.freeze;
  const ObjectProto = Object.prototype;
  const apply = Reflect.apply;
  const MapCtor = Map, WeakMapCtor = WeakMap;
  const mapGet = Map.prototype.get, mapSet = Map.prototype.set;
  const wmGet = WeakMap.prototype.get, wmHas = WeakMap.prototype.has, wmSet = WeakMap.prototype.set;
  let I = null;
  function intrinsics() {
    if (I !== null) return I;
    const fnBind = Function.prototype.bind, fnCall = Function.prototype.call;
    const uncurry = (f) => apply(fnBind, fnCall, [f]);
    const TAProto = getProto(Uint8Array.prototype);
    const DVProto = DataView.prototype;
    const getter = (o, k) => uncurry(getOwnDesc(o, k).get);
    I = {
      uncurry,
      DVProto,
      taTag: getter(TAProto, Symbol.toStringTag),
      taBuffer: getter(TAProto, 'buffer'),
      taOffset: getter(TAProto, 'byteOffset'),
      taLength: getter(TAProto, 'length'),
      taByteLength: getter(TAProto, 'byteLength'),
      dvBuffer: getter(DVProto, 'buffer'),
      dvOffset: getter(DVProto, 'byteOffset'),
      dvByteLength: getter(DVProto, 'byteLength'),
      abByteLength: getter(ArrayBuffer.prototype, 'byteLength'),
      isView: ArrayBuffer.isView,
      U8: Uint8Array,
      viewCtors: {
        __proto__: null, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
        Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
      },
    };
    return I;
  }
  const intArrayTypes = { __proto__: null, Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 1, Uint16Array: 1, Int32Array: 1, Uint32Array: 1, BigInt64Array: 1, BigUint64Array: 1 };

  // need registers a group of Go ops on first use (platform.go loadOps).
  const loaded = { __proto__: null };
  function need(group) { if (loaded[group] !== true) { loaded[group] = true; ops.load(group); } }
  function illegalInvocation() { return new TypeError('Illegal invocation'); }

  // ---- interface bookkeeping ----------------------------------------------
  // Platform objects are ordinary JS objects here; structured clone tells
  // them apart by the exposed interface on their prototype chain.
  const ifaceNames = new WeakMapCtor(); // interface prototype object → name
  let scanned = false;
  const baseExpose = internals.expose;
  internals.expose = function expose(cls, name, opts) {
    const c = baseExpose(cls, name, opts);
    apply(wmSet, ifaceNames, [cls.prototype, name || cls.name]);
    return c;
  };
  // lazyInterfaces defines a configurable accessor on the global for each
  // name; the first access runs factory (which exposes the classes with
  // internals.expose) and turns the accessors into the usual writable,
  // non-enumerable data properties. Assigning first just replaces one.
  const groups = { __proto__: null }; // interface name → make()
  function lazyInterfaces(names, factory) {
    let made = null;
    const getters = [];
    const make = () => {
      if (made !== null) return made;
      made = factory();
      for (let k = 0; k < names.length; k++) {
        const g = getOwnDesc(global, names[k]);
        if (g && g.get === getters[k]) defineProp(global, names[k], { value: made[names[k]], writable: true, enumerable: false, configurable: true });
      }
      return made;
    };
    for (let k = 0; k < names.length; k++) {
      const name = names[k];
      groups[name] = make;
      // One function serves as getter (no argument) and setter (one), to
      // keep start-up allocations down.
      const acc = getters[k] = (...v) => (v.length === 0 ? make()[name]
        : defineProp(global, name, { value: v[0], writable: true, enumerable: false, configurable: true }) && undefined);
      defineProp(global, name, { get: acc, set: acc, enumerable: false, configurable: true });
    }
    return make;
  }
  const expose = (cls, name) => internals.expose(cls, name, { global: false });
  // internals.platformInterface(name) returns one of these interface
  // objects, making it if needed (internals[name] is set once it exists).
  internals.platformInterface = (name) => (groups[name] === undefined ? undefined : groups[name]()[name]);

  // ---- structured clone ----------------------------------------------------
  const serializers = new MapCtor(); // interface name → { serialize, deserialize }
  // registerSerializable makes a JS-implemented interface [Serializable]:
  // serialize(obj) returns a value that is itself structured-cloned;
  // deserialize(value) makes the new platform object in the target realm.
  internals.registerSerializable = (cls, serialize, deserialize) => {
    const name = apply(wmGet, ifaceNames, [cls.prototype]) || cls.name;
    apply(mapSet, serializers, [name, { serialize, deserialize }]);
  };
  // cloneOps is what clone.go calls, made on first use from the originals.
  defineProp(internals, 'cloneOps', {
    configurable: true,
    get() {
      const { uncurry, taTag, taBuffer, taOffset, taLength, dvBuffer, dvOffset, dvByteLength, DVProto, viewCtors } = intrinsics();
      const MapCtor = Map, SetCtor = Set;
      const mapForEach = Map.prototype.forEach, setForEach = Set.prototype.forEach, setAdd = Set.prototype.add;
      const wsHas = WeakSet.prototype.has;
      const WeakRefProto = typeof WeakRef === 'function' ? WeakRef.prototype : null;
      const FRProto = typeof FinalizationRegistry === 'function' ? FinalizationRegistry.prototype : null;
      const reSource = uncurry(getOwnDesc(RegExp.prototype, 'source').get);
      const reFlags = uncurry(getOwnDesc(RegExp.prototype, 'flags').get);
      const RegExpCtor = RegExp, DateCtor = Date, dateGetTime = uncurry(Date.prototype.getTime);
      const valueOfs = { Boolean: Boolean.prototype.valueOf, Number: Number.prototype.valueOf, String: String.prototype.valueOf, BigInt: BigInt.prototype.valueOf };
      const errorCtors = { __proto__: null, Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
      const ToString = String;
      const scanInterfaces = () => {
        // Interfaces exposed before this prelude ran (base.js, maybe fetch.js).
        scanned = true;
        const keys = Object.keys(internals);
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          const d = getOwnDesc(internals, k);
          const v = d && d.value;
          if (typeof v !== 'function' || !v.prototype) continue;
          const tag = getOwnDesc(v.prototype, Symbol.toStringTag);
          if (tag && tag.value === k && !apply(wmHas, ifaceNames, [v.prototype])) apply(wmSet, ifaceNames, [v.prototype, k]);
        }
      };
      const weakProtos = [WeakMap.prototype, WeakSet.prototype, WeakRefProto, FRProto];
      // Iterators and generators have internal slots too.
      const iterProtos = [getProto([][Symbol.iterator]()), getProto(new MapCtor().entries()), getProto(new SetCtor().values()),
        getProto(''[Symbol.iterator]()), getProto(/x/[Symbol.matchAll]('')), getProto(function* () {}.prototype)];
      // DOMException is [Serializable] (WebIDL): name, message (and stack).
      if (apply(mapGet, serializers, ['DOMException']) === undefined) {
        internals.registerSerializable(DOMException, (e) => {
          const s = { name: e.name, message: e.message };
          if (typeof e.stack === 'string') s.stack = e.stack;
          return s;
        }, (s) => {
          const e = new DOMException(s.message, s.name);
          if (s.stack !== undefined) defineProp(e, 'stack', { value: s.stack, writable: true, configurable: true });
          return e;
        });
      }
      const among = (list, p) => { for (let i = 0; i < list.length; i++) if (list[i] === p) return true; return false; };
      const v = {
        objectProto: ObjectProto,
        errorProtos: { Error: Error.prototype, EvalError: EvalError.prototype, RangeError: RangeError.prototype, ReferenceError: ReferenceError.prototype, SyntaxError: SyntaxError.prototype, TypeError: TypeError.prototype, URIError: URIError.prototype },
        Map: MapCtor,
        Set: SetCtor,
        // classify: the interface of a platform object, "#DataView",
        // "#Slots" for other built-ins with internal slots, or "".
        classify(o) {
          if (!scanned) scanInterfaces();
          for (let p = getProto(o); p !== null; p = getProto(p)) {
            const n = apply(wmGet, ifaceNames, [p]);
            if (n !== undefined) return n;
            if (p === DVProto) { try { dvBuffer(o); return '#DataView'; } catch (e) { return ''; } }
            if (among(iterProtos, p)) return '#Slots';
            if (among(weakProtos, p)) {
              try { apply(wmHas, o, [ObjectProto]); return '#Slots'; } catch (e) { /* not a WeakMap */ }
              try { apply(wsHas, o, [ObjectProto]); return '#Slots'; } catch (e) { /* not a WeakSet */ }
              if (p === WeakRefProto || p === FRProto) return '#Slots';
              return '';
            }
          }
          return '';
        },
        viewInfo(o) {
          const tag = taTag(o);
          if (tag !== undefined) return [tag, taBuffer(o), taOffset(o), taLength(o)];
          let buf;
          try { buf = dvBuffer(o); } catch (e) { return undefined; }
          try { return ['DataView', buf, dvOffset(o), dvByteLength(o)]; } catch (e) { return ['DataView', buf, 0, 0]; }
        },
        mapEntries(m) { const out = []; let i = 0; apply(mapForEach, m, [(v, k) => { out[i++] = k; out[i++] = v; }]); return out; },
        setValues(s) { const out = []; let i = 0; apply(setForEach, s, [(v) => { out[i++] = v; }]); return out; },
        errorParts(o) {
          // [[ErrorData]] steps 1-5, plus the stack.
          let name = o.name;
          if (typeof name !== 'string' || errorCtors[name] === undefined) name = 'Error';
          const d = getOwnDesc(o, 'message');
          const message = d !== undefined && 'value' in d ? ToString(d.value) : undefined;
          const stack = typeof o.stack === 'string' ? o.stack : undefined;
          return [name, message, stack];
        },
        unwrap(o, kind) { return apply(valueOfs[kind], o, []); },
        dateValue(o) { return dateGetTime(o); },
        regexpParts(o) { return [reSource(o), reFlags(o)]; },
        makeView(name, buf, offset, length) { return new viewCtors[name](buf, offset, length); },
        makeRegExp(source, flags) { return new RegExpCtor(source, flags); },
        makeDate(t) { return new DateCtor(t); },
        makeError(name, message, stack) {
          const C = errorCtors[name] || Error;
          const e = message === undefined ? new C() : new C(message);
          if (stack !== undefined) defineProp(e, 'stack', { value: stack, writable: true, enumerable: false, configurable: true });
          return e;
        },
        mapSet(m, k, val) { apply(mapSet, m, [k, val]); },
        setAdd(s, val) { apply(setAdd, s, [val]); },
        hostSerialize(name, o) {
          const h = apply(mapGet, serializers, [name]);
          if (h === undefined) throw new DOMException(`${name} object could not be cloned.`, 'DataCloneError');
          return h.serialize(o);
        },
        hostDeserialize(name, data) {
          const h = apply(mapGet, serializers, [name]);
          if (h === undefined) throw new DOMException(`${name} object could not be deserialized.`, 'DataCloneError');
          return h.deserialize(data);
        },
      };
      defineProp(internals, 'cloneOps', { value: v, configurable: true });
      return v;
    },
  });

  // transferList converts the second argument of the postMessage overloads
  // (sequence<object> transfer) or (optional StructuredSerializeOptions).
  function transferList(v, where) {
    if (v === undefined || v === null) return [];
    if (typeof v === 'object' || typeof v === 'function') {
      const it = v[Symbol.iterator];
      const seq = it !== undefined && it !== null ? v : v.transfer;
      if (seq === undefined) return [];
      return idl.sequence(seq, (x) => idl.object(x, `${where}: Value in the transfer list`), `${where}: The transfer list`);
    }
    throw new TypeError(`${where}: The provided value is not of type '(sequence<object> or StructuredSerializeOptions)'.`);
  }
  internals.transferList = transferList;

  global.structuredClone = function structuredClone(value, options = undefined) {
    requiredArgs(1, arguments.length, "Failed to execute 'structuredClone'");
    const o = idl.dictionary(options);
    const t = o.transfer;
    const transfer = t === undefined ? [] : idl.sequence(t, (x) => idl.object(x, "Failed to execute 'structuredClone': Value in the transfer list"));
    need('clone');
    return ops.structuredClone(value, transfer);
  };

  // ---- atob / btoa -----------------------------------------------------------
  global.btoa = function btoa(data) {
    requiredArgs(1, arguments.length, "Failed to execute 'btoa'");
    need('misc');
    return ops.btoa(idl.DOMString(data));
  };
  global.atob = function atob(data) {
    requiredArgs(1, arguments.length, "Failed to execute 'atob'");
    need('misc');
    return ops.atob(idl.DOMString(data));
  };

  // ---- URL and URLSearchParams -------------------------------------------
  lazyInterfaces(['URL', 'URLSearchParams'], () => {
    need('url');
    const HREF = 0, PROTOCOL = 1, USERNAME = 2, PASSWORD = 3, HOST = 4, HOSTNAME = 5, PORT = 6, PATHNAME = 7, SEARCH = 8, HASH = 9, ORIGIN = 10;
    const urls = new WeakMap(); // URL → { c: components (see url.go), sp: URLSearchParams | null }
    const params = new WeakMap(); // URLSearchParams → { list: [[name, value]…], url: URL | null }
    const us = (u) => { const s = urls.get(u); if (s === undefined) throw illegalInvocation(); return s; };
    const ps = (p) => { const s = params.get(p); if (s === undefined) throw illegalInvocation(); return s; };
    const parseList = (query) => {
      const flat = ops.formParse(query);
      const list = [];
      for (let i = 0; i < flat.length; i += 2) list.push([flat[i], flat[i + 1]]);
      return list;
    };
    const serializeList = (list) => {
      const flat = [];
      for (const [n, v] of list) flat.push(n, v);
      return ops.formSerialize(flat);
    };
    // The URLSearchParams update steps.
    function update(s) {
      const url = s.url;
      if (url === null) return;
      const u = urls.get(url);
      // 2-5. Set the URL's query to the serialization (null if empty, which
      // also strips trailing spaces from an opaque path).
      u.c = ops.urlSet(u.c[HREF], SEARCH, serializeList(s.list));
    }
    function setPart(url, attr, v) {
      const s = us(url);
      const c = ops.urlSet(s.c[HREF], attr, idl.DOMString(v));
      if (c !== null) s.c = c;
    }

    class URL {
      // The hot operations take rest parameters: a function that mentions
      // `arguments` builds an arguments object on every call in sobek
      // (WebIDL lengths set back below). An optional argument is read only
      // when passed: a missing one is undefined, whatever Array.prototype
      // holds.
      constructor(...args) {
        requiredArgs(1, args.length, "Failed to construct 'URL'");
        const url = idl.DOMString(args[0]);
        let base = args.length > 1 ? args[1] : undefined;
        if (base !== undefined) base = idl.DOMString(base);
        // API URL parser; failure is a TypeError.
        const c = ops.urlParse(url, base);
        if (c === null) throw new TypeError(`Failed to construct 'URL': Invalid URL`);
        urls.set(this, { c, sp: null });
      }
      static parse(...args) {
        requiredArgs(1, args.length, "Failed to execute 'parse' on 'URL'");
        const url = idl.DOMString(args[0]);
        let base = args.length > 1 ? args[1] : undefined;
        if (base !== undefined) base = idl.DOMString(base);
        const c = ops.urlParse(url, base);
        if (c === null) return null;
        const u = Object.create(URL.prototype);
        urls.set(u, { c, sp: null });
        return u;
      }
      static canParse(...args) {
        requiredArgs(1, args.length, "Failed to execute 'canParse' on 'URL'");
        const url = idl.DOMString(args[0]);
        let base = args.length > 1 ? args[1] : undefined;
        if (base !== undefined) base = idl.DOMString(base);
        return ops.urlCanParse(url, base);
      }
      get href() { return us(this).c[HREF]; }
      set href(v) {
        const s = us(this);
        // 1-2. Parse the given value; failure throws a TypeError.
        const c = ops.urlSet(s.c[HREF], HREF, idl.DOMString(v));
        if (c === null) throw new TypeError(`Failed to set the 'href' property on 'URL': Invalid URL`);
        // 3-5. Set the URL, empty the query object's list, then fill it
        // from the new query.
        s.c = c;
        if (s.sp !== null) ps(s.sp).list = parseList(c[SEARCH].slice(1));
      }
      get origin() { return us(this).c[ORIGIN]; }
      get protocol() { return us(this).c[PROTOCOL]; }
      set protocol(v) { setPart(this, PROTOCOL, v); }
      get username() { return us(this).c[USERNAME]; }
      set username(v) { setPart(this, USERNAME, v); }
      get password() { return us(this).c[PASSWORD]; }
      set password(v) { setPart(this, PASSWORD, v); }
      get host() { return us(this).c[HOST]; }
      set host(v) { setPart(this, HOST, v); }
      get hostname() { return us(this).c[HOSTNAME]; }
      set hostname(v) { setPart(this, HOSTNAME, v); }
      get port() { return us(this).c[PORT]; }
      set port(v) { setPart(this, PORT, v); }
      get pathname() { return us(this).c[PATHNAME]; }
      set pathname(v) { setPart(this, PATHNAME, v); }
      get search() { return us(this).c[SEARCH]; }
      set search(v) {
        const s = us(this);
        s.c = ops.urlSet(s.c[HREF], SEARCH, idl.DOMString(v)) || s.c;
        // Empty or not, the query object's list is set to the parsed query.
        if (s.sp !== null) ps(s.sp).list = parseList(s.c[SEARCH].slice(1));
      }
      get searchParams() {
        const s = us(this);
        if (s.sp === null) {
          const sp = Object.create(URLSearchParams.prototype);
          params.set(sp, { list: parseList(s.c[SEARCH].slice(1)), url: this });
          s.sp = sp;
        }
        return s.sp;
      }
      get hash() { return us(this).c[HASH]; }
      set hash(v) { setPart(this, HASH, v); }
      toJSON() { return us(this).c[HREF]; }
      toString() { return us(this).c[HREF]; }
    }
    defineProp(URL, 'length', { value: 1 });
    defineProp(URL.parse, 'length', { value: 1 });
    defineProp(URL.canParse, 'length', { value: 1 });
    expose(URL, 'URL');

    function pairsFromIterable(init, method) {
      const list = [];
      const it = apply(method, init, []);
      if (it === null || (typeof it !== 'object' && typeof it !== 'function')) throw new TypeError("Failed to construct 'URLSearchParams': The object must have a callable @@iterator property.");
      for (;;) {
        const r = it.next();
        if (r.done) break;
        const pair = idl.sequence(r.value, idl.USVString, "Failed to construct 'URLSearchParams': The provided value");
        // If pair's size is not 2, throw a TypeError.
        if (pair.length !== 2) throw new TypeError("Failed to construct 'URLSearchParams': Sequence initializer must only contain pair elements");
        list.push(pair);
      }
      return list;
    }

    class URLSearchParams {
      constructor(init = '') {
        let list;
        if (init !== null && (typeof init === 'object' || typeof init === 'function')) {
          const method = init[Symbol.iterator];
          if (method !== undefined && method !== null) {
            // sequence<sequence<USVString>>
            if (typeof method !== 'function') throw new TypeError("Failed to construct 'URLSearchParams': The object must have a callable @@iterator property.");
            list = pairsFromIterable(init, method);
          } else {
            // record<USVString, USVString>
            const rec = new Map();
            for (const key of Reflect.ownKeys(init)) {
              const d = Reflect.getOwnPropertyDescriptor(init, key);
              if (d === undefined || !d.enumerable) continue;
              const k = idl.USVString(key);
              rec.set(k, idl.USVString(init[key]));
            }
            list = [...rec];
          }
        } else {
          // USVString: parse it, after removing a single leading "?".
          init = idl.USVString(init);
          if (init[0] === '?') init = init.slice(1);
          list = parseList(init);
        }
        params.set(this, { list, url: null });
      }
      get size() { return ps(this).list.length; }
      // Rest parameters for the operations, as in URL (lengths set below).
      append(...args) {
        const s = ps(this);
        requiredArgs(2, args.length, "Failed to execute 'append' on 'URLSearchParams'");
        s.list.push([idl.USVString(args[0]), idl.USVString(args[1])]);
        update(s);
      }
      delete(...args) {
        const s = ps(this);
        requiredArgs(1, args.length, "Failed to execute 'delete' on 'URLSearchParams'");
        const name = idl.USVString(args[0]);
        let value = args.length > 1 ? args[1] : undefined;
        if (value !== undefined) value = idl.USVString(value);
        // Remove all tuples whose name is name (and value is value, if given).
        s.list = s.list.filter(([n, v]) => !(n === name && (value === undefined || v === value)));
        update(s);
      }
      get(...args) {
        const s = ps(this);
        requiredArgs(1, args.length, "Failed to execute 'get' on 'URLSearchParams'");
        const name = idl.USVString(args[0]);
        for (const [n, v] of s.list) if (n === name) return v;
        return null;
      }
      getAll(...args) {
        const s = ps(this);
        requiredArgs(1, args.length, "Failed to execute 'getAll' on 'URLSearchParams'");
        const name = idl.USVString(args[0]);
        const out = [];
        for (const [n, v] of s.list) if (n === name) out.push(v);
        return out;
      }
      has(...args) {
        const s = ps(this);
        requiredArgs(1, args.length, "Failed to execute 'has' on 'URLSearchParams'");
        const name = idl.USVString(args[0]);
        let value = args.length > 1 ? args[1] : undefined;
        if (value !== undefined) value = idl.USVString(value);
        for (const [n, v] of s.list) if (n === name && (value === undefined || v === value)) return true;
        return false;
      }
      set(...args) {
        const s = ps(this);
        requiredArgs(2, args.length, "Failed to execute 'set' on 'URLSearchParams'");
        const name = idl.USVString(args[0]);
        const value = idl.USVString(args[1]);
        // Set the value of the first tuple named name and remove the others,
        // or append a new tuple.
        let found = false;
        const out = [];
        for (const t of s.list) {
          if (t[0] !== name) out.push(t);
          else if (!found) { found = true; out.push([name, value]); }
        }
        if (!found) out.push([name, value]);
        s.list = out;
        update(s);
      }
      sort() {
        const s = ps(this);
        // Stable sort by name, comparing code units (spelled out: the
        // engine's < compares strings by code point).
        s.list.sort((x, y) => {
          const a = x[0], b = y[0], n = a.length < b.length ? a.length : b.length;
          for (let i = 0; i < n; i++) {
            const d = a.charCodeAt(i) - b.charCodeAt(i);
            if (d !== 0) return d;
          }
          return a.length - b.length;
        });
        update(s);
      }
      toString() { return serializeList(ps(this).list); }
      forEach(callback, thisArg = undefined) {
        const s = ps(this);
        requiredArgs(1, arguments.length, "Failed to execute 'forEach' on 'URLSearchParams'");
        idl.callback(callback, "Failed to execute 'forEach' on 'URLSearchParams': parameter 1");
        for (let i = 0; i < s.list.length; i++) {
          const [n, v] = s.list[i];
          callback.call(thisArg, v, n, this);
        }
      }
      entries() { return makeIterator(this, 'key+value'); }
      keys() { return makeIterator(this, 'key'); }
      values() { return makeIterator(this, 'value'); }
    }
    // Default iterator objects (WebIDL pair iterators): live over the list.
    const iterState = new WeakMap();
    const IteratorPrototype = getProto(getProto([][Symbol.iterator]()));
    const iterProto = Object.create(IteratorPrototype);
    defineProp(iterProto, 'next', {
      value: function next() {
        const st = iterState.get(this);
        if (st === undefined) throw illegalInvocation();
        const list = ps(st.target).list;
        if (st.index >= list.length) return { value: undefined, done: true };
        const [n, v] = list[st.index++];
        return { value: st.kind === 'key' ? n : st.kind === 'value' ? v : [n, v], done: false };
      },
      writable: true, enumerable: true, configurable: true,
    });
    defineProp(iterProto, Symbol.toStringTag, { value: 'URLSearchParams Iterator', configurable: true });
    function makeIterator(target, kind) {
      ps(target);
      const it = Object.create(iterProto);
      iterState.set(it, { target, kind, index: 0 });
      return it;
    }
    const uspProto = URLSearchParams.prototype;
    defineProp(uspProto.append, 'length', { value: 2 });
    defineProp(uspProto.delete, 'length', { value: 1 });
    defineProp(uspProto.get, 'length', { value: 1 });
    defineProp(uspProto.getAll, 'length', { value: 1 });
    defineProp(uspProto.has, 'length', { value: 1 });
    defineProp(uspProto.set, 'length', { value: 2 });
    expose(URLSearchParams, 'URLSearchParams');
    defineProp(URLSearchParams.prototype, Symbol.iterator, { value: URLSearchParams.prototype.entries, writable: true, configurable: true });
    return { URL, URLSearchParams };
  });

  // ---- Encoding ----------------------------------------------------------------
  lazyInterfaces(['TextEncoder', 'TextDecoder'], () => {
    need('encoding');
    const { taTag, isView, abByteLength, U8 } = intrinsics();
    const isArrayBuffer = (v) => {
      if (v === null || typeof v !== 'object' || isView(v)) return false;
      try { abByteLength(v); return true; } catch (e) { return false; }
    };
    const encoders = new WeakSet();
    class TextEncoder {
      constructor() { encoders.add(this); }
      get encoding() { if (!encoders.has(this)) throw illegalInvocation(); return 'utf-8'; }
      encode(input = '') {
        if (!encoders.has(this)) throw illegalInvocation();
        // USVString conversion happens on the Go side (lone surrogates
        // become U+FFFD), then UTF-8 encode.
        return new U8(ops.textEncode(idl.DOMString(input)));
      }
      encodeInto(source, destination) {
        if (!encoders.has(this)) throw illegalInvocation();
        requiredArgs(2, arguments.length, "Failed to execute 'encodeInto' on 'TextEncoder'");
        source = idl.DOMString(source);
        if (taTag(destination) !== 'Uint8Array') throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
        const r = ops.textEncodeInto(source, destination);
        return { read: r[0], written: r[1] };
      }
    }
    expose(TextEncoder, 'TextEncoder');

    const decoders = new WeakMap();
    const ds = (d) => { const s = decoders.get(d); if (s === undefined) throw illegalInvocation(); return s; };
    class TextDecoder {
      constructor(label = 'utf-8', options = undefined) {
        label = idl.DOMString(label);
        const o = idl.dictionary(options);
        const fatal = !!o.fatal, ignoreBOM = !!o.ignoreBOM;
        // 1-2. Get an encoding from label; failure or replacement: RangeError.
        const enc = ops.encodingForLabel(label);
        if (enc === '' || enc === 'replacement') throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${label}') is invalid.`);
        decoders.set(this, { enc, fatal, ignoreBOM, h: null });
      }
      get encoding() { return ds(this).enc; }
      get fatal() { return ds(this).fatal; }
      get ignoreBOM() { return ds(this).ignoreBOM; }
      decode(input = undefined, options = undefined) {
        const s = ds(this);
        if (input !== undefined && !isView(input) && !isArrayBuffer(input)) {
          throw new TypeError("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type '(ArrayBuffer or ArrayBufferView)'.");
        }
        const o = idl.dictionary(options);
        if (s.h === null) s.h = ops.textDecoderNew(s.enc, s.fatal, s.ignoreBOM);
        return ops.textDecode(s.h, input, !!o.stream);
      }
    }
    expose(TextDecoder, 'TextDecoder');
    return { TextEncoder, TextDecoder };
  });

  // ---- Crypto ------------------------------------------------------------------
  let cryptoObject = null;
  const makeCrypto = lazyInterfaces(['Crypto', 'SubtleCrypto'], () => {
    need('misc');
    const { taTag, isView, taByteLength, abByteLength } = intrinsics();
    let subtleObject = null;
    // SubtleCrypto with digest() only (SHA-1, SHA-256, SHA-384, SHA-512);
    // the key operations are not implemented, so feature tests for them
    // fail cleanly.
    class SubtleCrypto {
      constructor(key) { if (key !== KEY) illegal(); }
      digest(algorithm, data) {
        // Errors of a promise-returning operation reject the promise.
        try {
          if (this !== subtleObject) throw illegalInvocation();
          requiredArgs(2, arguments.length, "Failed to execute 'digest' on 'SubtleCrypto'");
          // 1-2. Normalize the algorithm (a name or a dictionary with one).
          let name;
          if (typeof algorithm === 'object' && algorithm !== null) {
            if (algorithm.name === undefined) throw new TypeError("Failed to execute 'digest' on 'SubtleCrypto': Algorithm: name: Missing or not a string");
            name = idl.DOMString(algorithm.name);
          } else {
            name = idl.DOMString(algorithm);
          }
          // 3. Let data be a copy of the bytes held by the data parameter.
          let isBuffer = isView(data);
          if (!isBuffer && data !== null && typeof data === 'object') { try { abByteLength(data); isBuffer = true; } catch (e) { /* not an ArrayBuffer */ } }
          if (!isBuffer) throw new TypeError("Failed to execute 'digest' on 'SubtleCrypto': parameter 2 is not of type '(ArrayBuffer or ArrayBufferView)'.");
          const out = ops.digest(name, data);
          if (out === null) throw new DOMException(`Failed to execute 'digest' on 'SubtleCrypto': Algorithm: Unrecognized name`, 'NotSupportedError');
          return Promise.resolve(out);
        } catch (e) {
          return Promise.reject(e);
        }
      }
    }
    expose(SubtleCrypto, 'SubtleCrypto');
    subtleObject = new SubtleCrypto(KEY);
    class Crypto {
      constructor(key) { if (key !== KEY) illegal(); }
      getRandomValues(array) {
        if (this !== cryptoObject) throw illegalInvocation();
        requiredArgs(1, arguments.length, "Failed to execute 'getRandomValues' on 'Crypto'");
        if (!isView(array)) throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'.");
        // 1. If array is not an integer typed array, TypeMismatchError.
        const tag = taTag(array);
        if (intArrayTypes[tag] === undefined) {
          throw new DOMException(`Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is of type '${tag || 'DataView'}', which is not an integer array type.`, 'TypeMismatchError');
        }
        // 2. If its byte length is greater than 65536, QuotaExceededError.
        const n = taByteLength(array);
        if (n > 65536) {
          throw new DOMException(`Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (${n}) exceeds the number of bytes of entropy available via this API (65536).`, 'QuotaExceededError');
        }
        // 3-4. Overwrite its elements with random values; return it.
        ops.randomFill(array);
        return array;
      }
      randomUUID() {
        if (this !== cryptoObject) throw illegalInvocation();
        return ops.randomUUID();
      }
      get subtle() {
        if (this !== cryptoObject) throw illegalInvocation();
        return subtleObject;
      }
    }
    expose(Crypto, 'Crypto');
    cryptoObject = new Crypto(KEY);
    return { Crypto, SubtleCrypto };
  });
  // [SameObject] readonly attribute Crypto crypto.
  defineProp(global, 'crypto', { get: () => cryptoObject || (makeCrypto(), cryptoObject), enumerable: true, configurable: true });

  // ---- Performance -----------------------------------------------------------
  let performanceObject = null;
  const makePerformance = lazyInterfaces(['Performance'], () => {
    need('misc');
    const timeOrigin = ops.timeOrigin();
    class Performance extends EventTarget {
      constructor(key) { if (key !== KEY) illegal(); super(); }
      now() { if (this !== performanceObject) throw illegalInvocation(); return ops.perfNow(); }
      get timeOrigin() { if (this !== performanceObject) throw illegalInvocation(); return timeOrigin; }
      toJSON() { if (this !== performanceObject) throw illegalInvocation(); return { timeOrigin }; }
    }
    expose(Performance, 'Performance');
    performanceObject = new Performance(KEY);
    return { Performance };
  });
  // [Replaceable] readonly attribute Performance performance.
  defineProp(global, 'performance', {
    get: () => performanceObject || (makePerformance(), performanceObject),
    set: (v) => defineProp(global, 'performance', { value: v, writable: true, enumerable: true, configurable: true }),
    enumerable: true, configurable: true,
  });

  // ---- location and origin --------------------------------------------------
  let locationObject = null;
  const locationName = isWindow ? 'Location' : 'WorkerLocation';
  const makeLocation = lazyInterfaces([locationName], () => {
    need('misc');
    need('url');
    let comps = null;
    const C = () => {
      if (comps === null) {
        const href = ops.location();
        comps = ops.urlParse(href, undefined) || [href, '', '', '', '', '', '', '', '', '', 'null'];
      }
      return comps;
    };
    const check = (o) => { if (o !== locationObject) throw illegalInvocation(); return C(); };
    let cls;
    if (!isWindow) {
      class WorkerLocation {
        constructor(key) { if (key !== KEY) illegal(); }
        get href() { return check(this)[0]; }
        get origin() { return check(this)[10]; }
        get protocol() { return check(this)[1]; }
        get host() { return check(this)[4]; }
        get hostname() { return check(this)[5]; }
        get port() { return check(this)[6]; }
        get pathname() { return check(this)[7]; }
        get search() { return check(this)[8]; }
        get hash() { return check(this)[9]; }
        toString() { return check(this)[0]; }
      }
      cls = WorkerLocation;
    } else {
      // A headless page does not navigate by itself: navigation goes to
      // PlatformEnv.Navigate, or throws NotSupportedError.
      const resolve = (url, where) => {
        url = idl.DOMString(url);
        const c = ops.urlParse(url, C()[0]);
        if (c === null) throw new DOMException(`Failed to execute '${where}' on 'Location': '${url}' is not a valid URL.`, 'SyntaxError');
        return c[0];
      };
      // Attribute setters: copy the URL, change one part, navigate to it.
      const setPart = (loc, attr, v) => {
        const c = ops.urlSet(check(loc)[0], attr, idl.DOMString(v));
        if (c !== null) ops.navigate(c[0], false);
      };
      class Location {
        constructor(key) { if (key !== KEY) illegal(); }
        get href() { return check(this)[0]; }
        set href(v) { check(this); ops.navigate(resolve(v, 'href'), false); }
        get origin() { return check(this)[10]; }
        get protocol() { return check(this)[1]; }
        set protocol(v) { setPart(this, 1, v); }
        get host() { return check(this)[4]; }
        set host(v) { setPart(this, 4, v); }
        get hostname() { return check(this)[5]; }
        set hostname(v) { setPart(this, 5, v); }
        get port() { return check(this)[6]; }
        set port(v) { setPart(this, 6, v); }
        get pathname() { return check(this)[7]; }
        set pathname(v) { setPart(this, 7, v); }
        get search() { return check(this)[8]; }
        set search(v) { setPart(this, 8, v); }
        get hash() { return check(this)[9]; }
        set hash(v) { setPart(this, 9, v); }
        assign(url) { check(this); requiredArgs(1, arguments.length, "Failed to execute 'assign' on 'Location'"); ops.navigate(resolve(url, 'assign'), false); }
        replace(url) { check(this); requiredArgs(1, arguments.length, "Failed to execute 'replace' on 'Location'"); ops.navigate(resolve(url, 'replace'), true); }
        reload() { ops.navigate(check(this)[0], true); }
        toString() { return check(this)[0]; }
      }
      cls = Location;
    }
    expose(cls, locationName);
    locationObject = new cls(KEY);
    return { [locationName]: cls };
  });
  const getLocation = () => locationObject || (makeLocation(), locationObject);
  // Window: [PutForwards=href, LegacyUnforgeable] readonly attribute Location
  // location. Worker: readonly attribute WorkerLocation location.
  defineProp(global, 'location', isWindow
    ? { get: getLocation, set: (v) => { getLocation().href = v; }, enumerable: true, configurable: false }
    : { get: getLocation, enumerable: true, configurable: true });
  // [Replaceable] readonly attribute USVString origin.
  defineProp(global, 'origin', {
    get: () => { need('misc'); return ops.realmOrigin(); },
    set: (v) => defineProp(global, 'origin', { value: v, writable: true, enumerable: true, configurable: true }),
    enumerable: true, configurable: true,
  });

  // ---- navigator helpers for the packages that build navigator -------------
  // defineNavigatorID adds NavigatorID, NavigatorLanguage, NavigatorOnLine
  // and NavigatorConcurrentHardware members to a prototype; check(this)
  // throws for objects that are not navigators.
  internals.defineNavigatorID = (proto, check = () => {}) => {
    const ua = internals.userAgent;
    let info = null;
    const inf = () => info || (need('misc'), info = ops.navigatorInfo());
    const attrs = {
      appCodeName: () => 'Mozilla',
      appName: () => 'Netscape',
      appVersion: () => (ua.startsWith('Mozilla/') ? ua.slice(8) : ua),
      platform: () => '',
      product: () => 'Gecko',
      userAgent: () => ua,
      language: () => inf()[0][0],
      languages: () => { const i = inf(); if (!i.frozen) { i.frozen = freeze(i[0].slice()); } return i.frozen; },
      onLine: () => true,
      hardwareConcurrency: () => inf()[1],
    };
    for (const name of Object.keys(attrs)) {
      const f = attrs[name];
      defineProp(proto, name, { get: getOwnDesc({ get [name]() { check(this); return f(); } }, name).get, enumerable: true, configurable: true });
    }
  };

  // ---- MessageChannel, MessagePort, MessageEvent ---------------------------
  let messaging = null;
  const makeMessaging = lazyInterfaces(['MessageEvent', 'MessagePort', 'MessageChannel'], () => {
    need('messaging');
    need('clone');
    const msgs = new WeakMap(); // MessageEvent → its message state
    const handles = new WeakMap(); // MessagePort → Go port handle
    const ph = (p) => { const h = handles.get(p); if (h === undefined) throw illegalInvocation(); return h; };
    const ms = (e) => { const m = msgs.get(e); if (m === undefined) throw illegalInvocation(); return m; };
    const toPort = (p) => { if (!handles.has(p)) throw new TypeError("Failed to construct 'MessageEvent': Failed to read the 'ports' property from 'MessageEventInit': Value is not of type 'MessagePort'."); return p; };
    const toSource = (s) => {
      if (s === null || s === undefined) return null;
      if (handles.has(s) || (isWindow && s === global)) return s;
      const SW = internals.ServiceWorker;
      if (typeof SW === 'function' && s instanceof SW) return s;
      const ok = internals.isMessageEventSource;
      if (typeof ok === 'function' && ok(s)) return s;
      throw new TypeError("Failed to construct 'MessageEvent': The provided value is not of type '(MessagePort or ServiceWorker or WindowProxy)'.");
    };

    // Events made by the platform skip the dictionary conversion: makeEvent
    // passes one of these private dictionaries and the prepared state.
    const PLAIN = freeze({ __proto__: null }), BUBBLES = freeze({ __proto__: null, bubbles: true });
    const CANCELABLE = freeze({ __proto__: null, cancelable: true }), BOTH = freeze({ __proto__: null, bubbles: true, cancelable: true });
    let prepared = null;
    class MessageEvent extends Event {
      constructor(type, eventInitDict = undefined) {
        requiredArgs(1, arguments.length, "Failed to construct 'MessageEvent'");
        super(type, eventInitDict);
        if (prepared !== null && (eventInitDict === PLAIN || eventInitDict === BUBBLES || eventInitDict === CANCELABLE || eventInitDict === BOTH)) {
          msgs.set(this, prepared);
          prepared = null;
          return;
        }
        const init = idl.dictionary(eventInitDict);
        // MessageEventInit members, in order: data, lastEventId, origin, ports, source.
        const data = init.data === undefined ? null : init.data;
        const lastEventId = init.lastEventId === undefined ? '' : idl.DOMString(init.lastEventId);
        const origin = init.origin === undefined ? '' : idl.USVString(init.origin);
        const ports = init.ports === undefined ? [] : idl.sequence(init.ports, toPort, "Failed to construct 'MessageEvent': The 'ports' property");
        const source = init.source === undefined ? null : toSource(init.source);
        msgs.set(this, { data, origin, lastEventId, source, ports: freeze(ports) });
      }
      get data() { return ms(this).data; }
      get origin() { return ms(this).origin; }
      get lastEventId() { return ms(this).lastEventId; }
      get source() { return ms(this).source; }
      get ports() { return ms(this).ports; }
      initMessageEvent(type, bubbles = false, cancelable = false, data = null, origin = '', lastEventId = '', source = null, ports = []) {
        const m = ms(this);
        requiredArgs(1, arguments.length, "Failed to execute 'initMessageEvent' on 'MessageEvent'");
        if (internals.eventDispatching(this)) return;
        this.initEvent(type, bubbles, cancelable);
        m.data = data;
        m.origin = idl.USVString(origin);
        m.lastEventId = idl.DOMString(lastEventId);
        m.source = toSource(source);
        m.ports = freeze(idl.sequence(ports, toPort));
      }
    }
    expose(MessageEvent, 'MessageEvent');

    class MessagePort extends EventTarget {
      constructor(key, h) { if (key !== KEY) illegal(); super(); handles.set(this, h); }
      postMessage(message, options = undefined) {
        const h = ph(this);
        requiredArgs(1, arguments.length, "Failed to execute 'postMessage' on 'MessagePort'");
        const transfer = transferList(options, "Failed to execute 'postMessage' on 'MessagePort'");
        ops.portPost(h, message, transfer);
      }
      start() { ops.portStart(ph(this)); }
      close() { ops.portClose(ph(this)); }
    }
    // Setting onmessage enables the port message queue, as start() does.
    internals.defineEventHandler(MessagePort.prototype, 'message', (p) => ops.portStart(ph(p)));
    internals.defineEventHandler(MessagePort.prototype, 'messageerror');
    internals.defineEventHandler(MessagePort.prototype, 'close');
    expose(MessagePort, 'MessagePort');

    const channels = new WeakMap();
    const cs = (c) => { const s = channels.get(c); if (s === undefined) throw illegalInvocation(); return s; };
    class MessageChannel {
      constructor() {
        // Two new MessagePorts, entangled.
        const p = ops.channelNew();
        channels.set(this, { port1: p[0], port2: p[1] });
      }
      get port1() { return cs(this).port1; }
      get port2() { return cs(this).port2; }
    }
    expose(MessageChannel, 'MessageChannel');

    const makeEvent = (type, data, origin, lastEventId, source, ports, bubbles, cancelable) => {
      prepared = { data, origin, lastEventId, source, ports: freeze(ports) };
      return new MessageEvent(type, bubbles ? (cancelable ? BOTH : BUBBLES) : (cancelable ? CANCELABLE : PLAIN));
    };
    messaging = {
      handle: (o) => apply(wmGet, handles, [o]),
      newPort: (h) => new MessagePort(KEY, h),
      makeEvent,
      fire(port, type, data, ports) {
        const e = type === 'close' ? new Event('close') : makeEvent(type, data, '', '', null, ports, false, false);
        internals.dispatchTrusted(port, e);
      },
    };
    return { MessageEvent, MessagePort, MessageChannel };
  });
  // internals.platformMessaging is what messaging.go calls: newPort(handle),
  // handle(port), fire(port, type, data, ports), makeEvent(...).
  defineProp(internals, 'platformMessaging', { get: () => messaging || (makeMessaging(), messaging), configurable: true });

  if (internals.eagerInterfaces) {
    const names = ['URL', 'TextEncoder', 'Crypto', 'Performance', locationName, 'MessageEvent'];
    for (let i = 0; i < names.length; i++) internals.platformInterface(names[i]);
  }
})
