// A registration with the narrower scope /narrow/.
importScripts('/worker-harness.js');
self.addEventListener('fetch', () => {});
