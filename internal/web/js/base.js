(function (ops, internals, global) {
  'use strict';
  // ---- WebIDL helpers -------------------------------------------------------
  const illegal = () => { throw new TypeError('Illegal constructor'); };
  internals.illegalConstructor = illegal;

  // expose makes a class look like a WebIDL interface object: operations and
  // attributes enumerable, @@toStringTag set, and the interface object put on
  // the global as writable, non-enumerable and configurable.
  function expose(cls, name, opts) {
    name = name || cls.name;
    const proto = cls.prototype;
    for (const key of Reflect.ownKeys(proto)) {
      if (key === 'constructor' || typeof key === 'symbol') continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      d.enumerable = true;
      Object.defineProperty(proto, key, d);
    }
    for (const key of Reflect.ownKeys(cls)) {
      if (key === 'prototype' || key === 'length' || key === 'name' || typeof key === 'symbol') continue;
      const d = Object.getOwnPropertyDescriptor(cls, key);
      d.enumerable = true;
      Object.defineProperty(cls, key, d);
    }
    Object.defineProperty(proto, Symbol.toStringTag, { value: name, configurable: true });
    if (!opts || opts.global !== false) {
      Object.defineProperty(global, name, { value: cls, writable: true, enumerable: false, configurable: true });
    }
    internals[name] = cls;
    return cls;
  }
  internals.expose = expose;

  function requiredArgs(n, have, where) {
    if (have < n) throw new TypeError(`${where}: ${n} argument${n > 1 ? 's' : ''} required, but only ${have} present.`);
  }
  internals.requiredArgs = requiredArgs;

  // Conversions of WebIDL types.
  const idl = {
    DOMString(v) { if (typeof v === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string'); return String(v); },
    USVString(v) { return ops.toUSV(idl.DOMString(v)); },
    ByteString(v) {
      const s = idl.DOMString(v);
      for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) throw new TypeError(`Cannot convert to ByteString: character at index ${i} has a value of ${s.charCodeAt(i)} which is greater than 255.`);
      return s;
    },
    boolean(v) { return !!v; },
    unsignedLong(v) { const n = Number(v); if (!isFinite(n)) return 0; return (Math.trunc(n) % 4294967296 + 4294967296) % 4294967296; },
    unsignedShort(v) { const n = Number(v); if (!isFinite(n)) return 0; return (Math.trunc(n) % 65536 + 65536) % 65536; },
    long(v) { const n = Number(v); if (!isFinite(n)) return 0; let x = Math.trunc(n) % 4294967296; if (x >= 2147483648) x -= 4294967296; if (x < -2147483648) x += 4294967296; return x; },
    unrestrictedDouble(v) { return Number(v); },
    double(v) { const n = Number(v); if (!isFinite(n)) throw new TypeError('The provided double value is non-finite.'); return n; },
    object(v, what) { if (v === null || (typeof v !== 'object' && typeof v !== 'function')) throw new TypeError(`${what || 'Value'} is not an object.`); return v; },
    // dictionary: null/undefined → {}, other non-objects are a TypeError.
    dictionary(v, what) {
      if (v === undefined || v === null) return {};
      if (typeof v !== 'object' && typeof v !== 'function') throw new TypeError(`${what || 'The provided value'} is not of type '${what ? 'dictionary' : 'object'}'.`);
      return v;
    },
    enumeration(v, values, what) {
      const s = idl.DOMString(v);
      if (!values.includes(s)) throw new TypeError(`The provided value '${s}' is not a valid enum value of type ${what}.`);
      return s;
    },
    callback(v, what) { if (typeof v !== 'function') throw new TypeError(`${what || 'The callback provided'} is not a function.`); return v; },
    sequence(v, conv, what) {
      if (v === null || typeof v !== 'object') throw new TypeError(`${what || 'The provided value'} cannot be converted to a sequence.`);
      const it = v[Symbol.iterator];
      if (typeof it !== 'function') throw new TypeError(`${what || 'The provided value'} cannot be converted to a sequence.`);
      const out = [];
      for (const x of v) out.push(conv(x));
      return out;
    },
  };
  internals.idl = idl;

  // ---- DOMException ---------------------------------------------------------
  const legacyCodes = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
    QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };
  const domExState = new WeakMap();
  class DOMException extends Error {
    constructor(message = '', name = 'Error') {
      super();
      message = idl.DOMString(message);
      name = idl.DOMString(name);
      domExState.set(this, { message, name });
      // Own "stack" for diagnostics; message and name live on the prototype.
      delete this.message;
    }
    get name() { const s = domExState.get(this); if (!s) throw new TypeError('Illegal invocation'); return s.name; }
    get message() { const s = domExState.get(this); if (!s) throw new TypeError('Illegal invocation'); return s.message; }
    get code() { const s = domExState.get(this); if (!s) throw new TypeError('Illegal invocation'); return legacyCodes[s.name] || 0; }
  }
  for (const [name, code] of Object.entries(legacyCodes)) {
    const constName = name === 'URLMismatchError' ? 'URL_MISMATCH_ERR'
      : name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() + '_ERR';
    Object.defineProperty(DOMException, constName, { value: code, enumerable: true });
    Object.defineProperty(DOMException.prototype, constName, { value: code, enumerable: true });
  }
  expose(DOMException, 'DOMException');
  Object.defineProperty(DOMException.prototype, 'toString', {
    value: function () { return this.message ? `${this.name}: ${this.message}` : this.name; }, writable: true, configurable: true,
  });
  internals.domError = (name, message) => new DOMException(message, name);

  // ---- Event ----------------------------------------------------------------
  // State lives in private fields (one flag word for the booleans): events
  // are made for every functional event, so construction must be cheap. The
  // dispatch algorithm is defined inside the class (Event._internal) so that
  // it reads and writes the fields directly. Dispatch has no tree here (a
  // target alone: workers and headless pages have no nodes), so while the
  // dispatch flag is set currentTarget is the target and eventPhase is
  // AT_TARGET, and otherwise null and NONE: neither needs a field.
  const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;
  // (The flags an event the user agent fires usually has are the low bits:
  // the engine boxes integers from 256 up.)
  const INITIALIZED = 1, TRUSTED = 2, CANCELABLE = 4, DISPATCH = 8, CANCELED = 16, STOP = 32, STOP_IMMEDIATE = 64,
    BUBBLES = 128, COMPOSED = 256, IN_PASSIVE = 512;
  let flagsOf, dispatch, dispatchUntrusted;
  // An event the user agent creates (internals.createEvent) is built by
  // Event's constructor alone, with its type and flags given: hostType is
  // non-null only while that constructor runs.
  let hostType = null, hostFlags = 0;
  const NO_ARGS = Object.freeze([]);
  // (A null prototype: what a script puts on Object.prototype is no part of it.)
  const trustedDesc = Object.setPrototypeOf({ get: undefined, enumerable: true, configurable: false }, null);
  const targets = new WeakMap(); // target → Map(type → listener list)
  class Event {
    #type; #flags; #target = null; #timeStamp;
    constructor(...args) {
      if (hostType !== null) {
        this.#type = hostType;
        this.#flags = hostFlags;
        hostType = null;
      } else {
        if (args.length < 1) throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
        const type = args[0], init = args[1];
        this.#type = typeof type === 'string' ? type : idl.DOMString(type);
        let f = INITIALIZED;
        if (init !== undefined && init !== null) {
          if (typeof init !== 'object' && typeof init !== 'function') throw new TypeError("Failed to construct 'Event': The provided value is not of type 'EventInit'.");
          if (init.bubbles) f |= BUBBLES;
          if (init.cancelable) f |= CANCELABLE;
          if (init.composed) f |= COMPOSED;
        }
        this.#flags = f;
      }
      this.#timeStamp = ops.now();
      // [LegacyUnforgeable] readonly attribute boolean isTrusted.
      Object.defineProperty(this, 'isTrusted', trustedDesc);
    }
    get type() { return this.#type; }
    get target() { return this.#target; }
    get srcElement() { return this.#target; }
    get currentTarget() { return (this.#flags & DISPATCH) ? this.#target : null; }
    composedPath() { return (this.#flags & DISPATCH) ? [this.#target] : []; }
    get eventPhase() { return (this.#flags & DISPATCH) ? AT_TARGET : NONE; }
    stopPropagation() { this.#flags |= STOP; }
    get cancelBubble() { return (this.#flags & STOP) !== 0; }
    set cancelBubble(v) { if (v) this.#flags |= STOP; }
    stopImmediatePropagation() { this.#flags |= STOP | STOP_IMMEDIATE; }
    get bubbles() { return (this.#flags & BUBBLES) !== 0; }
    get cancelable() { return (this.#flags & CANCELABLE) !== 0; }
    get returnValue() { return (this.#flags & CANCELED) === 0; }
    set returnValue(v) { if (!v) this.#cancel(); }
    preventDefault() { this.#cancel(); }
    #cancel() { if ((this.#flags & (CANCELABLE | IN_PASSIVE)) === CANCELABLE) this.#flags |= CANCELED; }
    get defaultPrevented() { return (this.#flags & CANCELED) !== 0; }
    get composed() { return (this.#flags & COMPOSED) !== 0; }
    get timeStamp() { return this.#timeStamp; }
    initEvent(type, bubbles = false, cancelable = false) {
      if (this.#flags & DISPATCH) return;
      this.#type = idl.DOMString(type);
      this.#flags = (this.#flags & (TRUSTED | COMPOSED)) | INITIALIZED | (bubbles ? BUBBLES : 0) | (cancelable ? CANCELABLE : 0);
      this.#target = null;
    }
    static _internal() {
      flagsOf = (e) => { if (!(#flags in e)) throw new TypeError('Illegal invocation'); return e.#flags; };
      trustedDesc.get = Object.getOwnPropertyDescriptor({
        get isTrusted() { if (!(#flags in this)) throw new TypeError('Illegal invocation'); return (this.#flags & TRUSTED) !== 0; },
      }, 'isTrusted').get;
      internals.isEvent = (e) => e !== null && typeof e === 'object' && #flags in e;
      internals.eventDispatching = (e) => (flagsOf(e) & DISPATCH) !== 0;
      // Set the stop propagation and stop immediate propagation flags (as
      // the user agent does: not through the event's own method).
      internals.stopImmediatePropagation = (e) => { e.#flags |= STOP | STOP_IMMEDIATE; };
      internals.setTrusted = (e) => { e.#flags = flagsOf(e) | TRUSTED; return e; };
      // createEvent makes an event the user agent fires, already trusted:
      // an instance of cls (Event, or an interface inheriting from it whose
      // constructors add no private fields; the caller sets up their state)
      // of the given type, not bubbling, cancelable as asked.
      internals.createEvent = (cls, type, cancelable) => {
        hostType = type;
        hostFlags = INITIALIZED | TRUSTED | (cancelable ? CANCELABLE : 0);
        return Reflect.construct(Event, NO_ARGS, cls);
      };

      // DOM "inner invoke" with listeners, a clone of the target's list
      // (list, the live one), for the phase given by capture. (The lists
      // are per type: every listener's type is the event's.)
      const innerInvoke = (target, event, listeners, list, capture) => {
        for (let i = 0; i < listeners.length; i++) {
          const l = listeners[i];
          // Removed listeners, and those of the other phase, are skipped.
          if (l.removed || l.capture !== capture) continue;
          callListener(target, event, l, list);
          // The stop immediate propagation flag ends the loop.
          if (event.#flags & STOP_IMMEDIATE) return;
        }
      };
      // The body of inner invoke's loop for listener l.
      const callListener = (target, event, l, list) => {
        // once: remove an event listener.
        if (l.once) { l.removed = true; const j = list.indexOf(l); if (j >= 0) list.splice(j, 1); }
        // passive: set the in passive listener flag.
        if (l.passive) event.#flags |= IN_PASSIVE;
        // Call a user object's operation (handleEvent for an object), with
        // currentTarget (the target) as the callback this value; an
        // exception is reported.
        try {
          const cb = l.callback;
          if (typeof cb === 'function') {
            cb.call(target, event);
          } else {
            const h = cb.handleEvent;
            if (typeof h !== 'function') throw new TypeError("The 'handleEvent' property of the event listener is not callable.");
            h.call(cb, event);
          }
        } catch (e) {
          internals.reportException(e);
        }
        // Unset the in passive listener flag.
        if (l.passive) event.#flags &= ~IN_PASSIVE;
      };
      // DOM "invoke" for the path's only struct (the target itself; step
      // 5, currentTarget, comes with the dispatch flag).
      const invoke = (target, event, list, capture) => {
        // 4. If event's stop propagation flag is set, return.
        if (event.#flags & STOP) return;
        // 6. Let listeners be a clone of the event listener list; 7. inner invoke.
        if (list.length === 0) return;
        innerInvoke(target, event, list.slice(), list, capture);
      };
      // dispatch runs DOM's dispatch on a single target (no tree: workers
      // and headless pages have no nodes).
      dispatch = (target, event) => {
        // 1. Set event's dispatch flag (with it eventPhase is AT_TARGET and
        // currentTarget the target: the path is the target alone).
        event.#flags |= DISPATCH;
        event.#target = target;
        const m = targets.get(target);
        const list = m === undefined ? undefined : m.get(event.#type);
        if (list !== undefined) {
          if (list.length === 1 && !list[0].capture) {
            // The common case: one listener, not a capture one. The
            // "capturing" invoke finds nothing to call; the "bubbling" one
            // (unless propagation was stopped before the dispatch) calls it
            // (its clone is the listener itself).
            if (!(event.#flags & STOP)) callListener(target, event, list[0], list);
          } else {
            invoke(target, event, list, true);
            invoke(target, event, list, false);
          }
        }
        // 6-9. eventPhase NONE, currentTarget null, path emptied (all with
        // the dispatch flag); unset the dispatch, stop propagation and stop
        // immediate propagation flags.
        event.#flags &= ~(DISPATCH | STOP | STOP_IMMEDIATE);
        // 12. Return false if the canceled flag is set, true otherwise.
        return (event.#flags & CANCELED) === 0;
      };
      // dispatchEvent steps 1-2 (after the argument checks), then dispatch.
      dispatchUntrusted = (target, event) => {
        const f = flagsOf(event);
        if ((f & DISPATCH) || !(f & INITIALIZED)) throw new DOMException("Failed to execute 'dispatchEvent' on 'EventTarget': The event is already being dispatched.", 'InvalidStateError');
        event.#flags = f & ~TRUSTED;
        return dispatch(target, event);
      };
      internals.dispatchTrusted = (target, event) => { event.#flags = flagsOf(event) | TRUSTED; return dispatch(target, event); };
    }
  }
  Event._internal();
  delete Event._internal;
  Object.defineProperty(Event, 'length', { value: 1 });
  for (const [k, v] of Object.entries({ NONE, CAPTURING_PHASE, AT_TARGET, BUBBLING_PHASE })) {
    Object.defineProperty(Event, k, { value: v, enumerable: true });
    Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
  }
  expose(Event, 'Event');

  const details = new WeakMap(); // CustomEvent → detail
  internals.eventDetail = (e) => { const d = details.get(e); return d === undefined ? null : d; };
  internals.setEventDetail = (e, d) => { details.set(e, d); };
  class CustomEvent extends Event {
    constructor(...args) {
      if (args.length < 1) throw new TypeError("Failed to construct 'CustomEvent': 1 argument required, but only 0 present.");
      super(args[0], args[1]);
      const init = args[1];
      if (init !== undefined && init !== null && init.detail !== undefined) internals.setEventDetail(this, init.detail);
    }
    get detail() { if (!internals.isEvent(this)) throw new TypeError('Illegal invocation'); return internals.eventDetail(this); }
    initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
      this.initEvent(type, bubbles, cancelable); internals.setEventDetail(this, detail);
    }
  }
  Object.defineProperty(CustomEvent, 'length', { value: 1 });
  expose(CustomEvent, 'CustomEvent');

  // ---- EventTarget ----------------------------------------------------------
  function listenersOf(t) {
    let m = targets.get(t);
    if (!m) {
      if (t === undefined || t === null) throw new TypeError('Illegal invocation');
      // The global object and platform objects register through
      // internals.makeEventTarget; anything else is an illegal invocation.
      throw new TypeError('Illegal invocation');
    }
    return m;
  }
  function flattenOptions(o) {
    if (typeof o === 'boolean') return { capture: o };
    if (o === undefined || o === null) return { capture: false };
    if (typeof o !== 'object' && typeof o !== 'function') return { capture: !!o };
    return { capture: !!o.capture, once: !!o.once, passive: o.passive === undefined ? undefined : !!o.passive, signal: o.signal };
  }
  class EventTarget {
    constructor() { targets.set(this, new Map()); }
    addEventListener(type, callback, options) {
      // WebIDL: an operation called with an undefined this (a bare addEventListener() call) acts on the global object.
      if (this === undefined || this === null) return EventTarget.prototype.addEventListener.apply(global, arguments);
      const m = listenersOf(this);
      requiredArgs(2, arguments.length, "Failed to execute 'addEventListener' on 'EventTarget'");
      type = idl.DOMString(type);
      const o = flattenOptions(options);
      if (o.signal !== undefined && !(internals.isAbortSignal && internals.isAbortSignal(o.signal))) {
        throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type AbortSignal.");
      }
      if (callback === null || callback === undefined) return;
      if (typeof callback !== 'function' && typeof callback !== 'object') throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': The callback provided as parameter 2 is not an object.");
      if (o.signal && o.signal.aborted) return;
      let list = m.get(type);
      if (!list) { list = []; m.set(type, list); }
      if (list.some(l => l.callback === callback && l.capture === o.capture)) return;
      const l = { callback, capture: o.capture, once: !!o.once, passive: !!o.passive, removed: false };
      list.push(l);
      if (internals.onListenerAdded) internals.onListenerAdded(this, type);
      if (o.signal) o.signal.addEventListener('abort', () => this.removeEventListener(type, callback, { capture: o.capture }));
    }
    removeEventListener(type, callback, options) {
      if (this === undefined || this === null) return EventTarget.prototype.removeEventListener.apply(global, arguments);
      const m = listenersOf(this);
      requiredArgs(2, arguments.length, "Failed to execute 'removeEventListener' on 'EventTarget'");
      type = idl.DOMString(type);
      const capture = flattenOptions(options).capture;
      const list = m.get(type);
      if (!list) return;
      const i = list.findIndex(l => l.callback === callback && l.capture === capture);
      if (i >= 0) { list[i].removed = true; list.splice(i, 1); }
    }
    dispatchEvent(...args) {
      if (this === undefined || this === null) return EventTarget.prototype.dispatchEvent.apply(global, args);
      listenersOf(this);
      requiredArgs(1, args.length, "Failed to execute 'dispatchEvent' on 'EventTarget'");
      const event = args[0];
      if (!(event instanceof Event)) throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
      return dispatchUntrusted(this, event);
    }
  }
  Object.defineProperty(EventTarget.prototype.dispatchEvent, 'length', { value: 1 });
  expose(EventTarget, 'EventTarget');
  internals.makeEventTarget = (obj) => { if (!targets.has(obj)) targets.set(obj, new Map()); return obj; };
  internals.hasListeners = (t, type) => { const m = targets.get(t); const l = m && m.get(type); return !!(l && l.length); };
  internals.listenerTypes = (t) => { const m = targets.get(t); return m ? [...m.keys()].filter(k => m.get(k).length) : []; };
  internals.dispatch = dispatch;

  // Event handler IDL attributes (onmessage, onstatechange, ...).
  const handlerStore = new WeakMap();
  internals.defineEventHandler = (proto, type, onFirstSet) => {
    const name = 'on' + type;
    Object.defineProperty(proto, name, {
      enumerable: true, configurable: true,
      get() { listenersOf(this); const h = handlerStore.get(this); return (h && h[type] && h[type].value) || null; },
      set(v) {
        listenersOf(this);
        let h = handlerStore.get(this);
        if (!h) { h = {}; handlerStore.set(this, h); }
        const value = (typeof v === 'function' || (typeof v === 'object' && v !== null)) ? v : null;
        if (!h[type]) {
          const slot = { value: null };
          h[type] = slot;
          const self = this;
          const listener = function (event) {
            const fn = slot.value;
            if (typeof fn !== 'function') return;
            const ret = fn.call(self, event);
            if (ret === false && event.cancelable) event.preventDefault();
          };
          this.addEventListener(type, listener);
        }
        h[type].value = value;
        if (value && onFirstSet) onFirstSet(this);
      },
    });
    // WebIDL: the accessors are named "get on<type>" and "set on<type>".
    const d = Object.getOwnPropertyDescriptor(proto, name);
    Object.defineProperty(d.get, 'name', { value: 'get ' + name });
    Object.defineProperty(d.set, 'name', { value: 'set ' + name });
  };

  // ---- reporting, microtasks, timers ---------------------------------------
  internals.reportException = (e) => ops.reportException(e);
  global.reportError = function reportError(e) {
    requiredArgs(1, arguments.length, "Failed to execute 'reportError'");
    ops.reportException(e);
  };
  global.queueMicrotask = function queueMicrotask(callback) {
    requiredArgs(1, arguments.length, "Failed to execute 'queueMicrotask'");
    idl.callback(callback, "Failed to execute 'queueMicrotask': parameter 1");
    Promise.resolve().then(() => { try { callback(); } catch (e) { ops.reportException(e); } });
  };
  const toTimeout = (v) => { const n = idl.long(v); return n < 0 ? 0 : n; };
  function timerHandler(handler) {
    if (typeof handler === 'function') return handler;
    const code = String(handler);
    return () => (0, eval)(code);
  }
  global.setTimeout = function setTimeout(handler, timeout = 0, ...args) { return ops.setTimer(timerHandler(handler), toTimeout(timeout), false, args); };
  global.setInterval = function setInterval(handler, timeout = 0, ...args) { return ops.setTimer(timerHandler(handler), toTimeout(timeout), true, args); };
  global.clearTimeout = function clearTimeout(id = 0) { ops.clearTimer(idl.long(id)); };
  global.clearInterval = function clearInterval(id = 0) { ops.clearTimer(idl.long(id)); };

  // ---- console -------------------------------------------------------------
  function fmt(args) {
    if (args.length === 0) return '';
    let first = args[0];
    let rest = args.slice(1);
    let out = '';
    if (typeof first === 'string' && /%[sdifoOc%]/.test(first)) {
      out = first.replace(/%([sdifoOc%])/g, (m, c) => {
        if (c === '%') return '%';
        if (!rest.length) return m;
        const v = rest.shift();
        switch (c) {
          case 's': return typeof v === 'string' ? v : inspect(v);
          case 'd': case 'i': return String(parseInt(v, 10));
          case 'f': return String(parseFloat(v));
          case 'c': return '';
          default: return inspect(v);
        }
      });
    } else {
      out = typeof first === 'string' ? first : inspect(first);
    }
    for (const v of rest) out += ' ' + (typeof v === 'string' ? v : inspect(v));
    return out;
  }
  function inspect(v, depth = 0, seen = new Set()) {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'undefined': return 'undefined';
      case 'string': return depth ? JSON.stringify(v) : v;
      case 'number': case 'boolean': return String(v);
      case 'bigint': return v + 'n';
      case 'symbol': return v.toString();
      case 'function': return `[Function: ${v.name || 'anonymous'}]`;
    }
    if (seen.has(v)) return '[Circular]';
    if (v instanceof Error || v instanceof DOMException) {
      // The stack with the script's frames only (ops.shownStack), if any.
      const st = depth === 0 && v.stack ? ops.shownStack(String(v.stack)) : '';
      return st === '' ? `${v.name}: ${v.message}` : st.startsWith(v.name) ? st : `${v.name}: ${v.message}\n${st}`;
    }
    if (depth > 2) return Array.isArray(v) ? '[Array]' : '[Object]';
    seen.add(v);
    try {
      if (Array.isArray(v)) return '[ ' + v.map(x => inspect(x, depth + 1, seen)).join(', ') + ' ]';
      if (v instanceof Map) return `Map(${v.size}) { ` + [...v].map(([k, x]) => inspect(k, depth + 1, seen) + ' => ' + inspect(x, depth + 1, seen)).join(', ') + ' }';
      if (v instanceof Set) return `Set(${v.size}) { ` + [...v].map(x => inspect(x, depth + 1, seen)).join(', ') + ' }';
      if (v instanceof Date) return v.toISOString();
      if (v instanceof RegExp) return String(v);
      if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length}) [ ${Array.prototype.slice.call(v, 0, 50).join(', ')} ]`;
      if (v instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${v.byteLength} }`;
      const tag = v[Symbol.toStringTag];
      const keys = Object.keys(v);
      const body = keys.map(k => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(v[k], depth + 1, seen)}`).join(', ');
      const prefix = tag ? tag + ' ' : '';
      return keys.length ? `${prefix}{ ${body} }` : `${prefix}{}`;
    } finally { seen.delete(v); }
  }
  internals.inspect = inspect;
  const counts = new Map(), timersC = new Map();
  let groupIndent = '';
  const log = (level) => function (...args) { ops.console(level, groupIndent + fmt(args)); };
  const consoleObj = {
    log: log('log'), info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug'), trace: log('debug'),
    dir: function (v) { ops.console('log', groupIndent + inspect(v)); },
    assert: function (cond, ...args) { if (!cond) ops.console('error', groupIndent + 'Assertion failed' + (args.length ? ': ' + fmt(args) : '')); },
    count: function (label = 'default') { const n = (counts.get(label) || 0) + 1; counts.set(label, n); ops.console('info', `${groupIndent}${label}: ${n}`); },
    countReset: function (label = 'default') { counts.delete(label); },
    time: function (label = 'default') { timersC.set(label, ops.now()); },
    timeLog: function (label = 'default', ...a) { const t = timersC.get(label); if (t !== undefined) ops.console('info', `${groupIndent}${label}: ${(ops.now() - t).toFixed(3)} ms` + (a.length ? ' ' + fmt(a) : '')); },
    timeEnd: function (label = 'default') { const t = timersC.get(label); if (t !== undefined) { timersC.delete(label); ops.console('info', `${groupIndent}${label}: ${(ops.now() - t).toFixed(3)} ms`); } },
    group: function (...a) { if (a.length) ops.console('log', groupIndent + fmt(a)); groupIndent += '  '; },
    groupCollapsed: function (...a) { consoleObj.group(...a); },
    groupEnd: function () { groupIndent = groupIndent.slice(2); },
    table: function (v) { ops.console('log', groupIndent + inspect(v)); },
    clear: function () {},
  };
  Object.defineProperty(global, 'console', { value: consoleObj, writable: true, configurable: true, enumerable: false });

  // ---- misc globals --------------------------------------------------------
  Object.defineProperty(global, 'self', { get() { return global; }, set(v) { Object.defineProperty(global, 'self', { value: v, writable: true, configurable: true, enumerable: true }); }, configurable: true, enumerable: true });
  global.isSecureContext = true;
})
