// The worker of index_test.go: a fetch handler that answers /a/* (the
// launch URLs) and records the icon requests it sees, a contentdelete
// handler driven by the test, and the snippet runner.
importScripts('/worker-harness.js');

self.seenRequests = [];
self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  self.seenRequests.push({ path: url.pathname, mode: e.request.mode, destination: e.request.destination,
    credentials: e.request.credentials, clientId: e.clientId, resultingClientId: e.resultingClientId });
  if (url.pathname.startsWith('/a/')) {
    e.respondWith(new Response('<!doctype html><title>' + url.pathname + '</title><p>launched ' + url.pathname + '</p>',
      { headers: { 'content-type': 'text/html' } }));
  }
});
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

// contentdelete: what the handler does is set by the test through the
// cache "ci-test" (key /contentdelete-mode), so it survives a restart.
async function mode() {
  const r = await (await caches.open('ci-test')).match('/contentdelete-mode');
  return r ? r.text() : 'log';
}
async function record(line) {
  const c = await caches.open('ci-test');
  const prev = await c.match('/contentdelete-log');
  const text = (prev ? await prev.text() : '') + line + '\n';
  await c.put('/contentdelete-log', new Response(text));
}
self.addEventListener('contentdelete', (event) => {
  event.waitUntil((async () => {
    const m = await mode();
    const all = (await self.registration.index.getAll()).map((d) => d.id).join(',');
    let add = '';
    if (m === 'add' || m === 'hang-add') {
      try {
        await self.registration.index.add({ id: event.id, title: 'again', description: 'again', url: '/a/' + event.id });
        add = ' add:resolved';
      } catch (e) {
        add = ' add:' + e.name;
      }
    }
    await record('contentdelete ' + event.id + ' ' + (event instanceof ContentIndexEvent) + ' entries:[' + all + ']' + add);
    if (m === 'hang' || m === 'hang-add') await fetch('/gate/contentdelete'); // the test opens the gate
    if (m === 'forever') await new Promise(() => {});
    if (m === 'reject') throw new Error('handler failed');
  })());
});
