// A news worker that itself discovers the SDK's worker (beyond the draft:
// inter-worker communication under the same grant rules).
self.addEventListener('push', (e) => {
  e.waitUntil((async () => {
    const d = await self.discover('https://sdk.social.example/sw.js');
    const reply = new Promise((resolve) => self.addEventListener('message', (m) => { if (m.source === d.active) resolve(m); }));
    d.active.postMessage({ action: 'echo', text: 'from a worker' });
    const m = await reply;
    console.log('worker got ' + JSON.stringify(m.data) + ' from ' + m.origin);
  })());
});
