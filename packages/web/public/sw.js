/* global self, caches */
/*
 * Cuebe's service worker: keeps the app shell (index.html and the hashed assets) so a crew phone
 * can reopen its page with no connection to the server and show the script it saved last, and
 * the SM's laptop its workspace with the queued edits (docs/SPEC.md SC2).
 * Navigations go to the network first (always the newest app when the server answers); assets are
 * content-hashed, so a cached copy is always right. The API and sockets are never touched.
 * Browsers run service workers only in a secure context: https (TLS_CERT/TLS_KEY) or localhost.
 */
const CACHE = 'cuebe-shell-v2';

self.addEventListener('install', (event) => {
  // The shell, every asset it names and every asset of the build (sw-assets.json, written by the
  // build): the pages loaded on demand too, which the page that installs this may never have
  // fetched through it.
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const res = await fetch('/index.html', { cache: 'no-store' });
      const html = await res.clone().text();
      const listed = await fetch('/sw-assets.json', { cache: 'no-store' })
        .then((r) => (r.ok ? r.json() : []))
        .catch(() => []);
      const named = html.match(/\/assets\/[^"'\s>]+/g) ?? [];
      const assets = [...new Set([...named, ...(Array.isArray(listed) ? listed : [])])];
      await cache.put('/index.html', res);
      await cache.addAll(assets);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ws/')) return;
  if (req.mode === 'navigate') {
    event.respondWith(
      fetch(req)
        .then((res) => {
          const copy = res.clone();
          if (res.ok) caches.open(CACHE).then((c) => c.put('/index.html', copy));
          return res;
        })
        .catch(() => caches.match('/index.html').then((hit) => hit ?? Response.error())),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ??
          fetch(req).then((res) => {
            const copy = res.clone();
            if (res.ok) caches.open(CACHE).then((c) => c.put(req, copy));
            return res;
          }),
      ),
    );
  }
});
