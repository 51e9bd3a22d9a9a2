// The worker of the fetch, FetchEvent and Cache Storage tests: a fetch
// handler whose behaviour the path selects, and a snippet runner.
const AsyncFunction = (async () => {}).constructor;
self.seen = [];
let release;
const released = new Promise((r) => { release = r; });

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('message', (e) => {
  const m = e.data;
  if (m === 'release') { release(); return; }
  if (!m || typeof m.run !== 'string') return;
  const port = e.ports[0];
  e.waitUntil((async () => {
    let reply;
    try {
      reply = { ok: await new AsyncFunction(m.run)() };
    } catch (err) {
      reply = { err: { name: err && err.name, message: err && err.message } };
    }
    port.postMessage(reply === undefined ? null : reply);
  })());
});

function json(v) { return new Response(JSON.stringify(v), { headers: { 'content-type': 'application/json' } }); }

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (!url.pathname.startsWith('/fe/')) return;
  const req = e.request;
  self.seen.push({ path: url.pathname, method: req.method, mode: req.mode, destination: req.destination,
    credentials: req.credentials, redirect: req.redirect, clientId: e.clientId, resultingClientId: e.resultingClientId });
  switch (url.pathname) {
    case '/fe/respond':
      e.respondWith((async () => {
        let headersImmutable = false;
        try { req.headers.set('x-test', '1'); } catch (err) { headersImmutable = err instanceof TypeError; }
        return json({ url: req.url, method: req.method, mode: req.mode, destination: req.destination,
          credentials: req.credentials, clientId: e.clientId, resultingClientId: e.resultingClientId,
          preload: await e.preloadResponse, preloadIsPromise: e.preloadResponse instanceof Promise, preloadSame: e.preloadResponse === e.preloadResponse,
          headersImmutable, isFetchEvent: e instanceof FetchEvent, accept: req.headers.get('accept') });
      })());
      break;
    case '/fe/handled':
      // handled resolves once the response is handed over, whether read
      // before or after that.
      e.respondWith(new Response('handled'));
      e.waitUntil(e.handled.then(() => { self.handledEarly = true; }));
      self.lastEvent = e;
      break;
    case '/fe/stream':
      // The response is handed over at once; its body is written later,
      // after the event's lifetime ended.
      e.respondWith(new Response(new ReadableStream({
        start(c) {
          setTimeout(() => {
            c.enqueue(new TextEncoder().encode('streamed '));
            setTimeout(() => { c.enqueue(new TextEncoder().encode('body')); c.close(); }, 5);
          }, 5);
        },
      })));
      break;
    case '/fe/none':
      break; // no respondWith: the network answers
    case '/fe/reject':
      e.respondWith(Promise.reject(new Error('the worker refuses')));
      break;
    case '/fe/not-a-response':
      e.respondWith(Promise.resolve({ status: 200 }));
      break;
    case '/fe/used-body':
      e.respondWith((async () => { const r = new Response('used'); await r.text(); return r; })());
      break;
    case '/fe/prevent':
      e.preventDefault();
      break;
    case '/fe/late': {
      // respondWith after the handler returned: InvalidStateError, and the
      // network answers.
      const p = Promise.resolve().then(() => {
        try { e.respondWith(new Response('late')); self.lateError = 'none'; } catch (err) { self.lateError = err.name; }
      });
      e.waitUntil(p);
      break;
    }
    case '/fe/twice':
      e.respondWith(new Response('first'));
      try { e.respondWith(new Response('second')); } catch (err) { self.twiceError = err.name; }
      break;
    case '/fe/passthrough':
      e.respondWith(fetch(req));
      break;
    case '/fe/echo':
      e.respondWith((async () => json({ method: req.method, body: await req.text(), type: req.headers.get('content-type'),
        bodyUsed: req.bodyUsed }))());
      break;
    case '/fe/wait-until':
      // The response goes out at once; the event stays extended until the
      // page sends "release", then records that it ended.
      e.respondWith(new Response('answered before the lifetime ended'));
      e.waitUntil(released.then(() => caches.open('wait-until')).then((c) => c.put('/fe/wait-until-done', new Response('done'))));
      break;
    case '/fe/redirect':
      e.respondWith(Response.redirect('/fe/respond?from=redirect', 302));
      break;
    case '/fe/error':
      e.respondWith(Response.error());
      break;
    case '/fe/cache-first':
      e.respondWith(caches.match(req).then((hit) => hit || fetch(req).then(async (resp) => {
        const c = await caches.open('cache-first');
        await c.put(req, resp.clone());
        return resp;
      })));
      break;
  }
});
