// A published SDK worker. Messages: {action: 'echo'} replies with what the
// worker can see of its foreign client; {action: 'unpublish'} unpublishes.
self.addEventListener('activate', (e) => e.waitUntil(self.publish()));
self.addEventListener('message', (e) => {
  e.waitUntil((async () => {
    if (e.data.action === 'unpublish') {
      e.source.postMessage({ unpublished: await self.unpublish() });
      return;
    }
    const all = await clients.matchAll({ includeUncontrolled: true, type: 'all' });
    const got = await clients.get(e.source.id);
    e.source.postMessage({
      echo: e.data.text, origin: e.origin, type: e.source.type, sourceOrigin: e.source.origin,
      keys: Object.keys(Object.getPrototypeOf(e.source)).sort().join(','),
      listed: all.length, get: String(got), version: VERSION,
    });
  })());
});
var VERSION = 1;
