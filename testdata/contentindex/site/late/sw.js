// A worker whose install waits for /gate/late-install (gated by the test), so
// that its registration has no active worker meanwhile. The install handler
// itself tries add() (no active worker: TypeError) and keeps the outcome in
// the cache "late".
self.addEventListener('fetch', () => {});
self.addEventListener('install', (e) => {
  e.waitUntil((async () => {
    let outcome;
    try {
      await self.registration.index.add({ id: 'x', title: 't', description: 'd', url: '/late/x' });
      outcome = 'resolved';
    } catch (err) {
      outcome = err.name + ': ' + err.message;
    }
    await (await caches.open('late')).put('/outcome', new Response(outcome));
    await fetch('/gate/late-install');
  })());
});
