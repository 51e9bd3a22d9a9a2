(function (ops, internals, global) {
  'use strict';
  const { expose, idl, requiredArgs, illegalConstructor, defineEventHandler } = internals;
  const isWorker = ops.realmKind() === 'worker';

  const where = "Failed to execute 'add' on 'ContentIndex'";
  const whereImage = where + ': ImageResource';
  const whereIcons = where + ': member icons';
  // WebIDL conversion of dictionary ImageResource: members in lexicographic
  // order (label, sizes, src, type); src is required.
  function imageResource(v) {
    const d = idl.dictionary(v, whereImage);
    const out = {};
    const label = d.label; if (label !== undefined) out.label = idl.DOMString(label);
    const sizes = d.sizes; if (sizes !== undefined) out.sizes = idl.DOMString(sizes);
    const src = d.src;
    if (src === undefined) throw new TypeError(`${where}: required member src is undefined.`);
    out.src = idl.USVString(src);
    const type = d.type; if (type !== undefined) out.type = idl.DOMString(type);
    return out;
  }
  // sequence<ImageResource> through the iterator protocol: the Go
  // conversion of ContentDescription (ops.indexAdd) calls it for icons that
  // are not a plain array.
  const convertIcons = (v) => idl.sequence(v, imageResource, whereIcons);

  const regOf = new WeakMap();
  function rid(ci) { const r = regOf.get(ci); if (r === undefined) throw new TypeError('Illegal invocation'); return r; }
  class ContentIndex {
    constructor() { illegalConstructor(); }
    // Each method returns a promise: conversion errors reject it.
    add(description) {
      try {
        const r = rid(this);
        requiredArgs(1, arguments.length, "Failed to execute 'add' on 'ContentIndex'");
        // The WebIDL conversion of the description happens in the op.
        return ops.indexAdd(r, description, convertIcons);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    delete(id) {
      try {
        const r = rid(this);
        requiredArgs(1, arguments.length, "Failed to execute 'delete' on 'ContentIndex'");
        return ops.indexDelete(r, idl.DOMString(id));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    getAll() {
      try {
        return ops.indexGetAll(rid(this));
      } catch (e) {
        return Promise.reject(e);
      }
    }
  }
  expose(ContentIndex, 'ContentIndex');
  // ServiceWorkerRegistration.index: [SameObject].
  internals.addRegistrationAttribute('index', (regID) => {
    const ci = Object.create(ContentIndex.prototype);
    regOf.set(ci, regID);
    return ci;
  });

  if (isWorker) {
    const ids = new WeakMap();
    class ContentIndexEvent extends internals.ExtendableEvent {
      constructor(type, init) {
        requiredArgs(2, arguments.length, "Failed to construct 'ContentIndexEvent'");
        const d = idl.dictionary(init, "Failed to construct 'ContentIndexEvent': parameter 2");
        const id = d.id;
        if (id === undefined) throw new TypeError("Failed to construct 'ContentIndexEvent': required member id is undefined.");
        super(type, init);
        ids.set(this, idl.DOMString(id));
      }
      get id() { const v = ids.get(this); if (v === undefined) throw new TypeError('Illegal invocation'); return v; }
    }
    expose(ContentIndexEvent, 'ContentIndexEvent');
    defineEventHandler(internals.ServiceWorkerGlobalScope.prototype, 'contentdelete');
  }
})
