// Registered but never published.
self.addEventListener('message', () => {});
