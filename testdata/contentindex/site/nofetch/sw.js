// A worker without a fetch listener: add() must reject (step 7).
importScripts('/worker-harness.js');
self.addEventListener('push', () => {});
