(function (ops, internals, global) {
  'use strict';
  const { expose, idl, requiredArgs, defineEventHandler, dispatchTrusted, makeEventTarget, illegalConstructor } = internals;
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
  const extState = new WeakMap();
  class ExtendableEvent extends Event {
    constructor(type, eventInitDict) {
      requiredArgs(1, arguments.length, "Failed to construct 'ExtendableEvent'");
      super(type, eventInitDict);
      extState.set(this, { pending: 0, dispatching: false, rejected: false, reasons: [], waiters: [], timedOut: false, extended: 0 });
    }
    waitUntil(f) {
      const st = extState.get(this);
      if (!st) throw new TypeError('Illegal invocation');
      requiredArgs(1, arguments.length, "Failed to execute 'waitUntil' on 'ExtendableEvent'");
      // ExtendableEvent.waitUntil steps 1-2: untrusted or inactive → InvalidStateError.
      if (!this.isTrusted) throw new DOMException("Failed to execute 'waitUntil' on 'ExtendableEvent': The event handler is not trusted.", 'InvalidStateError');
      if (!(st.pending > 0 || st.dispatching) || st.timedOut) throw new DOMException("Failed to execute 'waitUntil' on 'ExtendableEvent': The event handler is already finished.", 'InvalidStateError');
      addLifetimePromise(st, Promise.resolve(f));
    }
  }
  function addLifetimePromise(st, p) {
    st.pending++;
    st.extended++;
    const settle = (ok, reason) => {
      // "Upon fulfillment or rejection of f, queue a microtask to decrement pending promises count".
      Promise.resolve().then(() => {
        if (!ok) { st.rejected = true; st.reasons.push(reason); }
        st.pending--;
        if (st.pending === 0 && !st.dispatching) finish(st);
      });
    };
    p.then(() => settle(true), (e) => settle(false, e));
  }
  function finish(st) {
    const waiters = st.waiters; st.waiters = [];
    for (const w of waiters) w();
  }
  expose(ExtendableEvent, 'ExtendableEvent', { global: isWorker });

  // dispatchFunctional fires a trusted extendable event at target and calls
  // done(rejected, reasons, extended) once its extend lifetime promises settle.
  internals.dispatchFunctional = (target, event, done) => {
    const st = extState.get(event);
    if (!st) throw new TypeError(`dispatchFunctional: ${Object.prototype.toString.call(event)} is not an ExtendableEvent of this realm (${event instanceof ExtendableEvent})`);
    st.dispatching = true;
    try { dispatchTrusted(target, event); } finally { st.dispatching = false; }
    const report = () => done(st.rejected, st.reasons.map(internals.describeError), st.extended);
    if (st.pending === 0) report(); else st.waiters.push(report);
  };
  internals.markTimedOut = (event) => { const st = extState.get(event); if (st) st.timedOut = true; };
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
  const fetchState = new WeakMap();
  function fs(e) { const s = fetchState.get(e); if (!s) throw new TypeError('Illegal invocation'); return s; }
  class FetchEvent extends ExtendableEvent {
    constructor(type, eventInitDict) {
      requiredArgs(2, arguments.length, "Failed to construct 'FetchEvent'");
      super(type, eventInitDict);
      const init = idl.dictionary(eventInitDict);
      if (!('request' in init) || !(init.request instanceof internals.Request)) {
        throw new TypeError("Failed to construct 'FetchEvent': required member request is undefined or not of type 'Request'.");
      }
      // handled and preloadResponse are made when first read.
      fetchState.set(this, {
        request: init.request,
        clientId: init.clientId === undefined ? '' : idl.DOMString(init.clientId),
        resultingClientId: init.resultingClientId === undefined ? '' : idl.DOMString(init.resultingClientId),
        replacesClientId: init.replacesClientId === undefined ? '' : idl.DOMString(init.replacesClientId),
        preloadResponse: init.preloadResponse === undefined ? null : init.preloadResponse,
        handled: null, handledResolve: null, isHandled: false,
        respondWithEntered: false, onResponse: null,
      });
    }
    get request() { return fs(this).request; }
    get clientId() { return fs(this).clientId; }
    get resultingClientId() { return fs(this).resultingClientId; }
    get replacesClientId() { return fs(this).replacesClientId; }
    get preloadResponse() { const s = fs(this); if (s.preloadResponse === null) s.preloadResponse = Promise.resolve(undefined); return s.preloadResponse; }
    get handled() {
      const s = fs(this);
      if (s.handled === null) s.handled = s.isHandled ? Promise.resolve(undefined) : new Promise((res) => { s.handledResolve = res; });
      return s.handled;
    }
    respondWith(r) {
      const s = fs(this);
      requiredArgs(1, arguments.length, "Failed to execute 'respondWith' on 'FetchEvent'");
      const st = extState.get(this);
      // respondWith steps 1-2: dispatch flag unset or respond-with entered
      // flag set → InvalidStateError.
      if (!internals.eventDispatching(this)) throw new DOMException("Failed to execute 'respondWith' on 'FetchEvent': The event handler is already finished.", 'InvalidStateError');
      if (s.respondWithEntered) throw new DOMException("Failed to execute 'respondWith' on 'FetchEvent': The event has already been responded to.", 'InvalidStateError');
      // 3. Add lifetime promise r; 4. set stop propagation flags; 5-6. set
      // respond-with entered and wait to respond flags.
      const p = Promise.resolve(r);
      addLifetimePromise(st, p);
      this.stopImmediatePropagation();
      s.respondWithEntered = true;
      p.then((resp) => {
        // "If response is not a Response object, or its body is disturbed
        // or locked, then set respond-with error flag" (a network error).
        if (!(resp instanceof internals.Response)) {
          internals.reportException(new TypeError(`Failed to execute 'respondWith' on 'FetchEvent': The promise resolved with a value that is not a Response (${internals.inspect(resp)}).`));
          s.onResponse('error', null);
        } else if (resp.bodyUsed) {
          internals.reportException(new TypeError("Failed to execute 'respondWith' on 'FetchEvent': The response body is already used."));
          s.onResponse('error', null);
        } else {
          s.onResponse('response', resp);
        }
      }, (e) => {
        internals.reportException(e);
        s.onResponse('error', null);
      });
    }
  }
  expose(FetchEvent, 'FetchEvent', { global: isWorker });
  // dispatchFetch fires a FetchEvent; onResponse('none'|'response'|'error',
  // response) is called as soon as the outcome is known, done(...) when the
  // lifetime ends.
  internals.dispatchFetch = (event, onResponse, done) => {
    const s = fs(event);
    let answered = false;
    s.onResponse = (kind, resp) => {
      if (answered) return;
      answered = true;
      s.isHandled = true;
      if (s.handledResolve) s.handledResolve();
      onResponse(kind, resp);
    };
    internals.dispatchFunctional(global, event, done);
    if (!s.respondWithEntered) s.onResponse(event.defaultPrevented ? 'error' : 'none', null);
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
