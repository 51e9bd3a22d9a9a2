// A worker whose listeners throw (events_threw_test.go): the exception is
// reported, the other listeners still run, and the host's caller hears it.
self.addEventListener('fetch', () => {});
self.addEventListener('push', (e) => {
  const what = e.data.text();
  if (what.startsWith('add ')) e.waitUntil(self.registration.index.add({ id: what.slice(4), title: 'T', description: 'D', url: '/throws/a' }));
  if (what === 'throw') throw new Error('boom');
});
self.addEventListener('push', (e) => console.log('second listener: ' + e.data.text()));
self.addEventListener('contentdelete', () => { throw new TypeError('cleanup broke'); });
