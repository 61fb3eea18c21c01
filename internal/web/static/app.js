// Nivaran: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  // The installable app: the service worker keeps the pages opened for
  // reading offline.
  if ("serviceWorker" in navigator) {
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      // First visit: this page loaded before the worker; ask it to keep it.
      if (!controlled && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "nivaran-keep", url: location.href });
      }
      controlled = true;
    });
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  }

  if ("geolocation" in navigator) {
    document.querySelectorAll("[data-geo]").forEach(function (box) {
      var button = box.querySelector("[data-geo-button]");
      var status = box.querySelector("[data-geo-status]");
      var lat = box.querySelector("input[name=lat]");
      var lng = box.querySelector("input[name=long]");
      if (!button || !lat || !lng) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = "…";
        navigator.geolocation.getCurrentPosition(function (p) {
          lat.value = p.coords.latitude.toFixed(6);
          lng.value = p.coords.longitude.toFixed(6);
          status.textContent = "✓ " + lat.value + ", " + lng.value;
        }, function (e) {
          status.textContent = e.message;
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    });
  }

  // Photos are made smaller on the phone before they travel over mobile
  // data: at most 1600 pixels on the longer side, JPEG at quality 0.8.
  var MAX = 1600;
  function resize(file) {
    if (!/^image\//.test(file.type) || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var k = Math.min(1, MAX / Math.max(bmp.width, bmp.height));
      if (k === 1 && file.type === "image/jpeg" && file.size <= 1500000) return file;
      var c = document.createElement("canvas");
      c.width = Math.round(bmp.width * k);
      c.height = Math.round(bmp.height * k);
      var g = c.getContext("2d");
      g.fillStyle = "#fff";
      g.fillRect(0, 0, c.width, c.height);
      g.drawImage(bmp, 0, 0, c.width, c.height);
      return new Promise(function (ok) {
        c.toBlob(function (b) {
          ok(b ? new File([b], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.8);
      });
    }).catch(function () { return file; });
  }
  function photosOf(form) {
    var input = form.querySelector("input[type=file]");
    return Promise.all(Array.prototype.slice.call((input && input.files) || []).map(resize));
  }
  // submitNative sends form the ordinary way with photos in place of the
  // chosen files (where the browser lets a script set them).
  function submitNative(form, photos) {
    var input = form.querySelector("input[type=file]");
    if (input && window.DataTransfer && photos.length) {
      try {
        var dt = new DataTransfer();
        photos.forEach(function (p) { dt.items.add(p); });
        input.files = dt.files;
      } catch (e) { /* the original files go */ }
    }
    form.dataset.native = "1";
    HTMLFormElement.prototype.submit.call(form);
  }
  document.querySelectorAll("form[data-resize]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      var input = form.querySelector("input[type=file]");
      if (form.dataset.native || !input || !input.files.length) return;
      e.preventDefault();
      photosOf(form).then(function (photos) { submitNative(form, photos); });
    });
  });

  // The citizen's draft: the complaint form is kept on the phone as it is
  // typed, put back if the page is opened again before it was filed (the
  // connection dropped, the browser was closed), and forgotten once filed.
  var DRAFT = "nivaran-draft";
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }
  if (store && /^\/c\//.test(location.pathname) && /[?&]new=1/.test(location.search)) store.removeItem(DRAFT);
  var draftForm = document.querySelector("form[data-draft]");
  if (store && draftForm) {
    var fields = Array.prototype.filter.call(draftForm.elements, function (el) {
      return el.name && el.name !== "csrf" && el.type !== "file" && el.type !== "hidden" && el.type !== "submit";
    });
    var saved = null;
    try { saved = JSON.parse(store.getItem(DRAFT) || "null"); } catch (e) { saved = null; }
    var fresh = fields.every(function (el) { return !el.value; });
    if (saved && saved.v && fresh) {
      var any = false;
      fields.forEach(function (el) {
        if (saved.v[el.name]) { el.value = saved.v[el.name]; any = true; }
      });
      var note = document.querySelector("[data-draft-notice]");
      if (any && note) {
        note.hidden = false;
        var discard = note.querySelector("[data-draft-discard]");
        if (discard) discard.addEventListener("click", function () {
          store.removeItem(DRAFT);
          fields.forEach(function (el) { el.value = ""; });
          note.hidden = true;
        });
      }
    }
    var save = function () {
      var v = {};
      fields.forEach(function (el) { if (el.value) v[el.name] = el.value; });
      try { store.setItem(DRAFT, JSON.stringify({ v: v, at: Date.now() })); } catch (e) { /* full or private */ }
    };
    draftForm.addEventListener("input", save);
    draftForm.addEventListener("change", save);
  }

  // Signing out forgets the pages kept for reading offline.
  document.querySelectorAll('form[action="/officer/logout"]').forEach(function (f) {
    f.addEventListener("submit", function () {
      if (window.caches) caches.delete("nivaran-pages");
    });
  });
  if (location.pathname === "/officer/login" && window.caches) caches.delete("nivaran-pages");

  // The field app's queue of action-taken reports made offline.
  var Q = window.NivaranQueue;
  var banner = document.querySelector("[data-queue]");
  var meta = document.querySelector('meta[name="nivaran-user"]');
  if (!Q || !banner || !meta || !window.indexedDB) return;
  var user = meta.content;
  var state = { signin: false };

  function show() {
    return Q.all().then(function (items) {
      var mine = items.filter(function (it) { return it.user === user; });
      var waiting = mine.filter(function (it) { return !it.refused; }).length;
      var refused = mine.filter(function (it) { return it.refused; });
      var text = banner.querySelector("[data-queue-text]");
      var list = banner.querySelector("[data-queue-refused]");
      var msg = "";
      if (waiting) {
        msg = (waiting === 1 ? banner.dataset.single : banner.dataset.many).replace("%d", waiting);
        if (navigator.onLine === false) msg += " " + banner.dataset.offline;
        else if (state.signin) msg += " " + banner.dataset.signin;
      }
      text.textContent = msg;
      text.hidden = !msg;
      list.textContent = "";
      refused.forEach(function (it) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "/officer/complaints/" + it.number;
        a.textContent = banner.dataset.refused.replace("%s", it.number);
        var b = document.createElement("button");
        b.type = "button";
        b.className = "link";
        b.textContent = banner.dataset.dismiss;
        b.addEventListener("click", function () { Q.remove(it.key).then(show); });
        li.appendChild(a);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(b);
        list.appendChild(li);
      });
      banner.hidden = !waiting && !refused.length;
      banner.dataset.waiting = String(waiting);
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || navigator.onLine === false) return show();
    flushing = true;
    return Q.flush().then(function (left) {
      state.signin = left.signin;
    }, function () {}).then(function () { flushing = false; return show(); });
  }

  function sync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register("nivaran-reports");
    }).catch(function () {});
  }

  function randomKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(36).slice(2);
  }

  var form = document.querySelector("form[data-field-report]");
  if (form) {
    form.addEventListener("submit", function (e) {
      if (form.dataset.native) return;
      e.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      photosOf(form).then(function (photos) {
        var queue = function () {
          var item = {
            key: form.elements.key.value, number: form.dataset.number, user: user,
            note: form.elements.note.value, lat: form.elements.lat ? form.elements.lat.value : "",
            long: form.elements.long ? form.elements.long.value : "", created: Date.now(),
            photos: photos.map(function (p) { return { blob: p, name: p.name }; })
          };
          return Q.add(item).then(function () {
            form.reset();
            form.elements.key.value = randomKey();
            if (button) button.disabled = false;
            sync();
            return show();
          }).then(function () {
            banner.scrollIntoView({ block: "center" });
          });
        };
        if (navigator.onLine === false) return queue();
        var fd = new FormData(form);
        fd.delete("photo");
        photos.forEach(function (p) { fd.append("photo", p, p.name); });
        return fetch(form.action, { method: "POST", body: fd, credentials: "same-origin" }).then(function (res) {
          if (res.ok) { location.assign(res.url); return; }
          // The session ended: keep the report until the officer signs in.
          if (res.status === 401) { state.signin = true; return queue(); }
          // The server's answer (a message about the form) is shown the
          // ordinary way; the same key makes the second send harmless.
          submitNative(form, photos);
        }, queue);
      });
    });
  }

  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "nivaran-queue") show();
    });
  }
  flush();
})();
