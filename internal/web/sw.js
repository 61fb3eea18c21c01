// Nivaran's service worker: pages the user opened are kept for reading
// offline (network first), static files are kept by their hashed names
// (cache first), and action-taken reports queued offline are sent by
// Background Sync where the browser has it (the pages also send them when
// they load or come back online). Version __VERSION__.
"use strict";
importScripts("__QUEUE__");

var STATIC = "nivaran-static-__VERSION__";
var PAGES = "nivaran-pages";
var PRECACHE = __PRECACHE__;

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(STATIC).then(function (c) { return c.addAll(PRECACHE); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("nivaran-static-") === 0 && k !== STATIC; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// keep says whether a GET of this path is kept for reading offline: the
// officer's inbox, complaints and their photos; the citizen's form and
// tracking page. Sign-in, password and administration pages are not.
function keep(path) {
  if (path === "/officer" || path.indexOf("/officer/complaints/") === 0) return true;
  return path === "/" || path === "/track";
}

function networkFirst(req) {
  return fetch(req).then(function (res) {
    // A redirect (to the sign-in page when the session has ended) or an
    // error is shown but not kept in place of the page.
    if (res.ok && !res.redirected && res.type === "basic") {
      var copy = res.clone();
      caches.open(PAGES).then(function (c) { return c.put(req, copy); });
    }
    return res;
  }).catch(function () {
    return caches.open(PAGES).then(function (c) { return c.match(req, { ignoreSearch: true }); }).then(function (hit) {
      if (hit) return hit;
      if (req.mode === "navigate") return caches.match("/offline");
      return Response.error();
    });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) { var copy = res.clone(); caches.open(STATIC).then(function (c) { return c.put(req, copy); }); }
        return res;
      });
    }));
    return;
  }
  if (keep(url.pathname) && (req.mode === "navigate" || url.pathname.indexOf("/photos/") > 0)) {
    e.respondWith(networkFirst(req));
  } else if (req.mode === "navigate") {
    e.respondWith(fetch(req).catch(function () { return caches.match("/offline"); }));
  }
});

self.addEventListener("sync", function (e) {
  if (e.tag !== "nivaran-reports") return;
  e.waitUntil(NivaranQueue.flush().then(function (r) {
    return self.clients.matchAll().then(function (cs) {
      cs.forEach(function (c) { c.postMessage({ type: "nivaran-queue" }); });
      // Still waiting with a connection: let the browser try again later.
      if (r.retry) throw new Error("reports still waiting");
    });
  }));
});

self.addEventListener("message", function (e) {
  if (e.data && e.data.type === "nivaran-keep") {
    // The page the worker first took control of was loaded before it:
    // keep it now, so that it opens again without a connection.
    var url = new URL(e.data.url, self.location.origin);
    if (url.origin === self.location.origin && keep(url.pathname)) {
      e.waitUntil(fetch(url.href, { credentials: "same-origin" }).then(function (res) {
        if (res.ok && !res.redirected) return caches.open(PAGES).then(function (c) { return c.put(url.href, res); });
      }).catch(function () {}));
    }
  }
  if (e.data && e.data.type === "nivaran-forget") {
    // Signed out: the pages kept may hold complaints' personal data.
    e.waitUntil(caches.delete(PAGES));
  }
});
