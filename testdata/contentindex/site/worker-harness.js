// Runs snippets posted by harness.js in this worker (see harness.js).
const AsyncFunction = (async () => {}).constructor;
function describeError(e) {
  if (e && typeof e === 'object' && 'name' in e) return e.name + ': ' + e.message;
  return 'thrown: ' + String(e);
}
self.addEventListener('message', (e) => {
  const m = e.data;
  if (!m || typeof m.run !== 'string') return;
  const port = e.ports[0];
  e.waitUntil((async () => {
    let reply;
    try {
      reply = { ok: await new AsyncFunction('reg', 'idx', m.run)(self.registration, self.registration.index) };
    } catch (err) {
      reply = { err: describeError(err) };
    }
    port.postMessage(reply);
  })());
});
