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
  const evState = new WeakMap();
  const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;
  function es(e) { const s = evState.get(e); if (!s) throw new TypeError('Illegal invocation'); return s; }
  class Event {
    constructor(type, eventInitDict) {
      requiredArgs(1, arguments.length, "Failed to construct 'Event'");
      const init = idl.dictionary(eventInitDict);
      evState.set(this, {
        type: idl.DOMString(type), bubbles: !!init.bubbles, cancelable: !!init.cancelable, composed: !!init.composed,
        target: null, currentTarget: null, phase: NONE, stop: false, stopImmediate: false, canceled: false,
        inPassive: false, dispatch: false, initialized: true, isTrusted: false, timeStamp: ops.now(),
      });
      Object.defineProperty(this, 'isTrusted', { get: isTrustedGetter, enumerable: true, configurable: false });
    }
    get type() { return es(this).type; }
    get target() { return es(this).target; }
    get srcElement() { return es(this).target; }
    get currentTarget() { return es(this).currentTarget; }
    composedPath() { const s = es(this); return s.currentTarget ? [s.currentTarget] : []; }
    get eventPhase() { return es(this).phase; }
    stopPropagation() { es(this).stop = true; }
    get cancelBubble() { return es(this).stop; }
    set cancelBubble(v) { if (v) es(this).stop = true; }
    stopImmediatePropagation() { const s = es(this); s.stop = true; s.stopImmediate = true; }
    get bubbles() { return es(this).bubbles; }
    get cancelable() { return es(this).cancelable; }
    get returnValue() { return !es(this).canceled; }
    set returnValue(v) { const s = es(this); if (!v && s.cancelable && !s.inPassive) s.canceled = true; }
    preventDefault() { const s = es(this); if (s.cancelable && !s.inPassive) s.canceled = true; }
    get defaultPrevented() { return es(this).canceled; }
    get composed() { return es(this).composed; }
    get timeStamp() { return es(this).timeStamp; }
    initEvent(type, bubbles = false, cancelable = false) {
      const s = es(this);
      if (s.dispatch) return;
      Object.assign(s, { type: idl.DOMString(type), bubbles: !!bubbles, cancelable: !!cancelable, stop: false, stopImmediate: false, canceled: false, target: null });
    }
  }
  function isTrustedGetter() { return es(this).isTrusted; }
  for (const [k, v] of Object.entries({ NONE, CAPTURING_PHASE, AT_TARGET, BUBBLING_PHASE })) {
    Object.defineProperty(Event, k, { value: v, enumerable: true });
    Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
  }
  expose(Event, 'Event');
  internals.eventState = es;
  internals.setTrusted = (e) => { es(e).isTrusted = true; return e; };

  class CustomEvent extends Event {
    constructor(type, eventInitDict) {
      requiredArgs(1, arguments.length, "Failed to construct 'CustomEvent'");
      super(type, eventInitDict);
      const init = idl.dictionary(eventInitDict);
      es(this).detail = init.detail === undefined ? null : init.detail;
    }
    get detail() { return es(this).detail; }
    initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
      this.initEvent(type, bubbles, cancelable); es(this).detail = detail;
    }
  }
  expose(CustomEvent, 'CustomEvent');

  // ---- EventTarget ----------------------------------------------------------
  const targets = new WeakMap(); // target → Map(type → listener list)
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
      const m = listenersOf(this);
      requiredArgs(2, arguments.length, "Failed to execute 'removeEventListener' on 'EventTarget'");
      type = idl.DOMString(type);
      const capture = flattenOptions(options).capture;
      const list = m.get(type);
      if (!list) return;
      const i = list.findIndex(l => l.callback === callback && l.capture === capture);
      if (i >= 0) { list[i].removed = true; list.splice(i, 1); }
    }
    dispatchEvent(event) {
      listenersOf(this);
      requiredArgs(1, arguments.length, "Failed to execute 'dispatchEvent' on 'EventTarget'");
      if (!(event instanceof Event)) throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
      const s = es(event);
      if (s.dispatch || !s.initialized) throw new DOMException("Failed to execute 'dispatchEvent' on 'EventTarget': The event is already being dispatched.", 'InvalidStateError');
      s.isTrusted = false;
      return dispatch(this, event);
    }
  }
  expose(EventTarget, 'EventTarget');
  internals.makeEventTarget = (obj) => { if (!targets.has(obj)) targets.set(obj, new Map()); return obj; };
  internals.hasListeners = (t, type) => { const m = targets.get(t); const l = m && m.get(type); return !!(l && l.length); };
  internals.listenerTypes = (t) => { const m = targets.get(t); return m ? [...m.keys()].filter(k => m.get(k).length) : []; };

  // dispatch runs DOM's dispatch on a single target (no tree: workers and
  // headless pages have no nodes). Exceptions in listeners are reported.
  function dispatch(target, event) {
    const s = es(event);
    s.dispatch = true;
    s.target = target;
    s.phase = AT_TARGET;
    s.currentTarget = target;
    const m = targets.get(target);
    const list = m && m.get(s.type);
    if (list && list.length) {
      // Capture listeners first, then the rest (both at target).
      const snapshot = list.slice();
      for (const capturePass of [true, false]) {
        for (const l of snapshot) {
          if (l.removed || l.capture !== capturePass) continue;
          if (s.stopImmediate) break;
          if (l.once) { l.removed = true; const i = list.indexOf(l); if (i >= 0) list.splice(i, 1); }
          if (l.passive) s.inPassive = true;
          try {
            if (typeof l.callback === 'function') {
              l.callback.call(target, event);
            } else {
              const h = l.callback.handleEvent;
              if (typeof h !== 'function') throw new TypeError("The 'handleEvent' property of the event listener is not callable.");
              h.call(l.callback, event);
            }
          } catch (e) {
            internals.reportException(e);
          }
          s.inPassive = false;
        }
        if (s.stopImmediate) break;
      }
    }
    s.dispatch = false;
    s.phase = NONE;
    s.currentTarget = null;
    s.stop = false;
    s.stopImmediate = false;
    return !s.canceled;
  }
  internals.dispatch = dispatch;
  internals.dispatchTrusted = (target, event) => { es(event).isTrusted = true; return dispatch(target, event); };

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
    if (v instanceof Error || v instanceof DOMException) return v.stack && depth === 0 ? String(v.stack).startsWith(v.name) ? v.stack : `${v.name}: ${v.message}\n${v.stack}` : `${v.name}: ${v.message}`;
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
