(function (ops, internals, global) {
  'use strict';
  const { expose, idl, requiredArgs, illegalConstructor } = internals;
  const Request = internals.Request, Response = internals.Response;
  const fetch = internals.fetch || global.fetch;
  const cacheIds = new WeakMap();
  function cid(c) { const id = cacheIds.get(c); if (id === undefined) throw new TypeError('Illegal invocation'); return id; }
  // A string is handed to the native side as it is: it parses it against
  // the API base URL exactly as new Request(input) would (same TypeErrors)
  // and makes the GET request with no headers that constructor makes,
  // without building a Request object.
  function query(input) { return typeof input === 'string' || input instanceof Request ? input : new Request(input); }
  function toRequest(input) { return input instanceof Request ? input : new Request(input); }
  function queryOptions(o) {
    o = idl.dictionary(o);
    return { ignoreSearch: !!o.ignoreSearch, ignoreMethod: !!o.ignoreMethod, ignoreVary: !!o.ignoreVary };
  }
  // Run a step that may throw synchronously as part of a promise-returning
  // method: WebIDL turns the exception into a rejection.
  const promised = (f) => { try { return Promise.resolve(f()); } catch (e) { return Promise.reject(e); } };
  function isHTTP(url) { return /^https?:/i.test(url); }
  function varyStar(resp) {
    const v = resp.headers.get('Vary');
    return v !== null && v.split(',').some(f => f.trim() === '*');
  }

  class Cache {
    constructor() { illegalConstructor(); }
    // match is the hot path of every worker: a rest parameter (cheaper than
    // arguments here; length set below), options converted in Go, the
    // response returned directly.
    match(...args) {
      try {
        const id = cid(this);
        if (args.length < 1) requiredArgs(1, args.length, "Failed to execute 'match' on 'Cache'");
        return ops.cacheMatch(id, query(args[0]), args[1]);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    matchAll(request, options) {
      const id = cid(this);
      return promised(() => ops.cacheMatchAll(id, request === undefined ? null : query(request), queryOptions(options), 0));
    }
    // add, addAll, put and delete: rest parameters too (lengths set below).
    add(...args) {
      cid(this);
      requiredArgs(1, args.length, "Failed to execute 'add' on 'Cache'");
      return this.addAll([args[0]]).then(() => undefined);
    }
    addAll(...args) {
      const id = cid(this);
      requiredArgs(1, args.length, "Failed to execute 'addAll' on 'Cache'");
      const requests = args[0];
      return promised(() => {
        // addAll steps: each request must be http(s) and GET.
        const list = idl.sequence(requests, toRequest, "Failed to execute 'addAll' on 'Cache': parameter 1");
        for (const r of list) {
          if (!isHTTP(r.url)) throw new TypeError(`Failed to execute 'addAll' on 'Cache': Request scheme '${r.url.split(':')[0]}' is unsupported`);
          if (r.method !== 'GET') throw new TypeError(`Failed to execute 'addAll' on 'Cache': Request method '${r.method}' is unsupported`);
        }
        // Fetch them all; any failure rejects and nothing is stored.
        return Promise.all(list.map(r => fetch(r).then((resp) => {
          if (resp.type === 'error' || !resp.ok || resp.status === 206) {
            throw new TypeError(`Failed to execute 'addAll' on 'Cache': Request failed (${r.url} answered ${resp.status}${resp.type === 'opaque' ? ', an opaque response' : ''})`);
          }
          if (varyStar(resp)) throw new TypeError("Failed to execute 'addAll' on 'Cache': Vary header contains *");
          return resp;
        }))).then(resps => ops.cachePutAll(id, list, resps));
      });
    }
    put(...args) {
      const id = cid(this);
      requiredArgs(2, args.length, "Failed to execute 'put' on 'Cache'");
      const request = args[0], response = args[1];
      return promised(() => {
        const r = query(request);
        if (!(response instanceof Response)) throw new TypeError("Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'.");
        // put step 9: a disturbed or locked body is a TypeError.
        if (response.bodyUsed) throw new TypeError("Failed to execute 'put' on 'Cache': Response body is already used");
        const p = ops.cachePutAll(id, [r], [response]);
        // The response's body is read by put.
        response.arrayBuffer().catch(() => {});
        return p;
      });
    }
    delete(...args) {
      const id = cid(this);
      requiredArgs(1, args.length, "Failed to execute 'delete' on 'Cache'");
      const request = args[0], options = args.length > 1 ? args[1] : undefined;
      return promised(() => ops.cacheDelete(id, query(request), queryOptions(options)));
    }
    keys(request, options) {
      const id = cid(this);
      return promised(() => ops.cacheKeys(id, request === undefined ? null : query(request), queryOptions(options)));
    }
  }
  Object.defineProperty(Cache.prototype.match, 'length', { value: 1 });
  Object.defineProperty(Cache.prototype.add, 'length', { value: 1 });
  Object.defineProperty(Cache.prototype.addAll, 'length', { value: 1 });
  Object.defineProperty(Cache.prototype.put, 'length', { value: 2 });
  Object.defineProperty(Cache.prototype.delete, 'length', { value: 1 });
  expose(Cache, 'Cache');

  // A Cache object for the cache id the native side opened.
  const makeCache = (id) => {
    const c = Object.create(Cache.prototype);
    cacheIds.set(c, id);
    return c;
  };
  const storageBrand = new WeakSet();
  class CacheStorage {
    constructor() { illegalConstructor(); }
    match(...args) {
      try {
        if (!storageBrand.has(this)) throw new TypeError('Illegal invocation');
        if (args.length < 1) requiredArgs(1, args.length, "Failed to execute 'match' on 'CacheStorage'");
        return ops.cachesMatch(query(args[0]), args[1]);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    has(...args) { // (has and delete: rest parameters too; lengths set below)
      if (!storageBrand.has(this)) throw new TypeError('Illegal invocation');
      requiredArgs(1, args.length, "Failed to execute 'has' on 'CacheStorage'");
      const cacheName = args[0];
      return promised(() => ops.cachesHas(idl.DOMString(cacheName)));
    }
    open(...args) {
      try {
        if (!storageBrand.has(this)) throw new TypeError('Illegal invocation');
        if (args.length < 1) requiredArgs(1, args.length, "Failed to execute 'open' on 'CacheStorage'");
        return ops.cachesOpen(idl.DOMString(args[0]), makeCache);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    delete(...args) {
      if (!storageBrand.has(this)) throw new TypeError('Illegal invocation');
      requiredArgs(1, args.length, "Failed to execute 'delete' on 'CacheStorage'");
      const cacheName = args[0];
      return promised(() => ops.cachesDelete(idl.DOMString(cacheName)));
    }
    keys() {
      if (!storageBrand.has(this)) throw new TypeError('Illegal invocation');
      return ops.cachesKeys();
    }
  }
  Object.defineProperty(CacheStorage.prototype.match, 'length', { value: 1 });
  Object.defineProperty(CacheStorage.prototype.open, 'length', { value: 1 });
  Object.defineProperty(CacheStorage.prototype.has, 'length', { value: 1 });
  Object.defineProperty(CacheStorage.prototype.delete, 'length', { value: 1 });
  expose(CacheStorage, 'CacheStorage');
  const caches = Object.create(CacheStorage.prototype);
  storageBrand.add(caches);
  Object.defineProperty(global, 'caches', { get() { return caches; }, enumerable: true, configurable: true });
})
