navigator.serviceWorker.ready.then(async (reg) => {
  const w = reg.active;
  const first = await reg.unregister();
  const second = await reg.unregister();
  const after = await navigator.serviceWorker.getRegistration();
  setTimeout(() => console.log(`unregister: ${first}, again: ${second}, registration: ${after}, state: ${w.state}`), 20);
});
