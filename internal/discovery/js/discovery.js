(function (ops, internals, global) {
  'use strict';
  const { expose, idl, requiredArgs, illegalConstructor, defineEventHandler, dispatchTrusted } = internals;
  const isWorker = ops.realmKind() === 'worker';
  const promised = (f) => { try { return Promise.resolve(f()); } catch (e) { return Promise.reject(e); } };

  // ---- ServiceWorkerDiscovery (Cross-Origin Service Workers draft) ---------
  const state = new WeakMap();
  const byID = new Map();
  let constructing = false;
  class ServiceWorkerDiscovery extends EventTarget {
    constructor() { if (!constructing) illegalConstructor(); super(); }
  }
  defineEventHandler(ServiceWorkerDiscovery.prototype, 'updatefound');
  expose(ServiceWorkerDiscovery, 'ServiceWorkerDiscovery');
  // [Unforgeable] readonly attribute ServiceWorker? active: an own,
  // non-configurable accessor on each instance.
  const activeGetter = { get active() { const s = state.get(this); if (!s) throw new TypeError('Illegal invocation'); return s.active; } };
  const activeDesc = Object.getOwnPropertyDescriptor(activeGetter, 'active');
  function makeDiscovery(r) {
    constructing = true;
    let d;
    try { d = new ServiceWorkerDiscovery(); } finally { constructing = false; }
    const active = r.sameOrigin ? internals.getWorker(r.worker) : foreignWorker(r.instance, r.scriptURL, r.state);
    state.set(d, { id: r.id, sameOrigin: r.sameOrigin, active });
    Object.defineProperty(d, 'active', { get: activeDesc.get, enumerable: true, configurable: false });
    byID.set(r.id, d);
    return d;
  }

  // A foreign instance of ServiceWorker: scriptURL, state, onstatechange
  // and postMessage, nothing that leads to the registration or its clients.
  const foreign = new Map(); // instance id → ServiceWorker
  function foreignWorker(instance, scriptURL, st) {
    const w = internals.newForeignWorker(scriptURL, st, {
      postMessage(message, transfer) { ops.discPost(instance, message, transfer); },
    });
    foreign.set(instance, w);
    return w;
  }

  internals.discUpdateFound = (id) => { const d = byID.get(id); if (d) dispatchTrusted(d, new Event('updatefound')); };
  internals.discSetActive = (id, desc) => {
    const d = byID.get(id);
    if (!d) return;
    const s = state.get(d);
    if (s.sameOrigin) s.active = internals.getWorker(desc);
  };
  internals.discForeignState = (instance, st) => { const w = foreign.get(instance); if (w) internals.setForeignState(w, st); };
  // A reply from the discovered worker: a message event whose source is the
  // foreign instance, at navigator.serviceWorker (pages) or the global
  // (workers).
  internals.discMessage = (instance, makeEvent) => {
    const w = foreign.get(instance);
    if (!w) return;
    const ev = makeEvent(w);
    if (isWorker) dispatchTrusted(global, ev); else dispatchTrusted(internals.swContainer, ev);
  };

  function discover(scriptURL) {
    const n = arguments.length;
    return promised(() => {
      requiredArgs(1, n, "Failed to execute 'discover'");
      return ops.discover(idl.USVString(scriptURL)).then(makeDiscovery);
    });
  }

  // ---- foreign clients (worker side) ----------------------------------------
  const clientState = new WeakMap();
  class ForeignClient {
    constructor() { illegalConstructor(); }
    get id() { return cs(this).id; }
    get type() { return cs(this).type; }
    get origin() { return cs(this).origin; }
    postMessage(message, options) {
      const s = cs(this);
      requiredArgs(1, arguments.length, "Failed to execute 'postMessage' on 'ForeignClient'");
      ops.discReply(s.instance, message, internals.transferList ? internals.transferList(options, "Failed to execute 'postMessage' on 'ForeignClient'") : []);
    }
  }
  function cs(c) { const s = clientState.get(c); if (!s) throw new TypeError('Illegal invocation'); return s; }
  const clients = new Map();
  internals.makeForeignClient = (instance, id, type, origin) => {
    let c = clients.get(instance);
    if (!c) {
      c = Object.create(ForeignClient.prototype);
      clientState.set(c, { instance, id, type, origin });
      clients.set(instance, c);
    }
    return c;
  };

  if (isWorker) {
    expose(ForeignClient, 'ForeignClient');
    const proto = internals.ServiceWorkerGlobalScope.prototype;
    const methods = {
      publish(options) {
        return promised(() => {
          const o = idl.dictionary(options);
          let origins = null;
          if (o.origins !== undefined) origins = idl.sequence(o.origins, idl.USVString, "Failed to execute 'publish': member origins");
          return ops.publish(origins);
        });
      },
      unpublish() { return promised(() => ops.unpublish()); },
      // Beyond the draft: a service worker may discover another origin's
      // published worker under the same grant rules.
      discover(scriptURL) { return discover.apply(this, arguments); },
    };
    for (const [name, f] of Object.entries(methods)) {
      Object.defineProperty(proto, name, { value: f, writable: true, enumerable: true, configurable: true });
    }
  } else {
    Object.defineProperty(internals.ServiceWorkerContainer.prototype, 'discover', {
      value: function discoverMethod(scriptURL) { return discover.apply(this, arguments); },
      writable: true, enumerable: true, configurable: true,
    });
  }
})
