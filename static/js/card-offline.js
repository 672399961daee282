/* The health-insurance card page: offline notice, the service worker, and "Sử dụng thẻ".
 * No framework; the page works without it (the counter mode is then a plain link). */
(function () {
  "use strict";
  var root = document.querySelector("[data-card-page]");
  if (!root) return;
  var banner = document.getElementById("card-offline");

  function showOffline() { if (banner) banner.hidden = false; }
  if (root.getAttribute("data-source") === "cache" || navigator.onLine === false) showOffline();
  window.addEventListener("offline", showOffline);
  window.addEventListener("online", function () {
    if (banner && root.getAttribute("data-source") !== "cache") banner.hidden = true;
  });

  // "Sử dụng thẻ": a big, high-contrast QR in a dialog (the link opens a page of its own without JS).
  var link = document.querySelector("[data-use-card]");
  var dialog = document.getElementById("use-dialog");
  if (link && dialog && typeof dialog.showModal === "function") {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
    });
  }

  // Keep this card for offline use. The first visit is not yet under the worker's control,
  // so ask it to store the page (and the current one) once it is active.
  if ("serviceWorker" in navigator && root.getAttribute("data-source") === "network") {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "stored") root.setAttribute("data-stored", "1");
    });
    navigator.serviceWorker
      .register(root.getAttribute("data-sw"), { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var here = location.pathname + location.search;
        registration.active.postMessage({ type: "store", urls: [location.pathname, here] });
      })
      .catch(function () { /* no offline copy: the page still works online */ });
  }
})();
