// Test harness of the fetch, FetchEvent and Cache Storage tests: inWorker
// runs a snippet (the body of an async function) in the active worker of
// this page's registration and returns its value, or throws what it threw.
const AsyncFunction = (async () => {}).constructor;
async function inWorker(body) {
  const reg = await navigator.serviceWorker.ready;
  const reply = await new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = (e) => resolve(e.data);
    reg.active.postMessage({ run: body }, [ch.port2]);
  });
  if ('err' in reply) {
    const e = new Error(reply.err.message);
    e.name = reply.err.name;
    throw e;
  }
  return reply.ok;
}
