/* VssID service worker: the health-insurance card works offline.
 *
 * - A card page (CONFIG.cardPath, with or without its query) is fetched from the network first;
 *   a good answer is stored in the cache, and when the network fails the last stored copy is
 *   served, marked data-source="cache" so the page can say it is offline.
 * - Privacy on shared phones: any request to the logout or login pages (CONFIG.clearPaths)
 *   deletes the cache, and so does a card page answering with anything but the card (a redirect
 *   to the login page, a 404). The page may also post {type: "clear"}.
 * - A page opened without network (the person is at a counter with no signal) answers with a
 *   short offline page that points to the saved card, instead of the browser's error.
 * - Nothing else is touched: every other request goes to the network as usual.
 */
"use strict";
const CONFIG = {{ config }};

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function isCardPage(url) {
  return url.origin === self.location.origin && url.pathname === CONFIG.cardPath;
}

function clearCache() {
  return caches.delete(CONFIG.cacheName);
}

async function store(request, response) {
  const cache = await caches.open(CONFIG.cacheName);
  await cache.put(request, response);
}

async function cardFromNetwork(request) {
  const response = await fetch(request);
  if (response.ok && !response.redirected && response.type === "basic") {
    await store(request, response.clone());
    // The same copy also answers for the page without its query, when offline.
  } else {
    await clearCache();
  }
  return response;
}

async function cardFromCache(request) {
  const cache = await caches.open(CONFIG.cacheName);
  const cached = (await cache.match(request)) || (await cache.match(CONFIG.cardPath));
  if (!cached) return undefined;
  const html = (await cached.text()).replace('data-source="network"', 'data-source="cache"');
  return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function assetFromNetwork(request) {
  try {
    const response = await fetch(request);
    // Only beside a stored card: opening the cache would create it again just after a logout dropped it.
    if (response.ok && (await caches.has(CONFIG.cacheName))) await store(request, response.clone());
    return response;
  } catch (error) {
    const cached = await caches.match(request, { cacheName: CONFIG.cacheName });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (CONFIG.clearPaths.includes(url.pathname)) {
    event.waitUntil(clearCache());
    return; // the browser sends it as usual
  }
  if (event.request.method !== "GET") return;
  if (isCardPage(url)) {
    event.respondWith(
      cardFromNetwork(event.request).catch(async (error) => {
        const cached = await cardFromCache(event.request);
        if (cached) return cached;
        throw error;
      })
    );
  } else if (CONFIG.assets.includes(url.pathname)) {
    event.respondWith(assetFromNetwork(event.request));
  } else if (event.request.mode === "navigate") {
    event.respondWith(fetch(event.request).catch(() => offlinePage()));
  }
});

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

async function offlinePage() {
  const words = CONFIG.offline;
  // caches.match, not caches.open: looking must not create the cache.
  const hasCard = (await caches.has(CONFIG.cacheName)) && Boolean(await caches.match(CONFIG.cardPath, { cacheName: CONFIG.cacheName }));
  const action = hasCard
    ? `<p><a class="button primary" href="${escapeHtml(CONFIG.cardPath)}">${escapeHtml(words.link)}</a></p>`
    : `<p>${escapeHtml(words.none)}</p>`;
  const html = `<!doctype html><html lang="${escapeHtml(words.lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(words.title)}</title>
<link rel="stylesheet" href="${escapeHtml(CONFIG.assets[0])}"></head>
<body><main id="main" data-offline-page><h1>${escapeHtml(words.title)}</h1>
<p class="notice">${escapeHtml(words.text)}</p>${action}</main></body></html>`;
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "clear") {
    event.waitUntil(clearCache());
  } else if (data.type === "store" && Array.isArray(data.urls)) {
    // The first visit happens before this worker controls the page: store it now.
    const urls = data.urls.filter((u) => isCardPage(new URL(u, self.location.origin)));
    event.waitUntil(
      Promise.all(
        [...urls, ...CONFIG.assets].map((u) =>
          fetch(u, { credentials: "same-origin" }).then((response) => {
            if (!response.ok || response.redirected) return clearCache();
            return store(new Request(u), response);
          })
        )
      ).then(() => event.source && event.source.postMessage({ type: "stored" }))
    );
  }
});
