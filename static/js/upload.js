/* Photos in pieces, and Background Sync (issue 23). Loaded by pages (before offline.js) and by the
   service worker (importScripts), so nothing here touches the DOM.

   - prepare(item, save, csrf): before a queued item is sent, each of its photos goes to /api/v1/uploads/
     in pieces of 256 KB. The upload's id is saved on the item at once, so that after a dropped connection
     (or a closed page) the next try asks the server how far it got and goes on from there. The item is
     then sent naming the finished uploads (photo_uploads=…) instead of carrying the files: a report's
     form fields, or the JSON body of the other steps (a verification, a task's form), whichever it is —
     the same ids on every try, so a resend matches its Idempotency-Key. A photo the server refuses (not
     an image, too large, damaged on the way) makes the item refused, with the reason.
   - wantSync(): asks the browser for a Background Sync ("gg-outbox") when work is queued; where there is
     none (Firefox, Safari) the next page load sends it, as before.
   - flush(): what the service worker does on that sync when no page of ours is open: the same sending,
     for the signed-in user's waiting items only. */
(function (root) {
  "use strict";
  var PIECE = 256 * 1024;
  var UPLOADS = "/api/v1/uploads/";
  var TAG = "gg-outbox";
  // The form's file field → the report's field naming finished uploads.
  var FIELDS = { photos: "photo_uploads", after_photos: "after_photo_uploads" };

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function sha256(blob) {
    return blob.arrayBuffer().then(function (b) { return crypto.subtle.digest("SHA-256", b); }).then(hex);
  }

  function call(method, url, csrf, body, headers) {
    var h = { "Accept": "application/json", "X-CSRFToken": csrf };
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    return fetch(url, { method: method, body: body, credentials: "same-origin", headers: h }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      if (type.indexOf("json") < 0 || resp.status === 401 || resp.status >= 500) {
        throw new Error("not now");  // logged out, server down, a proxy's page: the next try
      }
      return resp.json().then(function (data) {
        if (resp.status === 403 && /CSRF/.test(data.message || "")) throw new Error("stale page");
        return { status: resp.status, data: data };
      });
    });
  }

  function Refused(message) { this.message = message; }

  function explain(data) {
    var parts = data.message ? [data.message] : [];
    Object.keys(data.fields || {}).forEach(function (k) { parts.push([].concat(data.fields[k]).join(" ")); });
    return parts.join(" ");
  }

  /* One photo: begin it once (its id kept on the item), then pieces from where the server is. */
  function upload(item, i, save, csrf) {
    var blob = item.files[i][1], state = item.uploads[i];
    var started = state.id ? call("GET", UPLOADS + state.id + "/", csrf) : Promise.resolve({ status: 404 });
    return started.then(function (r) {
      if (r.status === 200) return r.data;
      if (r.status !== 404) throw new Error("not now");
      // New, or swept after a day away: start it (again).
      return (state.sha256 ? Promise.resolve(state.sha256) : sha256(blob)).then(function (digest) {
        state.sha256 = digest;
        var body = JSON.stringify({ size: blob.size, sha256: digest, name: (item.files[i][2] || "").slice(-200) });
        return call("POST", UPLOADS, csrf, body, { "Content-Type": "application/json" });
      }).then(function (r2) {
        if (r2.status !== 201) throw new Refused(explain(r2.data));
        state.id = r2.data.id;
        return save(item).then(function () { return r2.data; });
      });
    }).then(function (at) { return pieces(state.id, blob, at, csrf); });
  }

  function pieces(id, blob, at, csrf) {
    if (at.finished) return Promise.resolve(id);
    var body = blob.slice(at.offset, at.offset + PIECE);
    return call("PATCH", UPLOADS + id + "/", csrf, body, {
      "Content-Type": "application/octet-stream", "Upload-Offset": String(at.offset)
    }).then(function (r) {
      if (r.status === 200 || r.status === 409) {  // 409: the server is elsewhere; go on from there
        return pieces(id, blob, { offset: r.data.offset, finished: r.data.finished }, csrf);
      }
      throw new Refused(explain(r.data));
    });
  }

  /* What to send for ``item``: its fields (or its JSON body), the finished uploads in place of its photos,
     other files as they are. Resolves to null when a photo was refused (the item is then saved as refused). */
  function prepare(item, save, csrf) {
    item.files = item.files || [];
    item.uploads = item.uploads || item.files.map(function () { return {}; });
    var payload = { fields: (item.fields || []).slice(), files: [], json: item.json ? JSON.parse(JSON.stringify(item.json)) : null };
    var run = item.files.reduce(function (p, f, i) {
      return p.then(function () {
        if (!FIELDS[f[0]]) { payload.files.push(f); return; }
        return upload(item, i, save, csrf).then(function (id) { name(payload, FIELDS[f[0]], id); });
      });
    }, Promise.resolve());
    return run.then(function () { return payload; }, function (err) {
      if (!(err instanceof Refused)) throw err;
      item.state = "refused"; item.message = err.message; item.uploads = null;
      return save(item).then(function () { return null; });
    });
  }

  function name(payload, field, id) {
    if (!payload.json) { payload.fields.push([field, id]); return; }
    (payload.json[field] = payload.json[field] || []).push(id);
  }

  /* Send one queued item with ``post(item, payload)``: its photos first, in pieces, when it has any. */
  function send(item, save, csrf, post) {
    if (!(item.files || []).length) return post(item, { fields: item.fields || [], files: [], json: item.json });
    return prepare(item, save, csrf).then(function (payload) { if (payload) return post(item, payload); });
  }

  function wantSync() {
    if (!root.navigator || !navigator.serviceWorker) return Promise.resolve(false);
    return navigator.serviceWorker.ready.then(function (reg) {
      if (!reg.sync) return false;
      return reg.sync.register(TAG).then(function () { return true; });
    }).catch(function () { return false; });
  }

  /* --- In the service worker: the sending a page would do, for the signed-in user's waiting items. --- */
  var DB_NAME = "gridgov-offline", STORE = "reports";

  function store(mode, work) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB_NAME);
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var d = open.result;
        if (!d.objectStoreNames.contains(STORE)) { d.close(); resolve([]); return; }
        var t = d.transaction(STORE, mode), out = work(t.objectStore(STORE));
        t.oncomplete = function () { d.close(); resolve(out && "result" in out ? out.result : undefined); };
        t.onerror = function () { d.close(); reject(t.error); };
      };
    });
  }
  function save(item) { return store("readwrite", function (s) { return s.put(item); }); }

  function csrfCookie() {
    return root.cookieStore ? cookieStore.get("csrftoken").then(function (c) { return c ? c.value : ""; }) : Promise.resolve("");
  }

  function post(item, payload, csrf) {
    // A step the offline queue keeps as JSON (a visit, a task's form, a verify, a check-in) goes as JSON.
    var url = item.url || item.api || "/api/v1/cases/", headers = { "Idempotency-Key": item.key }, body;
    if (payload.json) {
      body = JSON.stringify(payload.json); headers["Content-Type"] = "application/json";
    } else {
      body = new FormData();
      payload.fields.forEach(function (f) { body.append(f[0], f[1]); });
      payload.files.forEach(function (f) { body.append(f[0], f[1], f[2]); });
    }
    return call("POST", url, csrf, body, headers).then(function (r) {
      if (r.status === 200 || r.status === 201) {
        item.state = "sent"; item.files = []; item.uploads = null; item.number = r.data.number || "";
        if (!item.kind || item.kind === "report" || item.kind === "self-handle") item.caseId = r.data.id;
        item.sentAt = new Date().toISOString();
      } else {
        item.state = "refused"; item.message = explain(r.data);
      }
      return save(item);
    });
  }

  function flush() {
    var run = function () { return flushNow(); };  // not while a page sends the same queue
    return root.navigator && navigator.locks ? navigator.locks.request("gg-offline-sync", run) : run();
  }

  function flushNow() {
    return Promise.all([csrfCookie(), call("GET", "/api/v1/me/", "")]).then(function (both) {
      var csrf = both[0], me = both[1].data.username;
      return store("readonly", function (s) { return s.getAll(); }).then(function (items) {
        var waiting = items.filter(function (i) { return i.user === me && i.state === "waiting"; })
          .sort(function (a, b) { return a.id - b.id; });
        return waiting.reduce(function (p, item) {
          return p.then(function () {
            return send(item, save, csrf, function (it, payload) { return post(it, payload, csrf); });
          });
        }, Promise.resolve());
      });
    });
  }

  // A page of ours is open when the sync comes: the service worker asks it to send (and show what it sent).
  if (root.document && root.navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (ev) {
      if (ev.data === "gg-sync" && root.GGOffline) GGOffline.sync();
    });
  }

  root.GGUpload = { prepare: prepare, send: send, wantSync: wantSync, flush: flush, PIECE: PIECE, TAG: TAG, FIELDS: FIELDS };
})(self);
