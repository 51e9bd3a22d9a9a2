// A third-party worker that offers itself to other sites: it publishes on
// activation and answers messages from its foreign clients.
self.addEventListener('install', (e) => e.waitUntil(self.skipWaiting()));
self.addEventListener('activate', (e) => e.waitUntil(self.publish().then((ok) => console.log('sdk published: ' + ok))));
self.addEventListener('message', (e) => { e.source.postMessage({ echo: e.data, from: e.origin }); });
