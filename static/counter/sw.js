/* The counter's service worker (scope /kiem-tra-the/): the page, its script, style, decoder and
 * the published card keys stay available offline, so a scanned QR can still be verified. Checks
 * themselves (POST) always go to the network: an answer from the register is never cached. */
"use strict";
var CACHE = "vssid-counter-v1";
var KEYS = "/.well-known/vssid-card-keys.json";

var PAGE = "/kiem-tra-the/";

// The page's own static files (style, script, QR decoder), read from the page itself: the first
// load happened before this worker was in control, so without them a reload with no network
// would get the page without its script (no offline verification) and without its style.
function assetsOf(html) {
  var urls = [], re = /(?:src|href|data-[a-z-]+-url)="(\/static\/[^"]+)"/g, m;
  while ((m = re.exec(html))) {
    var url = m[1].replace(/&amp;/g, "&");
    if (urls.indexOf(url) < 0) urls.push(url);
  }
  return urls;
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return fetch(PAGE, { credentials: "same-origin" }).then(function (res) {
        if (!res.ok || res.redirected) throw new Error("page");
        return res.clone().text().then(function (html) {
          return Promise.all([cache.put(PAGE, res), cache.addAll([KEYS].concat(assetsOf(html)))]);
        });
      });
    }).catch(function () { /* logged out or offline: the fetch handler fills the cache later */ }),
  );
  self.skipWaiting();
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  var mine = url.pathname === "/kiem-tra-the/" || url.pathname === KEYS || url.pathname.indexOf("/static/") === 0;
  if (!mine) return;
  // Network first (fresh keys, fresh page), the stored copy when the network is gone.
  event.respondWith(
    fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(CACHE).then(function (cache) { cache.put(req, copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(req, { ignoreSearch: url.pathname === "/kiem-tra-the/" }).then(function (hit) {
        return hit || Response.error();
      });
    }),
  );
});
