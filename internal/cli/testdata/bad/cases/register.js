// Registers the script and scope named in the page URL's query and prints
// the outcome: "ok SCOPE" or "ERRORNAME: message", then how many
// registrations the origin has.
const q = new URL(location.href).searchParams;
const opts = q.has('scope') ? { scope: q.get('scope') } : undefined;
navigator.serviceWorker.register(q.get('script'), opts)
  .then((reg) => console.log('ok ' + reg.scope), (e) => console.log(e.name + ': ' + e.message))
  .then(() => navigator.serviceWorker.getRegistrations())
  .then((list) => console.log('registrations: ' + list.length));
