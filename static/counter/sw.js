/* The counter's service worker (scope /kiem-tra-the/): the page, its script, style, decoder and
 * the published card keys stay available offline, so a scanned QR can still be verified. Checks
 * themselves (POST) always go to the network: an answer from the register is never cached. */
"use strict";
var CACHE = "vssid-counter-v1";
var KEYS = "/.well-known/vssid-card-keys.json";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(["/kiem-tra-the/", KEYS]); }).catch(function () {}),
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
