/* Registration photos, shrunk on the phone before they are sent.
 *
 * A phone camera writes 3–6 MB photos of 12 megapixels and more; on a slow mobile connection
 * three of them take minutes, and the server would refuse those over 5 MB. Each chosen photo is
 * decoded by the browser (createImageBitmap, which applies the EXIF orientation), drawn at most
 * 1600 px on its long side (what the office keeps, enrollment/photos.py) and encoded as a JPEG
 * of at most 1 MB, lowering the quality step by step; the file input then holds that JPEG. The
 * canvas is the only copy: no metadata (GPS position, device serial) leaves the phone.
 *
 * Whatever the browser cannot do (an old one, an image it cannot decode) leaves the original
 * file in place: the server checks every photo in any case and explains a refusal.
 * No inline script: the Content-Security-Policy forbids it, so this file is loaded by the page.
 */
(function () {
  "use strict";

  var MAX_SIDE = 1600;
  var MAX_BYTES = 1000 * 1000;
  var QUALITIES = [0.85, 0.75, 0.65, 0.55, 0.45];
  var THUMB = 96;

  var form = document.getElementById("register-form");
  if (!form) return;
  var capable = typeof window.createImageBitmap === "function" && typeof window.DataTransfer === "function" &&
    typeof HTMLCanvasElement.prototype.toBlob === "function";
  var busy = 0;
  var submitAfter = false;

  function kilobytes(bytes) {
    return Math.max(1, Math.round(bytes / 1024)).toLocaleString("vi-VN") + " kB";
  }

  function toBlob(canvas, quality) {
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) {
        if (blob) resolve(blob); else reject(new Error("toBlob"));
      }, "image/jpeg", quality);
    });
  }

  function jpegName(name) {
    var base = (name || "anh").replace(/\.[^.\/]*$/, "");
    return (base || "anh") + ".jpg";
  }

  function status(field, text, thumb) {
    var out = field.querySelector(".photo-status");
    if (!out) return;
    out.textContent = text;
    out.hidden = !text;
    var old = field.querySelector("canvas.photo-thumb");
    if (old) old.remove();
    if (thumb) out.parentNode.insertBefore(thumb, out);
  }

  async function shrink(input) {
    var file = input.files && input.files[0];
    if (!file) return;
    var field = input.closest(".photo-field") || input.parentNode;
    status(field, form.dataset.shrinking || "…");
    var bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (e) {
      status(field, form.dataset.unreadable || "");
      return;
    }
    var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    var width = Math.max(1, Math.round(bitmap.width * scale));
    var height = Math.max(1, Math.round(bitmap.height * scale));
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // a transparent PNG becomes white, not black, as a JPEG
    context.fillRect(0, 0, width, height);
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, width, height);
    if (bitmap.close) bitmap.close();
    var blob = null;
    for (var i = 0; i < QUALITIES.length; i++) {
      blob = await toBlob(canvas, QUALITIES[i]);
      if (blob.size <= MAX_BYTES) break;
    }
    // A small JPEG or PNG already within bounds is sent as it is, unless the re-encoding is smaller.
    var fits = (file.type === "image/jpeg" || file.type === "image/png") && file.size <= MAX_BYTES && scale === 1;
    if (blob && blob.size <= MAX_BYTES && !(fits && file.size <= blob.size)) {
      var transfer = new DataTransfer();
      transfer.items.add(new File([blob], jpegName(file.name), { type: "image/jpeg", lastModified: Date.now() }));
      input.files = transfer.files;
    }
    var sent = input.files[0];
    var thumb = document.createElement("canvas");
    var t = THUMB / Math.max(width, height);
    thumb.width = Math.max(1, Math.round(width * t));
    thumb.height = Math.max(1, Math.round(height * t));
    thumb.className = "photo-thumb";
    thumb.setAttribute("aria-hidden", "true");
    thumb.getContext("2d").drawImage(canvas, 0, 0, thumb.width, thumb.height);
    canvas.width = canvas.height = 0; // frees the pixels at once on a phone short of memory
    status(field, (form.dataset.shrunk || "") + ": " + width + " × " + height + ", " + kilobytes(sent.size), thumb);
  }

  function watch(input) {
    input.addEventListener("change", function () {
      if (!capable) return;
      busy += 1;
      shrink(input).catch(function () {
        var field = input.closest(".photo-field") || input.parentNode;
        status(field, form.dataset.unreadable || "");
      }).finally(function () {
        busy -= 1;
        if (busy === 0 && submitAfter) {
          submitAfter = false;
          form.requestSubmit ? form.requestSubmit() : form.submit();
        }
      });
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("input[type=file][data-shrink]"), watch);

  // Sent only once every photo is shrunk: a tap on "Gửi" meanwhile waits for it.
  form.addEventListener("submit", function (event) {
    if (busy > 0) {
      event.preventDefault();
      submitAfter = true;
      var button = form.querySelector("button[type=submit]");
      if (button) button.setAttribute("aria-busy", "true");
      var summary = form.querySelector(".photo-wait");
      if (!summary && button) {
        summary = document.createElement("p");
        summary.className = "photo-wait";
        summary.setAttribute("role", "status");
        summary.textContent = form.dataset.wait || "";
        button.parentNode.insertBefore(summary, button);
      }
    }
  });
})();
