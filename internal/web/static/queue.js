// Nivaran's queue of action-taken reports made offline, shared by the
// officer's pages and the service worker. Each report is kept in IndexedDB
// with its photos, location and the idempotency key of the form it came
// from, and sent when the connection returns. A report is sent with a
// fresh CSRF token from the complaint's page, under the session of the
// officer who wrote it (never another's), and deleted once the server has
// answered; the key makes a report sent twice (an answer lost on the way)
// count once.
var NivaranQueue = (function () {
  "use strict";
  var DB = "nivaran", STORE = "reports";

  function open() {
    return new Promise(function (ok, fail) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () { r.result.createObjectStore(STORE, { keyPath: "key" }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }

  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (ok, fail) {
        var t = db.transaction(STORE, mode), out;
        var st = t.objectStore(STORE);
        var req = fn(st);
        if (req) req.onsuccess = function () { out = req.result; };
        t.oncomplete = function () { db.close(); ok(out); };
        t.onerror = t.onabort = function () { db.close(); fail(t.error); };
      });
    });
  }

  function add(item) { return tx("readwrite", function (st) { return st.put(item); }); }
  function all() { return tx("readonly", function (st) { return st.getAll(); }).then(function (xs) { return xs || []; }); }
  function remove(key) { return tx("readwrite", function (st) { return st.delete(key); }); }

  // exclusive runs fn alone across the pages and the worker, where the
  // browser can say so; without it a report may be sent twice, which the
  // idempotency key makes harmless.
  function exclusive(fn) {
    if (typeof navigator !== "undefined" && navigator.locks) return navigator.locks.request("nivaran-queue", fn);
    return fn();
  }

  function field(html, re) { var m = re.exec(html); return m ? m[1].replace(/&#43;/g, "+").replace(/&amp;/g, "&") : ""; }

  // sendOne sends item; it answers "sent", "signin" (no session, or
  // another officer's), "refused" (the server said no: the report needs the
  // officer's attention) or "retry" (no connection, or the server is busy).
  function sendOne(item) {
    var page = "/officer/complaints/" + encodeURIComponent(item.number);
    return fetch(page, { credentials: "same-origin", cache: "no-store" }).then(function (res) {
      if (res.redirected && new URL(res.url).pathname === "/officer/login") return "signin";
      if (res.status === 401) return "signin";
      if (res.status === 403 || res.status === 404) return "refused";
      if (!res.ok) return "retry";
      return res.text().then(function (html) {
        var user = field(html, /<meta name="nivaran-user" content="([^"]*)">/);
        var csrf = field(html, /name="csrf" value="([^"]+)"/);
        if (!csrf || user !== item.user) return "signin";
        var fd = new FormData();
        fd.append("csrf", csrf);
        fd.append("key", item.key);
        fd.append("note", item.note);
        fd.append("lat", item.lat || "");
        fd.append("long", item.long || "");
        (item.photos || []).forEach(function (p) { fd.append("photo", p.blob, p.name); });
        return fetch(page + "/report", { method: "POST", body: fd, credentials: "same-origin" }).then(function (r) {
          if (r.ok) return "sent";
          if (r.status === 401) return "signin";
          if (r.status === 429 || r.status >= 500) return "retry";
          return "refused";
        });
      });
    }).catch(function () { return "retry"; });
  }

  // flush sends every waiting report, oldest first, and says what is left:
  // {waiting, signin, retry}. Refused reports are kept, marked, for the
  // officer to see and dismiss.
  function flush() {
    return exclusive(function () {
      return all().then(function (items) {
        items.sort(function (a, b) { return a.created - b.created; });
        var left = { waiting: 0, signin: false, retry: false };
        var i = 0;
        function next() {
          if (i >= items.length) return left;
          var it = items[i++];
          if (it.refused) return next();
          return sendOne(it).then(function (st) {
            if (st === "sent") return remove(it.key).then(next);
            if (st === "refused") { it.refused = true; return add(it).then(next); }
            left.waiting++;
            if (st === "signin") left.signin = true;
            if (st === "retry") left.retry = true;
            return next();
          });
        }
        return next();
      });
    });
  }

  return { add: add, all: all, remove: remove, flush: flush };
})();
