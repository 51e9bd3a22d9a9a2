// Discovers the social SDK's published worker and sends it the action named
// in the page URL's query; prints the SDK's reply.
(async () => {
  const action = new URL(location.href).searchParams.get('action');
  let d;
  try {
    d = await navigator.serviceWorker.discover('https://sdk.social.example/sw.js');
  } catch (e) {
    console.log('discover failed: ' + e.name + ': ' + e.message);
    return;
  }
  const sdk = d.active;
  console.log('discovered: ' + sdk.scriptURL + ' (' + sdk.state + '), registration hidden: ' + !('scope' in sdk) + ', ' + (d.active === sdk));
  const reply = new Promise((resolve) => {
    navigator.serviceWorker.addEventListener('message', (e) => { if (e.source === sdk) resolve(e); });
  });
  sdk.postMessage({ action, article: 42 });
  const e = await reply;
  console.log('sdk replied from ' + e.origin + ': ' + JSON.stringify(e.data));
})();
