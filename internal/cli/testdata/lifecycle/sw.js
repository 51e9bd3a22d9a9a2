self.addEventListener('install', (e) => {
  e.waitUntil(new Promise((resolve) => setTimeout(resolve, 10)));
});
self.addEventListener('activate', (e) => e.waitUntil(Promise.resolve()));
