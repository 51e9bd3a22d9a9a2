// The worker of the front benchmark, answering like the Miniflare peer's
// worker (testdata/frontbench/peers/worker.mjs):
//   /cache  -> from Cache Storage (caches.match; the body precached at install)
//   /cache-open -> caches.open('v1') then cache.match
//   /plain  -> a new Response each time (the fetch-event floor)
const BODY = 'x'.repeat(1024);
const KEY = '/bench/item';
self.addEventListener('install', (e) => {
  e.waitUntil(caches.open('v1').then((c) => c.add(KEY)));
  self.skipWaiting();
});
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  const path = new URL(e.request.url).pathname;
  if (path === '/plain') {
    e.respondWith(new Response(BODY, { headers: { 'content-type': 'text/plain' } }));
  } else if (path === '/cache') {
    e.respondWith(caches.match(KEY).then((hit) => hit || new Response('miss', { status: 500 })));
  } else if (path === '/cache-open') {
    e.respondWith(caches.open('v1').then((c) => c.match(KEY)).then((hit) => hit || new Response('miss', { status: 500 })));
  }
});
