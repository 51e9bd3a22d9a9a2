// A third-party SDK's service worker with offline support: it publishes
// itself so that pages of other origins can discover it, queues their
// actions durably in Cache Storage, and delivers them when its upstream
// answers.
self.addEventListener('activate', (e) => {
  e.waitUntil(self.publish().then((ok) => console.log('published: ' + ok)));
});

async function flush(queue) {
  let delivered = 0;
  for (const req of await queue.keys()) {
    const body = await (await queue.match(req)).text();
    try {
      const r = await fetch('/api/like', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      if (!r.ok) break;
      await queue.delete(req);
      delivered++;
    } catch (err) {
      break; // upstream down: keep the queue
    }
  }
  return delivered;
}

self.addEventListener('message', (e) => {
  e.waitUntil((async () => {
    const queue = await caches.open('sdk-queue');
    if (e.data.action === 'like') {
      const id = Date.now() + '-' + Math.random().toString(36).slice(2);
      await queue.put(new Request('/queue/' + id), new Response(JSON.stringify({ like: e.data.article, from: e.origin })));
    }
    const delivered = await flush(queue);
    const queued = (await queue.keys()).length;
    e.source.postMessage({ ack: e.data.action, queued, delivered, sourceType: e.source.type, hasURL: 'url' in e.source });
  })());
});
