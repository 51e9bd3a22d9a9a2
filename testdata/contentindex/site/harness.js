// Test harness of index_test.go: runs a snippet (the body of an async
// function of reg, idx and log) in this window or in the active worker of a
// registration, and prints "RESULT <token> <json>" for the Go test.
const AsyncFunction = (async () => {}).constructor;
function describeError(e) {
  if (e && typeof e === 'object' && 'name' in e) return e.name + ': ' + e.message;
  return 'thrown: ' + String(e);
}
async function runSnippet(token, realm, scope, body) {
  let out;
  try {
    const reg = await navigator.serviceWorker.getRegistration(scope);
    if (!reg) throw new Error('no registration for ' + scope);
    if (realm === 'window') {
      out = { ok: await new AsyncFunction('reg', 'idx', body)(reg, reg.index) };
    } else {
      out = await new Promise((resolve) => {
        const ch = new MessageChannel();
        ch.port1.onmessage = (e) => resolve(e.data);
        reg.active.postMessage({ run: body }, [ch.port2]);
      });
    }
  } catch (e) {
    out = { err: describeError(e) };
  }
  console.log('RESULT ' + token + ' ' + JSON.stringify(out === undefined ? null : out));
}
