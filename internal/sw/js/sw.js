(function (ops, internals, global) {
  'use strict';
  const { expose, idl, requiredArgs, defineEventHandler, dispatchTrusted, makeEventTarget, illegalConstructor } = internals;
  const { createEvent, dispatch, eventDispatching, stopImmediatePropagation } = internals;
  const isWorker = ops.realmKind() === 'worker';
  const KEY = Symbol('swhost');
  const priv = (o, cls) => { const s = o && o[KEY]; if (!s || (cls && !(o instanceof cls))) throw new TypeError('Illegal invocation'); return s; };
  const define = (obj, state) => { Object.defineProperty(obj, KEY, { value: state }); return obj; };

  // ---- ServiceWorker -------------------------------------------------------
  // "Get the service worker object": one object per worker per realm.
  const workers = new Map(); // id → ServiceWorker
  let constructing = false;
  class ServiceWorker extends EventTarget {
    constructor() { if (!constructing) illegalConstructor(); super(); }
    get scriptURL() { return priv(this, ServiceWorker).scriptURL; }
    get state() { return priv(this, ServiceWorker).state; }
    postMessage(message, options) {
      const s = priv(this, ServiceWorker);
      requiredArgs(1, arguments.length, "Failed to execute 'postMessage' on 'ServiceWorker'");
      let transfer = [];
      if (Array.isArray(options)) transfer = options;
      else if (options !== undefined && options !== null) transfer = idl.dictionary(options).transfer || [];
      // ServiceWorker.postMessage step: if state is "redundant", throw.
      if (s.foreign) return s.foreign.postMessage(message, transfer);
      if (s.state === 'redundant') throw new DOMException("Failed to execute 'postMessage' on 'ServiceWorker': The ServiceWorker is redundant.", 'InvalidStateError');
      ops.postToWorker(s.id, message, transfer);
    }
  }
  defineEventHandler(ServiceWorker.prototype, 'statechange');
  defineEventHandler(ServiceWorker.prototype, 'error');
  expose(ServiceWorker, 'ServiceWorker');
  function getWorker(desc) {
    if (!desc) return null;
    let w = workers.get(desc.id);
    if (!w) {
      constructing = true;
      try { w = new ServiceWorker(); } finally { constructing = false; }
      define(w, { id: desc.id, scriptURL: desc.scriptURL, state: desc.state });
      workers.set(desc.id, w);
    }
    return w;
  }
  internals.getWorker = getWorker;
  internals.newForeignWorker = (scriptURL, state, impl) => {
    constructing = true;
    let w;
    try { w = new ServiceWorker(); } finally { constructing = false; }
    define(w, { id: -1, scriptURL, state, foreign: impl });
    return w;
  };
  internals.setForeignState = (w, state) => {
    const s = priv(w, ServiceWorker);
    if (s.state === state) return;
    s.state = state;
    dispatchTrusted(w, new Event('statechange'));
  };

  // Update Worker State, step "queue a task to ... set state and fire statechange".
  internals.swSetWorkerState = (id, state) => {
    const w = workers.get(id);
    if (!w) return;
    const s = w[KEY];
    if (s.state === state) return;
    s.state = state;
    dispatchTrusted(w, new Event('statechange'));
  };

  // ---- ServiceWorkerRegistration -------------------------------------------
  const registrations = new Map(); // id → ServiceWorkerRegistration
  class NavigationPreloadManager {
    constructor() { illegalConstructor(); }
  }
  const npm = Object.create(NavigationPreloadManager.prototype);
  Object.assign(NavigationPreloadManager.prototype, {
    enable() { return Promise.resolve(); },
    disable() { return Promise.resolve(); },
    setHeaderValue() { return Promise.resolve(); },
    getState() { return Promise.resolve({ enabled: false, headerValue: 'true' }); },
  });
  expose(NavigationPreloadManager, 'NavigationPreloadManager');

  class ServiceWorkerRegistration extends EventTarget {
    constructor() { if (!constructing) illegalConstructor(); super(); }
    get installing() { return priv(this, ServiceWorkerRegistration).installing; }
    get waiting() { return priv(this, ServiceWorkerRegistration).waiting; }
    get active() { return priv(this, ServiceWorkerRegistration).active; }
    get navigationPreload() { priv(this, ServiceWorkerRegistration); return npm; }
    get scope() { return priv(this, ServiceWorkerRegistration).scope; }
    get updateViaCache() { return priv(this, ServiceWorkerRegistration).updateViaCache; }
    update() {
      const s = priv(this, ServiceWorkerRegistration);
      return ops.update(s.id).then(getRegistration);
    }
    unregister() {
      const s = priv(this, ServiceWorkerRegistration);
      return ops.unregister(s.id);
    }
  }
  defineEventHandler(ServiceWorkerRegistration.prototype, 'updatefound');
  expose(ServiceWorkerRegistration, 'ServiceWorkerRegistration');
  // Extensions add attributes to registrations (e.g. `index`).
  const regExtensions = [];
  internals.addRegistrationAttribute = (name, make) => {
    regExtensions.push(name);
    // An accessor of an object literal: the getter is named "get <name>" (WebIDL).
    const { get } = Object.getOwnPropertyDescriptor({
      get [name]() {
        const s = priv(this, ServiceWorkerRegistration);
        if (!(name in s.ext)) s.ext[name] = make(s.id, this);
        return s.ext[name];
      },
    }, name);
    Object.defineProperty(ServiceWorkerRegistration.prototype, name, { enumerable: true, configurable: true, get });
  };
  internals.registrationId = (reg) => priv(reg, ServiceWorkerRegistration).id;
  function getRegistration(desc) {
    if (!desc) return undefined;
    let r = registrations.get(desc.id);
    if (!r) {
      constructing = true;
      try { r = new ServiceWorkerRegistration(); } finally { constructing = false; }
      define(r, { id: desc.id, scope: desc.scope, updateViaCache: desc.updateViaCache, installing: null, waiting: null, active: null, ext: {} });
      registrations.set(desc.id, r);
    }
    const s = r[KEY];
    s.updateViaCache = desc.updateViaCache;
    s.installing = getWorker(desc.installing);
    s.waiting = getWorker(desc.waiting);
    s.active = getWorker(desc.active);
    return r;
  }
  internals.getRegistration = getRegistration;
  // Update Registration State.
  internals.swSetRegistration = (desc) => { if (registrations.has(desc.id)) getRegistration(desc); };
  internals.swUpdateFound = (id) => {
    const r = registrations.get(id);
    if (r) dispatchTrusted(r, new Event('updatefound'));
  };

  // ---- ExtendableEvent and friends (worker realm) ---------------------------
  // One state object per ExtendableEvent: the extend lifetime, and fetch,
  // the FetchEvent's state for a FetchEvent. id, while non-zero, is the
  // host's number for the dispatch, told when the lifetime ends. reasons
  // (null until one) are the rejections of lifetime promises. (State
  // objects keep to 7 members: the engine stores more less cheaply.)
  const extState = new WeakMap();
  const DISPATCHING = 1, TIMED_OUT = 2, RESPOND_WITH_ENTERED = 4, ANSWERED = 8; // flags
  const newExtState = () => ({ pending: 0, flags: 0, reasons: null, extended: 0, id: 0, fetch: null, thrown: null });
  class ExtendableEvent extends Event {
    constructor(type, eventInitDict) {
      requiredArgs(1, arguments.length, "Failed to construct 'ExtendableEvent'");
      super(type, eventInitDict);
      extState.set(this, newExtState());
    }
    waitUntil(...args) { // (a rest parameter: cheaper than arguments here)
      const st = extState.get(this);
      if (!st) throw new TypeError('Illegal invocation');
      requiredArgs(1, args.length, "Failed to execute 'waitUntil' on 'ExtendableEvent'");
      const f = args[0];
      // ExtendableEvent.waitUntil steps 1-2: untrusted or inactive → InvalidStateError.
      if (!this.isTrusted) throw new DOMException("Failed to execute 'waitUntil' on 'ExtendableEvent': The event handler is not trusted.", 'InvalidStateError');
      if (!(st.pending > 0 || (st.flags & DISPATCHING)) || (st.flags & TIMED_OUT)) throw new DOMException("Failed to execute 'waitUntil' on 'ExtendableEvent': The event handler is already finished.", 'InvalidStateError');
      addLifetimePromise(st, Promise.resolve(f));
    }
  }
  // Add lifetime promise p: lifetimeSettled runs upon its fulfillment or
  // rejection.
  function addLifetimePromise(st, p) {
    st.pending++;
    st.extended++;
    p.then(() => lifetimeSettled(st, true, undefined), (e) => lifetimeSettled(st, false, e));
  }
  const resolvedPromise = Promise.resolve();
  function lifetimeSettled(st, ok, reason) {
    if (!ok) { if (st.reasons === null) st.reasons = []; st.reasons.push(reason); }
    // "Upon fulfillment or rejection of f, queue a microtask to decrement pending promises count".
    resolvedPromise.then(() => {
      st.pending--;
      if (st.pending === 0 && !(st.flags & DISPATCHING)) lifetimeEnded(st);
    });
  }
  // lifetimeEnded tells the host that the extend lifetime of the event it
  // dispatched as st.id ended: ops.eventDone(id, rejected, reasons,
  // extended, thrown), thrown what its listeners threw (null: nothing).
  function lifetimeEnded(st) {
    const id = st.id;
    if (id === 0) return;
    st.id = 0;
    ops.eventDone(id, st.reasons !== null, st.reasons === null ? null : st.reasons.map(internals.describeError), st.extended, st.thrown);
  }
  // While the host's functional event is dispatched, the exceptions its
  // listeners throw (reported as always) are also noted in thrown.
  let thrown = null;
  const reportException = internals.reportException;
  internals.reportException = (e) => {
    if (thrown !== null) thrown.push(internals.describeError(e));
    reportException(e);
  };
  Object.defineProperty(ExtendableEvent.prototype.waitUntil, 'length', { value: 1 });
  expose(ExtendableEvent, 'ExtendableEvent', { global: isWorker });

  // dispatchFunctional fires a trusted extendable event at target; the host
  // hears ops.eventDone(id, ...) once its extend lifetime promises settle.
  internals.dispatchFunctional = (target, event, id) => {
    const st = extState.get(event);
    if (!st) throw new TypeError(`dispatchFunctional: ${Object.prototype.toString.call(event)} is not an ExtendableEvent of this realm (${event instanceof ExtendableEvent})`);
    st.id = id;
    st.flags |= DISPATCHING;
    const outer = thrown;
    thrown = [];
    try {
      dispatchTrusted(target, event);
    } finally {
      st.flags &= ~DISPATCHING;
      if (thrown.length) st.thrown = thrown;
      thrown = outer;
    }
    if (st.pending === 0) lifetimeEnded(st);
  };
  internals.markTimedOut = (event) => { const st = extState.get(event); if (st) st.flags |= TIMED_OUT; };
  internals.describeError = (e) => {
    try {
      if (e && typeof e === 'object' && 'message' in e) return `${e.name || 'Error'}: ${e.message}`;
      return String(e);
    } catch (_) { return 'unknown error'; }
  };
  internals.ExtendableEventState = extState;

  const msgState = new WeakMap();
  class ExtendableMessageEvent extends ExtendableEvent {
    constructor(type, eventInitDict) {
      requiredArgs(1, arguments.length, "Failed to construct 'ExtendableMessageEvent'");
      super(type, eventInitDict);
      const init = idl.dictionary(eventInitDict);
      msgState.set(this, {
        data: init.data === undefined ? null : init.data,
        origin: init.origin === undefined ? '' : idl.USVString(init.origin),
        lastEventId: init.lastEventId === undefined ? '' : idl.DOMString(init.lastEventId),
        source: init.source === undefined ? null : init.source,
        ports: Object.freeze(init.ports === undefined ? [] : [...init.ports]),
      });
    }
    get data() { return ms(this).data; }
    get origin() { return ms(this).origin; }
    get lastEventId() { return ms(this).lastEventId; }
    get source() { return ms(this).source; }
    get ports() { return ms(this).ports; }
  }
  function ms(e) { const s = msgState.get(e); if (!s) throw new TypeError('Illegal invocation'); return s; }
  expose(ExtendableMessageEvent, 'ExtendableMessageEvent', { global: isWorker });

  // PushMessageData / PushEvent (Push API).
  const pushData = new WeakMap();
  class PushMessageData {
    constructor() { illegalConstructor(); }
    arrayBuffer() { return pushData.get(this).slice().buffer; }
    bytes() { return pushData.get(this).slice(); }
    blob() { return new Blob([pushData.get(this)]); }
    json() { return JSON.parse(this.text()); }
    text() { return new TextDecoder().decode(pushData.get(this)); }
  }
  expose(PushMessageData, 'PushMessageData', { global: isWorker });
  const pushState = new WeakMap();
  function toPushBytes(v) {
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return new TextEncoder().encode(v);
    if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    return new TextEncoder().encode(idl.USVString(v));
  }
  class PushEvent extends ExtendableEvent {
    constructor(type, eventInitDict) {
      requiredArgs(1, arguments.length, "Failed to construct 'PushEvent'");
      super(type, eventInitDict);
      const init = idl.dictionary(eventInitDict);
      const bytes = toPushBytes(init.data);
      let data = null;
      if (bytes) { data = Object.create(PushMessageData.prototype); pushData.set(data, bytes); }
      pushState.set(this, data);
    }
    get data() { if (!pushState.has(this)) throw new TypeError('Illegal invocation'); return pushState.get(this); }
  }
  expose(PushEvent, 'PushEvent', { global: isWorker });

  // ---- FetchEvent (worker realm) ---------------------------------------------
  // Its state is the ExtendableEvent state's fetch member. A FetchEvent the
  // host fires (internals.dispatchFetch) has host, the host's handle of the
  // fetch: its request is made from it when first read, and the outcome of
  // respondWith goes to ops.fetchAnswer(host, kind, response) (the
  // ANSWERED flag: the handled promise is resolved). handled is { promise,
  // resolve } once read.
  const newFetchState = (request, host, clientId, resultingClientId, replacesClientId, preloadResponse) =>
    ({ request, host, clientId, resultingClientId, replacesClientId, preloadResponse, handled: null });
  // fs returns the ExtendableEvent state of a FetchEvent.
  function fs(e) { const s = extState.get(e); if (!s || s.fetch === null) throw new TypeError('Illegal invocation'); return s; }
  class FetchEvent extends ExtendableEvent {
    constructor(type, eventInitDict) {
      requiredArgs(2, arguments.length, "Failed to construct 'FetchEvent'");
      super(type, eventInitDict);
      const init = idl.dictionary(eventInitDict);
      if (!('request' in init) || !(init.request instanceof internals.Request)) {
        throw new TypeError("Failed to construct 'FetchEvent': required member request is undefined or not of type 'Request'.");
      }
      // handled and preloadResponse are made when first read.
      extState.get(this).fetch = newFetchState(init.request, null,
        init.clientId === undefined ? '' : idl.DOMString(init.clientId),
        init.resultingClientId === undefined ? '' : idl.DOMString(init.resultingClientId),
        init.replacesClientId === undefined ? '' : idl.DOMString(init.replacesClientId),
        init.preloadResponse === undefined ? null : init.preloadResponse);
    }
    get request() {
      const f = fs(this).fetch;
      if (f.request === null) f.request = ops.fetchRequest(f.host);
      return f.request;
    }
    get clientId() { return fs(this).fetch.clientId; }
    get resultingClientId() { return fs(this).fetch.resultingClientId; }
    get replacesClientId() { return fs(this).fetch.replacesClientId; }
    get preloadResponse() { const f = fs(this).fetch; if (f.preloadResponse === null) f.preloadResponse = Promise.resolve(undefined); return f.preloadResponse; }
    get handled() {
      const s = fs(this), f = s.fetch;
      if (f.handled === null) {
        const h = { promise: null, resolve: null };
        h.promise = (s.flags & ANSWERED) ? Promise.resolve(undefined) : new Promise((res) => { h.resolve = res; });
        f.handled = h;
      }
      return f.handled.promise;
    }
    respondWith(...args) { // (a rest parameter: cheaper than arguments here)
      const s = fs(this);
      if (args.length < 1) requiredArgs(1, args.length, "Failed to execute 'respondWith' on 'FetchEvent'");
      const r = args[0];
      // respondWith steps 1-2: dispatch flag unset or respond-with entered
      // flag set → InvalidStateError.
      if (!eventDispatching(this)) throw new DOMException("Failed to execute 'respondWith' on 'FetchEvent': The event handler is already finished.", 'InvalidStateError');
      if (s.flags & RESPOND_WITH_ENTERED) throw new DOMException("Failed to execute 'respondWith' on 'FetchEvent': The event has already been responded to.", 'InvalidStateError');
      // 3. Add lifetime promise r (its reactions below: lifetimeSettled
      // first, as a reaction of its own would run); 4. set the stop
      // propagation and stop immediate propagation flags; 5-6. set the
      // respond-with entered and wait to respond flags.
      const p = Promise.resolve(r);
      s.pending++;
      s.extended++;
      stopImmediatePropagation(this);
      s.flags |= RESPOND_WITH_ENTERED;
      p.then((resp) => {
        lifetimeSettled(s, true, undefined);
        // "If response is not a Response object, or its body is disturbed
        // or locked, then set respond-with error flag" (a network error).
        if (!(resp instanceof internals.Response)) {
          internals.reportException(new TypeError(`Failed to execute 'respondWith' on 'FetchEvent': The promise resolved with a value that is not a Response (${internals.inspect(resp)}).`));
          fetchAnswer(s, 'error', null);
        } else if (resp.bodyUsed) {
          internals.reportException(new TypeError("Failed to execute 'respondWith' on 'FetchEvent': The response body is already used."));
          fetchAnswer(s, 'error', null);
        } else {
          fetchAnswer(s, 'response', resp);
        }
      }, (e) => {
        lifetimeSettled(s, false, e);
        internals.reportException(e);
        fetchAnswer(s, 'error', null);
      });
    }
  }
  Object.defineProperty(FetchEvent.prototype.respondWith, 'length', { value: 1 });
  expose(FetchEvent, 'FetchEvent', { global: isWorker });
  // fetchAnswer tells the host the outcome of the fetch event it fired,
  // 'none' | 'response' | 'error', once, and resolves handled.
  function fetchAnswer(s, kind, resp) {
    const f = s.fetch;
    if (f.host === null || (s.flags & ANSWERED)) return; // not one the host fired
    s.flags |= ANSWERED;
    if (f.handled !== null && f.handled.resolve !== null) f.handled.resolve();
    ops.fetchAnswer(f.host, kind, resp);
  }
  // dispatchFetch creates and fires the FetchEvent of Handle Fetch (one
  // call from the host: the engine's stack starts afresh with each). The
  // event is what `new FetchEvent('fetch', { request, clientId,
  // resultingClientId, cancelable: true })` makes, trusted, its request
  // made from host when first read. The outcome goes to ops.fetchAnswer as
  // soon as it is known, the end of the extend lifetime to
  // ops.eventDone(id, ...).
  internals.dispatchFetch = (host, clientId, resultingClientId, id) => {
    const event = createEvent(FetchEvent, 'fetch', true);
    const s = newExtState();
    s.fetch = newFetchState(null, host, clientId, resultingClientId, '', null);
    s.id = id;
    extState.set(event, s);
    s.flags |= DISPATCHING;
    let notCanceled;
    try { notCanceled = dispatch(global, event); } finally { s.flags &= ~DISPATCHING; }
    // Handle Fetch: no respondWith → the network, unless the event was
    // canceled (a network error).
    if (!(s.flags & RESPOND_WITH_ENTERED)) fetchAnswer(s, notCanceled ? 'none' : 'error', null);
    if (s.pending === 0) lifetimeEnded(s);
  };

  // ---- Clients (worker realm) ----------------------------------------------
  const clientState = new WeakMap();
  function cs(c) { const s = clientState.get(c); if (!s) throw new TypeError('Illegal invocation'); return s; }
  class Client {
    constructor() { illegalConstructor(); }
    get url() { return cs(this).url; }
    get frameType() { return cs(this).frameType; }
    get id() { return cs(this).id; }
    get type() { return cs(this).type; }
    postMessage(message, options) {
      const s = cs(this);
      requiredArgs(1, arguments.length, "Failed to execute 'postMessage' on 'Client'");
      let transfer = [];
      if (Array.isArray(options)) transfer = options;
      else if (options !== undefined && options !== null) transfer = idl.dictionary(options).transfer || [];
      ops.postToClient(s.id, message, transfer);
    }
  }
  expose(Client, 'Client', { global: isWorker });
  class WindowClient extends Client {
    get visibilityState() { return cs(this).visibilityState; }
    get focused() { return cs(this).focused; }
    get ancestorOrigins() { return Object.freeze([...(cs(this).ancestorOrigins || [])]); }
    focus() {
      const s = cs(this);
      return ops.clientFocus(s.id).then(makeClient);
    }
    navigate(url) {
      const s = cs(this);
      requiredArgs(1, arguments.length, "Failed to execute 'navigate' on 'WindowClient'");
      return ops.clientNavigate(s.id, idl.USVString(url)).then(d => d ? makeClient(d) : null);
    }
  }
  expose(WindowClient, 'WindowClient', { global: isWorker });
  function makeClient(desc) {
    if (!desc) return undefined;
    const c = Object.create((desc.type === 'window' ? WindowClient : Client).prototype);
    clientState.set(c, desc);
    return c;
  }
  internals.makeClient = makeClient;

  class Clients {
    constructor() { illegalConstructor(); }
    get(id) {
      requiredArgs(1, arguments.length, "Failed to execute 'get' on 'Clients'");
      return ops.clientsGet(idl.DOMString(id)).then(makeClient);
    }
    matchAll(options) {
      const o = idl.dictionary(options);
      const type = o.type === undefined ? 'window' : idl.enumeration(o.type, ['window', 'worker', 'sharedworker', 'all'], 'ClientType');
      return ops.clientsMatchAll(!!o.includeUncontrolled, type).then(list => list.map(makeClient));
    }
    openWindow(url) {
      requiredArgs(1, arguments.length, "Failed to execute 'openWindow' on 'Clients'");
      return ops.clientsOpenWindow(idl.USVString(url)).then(d => d ? makeClient(d) : null);
    }
    claim() { return ops.clientsClaim(); }
  }
  expose(Clients, 'Clients', { global: isWorker });

  // ---- ServiceWorkerContainer (window realm) --------------------------------
  class ServiceWorkerContainer extends EventTarget {
    constructor() { if (!constructing) illegalConstructor(); super(); }
    get controller() { return priv(this, ServiceWorkerContainer).controller; }
    get ready() {
      const s = priv(this, ServiceWorkerContainer);
      if (!s.ready) s.ready = ops.ready().then(getRegistration);
      return s.ready;
    }
    register(scriptURL, options) {
      priv(this, ServiceWorkerContainer);
      requiredArgs(1, arguments.length, "Failed to execute 'register' on 'ServiceWorkerContainer'");
      scriptURL = idl.USVString(scriptURL);
      const o = idl.dictionary(options);
      const scope = o.scope === undefined ? null : idl.USVString(o.scope);
      const type = o.type === undefined ? 'classic' : idl.enumeration(o.type, ['classic', 'module'], 'WorkerType');
      const updateViaCache = o.updateViaCache === undefined ? 'imports' : idl.enumeration(o.updateViaCache, ['imports', 'all', 'none'], 'ServiceWorkerUpdateViaCache');
      return ops.register(scriptURL, scope, type, updateViaCache).then(getRegistration);
    }
    getRegistration(clientURL = '') {
      priv(this, ServiceWorkerContainer);
      return ops.getRegistration(idl.USVString(clientURL)).then(getRegistration);
    }
    getRegistrations() {
      priv(this, ServiceWorkerContainer);
      return ops.getRegistrations().then(list => list.map(getRegistration));
    }
    startMessages() { priv(this, ServiceWorkerContainer); ops.startMessages(); }
  }
  defineEventHandler(ServiceWorkerContainer.prototype, 'controllerchange');
  defineEventHandler(ServiceWorkerContainer.prototype, 'message', () => ops.startMessages());
  defineEventHandler(ServiceWorkerContainer.prototype, 'messageerror');
  expose(ServiceWorkerContainer, 'ServiceWorkerContainer', { global: !isWorker });

  // ---- globals ---------------------------------------------------------------
  if (isWorker) {
    // WorkerGlobalScope ← ServiceWorkerGlobalScope; the global object's
    // prototype chain is ServiceWorkerGlobalScope.prototype → … → EventTarget.
    class WorkerGlobalScope extends EventTarget { constructor() { illegalConstructor(); super(); } }
    class ServiceWorkerGlobalScope extends WorkerGlobalScope {
      get clients() { return clientsObj; }
      get registration() { return selfRegistration; }
      get serviceWorker() { return selfWorker; }
      skipWaiting() { return ops.skipWaiting(); }
    }
    for (const t of ['install', 'activate', 'fetch', 'message', 'messageerror', 'push', 'pushsubscriptionchange', 'notificationclick', 'notificationclose', 'sync']) {
      defineEventHandler(ServiceWorkerGlobalScope.prototype, t);
    }
    defineEventHandler(WorkerGlobalScope.prototype, 'error');
    defineEventHandler(WorkerGlobalScope.prototype, 'unhandledrejection');
    defineEventHandler(WorkerGlobalScope.prototype, 'rejectionhandled');
    expose(WorkerGlobalScope, 'WorkerGlobalScope');
    expose(ServiceWorkerGlobalScope, 'ServiceWorkerGlobalScope');
    internals.ServiceWorkerGlobalScope = ServiceWorkerGlobalScope;
    const clientsObj = Object.create(Clients.prototype);
    const selfDesc = ops.selfDescriptor();
    const selfRegistration = getRegistration(selfDesc.registration);
    const selfWorker = getWorker(selfDesc.worker);
    makeEventTarget(global);
    Object.setPrototypeOf(global, ServiceWorkerGlobalScope.prototype);
    global.importScripts = function importScripts(...urls) {
      const list = urls.map(u => idl.USVString(u));
      for (const src of ops.importScripts(list)) {
        ops.evalScript(src.url, src.source);
      }
    };
    // Track which functional events have listeners at initial evaluation
    // (the worker's "set of event types to handle").
    internals.onListenerAdded = (target, type) => { if (target === global) ops.listenerAdded(type); };
  } else {
    constructing = true;
    let container;
    try { container = new ServiceWorkerContainer(); } finally { constructing = false; }
    define(container, { controller: getWorker(ops.controllerDescriptor()), ready: null });
    internals.swContainer = container;
    internals.swSetController = (desc) => {
      container[KEY].controller = getWorker(desc);
      dispatchTrusted(container, new Event('controllerchange'));
    };
    internals.swContainerMessage = (event) => dispatchTrusted(container, event);
    class Navigator { constructor() { illegalConstructor(); } }
    const nav = Object.create(Navigator.prototype);
    const isNav = (o) => { if (o !== nav) throw new TypeError('Illegal invocation'); };
    internals.defineNavigatorID(Navigator.prototype, isNav);
    Object.defineProperty(Navigator.prototype, 'serviceWorker', { get() { isNav(this); return container; }, enumerable: true, configurable: true });
    expose(Navigator, 'Navigator');
    Object.defineProperty(global, 'navigator', { get() { return nav; }, enumerable: true, configurable: true });
    internals.navigator = nav;
    class Window extends EventTarget { constructor() { illegalConstructor(); super(); } }
    expose(Window, 'Window');
    makeEventTarget(global);
    Object.setPrototypeOf(global, Window.prototype);
    Object.defineProperty(global, 'window', { get() { return global; }, enumerable: true, configurable: true });
    global.document = { visibilityState: 'visible', hidden: false, readyState: 'complete', title: '' };
  }
  if (isWorker) {
    class WorkerNavigator { constructor() { illegalConstructor(); } }
    const nav = Object.create(WorkerNavigator.prototype);
    internals.defineNavigatorID(WorkerNavigator.prototype, (o) => { if (o !== nav) throw new TypeError('Illegal invocation'); });
    expose(WorkerNavigator, 'WorkerNavigator');
    Object.defineProperty(global, 'navigator', { get() { return nav; }, enumerable: true, configurable: true });
    internals.navigator = nav;
  }
})
