// Published only to https://partner.example.
self.addEventListener('activate', (e) => e.waitUntil(self.publish({ origins: ['https://partner.example'] })));
self.addEventListener('message', (e) => e.source.postMessage('hi partner'));
