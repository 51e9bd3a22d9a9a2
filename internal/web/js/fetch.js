(function (ops, internals, global) {
  'use strict';
  // The Fetch API (https://fetch.spec.whatwg.org/) and what it needs:
  // AbortController/AbortSignal (DOM), Blob/File (File API), FormData (XHR),
  // a minimal ReadableStream (Streams), Headers, Request, Response, fetch().
  // Bodies are byte sequences held in Uint8Arrays that are never mutated
  // after creation (so clones, Blobs and Go share them); a body gets a
  // ReadableStream only when script asks for `body` or gives one.
  const { idl, requiredArgs, expose, DOMException, Event, EventTarget } = internals;
  const illegal = internals.illegalConstructor;
  const env = ops.fetchEnv; // { baseURL, origin }
  const EMPTY = new Uint8Array(0);
  const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  const domErr = (name, message) => new DOMException(message, name);

  // ---- bytes -----------------------------------------------------------------
  const encode = (s) => new Uint8Array(ops.fetchEncode(s)); // UTF-8 encode of a USVString
  const decode = (u8) => ops.fetchDecode(u8); // UTF-8 decode (BOM stripped, U+FFFD for errors)
  // concat joins chunks into a new array (chunks from script are copied:
  // script may change them, and Go may be reading the result).
  function concat(chunks, total) {
    if (chunks.length === 1) return chunks[0].slice();
    if (total === undefined) { total = 0; for (let i = 0; i < chunks.length; i++) total += chunks[i].byteLength; }
    const out = new Uint8Array(total);
    let off = 0;
    for (let i = 0; i < chunks.length; i++) { out.set(chunks[i], off); off += chunks[i].byteLength; }
    return out;
  }
  const isBufferSource = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
  function copyBufferSource(v) {
    if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
    return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  }
  // The URL parser (url.go): [href, origin, has credentials] (never
  // changed: Go may hand out the same array again) or null.
  const parseURL = (input, base) => ops.fetchParseURL(input, base || undefined);
  // WebIDL [EnforceRange] unsigned long long.
  function enforceRangeULL(v, what) {
    let n = Number(v);
    if (!isFinite(n)) throw new TypeError(`${what}: Value is not of type 'unsigned long long'.`);
    n = Math.trunc(n);
    if (n < 0 || n > Number.MAX_SAFE_INTEGER) throw new TypeError(`${what}: Value is outside the 'unsigned long long' value range.`);
    return n;
  }
  // WebIDL long long (no clamp/enforce): ToNumber, non-finite → 0, truncate.
  const longLong = (v) => { const n = Number(v); return isFinite(n) ? Math.trunc(n) : 0; };
  function deferred() {
    let resolve, reject;
    const promise = new Promise((a, b) => { resolve = a; reject = b; });
    return { promise, resolve, reject };
  }
  const markHandled = (p) => { p.then(undefined, () => {}); return p; };

  // WebIDL pair iterators (Headers, FormData): entries/keys/values/forEach
  // and @@iterator, over getPairs(target) read afresh at every step.
  function pairIterable(cls, name, getPairs) {
    const itState = new WeakMap();
    const iterProto = Object.create(IteratorPrototype);
    Object.defineProperty(iterProto, 'next', {
      value: function next() {
        const s = itState.get(this);
        if (!s) throw new TypeError('Illegal invocation');
        const pairs = getPairs(s.target);
        if (s.index >= pairs.length) return { value: undefined, done: true };
        const p = pairs[s.index++];
        return { value: s.kind === 'key' ? p[0] : s.kind === 'value' ? p[1] : [p[0], p[1]], done: false };
      }, writable: true, enumerable: true, configurable: true,
    });
    Object.defineProperty(iterProto, Symbol.toStringTag, { value: name + ' Iterator', configurable: true });
    const make = (target, kind) => { getPairs(target); const it = Object.create(iterProto); itState.set(it, { target, kind, index: 0 }); return it; };
    const methods = {
      entries() { return make(this, 'key+value'); },
      keys() { return make(this, 'key'); },
      values() { return make(this, 'value'); },
      forEach(...args) { // (a rest parameter: cheaper than arguments here; length set below)
        let pairs = getPairs(this);
        requiredArgs(1, args.length, `Failed to execute 'forEach' on '${name}'`);
        const callback = args[0], thisArg = args.length > 1 ? args[1] : undefined;
        idl.callback(callback, `Failed to execute 'forEach' on '${name}': The callback provided as parameter 1`);
        for (let i = 0; i < pairs.length; i++) {
          callback.call(thisArg, pairs[i][1], pairs[i][0], this);
          pairs = getPairs(this);
        }
      },
    };
    Object.defineProperty(methods.forEach, 'length', { value: 1 });
    const keys = Object.keys(methods);
    for (let i = 0; i < keys.length; i++) Object.defineProperty(cls.prototype, keys[i], { value: methods[keys[i]], writable: true, enumerable: false, configurable: true });
    Object.defineProperty(cls.prototype, Symbol.iterator, { value: methods.entries, writable: true, enumerable: false, configurable: true });
  }

  // ---- AbortSignal / AbortController (DOM §3.1) ------------------------------
  const sigState = new WeakMap();
  function sigs(s) { const st = sigState.get(s); if (!st) throw new TypeError('Illegal invocation'); return st; }
  function newSignal() {
    const s = Object.create(AbortSignal.prototype);
    internals.makeEventTarget(s);
    sigState.set(s, { aborted: false, reason: undefined, algorithms: null, dependent: false, sources: [], dependents: [] });
    return s;
  }
  const defaultAbortReason = () => domErr('AbortError', 'signal is aborted without reason');
  function addAbortAlgorithm(signal, fn) {
    const st = sigState.get(signal);
    if (st.aborted) return;
    if (!st.algorithms) st.algorithms = new Set();
    st.algorithms.add(fn);
  }
  function removeAbortAlgorithm(signal, fn) { const st = sigState.get(signal); if (st.algorithms) st.algorithms.delete(fn); }
  // DOM "signal abort".
  function signalAbort(signal, reason) {
    const st = sigState.get(signal);
    if (st.aborted) return; // 1. If signal is aborted, then return.
    st.aborted = true; // 2. Set signal's abort reason to reason if given; otherwise a new "AbortError" DOMException.
    st.reason = reason !== undefined ? reason : defaultAbortReason();
    const toAbort = []; // 3-4. Abort every dependent signal not yet aborted, with the same reason.
    for (const d of st.dependents) {
      const ds = sigState.get(d);
      if (!ds.aborted) { ds.aborted = true; ds.reason = st.reason; toAbort.push(d); }
    }
    st.dependents = [];
    runAbortSteps(signal); // 5. Run the abort steps for signal.
    for (const d of toAbort) runAbortSteps(d); // 6. For each dependentSignal, run the abort steps.
  }
  function runAbortSteps(signal) {
    const st = sigState.get(signal);
    const algos = st.algorithms;
    st.algorithms = null;
    if (algos) for (const a of algos) { try { a(); } catch (e) { internals.reportException(e); } }
    internals.dispatchTrusted(signal, new Event('abort'));
    releaseDependent(signal);
  }
  // DOM "create a dependent abort signal".
  function createDependentSignal(signals) {
    const result = newSignal();
    const rs = sigState.get(result);
    for (const s of signals) { // 2. If any signal is aborted, take its reason and return.
      const st = sigState.get(s);
      if (st.aborted) { rs.aborted = true; rs.reason = st.reason; return result; }
    }
    rs.dependent = true; // 3. Set resultSignal's dependent to true.
    const link = (src) => {
      if (rs.sources.includes(src)) return;
      rs.sources.push(src);
      sigState.get(src).dependents.push(result);
    };
    for (const s of signals) { // 4. Source signals are never dependent themselves.
      const st = sigState.get(s);
      if (!st.dependent) link(s); else for (const src of st.sources) link(src);
    }
    return result;
  }
  // There are no weak references in the engine: a dependent signal nobody
  // can reach any more (fetch()'s own request) is unlinked from its sources.
  function releaseDependent(signal) {
    const st = sigState.get(signal);
    for (const src of st.sources) {
      const ss = sigState.get(src);
      const i = ss.dependents.indexOf(signal);
      if (i >= 0) ss.dependents.splice(i, 1);
    }
    st.sources = [];
  }

  class AbortSignal extends EventTarget {
    constructor() { illegal(); super(); }
    static abort(reason = undefined) {
      const s = newSignal();
      const st = sigState.get(s);
      st.aborted = true;
      st.reason = reason !== undefined ? reason : defaultAbortReason();
      return s;
    }
    static timeout(milliseconds) {
      requiredArgs(1, arguments.length, "Failed to execute 'timeout' on 'AbortSignal'");
      const ms = enforceRangeULL(milliseconds, "Failed to execute 'timeout' on 'AbortSignal'");
      const s = newSignal();
      // The timer does not keep the realm alive (as a browser's does not
      // keep a page alive); it is a task on the realm's loop.
      ops.fetchTimer(ms, () => signalAbort(s, domErr('TimeoutError', 'signal timed out')));
      return s;
    }
    static any(signals) {
      requiredArgs(1, arguments.length, "Failed to execute 'any' on 'AbortSignal'");
      const list = idl.sequence(signals, (x) => {
        if (!sigState.has(x)) throw new TypeError("Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.");
        return x;
      }, "Failed to execute 'any' on 'AbortSignal': The provided value");
      return createDependentSignal(list);
    }
    get aborted() { return sigs(this).aborted; }
    get reason() { return sigs(this).reason; }
    throwIfAborted() { const st = sigs(this); if (st.aborted) throw st.reason; }
  }
  internals.defineEventHandler(AbortSignal.prototype, 'abort');
  expose(AbortSignal, 'AbortSignal');
  internals.isAbortSignal = (x) => sigState.has(x);
  internals.createAbortSignal = newSignal;
  internals.signalAbort = signalAbort;
  internals.addAbortAlgorithm = addAbortAlgorithm;
  internals.removeAbortAlgorithm = removeAbortAlgorithm;
  internals.createDependentAbortSignal = createDependentSignal;

  const ctrlSignal = new WeakMap();
  function ctrl(c) { const s = ctrlSignal.get(c); if (!s) throw new TypeError('Illegal invocation'); return s; }
  class AbortController {
    constructor() { ctrlSignal.set(this, newSignal()); }
    get signal() { return ctrl(this); }
    abort(reason = undefined) { signalAbort(ctrl(this), reason); }
  }
  expose(AbortController, 'AbortController');

  // ---- ReadableStream (a minimal default stream, Streams §4) -----------------
  // Supports underlying sources with start/pull/cancel, a size/highWaterMark
  // strategy, default readers, cancel, tee and values(). No BYOB readers,
  // no pipeTo/pipeThrough (there are no WritableStreams).
  const rsState = new WeakMap();
  const readerState = new WeakMap();
  const ctrlState = new WeakMap();
  function rss(s) { const st = rsState.get(s); if (!st) throw new TypeError('Illegal invocation'); return st; }
  function createStream(pull, cancel, hwm, size, bytes, self) {
    const st = {
      state: 'readable', queue: [], sizes: [], queueTotal: 0, hwm, size, bytes: !!bytes,
      closeRequested: false, started: false, pulling: false, pullAgain: false,
      reader: null, disturbed: false, storedError: undefined, pull, cancel, controller: null,
    };
    const s = self || Object.create(ReadableStream.prototype);
    rsState.set(s, st);
    const c = Object.create(ReadableStreamDefaultController.prototype);
    ctrlState.set(c, st);
    st.controller = c;
    return s;
  }
  function startStream(st, startResult) {
    Promise.resolve(startResult).then(() => { st.started = true; callPullIfNeeded(st); }, (e) => errorStream(st, e));
  }
  // A stream over bytes already in memory: one chunk (a copy script may
  // mutate), then closed.
  function streamFromBytes(u8) {
    const s = createStream(null, null, 1, null, true);
    const st = rsState.get(s);
    st.started = true;
    if (u8.byteLength) { st.queue.push(u8.slice()); st.sizes.push(1); st.queueTotal = 1; }
    st.closeRequested = true;
    if (!st.queue.length) st.state = 'closed';
    return s;
  }
  const desiredSize = (st) => st.state === 'errored' ? null : st.state === 'closed' ? 0 : st.hwm - st.queueTotal;
  const canCloseOrEnqueue = (st) => !st.closeRequested && st.state === 'readable';
  function pendingReads(st) { return st.reader ? readerState.get(st.reader).requests : null; }
  function callPullIfNeeded(st) {
    if (!st.pull || !st.started || !canCloseOrEnqueue(st)) return;
    const reqs = pendingReads(st);
    if (!(reqs && reqs.length) && !(desiredSize(st) > 0)) return;
    if (st.pulling) { st.pullAgain = true; return; }
    st.pulling = true;
    let p;
    try { p = Promise.resolve(st.pull(st.controller)); } catch (e) { p = Promise.reject(e); }
    p.then(() => {
      st.pulling = false;
      if (st.pullAgain) { st.pullAgain = false; callPullIfNeeded(st); }
    }, (e) => errorStream(st, e));
  }
  function enqueueChunk(st, chunk) {
    if (st.bytes) {
      if (!ArrayBuffer.isView(chunk)) throw new TypeError("Failed to execute 'enqueue' on 'ReadableByteStreamController': parameter 1 is not of type 'ArrayBufferView'.");
      chunk = copyBufferSource(chunk);
    }
    const reqs = pendingReads(st);
    if (reqs && reqs.length) {
      reqs.shift().resolve({ value: chunk, done: false });
    } else {
      let size = 1;
      if (st.bytes) size = chunk.byteLength;
      else if (st.size) {
        try {
          size = Number(st.size(chunk));
          if (!(size >= 0) || size === Infinity) throw new RangeError('The return value of a queuing strategy\'s size function must be a finite, non-NaN, non-negative number.');
        } catch (e) { errorStream(st, e); throw e; }
      }
      st.queue.push(chunk); st.sizes.push(size); st.queueTotal += size;
    }
    callPullIfNeeded(st);
  }
  function requestClose(st) {
    st.closeRequested = true;
    if (!st.queue.length) closeStream(st);
  }
  function closeStream(st) {
    if (st.state !== 'readable') return;
    st.state = 'closed';
    if (!st.reader) return;
    const rd = readerState.get(st.reader);
    for (const r of rd.requests.splice(0)) r.resolve({ value: undefined, done: true });
    rd.closed.resolve(undefined);
  }
  function errorStream(st, e) {
    if (st.state !== 'readable') return;
    st.state = 'errored';
    st.storedError = e;
    st.queue = []; st.sizes = []; st.queueTotal = 0;
    if (!st.reader) return;
    const rd = readerState.get(st.reader);
    for (const r of rd.requests.splice(0)) r.reject(e);
    rd.closed.reject(e);
    markHandled(rd.closed.promise);
  }
  function cancelStream(st, reason) {
    st.disturbed = true;
    if (st.state === 'closed') return Promise.resolve(undefined);
    if (st.state === 'errored') return Promise.reject(st.storedError);
    st.queue = []; st.sizes = []; st.queueTotal = 0;
    closeStream(st);
    let p;
    try { p = Promise.resolve(st.cancel ? st.cancel(reason) : undefined); } catch (e) { p = Promise.reject(e); }
    return p.then(() => undefined);
  }
  function readFrom(rd) {
    const st = rd.st;
    st.disturbed = true;
    if (st.state === 'closed') return Promise.resolve({ value: undefined, done: true });
    if (st.state === 'errored') return Promise.reject(st.storedError);
    if (st.queue.length) {
      const chunk = st.queue.shift();
      st.queueTotal -= st.sizes.shift();
      if (st.closeRequested && !st.queue.length) closeStream(st); else callPullIfNeeded(st);
      return Promise.resolve({ value: chunk, done: false });
    }
    const d = deferred();
    rd.requests.push(d);
    callPullIfNeeded(st);
    return d.promise;
  }
  function acquireReader(stream) {
    const r = Object.create(ReadableStreamDefaultReader.prototype);
    initReader(r, stream);
    return r;
  }
  function initReader(reader, stream) {
    const st = rsState.get(stream);
    if (st.reader) throw new TypeError('ReadableStream is locked');
    const rd = { stream, st, requests: [], closed: deferred() };
    readerState.set(reader, rd);
    st.reader = reader;
    if (st.state === 'closed') rd.closed.resolve(undefined);
    else if (st.state === 'errored') { rd.closed.reject(st.storedError); markHandled(rd.closed.promise); }
  }
  // Everything left in a stream when it is all queued already (closing, or
  // closed): the chunks, else null.
  function queuedToEnd(st) {
    if (st.state === 'closed') return [];
    if (st.state === 'readable' && st.closeRequested) return st.queue;
    return null;
  }
  // Streams "tee" with cloneForBranch2 (Fetch clones bodies that way).
  function teeStream(stream) {
    const st = rsState.get(stream);
    const reader = acquireReader(stream);
    const rd = readerState.get(reader);
    const copy = (c) => (c instanceof Uint8Array ? c.slice() : c);
    const queued = queuedToEnd(st);
    if (queued) { // All there: both branches get the chunks at once.
      const chunks = queued.slice();
      st.disturbed = true;
      st.queue = []; st.sizes = []; st.queueTotal = 0;
      closeStream(st);
      const branch = (clone) => {
        const b = createStream(null, null, 1, null, false);
        const bs = rsState.get(b);
        bs.started = true;
        for (const c of chunks) { bs.queue.push(clone ? copy(c) : c); bs.sizes.push(1); bs.queueTotal++; }
        requestClose(bs);
        return b;
      };
      return [branch(false), branch(true)];
    }
    let reading = false, readAgain = false, canceled1 = false, canceled2 = false, reason1, reason2;
    const cancelDone = deferred();
    let b1st, b2st;
    const pull = () => {
      if (reading) { readAgain = true; return Promise.resolve(); }
      reading = true;
      readFrom(rd).then(({ value, done }) => {
        reading = false;
        if (done) {
          if (!canceled1 && canCloseOrEnqueue(b1st)) requestClose(b1st);
          if (!canceled2 && canCloseOrEnqueue(b2st)) requestClose(b2st);
          cancelDone.resolve(undefined);
          return;
        }
        if (!canceled1 && canCloseOrEnqueue(b1st)) enqueueChunk(b1st, value);
        if (!canceled2 && canCloseOrEnqueue(b2st)) enqueueChunk(b2st, copy(value));
        if (readAgain) { readAgain = false; pull(); }
      }, (e) => { reading = false; errorStream(b1st, e); errorStream(b2st, e); cancelDone.resolve(undefined); });
      return Promise.resolve();
    };
    const cancelBoth = () => { cancelDone.resolve(cancelStream(st, [reason1, reason2])); };
    const b1 = createStream(pull, (r) => { canceled1 = true; reason1 = r; if (canceled2) cancelBoth(); return cancelDone.promise; }, 1, null, false);
    const b2 = createStream(pull, (r) => { canceled2 = true; reason2 = r; if (canceled1) cancelBoth(); return cancelDone.promise; }, 1, null, false);
    b1st = rsState.get(b1); b2st = rsState.get(b2);
    startStream(b1st); startStream(b2st);
    return [b1, b2];
  }
  // Read a stream to its end as bytes (Fetch "fully read"): locks and
  // disturbs it; a chunk that is not a Uint8Array is a TypeError.
  function readAllBytes(stream) {
    const st = rsState.get(stream);
    let reader;
    try { reader = acquireReader(stream); } catch (e) { return Promise.reject(e); }
    const rd = readerState.get(reader);
    const notBytes = () => new TypeError('Failed to read the body: a chunk is not a Uint8Array');
    const queued = queuedToEnd(st);
    if (queued) {
      const chunks = queued.slice();
      st.disturbed = true;
      st.queue = []; st.sizes = []; st.queueTotal = 0;
      closeStream(st);
      for (const c of chunks) if (!(c instanceof Uint8Array)) return Promise.reject(notBytes());
      return Promise.resolve(chunks.length ? concat(chunks) : EMPTY);
    }
    return new Promise((resolve, reject) => {
      const chunks = [];
      let total = 0;
      const step = () => readFrom(rd).then(({ value, done }) => {
        if (done) { resolve(concat(chunks.length ? chunks : [EMPTY], total)); return; }
        if (!(value instanceof Uint8Array)) { const e = notBytes(); cancelStream(st, e); reject(e); return; }
        chunks.push(value); total += value.byteLength;
        step();
      }, reject);
      step();
    });
  }

  class ReadableStream {
    constructor(underlyingSource = undefined, strategy = undefined) {
      if (underlyingSource === null) throw new TypeError("Failed to construct 'ReadableStream': The provided value is not of type 'UnderlyingSource'.");
      const src = underlyingSource === undefined ? {} : idl.object(underlyingSource, "Failed to construct 'ReadableStream': parameter 1");
      const strat = idl.dictionary(strategy);
      // UnderlyingSource members: autoAllocateChunkSize, cancel, pull, start, type.
      const cancel = src.cancel, pull = src.pull, start = src.start, type = src.type;
      for (const [f, n] of [[cancel, 'cancel'], [pull, 'pull'], [start, 'start']]) {
        if (f !== undefined) idl.callback(f, `Failed to construct 'ReadableStream': member ${n}`);
      }
      const bytes = type !== undefined && idl.enumeration(type, ['bytes'], 'ReadableStreamType') === 'bytes';
      const size = strat.size;
      if (bytes && size !== undefined) throw new RangeError("Failed to construct 'ReadableStream': The strategy for a byte stream cannot have a size function");
      if (size !== undefined) idl.callback(size, "Failed to construct 'ReadableStream': member size");
      let hwm = strat.highWaterMark === undefined ? (bytes ? 0 : 1) : Number(strat.highWaterMark);
      if (Number.isNaN(hwm) || hwm < 0) throw new RangeError("Failed to construct 'ReadableStream': Invalid highWaterMark");
      createStream(pull ? (c) => pull.call(src, c) : null, cancel ? (r) => cancel.call(src, r) : null, hwm, size ? (c) => size.call(undefined, c) : null, bytes, this);
      const inner = rsState.get(this);
      startStream(inner, start ? start.call(src, inner.controller) : undefined);
    }
    get locked() { return rss(this).reader !== null; }
    cancel(reason = undefined) {
      let st;
      try { st = rss(this); } catch (e) { return Promise.reject(e); }
      if (st.reader) return Promise.reject(new TypeError("Failed to execute 'cancel' on 'ReadableStream': Cannot cancel a locked stream"));
      return cancelStream(st, reason);
    }
    getReader(options = undefined) {
      rss(this);
      const o = idl.dictionary(options);
      if (o.mode !== undefined && idl.enumeration(o.mode, ['byob'], 'ReadableStreamReaderMode') === 'byob') {
        throw new TypeError("Failed to execute 'getReader' on 'ReadableStream': BYOB readers are not supported");
      }
      return acquireReader(this);
    }
    tee() {
      const st = rss(this);
      if (st.reader) throw new TypeError("Failed to execute 'tee' on 'ReadableStream': Cannot tee a locked stream");
      return teeStream(this);
    }
    values(options = undefined) {
      rss(this);
      const preventCancel = !!idl.dictionary(options).preventCancel;
      const reader = acquireReader(this);
      const rd = readerState.get(reader);
      return Object.setPrototypeOf({
        next() {
          if (!rd.st) return Promise.resolve({ value: undefined, done: true });
          return readFrom(rd).then((r) => { if (r.done) reader.releaseLock(); return r; });
        },
        return(value) {
          if (!rd.st) return Promise.resolve({ value, done: true });
          const st = rd.st;
          const p = preventCancel ? Promise.resolve() : cancelStream(st, value);
          reader.releaseLock();
          return p.then(() => ({ value, done: true }));
        },
      }, IteratorPrototype);
    }
  }
  expose(ReadableStream, 'ReadableStream');

  class ReadableStreamDefaultReader {
    constructor(stream) {
      requiredArgs(1, arguments.length, "Failed to construct 'ReadableStreamDefaultReader'");
      if (!rsState.has(stream)) throw new TypeError("Failed to construct 'ReadableStreamDefaultReader': parameter 1 is not of type 'ReadableStream'.");
      initReader(this, stream);
    }
    get closed() { const rd = readerState.get(this); if (!rd) return Promise.reject(new TypeError('Illegal invocation')); return rd.closed.promise; }
    read() {
      const rd = readerState.get(this);
      if (!rd) return Promise.reject(new TypeError('Illegal invocation'));
      if (!rd.st) return Promise.reject(new TypeError("Failed to execute 'read' on 'ReadableStreamDefaultReader': This readable stream reader has been released and cannot be used to read from its previous owner stream"));
      return readFrom(rd);
    }
    releaseLock() {
      const rd = readerState.get(this);
      if (!rd) throw new TypeError('Illegal invocation');
      if (!rd.st) return;
      const e = new TypeError('This readable stream reader has been released and cannot be used to read from its previous owner stream');
      for (const r of rd.requests.splice(0)) r.reject(e);
      if (rd.st.state === 'readable') rd.closed.reject(e); else rd.closed = { promise: Promise.reject(e) };
      markHandled(rd.closed.promise);
      rd.st.reader = null;
      rd.st = null;
    }
    cancel(reason = undefined) {
      const rd = readerState.get(this);
      if (!rd) return Promise.reject(new TypeError('Illegal invocation'));
      if (!rd.st) return Promise.reject(new TypeError("Failed to execute 'cancel' on 'ReadableStreamDefaultReader': This readable stream reader has been released"));
      return cancelStream(rd.st, reason);
    }
  }
  expose(ReadableStreamDefaultReader, 'ReadableStreamDefaultReader');

  class ReadableStreamDefaultController {
    constructor() { illegal(); }
    get desiredSize() { const st = ctrlState.get(this); if (!st) throw new TypeError('Illegal invocation'); return desiredSize(st); }
    close() {
      const st = ctrlState.get(this);
      if (!st) throw new TypeError('Illegal invocation');
      if (!canCloseOrEnqueue(st)) throw new TypeError("Failed to execute 'close' on 'ReadableStreamDefaultController': Unexpected stream state");
      requestClose(st);
    }
    enqueue(chunk = undefined) {
      const st = ctrlState.get(this);
      if (!st) throw new TypeError('Illegal invocation');
      if (!canCloseOrEnqueue(st)) throw new TypeError("Failed to execute 'enqueue' on 'ReadableStreamDefaultController': Cannot enqueue a chunk into a readable stream that is closed or has been requested to be closed");
      enqueueChunk(st, chunk);
    }
    error(e = undefined) {
      const st = ctrlState.get(this);
      if (!st) throw new TypeError('Illegal invocation');
      errorStream(st, e);
    }
  }
  expose(ReadableStreamDefaultController, 'ReadableStreamDefaultController');

  // ---- Blob and File (File API) ----------------------------------------------
  const blobState = new WeakMap(); // Blob → { bytes, type }
  const fileState = new WeakMap(); // File → { name, lastModified }
  function blobs(b) { const s = blobState.get(b); if (!s) throw new TypeError('Illegal invocation'); return s; }
  const normalizeBlobType = (t) => (/^[\x20-\x7E]*$/.test(t) ? t.toLowerCase() : '');
  function convertBlobPart(v) { return blobState.has(v) || isBufferSource(v) ? v : idl.USVString(v); }
  // File API "process blob parts".
  function processBlobParts(parts, endings) {
    const chunks = [];
    for (const p of parts) {
      if (typeof p === 'string') chunks.push(encode(endings === 'native' ? p.replace(/\r\n|\r/g, '\n') : p));
      else if (blobState.has(p)) chunks.push(blobState.get(p).bytes);
      else chunks.push(copyBufferSource(p));
    }
    return chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : concat(chunks); // parts are never changed: no copy
  }
  function convertBlobArgs(blobParts, options, what) {
    const parts = blobParts === undefined ? [] : idl.sequence(blobParts, convertBlobPart, `${what}: The provided value`);
    const o = idl.dictionary(options, what);
    const endings = o.endings === undefined ? 'transparent' : idl.enumeration(o.endings, ['transparent', 'native'], 'EndingType');
    const type = o.type === undefined ? '' : normalizeBlobType(idl.DOMString(o.type));
    return { parts, endings, type, o };
  }
  function makeBlob(bytes, type) {
    const b = Object.create(Blob.prototype);
    blobState.set(b, { bytes, type });
    return b;
  }
  function makeFile(bytes, type, name, lastModified) {
    const f = Object.create(File.prototype);
    blobState.set(f, { bytes, type });
    fileState.set(f, { name, lastModified });
    return f;
  }
  class Blob {
    constructor(blobParts = undefined, options = undefined) {
      const a = convertBlobArgs(blobParts, options, "Failed to construct 'Blob'");
      blobState.set(this, { bytes: processBlobParts(a.parts, a.endings), type: a.type });
    }
    get size() { return blobs(this).bytes.byteLength; }
    get type() { return blobs(this).type; }
    slice(start = undefined, end = undefined, contentType = undefined) {
      const s = blobs(this);
      const size = s.bytes.byteLength;
      let from = start === undefined ? 0 : longLong(start);
      from = from < 0 ? Math.max(size + from, 0) : Math.min(from, size);
      let to = end === undefined ? size : longLong(end);
      to = to < 0 ? Math.max(size + to, 0) : Math.min(to, size);
      const type = contentType === undefined ? '' : normalizeBlobType(idl.DOMString(contentType));
      return makeBlob(s.bytes.subarray(from, from + Math.max(to - from, 0)), type);
    }
    stream() { return streamFromBytes(blobs(this).bytes); }
    text() { try { return Promise.resolve(decode(blobs(this).bytes)); } catch (e) { return Promise.reject(e); } }
    arrayBuffer() { try { return Promise.resolve(blobs(this).bytes.slice().buffer); } catch (e) { return Promise.reject(e); } }
    bytes() { try { return Promise.resolve(blobs(this).bytes.slice()); } catch (e) { return Promise.reject(e); } }
  }
  expose(Blob, 'Blob');

  class File extends Blob {
    constructor(fileBits, fileName, options = undefined) {
      requiredArgs(2, arguments.length, "Failed to construct 'File'");
      const what = "Failed to construct 'File'";
      const parts = idl.sequence(fileBits, convertBlobPart, `${what}: The provided value`);
      const name = idl.USVString(fileName);
      const o = idl.dictionary(options, what);
      const endings = o.endings === undefined ? 'transparent' : idl.enumeration(o.endings, ['transparent', 'native'], 'EndingType');
      const type = o.type === undefined ? '' : normalizeBlobType(idl.DOMString(o.type));
      const lastModified = o.lastModified === undefined ? Date.now() : longLong(o.lastModified);
      super();
      blobState.set(this, { bytes: processBlobParts(parts, endings), type });
      fileState.set(this, { name, lastModified });
    }
    get name() { const f = fileState.get(this); if (!f) throw new TypeError('Illegal invocation'); return f.name; }
    get lastModified() { const f = fileState.get(this); if (!f) throw new TypeError('Illegal invocation'); return f.lastModified; }
    get webkitRelativePath() { if (!fileState.has(this)) throw new TypeError('Illegal invocation'); return ''; }
  }
  expose(File, 'File');
  // Blob and File are [Serializable] (structuredClone, postMessage).
  if (typeof internals.registerSerializable === 'function') {
    internals.registerSerializable(Blob, (b) => { const s = blobState.get(b); return { bytes: s.bytes.slice(), type: s.type }; },
      (v) => makeBlob(v.bytes, v.type));
    internals.registerSerializable(File, (f) => { const s = blobState.get(f), n = fileState.get(f); return { bytes: s.bytes.slice(), type: s.type, name: n.name, lastModified: n.lastModified }; },
      (v) => makeFile(v.bytes, v.type, v.name, v.lastModified));
  }

  // ---- FormData (XHR §4) ------------------------------------------------------
  const fdState = new WeakMap(); // FormData → [[name, value]]
  function fds(f) { const s = fdState.get(f); if (!s) throw new TypeError('Illegal invocation'); return s; }
  // XHR "create an entry".
  function createEntry(name, value, filename, argc, op) {
    name = idl.USVString(name);
    if (argc > 2 || blobState.has(value)) {
      if (!blobState.has(value)) throw new TypeError(`Failed to execute '${op}' on 'FormData': parameter 2 is not of type 'Blob'.`);
      const fname = filename === undefined ? undefined : idl.USVString(filename);
      const b = blobState.get(value);
      const f = fileState.get(value);
      if (!f) value = makeFile(b.bytes, b.type, fname === undefined ? 'blob' : fname, Date.now());
      else if (fname !== undefined) value = makeFile(b.bytes, b.type, fname, f.lastModified);
      return [name, value];
    }
    return [name, idl.USVString(value)];
  }
  class FormData {
    constructor(form = undefined, submitter = undefined) {
      if (form !== undefined) throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
      fdState.set(this, []);
    }
    append(name, value, filename = undefined) {
      const list = fds(this);
      requiredArgs(2, arguments.length, "Failed to execute 'append' on 'FormData'");
      list.push(createEntry(name, value, filename, arguments.length, 'append'));
    }
    delete(name) {
      const list = fds(this);
      requiredArgs(1, arguments.length, "Failed to execute 'delete' on 'FormData'");
      name = idl.USVString(name);
      for (let i = list.length - 1; i >= 0; i--) if (list[i][0] === name) list.splice(i, 1);
    }
    get(name) {
      const list = fds(this);
      requiredArgs(1, arguments.length, "Failed to execute 'get' on 'FormData'");
      name = idl.USVString(name);
      const e = list.find((x) => x[0] === name);
      return e ? e[1] : null;
    }
    getAll(name) {
      const list = fds(this);
      requiredArgs(1, arguments.length, "Failed to execute 'getAll' on 'FormData'");
      name = idl.USVString(name);
      return list.filter((x) => x[0] === name).map((x) => x[1]);
    }
    has(name) {
      const list = fds(this);
      requiredArgs(1, arguments.length, "Failed to execute 'has' on 'FormData'");
      name = idl.USVString(name);
      return list.some((x) => x[0] === name);
    }
    set(name, value, filename = undefined) {
      const list = fds(this);
      requiredArgs(2, arguments.length, "Failed to execute 'set' on 'FormData'");
      const entry = createEntry(name, value, filename, arguments.length, 'set');
      const i = list.findIndex((x) => x[0] === entry[0]);
      if (i < 0) { list.push(entry); return; }
      list[i] = entry;
      for (let j = list.length - 1; j > i; j--) if (list[j][0] === entry[0]) list.splice(j, 1);
    }
  }
  pairIterable(FormData, 'FormData', fds);
  expose(FormData, 'FormData');

  // HTML "multipart/form-data encoding algorithm".
  function encodeMultipart(list) {
    let boundary = '----formdata-swhost-';
    for (let i = 0; i < 24; i++) boundary += '0123456789abcdefghijklmnopqrstuvwxyz'[Math.floor(Math.random() * 36)];
    const crlf = (s) => s.replace(/\r\n|\r|\n/g, '\r\n');
    const esc = (s) => s.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
    const chunks = [];
    for (const [name, value] of list) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(crlf(name))}"`;
      if (typeof value === 'string') {
        chunks.push(encode(head + '\r\n\r\n' + crlf(value) + '\r\n'));
      } else {
        const b = blobState.get(value);
        head += `; filename="${esc(fileState.get(value).name)}"\r\nContent-Type: ${b.type || 'application/octet-stream'}\r\n\r\n`;
        chunks.push(encode(head), b.bytes, encode('\r\n'));
      }
    }
    chunks.push(encode(`--${boundary}--\r\n`));
    return { bytes: concat(chunks), type: 'multipart/form-data; boundary=' + boundary };
  }

  // ---- Headers (Fetch §5.1) ------------------------------------------------------
  // A header list is a flat array [name, lowercased name, value, …], three
  // slots an entry. A headers state is { list, guard, sorted } (sorted: the
  // "sort and combine" result, null once the list changes); one made from
  // Go has list null until needed and { full, filter, exposed } to build
  // it (the basic or CORS filter applied then). The checks of append, set
  // and delete and the conversion of a record are Go ops (fetch_headers.go);
  // they change the list in place (a Request's inner request shares it).
  const hdrState = new WeakMap(); // Headers → headers state
  function hds(h) { const s = hdrState.get(h); if (!s) throw new TypeError('Illegal invocation'); if (s.list === null) hlist(s); return s; }
  function hlist(st) {
    if (st.list === null) {
      const f = fullOf(st), list = [];
      for (let i = 0; i < f.length; i += 3) {
        const l = f[i + 1];
        if (st.filter === 'basic' && isForbiddenResponseName(l)) continue;
        if (st.filter === 'cors' && !(safelistedResponseNames[l] === true || (st.exposed[l] === true && !isForbiddenResponseName(l)))) continue;
        list.push(f[i], l, f[i + 2]);
      }
      st.list = list;
    }
    return st.list;
  }
  // The Headers object over a headers state.
  function wrapHeaders(st) {
    const h = Object.create(Headers.prototype);
    hdrState.set(h, st);
    return h;
  }
  // The unfiltered list of a response made from Go, fetched on first use
  // (full null: src, the Go response, has it).
  const fullOf = (st) => (st.full !== null ? st.full : (st.full = ops.fetchGoHeaders(st.src)));
  // The list (as Go reads it) of a headers state.
  const listOf = (st) => (st.list === null && !st.filter ? fullOf(st) : hlist(st));
  const tokenRE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const isToken = (s) => tokenRE.test(s);
  const nameSet = (names) => { const o = Object.create(null); for (let i = 0; i < names.length; i++) o[names[i]] = true; return o; };
  const forbiddenMethod = (m) => { const u = m.toUpperCase(); return u === 'CONNECT' || u === 'TRACE' || u === 'TRACK'; };
  const isForbiddenResponseName = (lname) => lname === 'set-cookie' || lname === 'set-cookie2';
  const safelistedResponseNames = nameSet(['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma']);

  function listGet(list, lname) {
    let out = null;
    for (let i = 1; i < list.length; i += 3) if (list[i] === lname) out = out === null ? list[i + 1] : out + ', ' + list[i + 1];
    return out;
  }
  function listContains(list, lname) {
    for (let i = 1; i < list.length; i += 3) if (list[i] === lname) return true;
    return false;
  }
  // Append to a header list (no checks): a name already there keeps its case.
  function listAppend(list, name, lname, value) {
    for (let i = 1; i < list.length; i += 3) if (list[i] === lname) { name = list[i - 1]; break; }
    list.push(name, lname, value);
  }
  // Headers "append" of a byte-string name and value (normalize, validate,
  // the no-CORS checks, append).
  function headersAppend(st, name, value, op) { ops.fetchFill(st.list, st.guard, [name, value], op); st.sorted = null; }
  // WebIDL conversion of HeadersInit: (sequence<sequence<ByteString>> or
  // record<ByteString, ByteString>), as a flat [name, value, …].
  function convertHeadersInit(init, what) {
    if (init === null || (typeof init !== 'object' && typeof init !== 'function')) {
      throw new TypeError(`${what}: The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.`);
    }
    const iter = init[Symbol.iterator];
    if (iter === undefined || iter === null) return ops.fetchHeadersRecord(init, Reflect.ownKeys(init), false); // a record
    return convertHeadersSequence(init, iter, what);
  }
  // The sequence<sequence<ByteString>> branch (iter: init's @@iterator).
  function convertHeadersSequence(init, iter, what) {
    const hs = hdrState.get(init);
    if (hs && iter === Headers.prototype.entries) {
      const sorted = sortAndCombine(hs), pairs = [];
      for (let i = 0; i < sorted.length; i++) pairs.push(sorted[i][0], sorted[i][1]);
      return pairs;
    }
    const pairs = [];
    for (const item of idl.sequence(init, (x) => x, what)) {
      const pair = idl.sequence(item, idl.ByteString, what);
      if (pair.length !== 2) throw new TypeError(`${what}: Invalid value`);
      pairs.push(pair[0], pair[1]);
    }
    return pairs;
  }
  // Headers "fill" from converted pairs.
  function fillHeaders(st, pairs, op) { if (pairs.length) { ops.fetchFill(hlist(st), st.guard, pairs, op); st.sorted = null; } }
  // Fetch "sort and combine" (set-cookie values kept apart), cached until
  // the list changes.
  function sortAndCombine(st) {
    if (st.sorted !== null) return st.sorted;
    const names = [];
    const list = hlist(st);
    for (let i = 1; i < list.length; i += 3) if (!names.includes(list[i])) names.push(list[i]);
    names.sort();
    const out = [];
    for (let i = 0; i < names.length; i++) {
      const n = names[i];
      if (n === 'set-cookie') { for (let j = 1; j < list.length; j += 3) if (list[j] === n) out.push([n, list[j + 1]]); }
      else out.push([n, listGet(list, n)]);
    }
    st.sorted = out;
    return out;
  }
  class Headers {
    constructor(init = undefined) {
      const what = "Failed to construct 'Headers'";
      const st = { list: [], guard: 'none', sorted: null };
      hdrState.set(this, st);
      if (init === undefined) return;
      if (init === null || (typeof init !== 'object' && typeof init !== 'function')) convertHeadersInit(init, what); // throws
      const iter = init[Symbol.iterator];
      if (iter === undefined || iter === null) st.list = ops.fetchHeadersRecord(init, Reflect.ownKeys(init), true); // a record: converted, then filled
      else fillHeaders(st, convertHeadersSequence(init, iter, what), 'append');
    }
    // The operations take rest parameters: a function that mentions
    // `arguments` builds an arguments object on every call in sobek (WebIDL
    // lengths set below).
    append(...args) {
      const st = hds(this);
      requiredArgs(2, args.length, "Failed to execute 'append' on 'Headers'");
      if (ops.fetchHeaders('append', st.list, st.guard, args[0], args[1])) st.sorted = null;
    }
    delete(...args) {
      const st = hds(this);
      requiredArgs(1, args.length, "Failed to execute 'delete' on 'Headers'");
      if (ops.fetchHeaders('delete', st.list, st.guard, args[0])) st.sorted = null;
    }
    get(...args) {
      const st = hds(this);
      requiredArgs(1, args.length, "Failed to execute 'get' on 'Headers'");
      return listGet(st.list, ops.fetchHeaderName(args[0], 'get'));
    }
    getSetCookie() {
      const list = hds(this).list;
      const out = [];
      for (let i = 1; i < list.length; i += 3) if (list[i] === 'set-cookie') out.push(list[i + 1]);
      return out;
    }
    has(...args) {
      const st = hds(this);
      requiredArgs(1, args.length, "Failed to execute 'has' on 'Headers'");
      return listContains(st.list, ops.fetchHeaderName(args[0], 'has'));
    }
    set(...args) {
      const st = hds(this);
      requiredArgs(2, args.length, "Failed to execute 'set' on 'Headers'");
      if (ops.fetchHeaders('set', st.list, st.guard, args[0], args[1])) st.sorted = null;
    }
  }
  Object.defineProperty(Headers.prototype.append, 'length', { value: 2 });
  Object.defineProperty(Headers.prototype.delete, 'length', { value: 1 });
  Object.defineProperty(Headers.prototype.get, 'length', { value: 1 });
  Object.defineProperty(Headers.prototype.has, 'length', { value: 1 });
  Object.defineProperty(Headers.prototype.set, 'length', { value: 2 });
  pairIterable(Headers, 'Headers', (h) => sortAndCombine(hds(h)));
  expose(Headers, 'Headers');

  // ---- Body (Fetch §5.2, §5.3) ---------------------------------------------------
  // A body is { bytes, stream, used, source, error, release, src }: bytes
  // until script asks for a stream; stream when it has one (then bytes is
  // null). A body of a response made from Go has src (the Go response)
  // and bytes null until they are first needed (see bytesOf).
  const bodyDefaults = { bytes: null, stream: null, used: false, source: true, error: undefined, release: null, src: null }; // never changed
  const bodyFromBytes = (bytes) => ({ __proto__: bodyDefaults, bytes });
  // The bytes of a body without a stream.
  const bytesOf = (body) => (body.bytes !== null ? body.bytes : body.src !== null ? (body.bytes = new Uint8Array(ops.fetchGoBody(body.src))) : EMPTY);
  // A body can also carry error (set when fetch() is aborted) and release
  // (run once it is read).
  function bodyStream(body) {
    if (!body.stream) {
      if (body.used) { // Already read: a closed, disturbed, locked stream.
        const s = createStream(null, null, 1, null, true);
        const st = rsState.get(s);
        st.started = true; st.state = 'closed'; st.disturbed = true;
        acquireReader(s);
        body.stream = s;
      } else {
        body.stream = streamFromBytes(bytesOf(body));
        if (body.error !== undefined) errorStream(rsState.get(body.stream), body.error);
      }
      body.bytes = null;
    }
    return body.stream;
  }
  const isDisturbed = (body) => body.used || (body.stream !== null && rsState.get(body.stream).disturbed);
  const isLocked = (body) => body.stream !== null && rsState.get(body.stream).reader !== null;
  // Fetch "unusable": disturbed or locked.
  const isUnusable = (body) => body !== null && (isDisturbed(body) || isLocked(body));
  function releaseBody(body) { if (body.release) { const r = body.release; body.release = null; r(); } }
  // Read the whole body (Fetch "fully read body"), marking it used.
  function readBody(body) {
    if (body === null) return Promise.resolve(EMPTY);
    releaseBody(body);
    if (body.error !== undefined) { body.used = true; return Promise.reject(body.error); }
    if (!body.stream) { body.used = true; return Promise.resolve(bytesOf(body)); }
    return readAllBytes(body.stream);
  }
  // The body's bytes when all of them are in memory now, else undefined.
  // consume marks it used (and locks its stream).
  function bodyBytesNow(body, consume) {
    if (!body.stream) {
      if (consume) { body.used = true; releaseBody(body); }
      return bytesOf(body);
    }
    const st = rsState.get(body.stream);
    const queued = queuedToEnd(st);
    if (!queued) return undefined;
    for (const c of queued) if (!(c instanceof Uint8Array)) throw new TypeError('A body chunk is not a Uint8Array');
    const bytes = queued.length ? concat(queued.slice()) : EMPTY;
    if (consume) {
      if (!st.reader) acquireReader(body.stream);
      st.disturbed = true;
      st.queue = []; st.sizes = []; st.queueTotal = 0;
      closeStream(st);
      releaseBody(body);
    }
    return bytes;
  }
  // Fetch "clone a body".
  function cloneBody(body) {
    if (body === null) return null;
    if (!body.stream) return { bytes: body.bytes, stream: null, used: body.used, source: body.source, error: body.error, release: null, src: body.src };
    const [a, b] = teeStream(body.stream);
    body.stream = a;
    return { bytes: null, stream: b, used: false, source: body.source, error: body.error, release: null };
  }
  // WebIDL union conversion of BodyInit: (ReadableStream or Blob or
  // BufferSource or FormData or URLSearchParams or USVString).
  function convertBodyInit(v) {
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
      if (rsState.has(v) || blobState.has(v) || fdState.has(v) || isBufferSource(v)) return v;
      const USP = internals.URLSearchParams;
      if (USP && v instanceof USP) return v;
    }
    return idl.USVString(v);
  }
  // Fetch "extract a body" from a converted BodyInit.
  function extractBody(object, keepalive) {
    if (typeof object === 'string') return { body: bodyFromBytes(encode(object)), type: 'text/plain;charset=UTF-8' };
    if (rsState.has(object)) {
      if (keepalive) throw new TypeError('A keepalive request cannot have a ReadableStream body');
      const st = rsState.get(object);
      if (st.disturbed || st.reader) throw new TypeError('The ReadableStream is disturbed or locked');
      return { body: { bytes: null, stream: object, used: false, source: null, error: undefined, release: null }, type: null };
    }
    if (blobState.has(object)) { const b = blobState.get(object); return { body: bodyFromBytes(b.bytes), type: b.type || null }; }
    if (isBufferSource(object)) return { body: bodyFromBytes(copyBufferSource(object)), type: null };
    if (fdState.has(object)) { const m = encodeMultipart(fdState.get(object)); return { body: bodyFromBytes(m.bytes), type: m.type }; }
    // URLSearchParams: its serialization.
    return { body: bodyFromBytes(encode(String(object))), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  // Fetch "get the MIME type": [serialized, essence, boundary] or null.
  function mimeOf(list) {
    const v = listGet(list, 'content-type');
    return v === null ? null : ops.fetchMIME(v, true);
  }
  function parseFormData(bytes, list) {
    const m = mimeOf(list);
    const fd = new FormData();
    const entries = fdState.get(fd);
    if (m && m[1] === 'multipart/form-data') {
      if (!m[2]) throw new TypeError('Could not parse content as FormData.');
      const parts = ops.fetchParseMultipart(bytes, m[2]); // [name, filename|null, type, text|ArrayBuffer] …
      for (let i = 0; i < parts.length; i += 4) {
        const v = parts[i + 1] === null ? parts[i + 3] : makeFile(new Uint8Array(parts[i + 3]), normalizeBlobType(parts[i + 2]), parts[i + 1], Date.now());
        entries.push([parts[i], v]);
      }
      return fd;
    }
    if (m && m[1] === 'application/x-www-form-urlencoded') {
      const pairs = ops.fetchParseURLEncoded(bytes);
      for (let i = 0; i < pairs.length; i += 2) entries.push([pairs[i], pairs[i + 1]]);
      return fd;
    }
    throw new TypeError('Could not parse content as FormData.');
  }
  // The Body interface mixin on Request and Response: bodyOf(obj) is the
  // body (throwing TypeError on a foreign object), listOf(obj) the header
  // list.
  function installBody(cls, iface, bodyOf, listOf) {
    const consume = (obj, op, then) => {
      let body;
      try { body = bodyOf(obj); } catch (e) { return Promise.reject(e); }
      if (body !== null && isUnusable(body)) return Promise.reject(new TypeError(`Failed to execute '${op}' on '${iface}': body stream already read`));
      if (body === null || (!body.stream && body.error === undefined)) { // all in memory: no need to wait
        if (body !== null) { body.used = true; releaseBody(body); }
        try { return Promise.resolve(then(body === null ? EMPTY : bytesOf(body), obj)); } catch (e) { return Promise.reject(e); }
      }
      return readBody(body).then((bytes) => then(bytes, obj));
    };
    const methods = {
      arrayBuffer() { return consume(this, 'arrayBuffer', (b) => b.slice().buffer); },
      blob() { return consume(this, 'blob', (b, o) => { const m = mimeOf(listOf(o)); return makeBlob(b, m ? m[0] : ''); }); },
      bytes() { return consume(this, 'bytes', (b) => b.slice()); },
      formData() { return consume(this, 'formData', (b, o) => parseFormData(b, listOf(o))); },
      json() { return consume(this, 'json', (b) => JSON.parse(decode(b))); },
      text() { return consume(this, 'text', decode); },
    };
    const proto = cls.prototype;
    Object.defineProperty(proto, 'body', { get: function () { const b = bodyOf(this); return b === null ? null : bodyStream(b); }, configurable: true });
    Object.defineProperty(proto, 'bodyUsed', { get: function () { const b = bodyOf(this); return b !== null && isDisturbed(b); }, configurable: true });
    const keys = Object.keys(methods);
    for (let i = 0; i < keys.length; i++) Object.defineProperty(proto, keys[i], { value: methods[keys[i]], writable: true, configurable: true });
  }

  // ---- Request (Fetch §5.4) -----------------------------------------------------
  // this's request: { method, url, list, body, mode, credentials, cache,
  // redirect, destination, referrer ('client' | 'no-referrer' | URL),
  // referrerPolicy, integrity, keepalive, reloadNavigation,
  // historyNavigation, priority, duplex }, the defaults on its prototype
  // (objects with few own properties are much cheaper to make).
  // Request → { req, list, guard, sorted, headers: Headers or null, signal:
  // AbortSignal or null }: it is also the headers state of its Headers
  // (list is req.list), which, and a signal nothing can abort yet, are made
  // on first use.
  const reqState = new WeakMap();
  function reqs(r) { const s = reqState.get(r); if (!s) throw new TypeError('Illegal invocation'); return s; }
  function reqSignal(s) { if (s.signal === null) s.signal = newSignal(); return s.signal; }
  const methodNames = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
  const referrerPolicies = ['', 'no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin', 'strict-origin', 'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url'];
  const nullBodyStatus = (s) => s === 101 || s === 103 || s === 204 || s === 205 || s === 304;
  // (Not frozen: an inherited read-only property could not be assigned.)
  const innerRequestDefaults = {
    method: 'GET', url: '', list: null, body: null, mode: 'no-cors', credentials: 'same-origin', cache: 'default', redirect: 'follow',
    destination: '', referrer: 'client', referrerPolicy: '', integrity: '', keepalive: false, reloadNavigation: false,
    historyNavigation: false, priority: 'auto', duplex: 'half',
  };
  const newInnerRequest = (url, list) => ({ __proto__: innerRequestDefaults, url, list });
  // A copy of an inner request (own properties only; the list and body are
  // the caller's to replace).
  const copyInnerRequest = (q) => Object.assign({ __proto__: innerRequestDefaults }, q);
  const emptyRequestInit = Object.freeze({ empty: true });
  // WebIDL conversion of RequestInit (members in lexicographic order).
  function convertRequestInit(init) {
    if (init === undefined || init === null) return emptyRequestInit;
    const what = "Failed to construct 'Request'";
    const d = idl.dictionary(init, what);
    const o = { empty: true };
    let v;
    if ((v = d.body) !== undefined) { o.body = v === null ? null : convertBodyInit(v); o.empty = false; }
    if ((v = d.cache) !== undefined) { o.cache = idl.enumeration(v, ['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached'], 'RequestCache'); o.empty = false; }
    if ((v = d.credentials) !== undefined) { o.credentials = idl.enumeration(v, ['omit', 'same-origin', 'include'], 'RequestCredentials'); o.empty = false; }
    if ((v = d.duplex) !== undefined) { o.duplex = idl.enumeration(v, ['half'], 'RequestDuplex'); o.empty = false; }
    if ((v = d.headers) !== undefined) { o.headers = convertHeadersInit(v, what); o.empty = false; }
    if ((v = d.integrity) !== undefined) { o.integrity = idl.DOMString(v); o.empty = false; }
    if ((v = d.keepalive) !== undefined) { o.keepalive = idl.boolean(v); o.empty = false; }
    if ((v = d.method) !== undefined) { o.method = idl.ByteString(v); o.empty = false; }
    if ((v = d.mode) !== undefined) { o.mode = idl.enumeration(v, ['navigate', 'same-origin', 'no-cors', 'cors'], 'RequestMode'); o.empty = false; }
    if ((v = d.priority) !== undefined) { o.priority = idl.enumeration(v, ['high', 'low', 'auto'], 'RequestPriority'); o.empty = false; }
    if ((v = d.redirect) !== undefined) { o.redirect = idl.enumeration(v, ['follow', 'error', 'manual'], 'RequestRedirect'); o.empty = false; }
    if ((v = d.referrer) !== undefined) { o.referrer = idl.USVString(v); o.empty = false; }
    if ((v = d.referrerPolicy) !== undefined) { o.referrerPolicy = idl.enumeration(v, referrerPolicies, 'ReferrerPolicy'); o.empty = false; }
    if ((v = d.signal) !== undefined) {
      if (v !== null && !sigState.has(v)) throw new TypeError(`${what}: Failed to read the 'signal' property from 'RequestInit': Failed to convert value to 'AbortSignal'.`);
      o.signal = v; o.empty = false;
    }
    if ((v = d.window) !== undefined) { o.window = v; o.empty = false; }
    return o;
  }
  const requestStateDefaults = { guard: 'request', sorted: null, headers: null, signal: null }; // (not frozen, see above)
  function makeRequestObject(req, guard, signal) {
    const r = Object.create(Request.prototype);
    const s = { __proto__: requestStateDefaults, req, list: req.list, guard };
    if (signal !== null) s.signal = signal;
    reqState.set(r, s);
    return r;
  }
  // Fetch "clone a request".
  function cloneInnerRequest(q) {
    const c = copyInnerRequest(q);
    c.list = q.list.slice();
    c.body = cloneBody(q.body);
    return c;
  }
  class Request {
    constructor(...args) { // (a rest parameter: cheaper than arguments here; length set below)
      const what = "Failed to construct 'Request'";
      requiredArgs(1, args.length, what);
      const input = args[0], init = args.length > 1 ? args[1] : undefined;
      const inputRequest = (typeof input === 'object' && input !== null && reqState.get(input)) || null;
      // USVString: the URL parser makes the string scalar values itself.
      const inputURL = inputRequest ? null : typeof input === 'string' ? input : idl.DOMString(input);
      const o = convertRequestInit(init);
      let request; // 1.
      let fallbackMode = null; // 2.
      const baseURL = env.baseURL; // 3.
      let signal = null; // 4.
      if (inputRequest === null) { // 5. input is a string.
        const parsed = parseURL(inputURL, baseURL);
        if (parsed === null) throw new TypeError(`${what}: Failed to parse URL from ${idl.USVString(inputURL)}`);
        if (parsed[2]) throw new TypeError(`${what}: Request cannot be constructed from a URL that includes credentials: ${idl.USVString(inputURL)}`);
        // 12. A new request (nobody else has this one: no copy needed).
        request = newInnerRequest(parsed[0], []);
        fallbackMode = 'cors';
      } else { // 6. input is a Request.
        signal = reqSignal(inputRequest);
        // 12. A new request copying input's.
        request = copyInnerRequest(inputRequest.req);
        request.list = inputRequest.req.list.slice();
        request.body = null;
      }
      // 10. window may only be null.
      if (o.window !== undefined && o.window !== null) throw new TypeError(`${what}: The 'window' member of RequestInit must be null`);
      if (!o.empty) { // 13.
        if (request.mode === 'navigate') request.mode = 'same-origin';
        request.reloadNavigation = false;
        request.historyNavigation = false;
        request.referrer = 'client';
        request.referrerPolicy = '';
      }
      if (o.referrer !== undefined) { // 14.
        if (o.referrer === '') request.referrer = 'no-referrer';
        else {
          const parsed = parseURL(o.referrer, baseURL);
          if (parsed === null) throw new TypeError(`${what}: Referrer '${o.referrer}' is not a valid URL.`);
          if (parsed[0] === 'about:client' || parsed[1] !== env.origin) request.referrer = 'client';
          else request.referrer = parsed[0];
        }
      }
      if (o.referrerPolicy !== undefined) request.referrerPolicy = o.referrerPolicy; // 15.
      const mode = o.mode !== undefined ? o.mode : fallbackMode; // 16.
      if (mode === 'navigate') throw new TypeError(`${what}: Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'.`); // 17.
      if (mode !== null) request.mode = mode; // 18.
      if (o.credentials !== undefined) request.credentials = o.credentials; // 19.
      if (o.cache !== undefined) request.cache = o.cache; // 20.
      if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') { // 21.
        throw new TypeError(`${what}: 'only-if-cached' can be set only with 'same-origin' mode`);
      }
      if (o.redirect !== undefined) request.redirect = o.redirect; // 22.
      if (o.integrity !== undefined) request.integrity = o.integrity; // 23.
      if (o.keepalive !== undefined) request.keepalive = o.keepalive; // 24.
      if (o.method !== undefined) { // 25.
        let m = o.method;
        if (!isToken(m)) throw new TypeError(`${what}: '${m}' is not a valid HTTP method.`);
        if (forbiddenMethod(m)) throw new TypeError(`${what}: '${m}' HTTP method is unsupported.`);
        const upper = m.toUpperCase();
        if (methodNames.includes(upper)) m = upper; // normalize
        request.method = m;
      }
      if (o.signal !== undefined) signal = o.signal; // 26.
      if (o.priority !== undefined) request.priority = o.priority; // 27.
      // 28-31. this's request, signal (dependent on input's or init's) and headers.
      const state = { __proto__: requestStateDefaults, req: request, list: request.list };
      if (signal) state.signal = createDependentSignal([signal]);
      reqState.set(this, state);
      if (request.mode === 'no-cors') { // 32.
        if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'POST') throw new TypeError(`${what}: '${request.method}' is unsupported in no-cors mode.`);
        state.guard = 'request-no-cors';
      }
      if (!o.empty) { // 33. Refill this's headers through the guard.
        let pairs = o.headers;
        const list = request.list;
        if (pairs === undefined) {
          pairs = [];
          for (let i = 0; i < list.length; i += 3) pairs.push(list[i], list[i + 2]);
        }
        list.length = 0;
        fillHeaders(state, pairs, 'append');
      }
      const inputBody = inputRequest ? inputRequest.req.body : null; // 34.
      if (((o.body !== undefined && o.body !== null) || inputBody !== null) && (request.method === 'GET' || request.method === 'HEAD')) { // 35.
        throw new TypeError(`${what}: Request with GET/HEAD method cannot have body.`);
      }
      let initBody = null; // 36.
      if (o.body !== undefined && o.body !== null) { // 37.
        const bt = extractBody(o.body, request.keepalive);
        initBody = bt.body;
        if (bt.type !== null && !listContains(request.list, 'content-type')) headersAppend(state, 'Content-Type', bt.type, 'append');
      }
      const inputOrInitBody = initBody !== null ? initBody : inputBody; // 38.
      if (inputOrInitBody !== null && inputOrInitBody.source === null) { // 39. A stream body.
        if (initBody !== null && o.duplex === undefined) throw new TypeError(`${what}: The duplex member must be specified for a request with a streaming body`);
        if (request.mode !== 'same-origin' && request.mode !== 'cors') throw new TypeError(`${what}: If request is made from ReadableStream, mode should be "same-origin" or "cors"`);
        request.useCORSPreflight = true;
      }
      let finalBody = inputOrInitBody; // 40.
      if (initBody === null && inputBody !== null) { // 41. Take over input's body.
        if (isUnusable(inputBody)) throw new TypeError(`${what}: Cannot construct a Request with a Request object that has already been used.`);
        finalBody = { bytes: inputBody.bytes, stream: inputBody.stream, used: false, source: inputBody.source, error: inputBody.error, release: null };
        inputBody.used = true;
      }
      request.body = finalBody; // 42.
    }
    get method() { return reqs(this).req.method; }
    get url() { return reqs(this).req.url; }
    get headers() { const s = reqs(this); if (s.headers === null) s.headers = wrapHeaders(s); return s.headers; }
    get destination() { return reqs(this).req.destination; }
    get referrer() {
      const r = reqs(this).req.referrer;
      return r === 'no-referrer' ? '' : r === 'client' ? 'about:client' : r;
    }
    get referrerPolicy() { return reqs(this).req.referrerPolicy; }
    get mode() { return reqs(this).req.mode; }
    get credentials() { return reqs(this).req.credentials; }
    get cache() { return reqs(this).req.cache; }
    get redirect() { return reqs(this).req.redirect; }
    get integrity() { return reqs(this).req.integrity; }
    get keepalive() { return reqs(this).req.keepalive; }
    get isReloadNavigation() { return reqs(this).req.reloadNavigation; }
    get isHistoryNavigation() { return reqs(this).req.historyNavigation; }
    get signal() { return reqSignal(reqs(this)); }
    get duplex() { reqs(this); return 'half'; }
    clone() {
      const s = reqs(this);
      if (isUnusable(s.req.body)) throw new TypeError("Failed to execute 'clone' on 'Request': Request body is already used"); // 1.
      const c = cloneInnerRequest(s.req); // 2.
      return makeRequestObject(c, s.guard, createDependentSignal([reqSignal(s)])); // 3-5.
    }
  }
  Object.defineProperty(Request, 'length', { value: 1 });
  installBody(Request, 'Request', (r) => reqs(r).req.body, (r) => reqs(r).req.list);
  expose(Request, 'Request');

  // ---- Response (Fetch §5.5) -----------------------------------------------------
  // state: { type, status, statusText, list, guard, sorted (it is the
  // headers state of its Headers), headers (the Headers object, made on
  // first use), urlList, body, redirected, corsExposed, internal } where
  // internal (for filtered responses but basic and cors ones) is the
  // internal response { status, statusText, list, full, urlList, body }.
  // A basic or cors response's internal response is the state itself with
  // the unfiltered list full. The defaults are on the prototype (objects
  // with few own properties are much cheaper to make); urlList is never
  // changed, only replaced.
  const resState = new WeakMap();
  function ress(r) { const s = resState.get(r); if (!s) throw new TypeError('Illegal invocation'); return s; }
  // (Not frozen: an inherited read-only property could not be assigned.)
  const responseDefaults = {
    type: 'default', status: 200, statusText: '', list: null, guard: 'response', sorted: null, full: Object.freeze([]), filter: '', exposed: null,
    headers: null, urlList: Object.freeze([]), body: null, redirected: false, corsExposed: null, internal: null, src: null, pass: false,
  };
  // Responses made from Go (responseFromGo): immutable headers, the
  // unfiltered list (full) and the URL list fetched from the Go response
  // src on first use. pass: Go may still take src back as it is (see
  // responseData).
  const goResponseDefaults = { __proto__: responseDefaults, guard: 'immutable', full: null, urlList: null, pass: true };
  const urlsOf = (st) => (st.urlList !== null ? st.urlList : (st.urlList = ops.fetchGoURLList(st.src)));
  function makeResponseObject(st) { const r = Object.create(Response.prototype); resState.set(r, st); return r; }
  const defaultResponseInit = Object.freeze({ headers: undefined, status: 200, statusText: '' });
  function convertResponseInit(init, what) {
    if (init === undefined || init === null) return defaultResponseInit;
    const d = idl.dictionary(init, what);
    const o = { headers: undefined, status: 200, statusText: '' };
    if (d.headers !== undefined) o.headers = convertHeadersInit(d.headers, what);
    if (d.status !== undefined) o.status = idl.unsignedShort(d.status);
    if (d.statusText !== undefined) o.statusText = idl.ByteString(d.statusText);
    return o;
  }
  // Fetch "initialize a response".
  function initializeResponse(st, init, bt, what) {
    if (init.status < 200 || init.status > 599) throw new RangeError(`${what}: The status provided (${init.status}) is outside the range [200, 599].`); // 1.
    if (init.statusText !== '' && !/^[\t\x20-\x7E\x80-\xFF]*$/.test(init.statusText)) throw new TypeError(`${what}: Invalid statusText`); // 2.
    if (init.status !== 200) st.status = init.status; // 3.
    if (init.statusText !== '') st.statusText = init.statusText; // 4.
    if (init.headers !== undefined) fillHeaders(st, init.headers, 'append'); // 5.
    if (bt !== null) { // 6.
      if (nullBodyStatus(st.status)) throw new TypeError(`${what}: Response with null body status cannot have body`);
      st.body = bt.body;
      if (bt.type !== null && !listContains(hlist(st), 'content-type')) { listAppend(st.list, 'Content-Type', 'content-type', bt.type); st.sorted = null; }
    }
  }
  // Fetch "clone a response" (a filtered one keeps its filter).
  function cloneResponseState(st) {
    const c = Object.assign({ __proto__: Object.getPrototypeOf(st) }, st);
    c.sorted = null;
    c.headers = null;
    if (st.list !== null) c.list = st.list.slice(); // else it shares full (never changed)
    if (st.internal) { // its header list is never changed: shared
      const ib = cloneBody(st.internal.body);
      c.internal = Object.assign({ __proto__: Object.getPrototypeOf(st.internal) }, st.internal);
      c.internal.body = ib;
      c.body = st.body !== null ? ib : null;
    } else {
      c.body = cloneBody(st.body);
    }
    return c;
  }
  class Response {
    constructor(body = null, init = undefined) {
      const what = "Failed to construct 'Response'";
      const b = body === null || body === undefined ? null : convertBodyInit(body);
      const i = init === undefined ? defaultResponseInit : convertResponseInit(init, what);
      const st = { __proto__: responseDefaults }; // 1-2. (guard "response"; the list is made on first use)
      resState.set(this, st);
      const bt = b === null ? null : extractBody(b, false); // 3-4.
      initializeResponse(st, i, bt, what); // 5.
    }
    static error() {
      return makeResponseObject({ __proto__: responseDefaults, list: [], guard: 'immutable', type: 'error', status: 0 });
    }
    // (Rest parameters: cheaper than arguments here; lengths set below.)
    static redirect(...args) {
      const what = "Failed to execute 'redirect' on 'Response'";
      requiredArgs(1, args.length, what);
      const url = idl.USVString(args[0]);
      const s = args.length > 1 ? args[1] : undefined;
      const status = idl.unsignedShort(s === undefined ? 302 : s);
      const parsed = parseURL(url, env.baseURL); // 1.
      if (parsed === null) throw new TypeError(`${what}: Failed to parse URL from ${url}`); // 2.
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`${what}: Invalid status code`); // 3.
      const st = { __proto__: responseDefaults, list: [], guard: 'immutable' }; // 4.
      st.status = status; // 5.
      listAppend(st.list, 'Location', 'location', parsed[0]); // 6-7.
      return makeResponseObject(st);
    }
    static json(...args) {
      const what = "Failed to execute 'json' on 'Response'";
      requiredArgs(1, args.length, what);
      const data = args[0], init = args.length > 1 ? args[1] : undefined;
      const i = convertResponseInit(init, what);
      const s = JSON.stringify(data); // 1. Serialize a JavaScript value to JSON bytes.
      if (s === undefined) throw new TypeError(`${what}: The data is not JSON serializable`);
      const st = { __proto__: responseDefaults }; // 3.
      initializeResponse(st, i, { body: bodyFromBytes(encode(s)), type: 'application/json' }, what); // 2, 4.
      return makeResponseObject(st);
    }
    get type() { return ress(this).type; }
    get url() {
      const l = urlsOf(ress(this));
      if (!l.length) return '';
      const u = l[l.length - 1];
      const i = u.indexOf('#');
      return i < 0 ? u : u.slice(0, i);
    }
    get redirected() { const st = ress(this); return urlsOf(st).length > 1 || st.redirected; }
    get status() { return ress(this).status; }
    get ok() { const s = ress(this).status; return s >= 200 && s <= 299; }
    get statusText() { return ress(this).statusText; }
    get headers() { const st = ress(this); if (st.headers === null) st.headers = wrapHeaders(st); return st.headers; }
    clone() {
      const st = ress(this);
      if (isUnusable(st.body) || (st.internal && isUnusable(st.internal.body))) throw new TypeError("Failed to execute 'clone' on 'Response': Response body is already used"); // 1.
      const c = makeResponseObject(cloneResponseState(st)); // 2-3. (The clone keeps pass.)
      if (st.src !== null) st.pass = false;
      return c;
    }
  }
  Object.defineProperty(Response.redirect, 'length', { value: 1 });
  Object.defineProperty(Response.json, 'length', { value: 1 });
  installBody(Response, 'Response', (r) => ress(r).body, (r) => hlist(ress(r)));
  expose(Response, 'Response');

  // ---- fetch() (Fetch §5.6) --------------------------------------------------------
  function referrerString(r) { return r === 'no-referrer' ? '' : r === 'client' ? 'about:client' : r; }
  // The request as Go reads it (see requestData in fetch.go).
  function requestData(q, consume, bytes) {
    let b = null;
    if (q.body !== null) {
      b = bytes !== undefined ? bytes : bodyBytesNow(q.body, consume);
      if (b === undefined) return undefined;
    }
    return [q.method, q.url, q.list, b, q.mode, q.credentials, q.cache, q.redirect, q.destination,
      referrerString(q.referrer), q.referrerPolicy, q.integrity, q.keepalive];
  }
  // Fetch "abort the fetch() call".
  function abortFetchCall(request, responseObject, error) {
    if (request.body !== null && request.body.stream) cancelStream(rsState.get(request.body.stream), error).then(undefined, () => {});
    if (responseObject === null) return;
    const st = resState.get(responseObject);
    const body = st.internal ? st.internal.body : st.body;
    if (body === null || isDisturbed(body)) return;
    if (body.stream) errorStream(rsState.get(body.stream), error);
    else body.error = error;
  }
  function fetch(...args) { // (a rest parameter: cheaper than arguments here; length set below)
    if (args.length < 1) return Promise.reject(new TypeError("Failed to execute 'fetch': 1 argument required, but only 0 present."));
    const input = args[0], init = args.length > 1 ? args[1] : undefined;
    let requestObject;
    try { requestObject = new Request(input, init); } catch (e) { return Promise.reject(e); } // 2.
    const { req: request, signal } = reqState.get(requestObject); // 3.
    // Without a signal (none given, none on the input) nothing can abort.
    const sst = signal === null ? null : sigState.get(signal);
    if (sst !== null && sst.aborted) { // 4.
      abortFetchCall(request, null, sst.reason);
      releaseDependent(signal);
      return Promise.reject(sst.reason);
    }
    return new Promise((resolve, reject) => {
      let locallyAborted = false, cancel = null, responseObject = null;
      const release = () => { if (signal !== null) { removeAbortAlgorithm(signal, onAbort); releaseDependent(signal); } };
      const onAbort = () => { // 10. Abort steps.
        locallyAborted = true;
        if (cancel) cancel();
        abortFetchCall(request, responseObject, sst.reason);
        reject(sst.reason);
        releaseDependent(signal);
      };
      if (signal !== null) addAbortAlgorithm(signal, onAbort);
      const start = (data) => {
        if (locallyAborted) return;
        let h;
        try { h = ops.fetchStart(data); } catch (e) { release(); reject(e); return; }
        cancel = h[1];
        h[0].then((response) => { // 12. processResponse.
          if (locallyAborted) return;
          responseObject = response;
          const st = resState.get(response);
          const body = st.internal ? st.internal.body : st.body;
          // Abort may still error the body until it is read.
          if (body !== null && signal !== null) body.release = release; else release();
          resolve(response);
        }, (err) => {
          if (locallyAborted) return;
          release();
          reject(err);
        });
      };
      let data;
      try { data = requestData(request, true); } catch (e) { release(); reject(e); return; }
      if (data !== undefined) { start(data); return; }
      readAllBytes(request.body.stream).then((bytes) => start(requestData(request, true, bytes)), (e) => { release(); reject(e); });
    });
  }
  Object.defineProperty(fetch, 'length', { value: 1 });
  Object.defineProperty(global, 'fetch', { value: fetch, writable: true, enumerable: true, configurable: true });

  // ---- Go interop (fetch.go) ---------------------------------------------------------
  // A Response for a Go response src (internal response data, its type
  // naming the filter): basic, cors, opaque, opaqueredirect, error or
  // default. Its header list [name, lowercased name, value, …] (ops.
  // fetchGoHeaders) and body bytes (ops.fetchGoBody) are fetched from src
  // when first needed; the filtered list is built from the former then.
  // pass: Go may take src back as it is (responseData).
  function responseFromGo(src, pass, type, status, statusText, hasBody, redirected, exposed) {
    const b = hasBody ? { __proto__: bodyDefaults, src } : null;
    let st; // (each made by one literal: cheaper than adding properties)
    switch (type) {
      case 'basic': // Headers less Set-Cookie and Set-Cookie2.
      case 'cors': // Headers less all but the CORS-safelisted and exposed names.
        st = { __proto__: goResponseDefaults, type, src, filter: type, statusText, body: b };
        if (type === 'cors') {
          st.corsExposed = exposed;
          const names = exposed || [], lower = [];
          for (let i = 0; i < names.length; i++) lower.push(names[i].toLowerCase());
          st.exposed = nameSet(lower);
        }
        if (status !== 200) st.status = status;
        break; // the internal response: this state, with the full list
      case 'opaque': // Status 0, no headers, no body, an empty URL list.
      case 'opaqueredirect': // Status 0, no headers, no body.
      case 'error':
        st = { __proto__: goResponseDefaults, type, src, list: [], status: 0 };
        if (type !== 'opaqueredirect') st.urlList = responseDefaults.urlList; // (else src's)
        st.internal = { __proto__: goResponseDefaults, status, statusText, src, body: b };
        break;
      default:
        st = { __proto__: goResponseDefaults, type, src, statusText, body: b };
        if (status !== 200) st.status = status;
    }
    if (!pass) st.pass = false;
    if (redirected) st.redirected = true;
    return makeResponseObject(st);
  }
  // The response as Go reads it: the internal response of a filtered one;
  // or the Go response it was made from (src, while pass), when nothing has
  // happened that could make it differ: the status, URL list and immutable
  // headers of a response from Go never change, so only the body matters,
  // which must be neither read nor given a stream (to read, lock or tee).
  // A body never becomes unused again or loses its stream, so that is
  // checked here, and pass dropped; clone() drops it at once.
  function responseData(v, consume, bytes) {
    const st = resState.get(v);
    const inner = st.internal || st;
    if (st.pass && st.src !== null && bytes === undefined) {
      const b = inner.body;
      if (b === null) return st.src;
      if (b.stream === null && !b.used) {
        if (consume) { b.used = true; releaseBody(b); }
        return st.src;
      }
      st.pass = false;
    }
    let b = null;
    if (inner.body !== null) {
      if (bytes === undefined && consume && isUnusable(inner.body)) throw new TypeError('Response body is already used');
      b = bytes !== undefined ? bytes : bodyBytesNow(inner.body, consume);
      if (b === undefined) return undefined;
    }
    return [st.type, inner.status, inner.statusText, inner.filter ? fullOf(inner) : listOf(inner), b, urlsOf(inner), st.redirected || urlsOf(inner).length > 1, st.corsExposed];
  }
  function requestFromGo(method, url, list, body, mode, credentials, cache, redirect, destination, referrer, referrerPolicy, integrity, keepalive) {
    const q = newInnerRequest(url, list);
    if (method !== 'GET') q.method = method;
    if (body !== null) q.body = bodyFromBytes(new Uint8Array(body));
    if (mode !== 'no-cors') q.mode = mode;
    if (credentials !== 'same-origin') q.credentials = credentials;
    if (cache !== 'default') q.cache = cache;
    if (redirect !== 'follow') q.redirect = redirect;
    if (destination !== '') q.destination = destination;
    if (referrer === '') q.referrer = 'no-referrer';
    else if (referrer !== 'about:client' && referrer !== 'client') q.referrer = referrer;
    if (referrerPolicy !== '') q.referrerPolicy = referrerPolicy;
    if (integrity !== '') q.integrity = integrity;
    if (keepalive) q.keepalive = true;
    return makeRequestObject(q, 'immutable', null);
  }
  const bodyOf = (v) => {
    const q = reqState.get(v);
    if (q) return q.req.body;
    const s = resState.get(v);
    if (s) return s.internal ? s.internal.body : s.body;
    return undefined;
  };
  internals.fetch = fetch;
  internals.fetchInterop = {
    isRequest: (v) => reqState.has(v),
    isResponse: (v) => resState.has(v),
    makeResponse: responseFromGo,
    makeRequest: requestFromGo,
    // requestData and responseData return null for v of another kind.
    requestData: (v, consume) => {
      const s = reqState.get(v);
      if (s === undefined) return null;
      const q = s.req;
      if (consume && isUnusable(q.body)) throw new TypeError('Request body is already used');
      return requestData(q, consume);
    },
    responseData: (v, consume) => (resState.has(v) ? responseData(v, consume) : null),
    // Reads a stream body to its end, then returns the data (consumed).
    bufferedData: (v) => {
      const isReq = reqState.has(v);
      const body = bodyOf(v);
      if (body !== null && isUnusable(body)) return Promise.reject(new TypeError(`${isReq ? 'Request' : 'Response'} body is already used`));
      const data = isReq ? requestData(reqState.get(v).req, true) : responseData(v, true);
      if (data !== undefined) return Promise.resolve(data);
      return readAllBytes(body.stream).then((bytes) => (isReq ? requestData(reqState.get(v).req, true, bytes) : responseData(v, true, bytes)));
    },
    bodyUnusable: (v) => { const b = bodyOf(v); return b !== undefined && b !== null && isUnusable(b); },
    markBodyUsed: (v) => {
      const b = bodyOf(v);
      if (b === undefined || b === null) return;
      if (isUnusable(b)) throw new TypeError('Body is already used');
      if (!b.stream) { b.used = true; releaseBody(b); } else if (bodyBytesNow(b, true) === undefined) b.used = true;
    },
    abortRequest: (v, reason) => signalAbort(reqSignal(reqState.get(v)), reason),
    newRequest: (url) => new Request(url),
    makeBlob, makeFile, extractBody, readBody, streamFromBytes,
  };
})
