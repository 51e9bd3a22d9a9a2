// The Content Index workload of bench_index_test.go, run inside the service
// worker by swhost and by Chromium alike (timed with performance.now()):
// 1,000 sequential adds, 1,000 concurrent adds, 8,000 more in batches of
// 1,000 (10,000 entries), getAll over the 10,000 (median of 5), then 1,000
// sequential and 1,000 concurrent deletes.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  if (new URL(e.request.url).pathname.startsWith('/offline/')) {
    e.respondWith(new Response('offline', { headers: { 'content-type': 'text/html' } }));
  }
});
const desc = (id) => ({ id, title: 'Title ' + id, description: 'Description ' + id, category: 'article', icons: [], url: '/offline/' + id });
const many = (n, f) => Promise.all(Array.from({ length: n }, (_, i) => f(i)));
async function workload() {
  const idx = self.registration.index;
  const out = {};
  let t0 = performance.now();
  for (let i = 0; i < 1000; i++) await idx.add(desc('s' + i));
  out.addSeq1000 = performance.now() - t0;
  t0 = performance.now();
  await many(1000, (i) => idx.add(desc('p' + i)));
  out.addPar1000 = performance.now() - t0;
  for (let b = 0; b < 8000; b += 1000) await many(1000, (i) => idx.add(desc('b' + (b + i))));
  const times = [];
  for (let r = 0; r < 5; r++) {
    t0 = performance.now();
    out.count = (await idx.getAll()).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  out.getAll10000 = times[2];
  t0 = performance.now();
  for (let i = 0; i < 1000; i++) await idx.delete('s' + i);
  out.deleteSeq1000 = performance.now() - t0;
  t0 = performance.now();
  await many(1000, (i) => idx.delete('p' + i));
  out.deletePar1000 = performance.now() - t0;
  out.after = (await idx.getAll()).length;
  return out;
}
self.addEventListener('message', (e) => {
  const port = e.ports[0];
  e.waitUntil(workload().then((r) => port.postMessage(r), (err) => port.postMessage({ error: String(err && err.stack || err) })));
});
