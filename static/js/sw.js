/* The service worker (issue 23), served as /sw.js so that its scope is the whole site (gridgov/views.py).

   Pages: network first, the last good copy when the network fails — only the grid worker's shell pages
   (PAGES), never the API, admin or login. Static files: the cached copy at once, refreshed behind it.
   Logging out (a navigation that lands on the login page) forgets the cached pages. */
"use strict";

var PAGES_CACHE = "gg-pages-v1";
var STATIC_CACHE = "gg-static-v1";
var PAGES = ["/", "/cases/new/", "/tasks/", "/fieldwork/", "/offline/", "/residents/tasks/", "/tasks/mine/"];
// The pages a step is done on: a household (its visit), a task's form, a grid-day visit, a case (issue 23).
var PAGE_PATTERNS = [/^\/residents\/households\/\d+\/$/, /^\/tasks\/assignments\/\d+\/(fill\/)?$/, /^\/fieldwork\/visits\/\d+\/$/, /^\/cases\/\d+\/$/];
function cacheable(path) { return PAGES.indexOf(path) >= 0 || PAGE_PATTERNS.some(function (p) { return p.test(path); }); }

// Background Sync (issue 23, static/js/upload.js): queued work is sent when the connection returns, even
// with no page open; with one open, that page sends it (and shows what it sent).
importScripts("/static/js/upload.js");
self.addEventListener("sync", function (event) {
  if (event.tag !== GGUpload.TAG) return;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (windows) {
    if (!windows.length) return GGUpload.flush();
    windows.forEach(function (w) { w.postMessage("gg-sync"); });
  }));
});

self.addEventListener("install", function (event) {
  // The report page is what a worker needs first without a signal: keep a copy now, if we are logged in.
  event.waitUntil(
    caches.open(PAGES_CACHE).then(function (cache) {
      return fetch("/cases/new/", { credentials: "same-origin" }).then(function (resp) {
        if (resp.ok && !resp.redirected) return cache.put("/cases/new/", resp);
      }).catch(function () {});
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n.indexOf("gg-") === 0 && n !== PAGES_CACHE && n !== STATIC_CACHE;
      }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) { event.respondWith(fromCache(req)); return; }
  if (req.mode === "navigate" && cacheable(url.pathname)) { event.respondWith(networkFirst(req, url)); return; }
  if (req.mode === "navigate" && url.pathname.indexOf("/accounts/login/") === 0) caches.delete(PAGES_CACHE);
});

function networkFirst(req, url) {
  return fetch(req).then(function (resp) {
    if (resp.redirected && resp.url.indexOf("/accounts/login/") >= 0) {
      caches.delete(PAGES_CACHE);  // logged out: nobody else sees these pages
    } else if (resp.ok && !resp.redirected) {
      var copy = resp.clone();
      caches.open(PAGES_CACHE).then(function (cache) { cache.put(url.pathname + url.search, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.match(url.pathname + url.search).then(function (hit) { return hit || cache.match("/cases/new/"); });
    }).then(function (hit) { return hit || Response.error(); });
  });
}

function fromCache(req) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(req).then(function (hit) {
      var fresh = fetch(req).then(function (resp) {
        if (resp.ok) cache.put(req, resp.clone());
        return resp;
      });
      if (hit) { fresh.catch(function () {}); return hit; }
      return fresh;
    });
  });
}
