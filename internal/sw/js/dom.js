(function (ops, internals, global) {
  'use strict';
  // An inert document for headless pages: the parsed HTML as a tree of
  // nodes that scripts can read and change (getElementById,
  // getElementsByTagName, querySelector, createElement, appendChild,
  // textContent, attributes), with no layout, style, rendering or script
  // execution of inserted nodes. Enough for libraries that look at the
  // document (testharness.js writes its results table into it), and the
  // browsing-context bits they expect: window.parent, top, opener, frames,
  // and the DOMContentLoaded and load events.
  const { illegalConstructor, dispatchTrusted } = internals;
  const XHTML = 'http://www.w3.org/1999/xhtml';
  let making = false;
  const mk = (C, f) => { making = true; try { const n = new C(); f(n); return n; } finally { making = false; } };

  class Node extends EventTarget {
    constructor() { if (!making) illegalConstructor(); super(); this._kids = []; this._parent = null; }
    get parentNode() { return this._parent; }
    get parentElement() { return this._parent instanceof Element ? this._parent : null; }
    get childNodes() { return this._kids.slice(); }
    get firstChild() { return this._kids[0] || null; }
    get lastChild() { return this._kids[this._kids.length - 1] || null; }
    get nextSibling() { const p = this._parent; return p ? p._kids[p._kids.indexOf(this) + 1] || null : null; }
    get previousSibling() { const p = this._parent; return p ? p._kids[p._kids.indexOf(this) - 1] || null : null; }
    get ownerDocument() { return this === doc ? null : doc; }
    hasChildNodes() { return this._kids.length > 0; }
    contains(n) { for (; n; n = n._parent) if (n === this) return true; return false; }
    insertBefore(node, ref) {
      if (!(node instanceof Node)) throw new TypeError("Failed to execute 'insertBefore' on 'Node': parameter 1 is not of type 'Node'.");
      if (node.contains(this)) throw new DOMException("Failed to execute 'insertBefore' on 'Node': The new child element contains the parent.", 'HierarchyRequestError');
      if (ref && ref._parent !== this) throw new DOMException("Failed to execute 'insertBefore' on 'Node': The node before which the new node is to be inserted is not a child of this node.", 'NotFoundError');
      if (node._parent) node._parent.removeChild(node);
      const i = ref ? this._kids.indexOf(ref) : this._kids.length;
      this._kids.splice(i, 0, node);
      node._parent = this;
      return node;
    }
    appendChild(node) { return this.insertBefore(node, null); }
    removeChild(node) {
      const i = this._kids.indexOf(node);
      if (i < 0) throw new DOMException("Failed to execute 'removeChild' on 'Node': The node to be removed is not a child of this node.", 'NotFoundError');
      this._kids.splice(i, 1);
      node._parent = null;
      return node;
    }
    get textContent() { return this._kids.map((k) => k.textContent).join(''); }
    set textContent(v) {
      for (const k of this._kids) k._parent = null;
      this._kids = [];
      if (v !== null && v !== undefined && v !== '') this.appendChild(doc.createTextNode(String(v)));
    }
  }
  class CharacterData extends Node {
    get data() { return this._data; }
    set data(v) { this._data = String(v); }
    get nodeValue() { return this._data; }
    get length() { return this._data.length; }
    get textContent() { return this._data; }
    set textContent(v) { this._data = String(v); }
  }
  class Text extends CharacterData {
    get nodeType() { return 3; }
    get nodeName() { return '#text'; }
  }
  class Comment extends CharacterData {
    get nodeType() { return 8; }
    get nodeName() { return '#comment'; }
  }

  // ---- selectors: compound selectors (tag, #id, .class, [attr], [attr=v])
  // joined by descendant (space) or child (>) combinators, in comma lists.
  function parseSelector(s) {
    const groups = [];
    for (const part of s.split(',')) {
      const steps = [];
      const re = /\s*(>)?\s*([^\s>]+)/g;
      let m;
      while ((m = re.exec(part.trim())) !== null) {
        const compound = { child: !!m[1], tag: null, id: null, classes: [], attrs: [] };
        const cre = /([#.]?)([-\w*]+)|\[\s*([-\w]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\]\s]*)))?\s*\]/g;
        let c; let n = 0;
        while ((c = cre.exec(m[2])) !== null) {
          n += c[0].length;
          if (c[3] !== undefined) compound.attrs.push([c[3].toLowerCase(), c[4] ?? c[5] ?? c[6]]);
          else if (c[1] === '#') compound.id = c[2];
          else if (c[1] === '.') compound.classes.push(c[2]);
          else if (c[2] !== '*') compound.tag = c[2].toLowerCase();
        }
        if (n !== m[2].length) throw new DOMException(`Failed to execute 'querySelector': '${s}' is not a valid selector.`, 'SyntaxError');
        steps.push(compound);
      }
      if (!steps.length) throw new DOMException(`Failed to execute 'querySelector': '${s}' is not a valid selector.`, 'SyntaxError');
      groups.push(steps);
    }
    return groups;
  }
  function matchCompound(el, c) {
    if (c.tag && el.localName !== c.tag) return false;
    if (c.id !== null && el.getAttribute('id') !== c.id) return false;
    const cls = (el.getAttribute('class') || '').split(/\s+/);
    for (const k of c.classes) if (!cls.includes(k)) return false;
    for (const [name, v] of c.attrs) {
      if (!el.hasAttribute(name)) return false;
      if (v !== undefined && el.getAttribute(name) !== v) return false;
    }
    return true;
  }
  function matchSteps(el, steps, i) {
    if (!matchCompound(el, steps[i])) return false;
    if (i === 0) return true;
    if (steps[i].child) return el._parent instanceof Element && matchSteps(el._parent, steps, i - 1);
    for (let p = el._parent; p instanceof Element; p = p._parent) if (matchSteps(p, steps, i - 1)) return true;
    return false;
  }
  function descendants(root, out = []) {
    for (const k of root._kids) if (k instanceof Element) { out.push(k); descendants(k, out); }
    return out;
  }
  function query(root, sel) {
    const groups = parseSelector(String(sel));
    return descendants(root).filter((el) => groups.some((g) => matchSteps(el, g, g.length - 1)));
  }
  const ParentMixin = {
    getElementsByTagName(name) { name = String(name).toLowerCase(); return descendants(this).filter((e) => name === '*' || e.localName === name); },
    getElementsByClassName(names) { const want = String(names).split(/\s+/).filter(Boolean); return descendants(this).filter((e) => want.every((w) => (e.getAttribute('class') || '').split(/\s+/).includes(w))); },
    querySelectorAll(sel) { return query(this, sel); },
    querySelector(sel) { return query(this, sel)[0] || null; },
    get children() { return this._kids.filter((k) => k instanceof Element); },
    append(...nodes) { for (const n of nodes) this.appendChild(typeof n === 'string' ? doc.createTextNode(n) : n); },
  };

  class Element extends Node {
    get nodeType() { return 1; }
    get nodeName() { return this.tagName; }
    get localName() { return this._local; }
    get tagName() { return this._ns === XHTML ? this._local.toUpperCase() : this._local; }
    get namespaceURI() { return this._ns; }
    getAttribute(n) { const v = this._attrs.get(String(n).toLowerCase()); return v === undefined ? null : v; }
    setAttribute(n, v) { this._attrs.set(String(n).toLowerCase(), String(v)); }
    hasAttribute(n) { return this._attrs.has(String(n).toLowerCase()); }
    removeAttribute(n) { this._attrs.delete(String(n).toLowerCase()); }
    getAttributeNames() { return [...this._attrs.keys()]; }
    get id() { return this.getAttribute('id') || ''; }
    set id(v) { this.setAttribute('id', v); }
    get className() { return this.getAttribute('class') || ''; }
    set className(v) { this.setAttribute('class', v); }
    get classList() {
      const el = this;
      const list = () => el.className.split(/\s+/).filter(Boolean);
      return {
        contains: (c) => list().includes(c),
        add: (...cs) => { el.className = [...new Set([...list(), ...cs])].join(' '); },
        remove: (...cs) => { el.className = list().filter((c) => !cs.includes(c)).join(' '); },
        toggle: (c) => { const has = list().includes(c); el.className = (has ? list().filter((x) => x !== c) : [...list(), c]).join(' '); return !has; },
        get length() { return list().length; },
      };
    }
    get style() { if (!this._style) this._style = {}; return this._style; }
    insertAdjacentText(where, text) {
      const t = doc.createTextNode(String(text));
      switch (String(where).toLowerCase()) {
        case 'beforebegin': if (this._parent) this._parent.insertBefore(t, this); break;
        case 'afterbegin': this.insertBefore(t, this.firstChild); break;
        case 'beforeend': this.appendChild(t); break;
        case 'afterend': if (this._parent) this._parent.insertBefore(t, this.nextSibling); break;
        default: throw new DOMException(`The value provided ('${where}') is not one of 'beforeBegin', 'afterBegin', 'beforeEnd', or 'afterEnd'.`, 'SyntaxError');
      }
    }
    closest(sel) { const groups = parseSelector(String(sel)); for (let e = this; e instanceof Element; e = e._parent) if (groups.some((g) => matchSteps(e, g, g.length - 1))) return e; return null; }
    matches(sel) { return parseSelector(String(sel)).some((g) => matchSteps(this, g, g.length - 1)); }
  }
  Object.defineProperties(Element.prototype, Object.getOwnPropertyDescriptors(ParentMixin));
  // Reflected attributes; URL ones resolve against the document's URL.
  for (const name of ['name', 'content', 'rel', 'type', 'lang', 'title', 'value', 'alt', 'charset']) {
    Object.defineProperty(Element.prototype, name, { configurable: true, enumerable: true,
      get() { return this.getAttribute(name) || ''; }, set(v) { this.setAttribute(name, v); } });
  }
  for (const name of ['src', 'href', 'action']) {
    Object.defineProperty(Element.prototype, name, { configurable: true, enumerable: true,
      get() { const v = this.getAttribute(name); if (v === null) return ''; try { return new URL(v, doc.URL).href; } catch (_) { return v; } },
      set(v) { this.setAttribute(name, v); } });
  }
  Object.defineProperty(Element.prototype, 'checked', { configurable: true, enumerable: true,
    get() { return this.hasAttribute('checked'); }, set(v) { if (v) this.setAttribute('checked', ''); else this.removeAttribute('checked'); } });

  class Document extends Node {
    get nodeType() { return 9; }
    get nodeName() { return '#document'; }
    get documentElement() { return this.children[0] || null; }
    get head() { return this.querySelector('head'); }
    get body() { return this.querySelector('body'); }
    get title() { const t = this.querySelector('title'); return t ? t.textContent.replace(/\s+/g, ' ').trim() : ''; }
    set title(v) { let t = this.querySelector('title'); if (!t && this.head) t = this.head.appendChild(this.createElement('title')); if (t) t.textContent = v; }
    get readyState() { return this._ready; }
    get URL() { return global.location ? global.location.href : 'about:blank'; }
    get documentURI() { return this.URL; }
    get defaultView() { return global; }
    get visibilityState() { return 'visible'; }
    get hidden() { return false; }
    get characterSet() { return 'UTF-8'; }
    get compatMode() { return 'CSS1Compat'; }
    hasFocus() { return true; }
    getElementById(id) { id = String(id); return descendants(this).find((e) => e.getAttribute('id') === id) || null; }
    createElement(name) { return this.createElementNS(XHTML, String(name).toLowerCase()); }
    createElementNS(ns, name) {
      return mk(Element, (e) => { e._ns = ns === null || ns === undefined ? null : String(ns); e._local = String(name); e._attrs = new Map(); });
    }
    createTextNode(data) { return mk(Text, (t) => { t._data = String(data); }); }
    createComment(data) { return mk(Comment, (t) => { t._data = String(data); }); }
  }
  Object.defineProperties(Document.prototype, Object.getOwnPropertyDescriptors(ParentMixin));

  for (const [C, name] of [[Node, 'Node'], [CharacterData, 'CharacterData'], [Text, 'Text'], [Comment, 'Comment'], [Element, 'Element'], [Document, 'Document']]) {
    internals.expose(C, name);
  }
  const doc = mk(Document, (d) => { d._ready = 'loading'; });
  // The tree from Go: [tag, [[name, value]...], children...] for elements,
  // strings for text.
  function build(t) {
    if (typeof t === 'string') return doc.createTextNode(t);
    const e = doc.createElement(t[0]);
    for (const [k, v] of t[1]) e.setAttribute(k, v);
    for (let i = 2; i < t.length; i++) e.appendChild(build(t[i]));
    return e;
  }
  // setDocument(tree) replaces the document's content (the parsed response).
  internals.setDocument = (tree) => {
    doc.textContent = '';
    doc.appendChild(build(tree));
  };
  internals.setDocument(['html', [], ['head', []], ['body', []]]);
  // documentLoaded fires DOMContentLoaded and load once the page's scripts ran.
  internals.documentLoaded = () => {
    doc._ready = 'interactive';
    dispatchTrusted(doc, new Event('DOMContentLoaded', { bubbles: true }));
    doc._ready = 'complete';
    dispatchTrusted(global, new Event('load'));
  };
  Object.defineProperty(global, 'document', { get() { return doc; }, enumerable: true, configurable: true });
  // A top-level browsing context: no parent, no opener.
  for (const name of ['parent', 'top', 'frames']) {
    Object.defineProperty(global, name, { get() { return global; }, enumerable: true, configurable: true });
  }
  Object.defineProperty(global, 'opener', { get() { return null; }, set(_) {}, enumerable: true, configurable: true });
  Object.defineProperty(global, 'length', { get() { return 0; }, enumerable: true, configurable: true });
  Object.defineProperty(global, 'frameElement', { get() { return null; }, enumerable: true, configurable: true });
  internals.defineEventHandler(Object.getPrototypeOf(global), 'load');
  internals.defineEventHandler(Object.getPrototypeOf(global), 'error');
})
