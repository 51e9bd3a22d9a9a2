// Registers the news worker. In swhost's headless pages this installs it; in
// a person's browser on swhost's front, swhost refuses the script so that it
// stays the one running the worker, and the page simply works without it.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').then(
    (reg) => console.log('news: service worker registered for ' + reg.scope),
    (err) => console.log('news: service worker not registered here (' + err.name + ')'));
}
