(function (ops, internals, global) {
  'use strict';
  const { expose, idl, requiredArgs, illegalConstructor, defineEventHandler } = internals;
  const isWorker = ops.realmKind() === 'worker';
  const promised = (f) => { try { return Promise.resolve(f()); } catch (e) { return Promise.reject(e); } };
  const categories = ['', 'homepage', 'article', 'video', 'audio'];

  // WebIDL conversion of dictionary ImageResource: members in lexicographic
  // order (label, sizes, src, type); src is required.
  function imageResource(v, where) {
    const d = idl.dictionary(v, `${where}: ImageResource`);
    const out = {};
    const label = d.label; if (label !== undefined) out.label = idl.DOMString(label);
    const sizes = d.sizes; if (sizes !== undefined) out.sizes = idl.DOMString(sizes);
    const src = d.src;
    if (src === undefined) throw new TypeError(`${where}: required member src is undefined.`);
    out.src = idl.USVString(src);
    const type = d.type; if (type !== undefined) out.type = idl.DOMString(type);
    return out;
  }
  // WebIDL conversion of dictionary ContentDescription: members in
  // lexicographic order (category, description, icons, id, title, url).
  function contentDescription(v) {
    const where = "Failed to execute 'add' on 'ContentIndex'";
    if (v === undefined || v === null) throw new TypeError(`${where}: required member description is undefined.`);
    const d = idl.dictionary(v, `${where}: parameter 1`);
    const out = {};
    const category = d.category;
    out.category = category === undefined ? '' : idl.enumeration(category, categories, 'ContentCategory');
    const description = d.description;
    if (description === undefined) throw new TypeError(`${where}: required member description is undefined.`);
    out.description = idl.DOMString(description);
    const icons = d.icons;
    out.icons = icons === undefined ? [] : idl.sequence(icons, (x) => imageResource(x, where), `${where}: member icons`);
    const id = d.id;
    if (id === undefined) throw new TypeError(`${where}: required member id is undefined.`);
    out.id = idl.DOMString(id);
    const title = d.title;
    if (title === undefined) throw new TypeError(`${where}: required member title is undefined.`);
    out.title = idl.DOMString(title);
    const url = d.url;
    if (url === undefined) throw new TypeError(`${where}: required member url is undefined.`);
    out.url = idl.USVString(url);
    return out;
  }

  const regOf = new WeakMap();
  function rid(ci) { const r = regOf.get(ci); if (r === undefined) throw new TypeError('Illegal invocation'); return r; }
  class ContentIndex {
    constructor() { illegalConstructor(); }
    add(description) {
      // (arguments is read outside the arrow: the engine mishandles it there.)
      const n = arguments.length;
      return promised(() => {
        const r = rid(this);
        requiredArgs(1, n, "Failed to execute 'add' on 'ContentIndex'");
        return ops.indexAdd(r, contentDescription(description));
      });
    }
    delete(id) {
      const n = arguments.length;
      return promised(() => {
        const r = rid(this);
        requiredArgs(1, n, "Failed to execute 'delete' on 'ContentIndex'");
        return ops.indexDelete(r, idl.DOMString(id));
      });
    }
    getAll() {
      return promised(() => ops.indexGetAll(rid(this)));
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
