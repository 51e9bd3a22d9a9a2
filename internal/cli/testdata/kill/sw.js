self.addEventListener('install', (e) => e.waitUntil(new Promise((r) => setTimeout(r, 50))));
self.addEventListener('push', (e) => console.log('got push: ' + e.data.text()));
