// The news site's service worker. The push, activate and contentdelete
// handlers and deleteArticleResources are the Content Index spec's own
// example (§1.1), verbatim; the rest precaches the shell and serves
// everything cache-first so the site works offline.

const SHELL_CACHE = 'news-shell-v1';
const SHELL = ['/', '/style.css', '/app.js', '/offline.html', '/icons/news.png'];

// The spec leaves shouldRemoveOldArticle to the developer: articles carry
// their publication date in their id ("2026-11-21-slug"); those older than
// 30 days are removed when a new worker activates.
const MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
function shouldRemoveOldArticle(description) {
  const m = /^(\d{4}-\d{2}-\d{2})-/.exec(description.id);
  if (!m) return false;
  return Date.now() - Date.parse(m[1]) > MAX_AGE_MS;
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  event.respondWith((async () => {
    const cached = await caches.match(event.request, { ignoreSearch: url.pathname === '/' });
    if (cached) return cached;
    try {
      const response = await fetch(event.request);
      if (response.ok && url.pathname.startsWith('/article/')) {
        const articles = await caches.open('offline-articles');
        await articles.put(event.request, response.clone());
      }
      return response;
    } catch (err) {
      if (event.request.mode === 'navigate') return caches.match('/offline.html');
      throw err;
    }
  })());
});

// ---- From the Content Index spec, §1.1 ----------------------------------

function deleteArticleResources(id) {
  return Promise.all([
    caches.open('offline-articles')
        .then(articlesCache => articlesCache.delete(`/article/${id}`)),
    // This is a no-op if the function was called as a result of the
    // `contentdelete` event.
    self.registration.index.delete(id),
  ]);
}

self.addEventListener('activate', event => {
  // When the service worker is activated, remove old content.
  event.waitUntil(async function() {
    const descriptions = await self.registration.index.getAll();
    const oldDescriptions =
        descriptions.filter(description => shouldRemoveOldArticle(description));
    await Promise.all(
        oldDescriptions.map(description => deleteArticleResources(description.id)));
  }());
});

self.addEventListener('push', event => {
  const payload = event.data.json();

  // Fetch & store the article, then register it.
  event.waitUntil(async function() {
    const articlesCache = await caches.open('offline-articles');
    await articlesCache.add(`/article/${payload.id}`);
    await self.registration.index.add({
      id: payload.id,
      title: payload.title,
      description: payload.description,
      category: 'article',
      icons: payload.icons,
      url: `/article/${payload.id}`,
    });

    // Show a notification if urgent.
  }());
});

self.addEventListener('contentdelete', event => {
  // Clear the underlying content after user-deletion.
  event.waitUntil(deleteArticleResources(event.id));
});
