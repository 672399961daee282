/* The counter page /kiem-tra-the/: camera scan (BarcodeDetector, else the vendored ZXing), a USB
 * scanner typing into the field, the typed card, and offline verification of a scanned QR with the
 * published keys (cached), which says plainly that the register was not consulted.
 * No framework; without JavaScript both forms post to the page and the answer comes back in it. */
(function () {
  "use strict";
  var root = document.getElementById("counter");
  if (!root) return;
  var KEYS_STORE = "vssid-card-keys";
  var result = document.getElementById("result");
  var scanForm = document.getElementById("scan-form");
  var scanInput = document.getElementById("scan-input");
  var manualForm = document.getElementById("manual-form");
  var video = document.getElementById("camera");
  var startBtn = document.getElementById("camera-start");
  var stopBtn = document.getElementById("camera-stop");
  var cameraBox = root.querySelector(".counter-camera");
  var statusLine = document.getElementById("camera-status");
  var stream = null, timer = null, busy = false, lastText = "", lastAt = 0;

  // ---- keys: fetched when online, kept for offline verification --------------------------------
  function storedKeys() {
    try { return JSON.parse(localStorage.getItem(KEYS_STORE) || "null"); } catch (e) { return null; }
  }
  function refreshKeys() {
    return fetch(root.dataset.keysUrl, { credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("keys"); return r.json(); })
      .then(function (jwks) {
        try { localStorage.setItem(KEYS_STORE, JSON.stringify({ at: Date.now(), jwks: jwks })); } catch (e) { /* private mode */ }
        return jwks;
      });
  }
  refreshKeys().catch(function () { /* offline: the stored set stays */ });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.swUrl).catch(function () { /* the page works without it */ });
  }

  // ---- offline verification (design.md §8): Ed25519 over fields 0–12 joined by "|" -------------
  function b64urlBytes(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function hexText(h) {
    if (!h || h === "-" || h.length % 2) return "";
    var bytes = new Uint8Array(h.length / 2);
    for (var i = 0; i < bytes.length; i++) bytes[i] = parseInt(h.substr(i * 2, 2), 16);
    try { return new TextDecoder("utf-8", { fatal: true }).decode(bytes); } catch (e) { return ""; }
  }
  function parseDate(s) {
    var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s || "");
    return m ? new Date(+m[3], +m[2] - 1, +m[1]) : null;
  }
  function verifyOffline(payload) {
    var parts = payload.trim().split("|");
    if (parts.length !== 15 || parts[14].trim() !== "$") {
      return Promise.resolve({ state: "malformed" });
    }
    var m = /^([A-Za-z0-9]{1,8})\.([A-Za-z0-9_-]{86})-([0-9a-fA-F]{4})$/.exec(parts[13].trim());
    if (!m) return Promise.resolve({ state: "not_ours", parts: parts });
    var stored = storedKeys();
    var keys = (stored && stored.jwks && stored.jwks.keys) || [];
    var jwk = null;
    for (var i = 0; i < keys.length; i++) if (keys[i].kid === m[1]) jwk = keys[i];
    if (!jwk) return Promise.resolve({ state: stored ? "unknown_kid" : "no_keys", parts: parts });
    if (!window.crypto || !crypto.subtle) return Promise.resolve({ state: "unsupported", parts: parts });
    var data = new TextEncoder().encode(parts.slice(0, 13).join("|"));
    return crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"])
      .then(function (key) { return crypto.subtle.verify({ name: "Ed25519" }, key, b64urlBytes(m[2]), data); })
      .then(function (ok) { return { state: ok ? "valid" : "bad_signature", parts: parts, keysAt: stored.at }; })
      .catch(function () { return { state: "unsupported", parts: parts }; });
  }
  var T = {
    valid: "Chữ ký hợp lệ – CHƯA tra cứu cơ sở dữ liệu BHXH (đang ngoại tuyến)",
    expired: "Chữ ký hợp lệ nhưng thẻ đã hết hạn – CHƯA tra cứu cơ sở dữ liệu BHXH (đang ngoại tuyến)",
    bad_signature: "Chữ ký KHÔNG hợp lệ: nội dung mã QR đã bị thay đổi. Không sử dụng được thẻ này.",
    unknown_kid: "Mã QR được ký bằng khóa chưa có trong danh sách khóa đã lưu: không xác minh được khi ngoại tuyến.",
    no_keys: "Chưa lưu danh sách khóa công khai trên máy này: không xác minh được khi ngoại tuyến.",
    not_ours: "Mã QR không mang chữ ký của VssID: không xác minh được khi ngoại tuyến.",
    malformed: "Không đọc được mã QR của thẻ BHYT.",
    unsupported: "Trình duyệt này không hỗ trợ kiểm tra chữ ký Ed25519.",
    note: "Ngoại tuyến: máy không kết nối được máy chủ BHXH. Kết quả chỉ dựa trên chữ ký của mã QR; tình trạng thẻ (thu hồi, báo giảm, thẻ mới) chưa được kiểm tra. Hãy kiểm tra lại khi có mạng.",
    typed: "Ngoại tuyến: không kiểm tra được thẻ theo mã thẻ, họ tên và ngày sinh. Hãy quét mã QR trên thẻ, hoặc thử lại khi có mạng.",
  };
  function showOffline(check) {
    var tpl = document.getElementById("offline-template");
    var frag = tpl.content.cloneNode(true);
    var line = frag.querySelector(".counter-line");
    var state = check.state;
    var p = check.parts;
    if (state === "valid" && p) {
      var to = parseDate(p[7]);
      var today = new Date(); today.setHours(0, 0, 0, 0);
      if (to && to < today) state = "expired";
    }
    line.classList.add(state === "valid" ? "counter-offline-ok" : "counter-err");
    line.setAttribute("data-offline", state);
    frag.querySelector('[data-slot="headline"]').textContent = T[state] || T.malformed;
    frag.querySelector('[data-slot="note"]').textContent = T.note;
    var facts = frag.querySelector('[data-slot="facts"]');
    if (p && (state === "valid" || state === "expired")) {
      var rows = [
        ["Họ tên", hexText(p[1]) + " · " + (p[3] === "1" ? "Nam" : "Nữ") + " · sinh " + p[2]],
        ["Mã thẻ", p[0]],
        ["Giá trị sử dụng", "từ " + p[6] + " đến " + p[7]],
        ["Nơi ĐKKCB ban đầu", p[5].replace(/\s*[-\u2013]\s*/, "").replace(/\s+/g, "")],
        ["Thời điểm đủ 5 năm liên tục", p[12] === "-" ? "—" : p[12]],
      ];
      rows.forEach(function (r) {
        var div = document.createElement("div"), dt = document.createElement("dt"), dd = document.createElement("dd");
        dt.textContent = r[0]; dd.textContent = r[1]; div.appendChild(dt); div.appendChild(dd); facts.appendChild(div);
      });
    }
    result.replaceChildren(frag);
  }

  // ---- the online check ------------------------------------------------------------------------
  function post(form, fields) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    result.setAttribute("aria-busy", "true");
    return fetch(root.dataset.checkUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) {
        if (r.status >= 500) throw new Error("server");
        return r.text().then(function (html) { result.innerHTML = html; });
      })
      .finally(function () { result.removeAttribute("aria-busy"); });
  }
  function checkQr(text) {
    return post(scanForm, { qr: text }).catch(function () {
      return verifyOffline(text).then(showOffline);
    });
  }
  scanForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = scanInput.value.trim();
    if (!text) return;
    if (text.length <= 100 || text.indexOf("|") < 0) {
      // A scanner on a card number (or a typed one): the card number field takes it.
      document.getElementById("maThe").value = text.toUpperCase();
      document.getElementById("hoTen").focus();
      scanInput.value = "";
      return;
    }
    checkQr(text).then(function () { scanInput.value = ""; scanInput.focus(); });
  });
  manualForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var fields = {
      maThe: document.getElementById("maThe").value,
      hoTen: document.getElementById("hoTen").value,
      ngaySinh: document.getElementById("ngaySinh").value,
    };
    post(manualForm, fields).catch(function () {
      showOffline({ state: "typed_offline" });
      result.querySelector('[data-slot="headline"]').textContent = T.typed;
    });
  });

  // ---- camera ----------------------------------------------------------------------------------
  function loadZxing() {
    if (window.ZXingWASM) return Promise.resolve(window.ZXingWASM);
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = root.dataset.zxingUrl;
      s.onload = function () {
        var Z = window.ZXingWASM;
        // The .wasm is served with the page's static files, never fetched from elsewhere.
        Z.prepareZXingModule({
          overrides: { locateFile: function (path, prefix) { return /\.wasm$/.test(path) ? root.dataset.zxingWasmUrl : prefix + path; } },
          fireImmediately: true,
        }).then(function () { resolve(Z); }, reject);
      };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }
  function makeDecoder() {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") < 0) throw new Error("no qr");
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function () {
          return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
      }).catch(zxingDecoder);
    }
    return zxingDecoder();
  }
  function zxingDecoder() {
    return loadZxing().then(function (Z) {
      var canvas = document.createElement("canvas");
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      return function () {
        var w = video.videoWidth, h = video.videoHeight;
        if (!w || !h) return Promise.resolve(null);
        canvas.width = w; canvas.height = h;
        ctx.drawImage(video, 0, 0, w, h);
        return Z.readBarcodes(ctx.getImageData(0, 0, w, h), { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 })
          .then(function (found) { return found.length && found[0].isValid ? found[0].text : null; });
      };
    });
  }
  function stopCamera() {
    if (timer) clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    cameraBox.hidden = true; stopBtn.hidden = true; startBtn.hidden = false;
    statusLine.textContent = "";
  }
  startBtn.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      statusLine.textContent = "Trình duyệt không cho dùng camera: hãy dùng máy quét cầm tay hoặc nhập mã thẻ.";
      return;
    }
    statusLine.textContent = "Đang mở camera…";
    lastText = "";
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s; video.srcObject = s; cameraBox.hidden = false; stopBtn.hidden = false; startBtn.hidden = true;
        return video.play().then(makeDecoder);
      })
      .then(function (decode) {
        statusLine.textContent = "Đưa mã QR trên thẻ vào khung hình.";
        timer = setInterval(function () {
          if (busy) return;
          busy = true;
          decode().then(function (text) {
            // The same card in front of the camera is checked once, not each frame.
            if (text && (text !== lastText || Date.now() - lastAt > 15000)) {
              lastText = text; lastAt = Date.now();
              statusLine.textContent = "Đã đọc mã QR.";
              return checkQr(text);
            }
          }).catch(function () { /* next frame */ }).finally(function () { busy = false; });
        }, 250);
      })
      .catch(function () {
        stopCamera();
        statusLine.textContent = "Không mở được camera (chưa cho phép, hoặc máy không có camera). Hãy dùng máy quét cầm tay hoặc nhập mã thẻ.";
      });
  });
  stopBtn.addEventListener("click", stopCamera);
})();
