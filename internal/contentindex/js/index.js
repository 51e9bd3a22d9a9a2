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
  internals.contentIndexIcons = (v) => idl.sequence(v, imageResource, whereIcons);

  class ContentIndex {
    constructor() { illegalConstructor(); }
    add(description) {}
    delete(id) {}
    getAll() {}
  }
  // The operations are native functions (binding.go): they read their
  // argument count without an arguments object, convert in Go, and return
  // a rejected promise for any exception, as a promise-returning WebIDL
  // operation does.
  const native = ops.indexMethods();
  for (const name of ['add', 'delete', 'getAll']) {
    Object.defineProperty(ContentIndex.prototype, name, { value: native[name], writable: true, enumerable: false, configurable: true });
  }
  expose(ContentIndex, 'ContentIndex');
  // ServiceWorkerRegistration.index: [SameObject].
  internals.addRegistrationAttribute('index', (regID) => {
    const ci = Object.create(ContentIndex.prototype);
    ops.indexBrand(ci, regID);
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
