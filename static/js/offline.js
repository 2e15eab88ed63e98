/* The phone offline (issue 23), on every page of a logged-in user.

   - Registers the service worker (/sw.js), which keeps the worker's shell pages and the static files.
   - Case reports made without a connection are kept in IndexedDB, each with its own Idempotency-Key (the
     form's key, so a report whose answer was lost is never made twice), and sent in order through the
     cases API when the connection returns (the "online" event, and every page load). A report the server
     refuses is kept, with the server's message; the server's idempotency makes a resend harmless.
   - The report page shows what waits to be sent, what was refused and why, and what was sent. */
(function () {
  "use strict";
  var script = document.currentScript;
  var USER = script.dataset.user, API = script.dataset.api;
  var DB_NAME = "gridgov-offline", STORE = "reports";
  var syncing = null;

  if ("serviceWorker" in navigator && script.dataset.sw) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).catch(function () {});
  }
  // Logging out forgets the cached pages (the queue stays: it is unsent work, and only its owner sends it).
  document.addEventListener("submit", function (ev) {
    if (ev.target.matches("form[action$='/logout/']") && window.caches) caches.delete("gg-pages-v1");
  });

  function db() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true }); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode), store = t.objectStore(STORE), out = work(store);
        t.oncomplete = function () { d.close(); resolve(out && "result" in out ? out.result : undefined); };
        t.onerror = function () { d.close(); reject(t.error); };
      });
    });
  }
  function all() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.filter(function (i) { return i.user === USER; });  // another user's work stays theirs
    });
  }
  function put(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function remove(id) { return tx("readwrite", function (s) { return s.delete(id); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* The report form → the API's fields (the same values the page would send, so the key's fingerprint
     matches a page POST whose answer was lost). */
  function fromForm(form) {
    var fields = [], files = [], extra = {}, el = form.elements;
    ["category", "title", "description", "address"].forEach(function (n) { if (el[n]) fields.push([n, el[n].value.trim()]); });
    if (el.lat.value !== "" && el.lon.value !== "") { fields.push(["lat", el.lat.value]); fields.push(["lon", el.lon.value]); }
    var selfHandled = el.self_handled && el.self_handled.checked;
    if (selfHandled) fields.push(["self_handled_result", el.self_handled_result.value.trim()]);
    form.querySelectorAll("fieldset.extra-fields:not([disabled]) [name^='extra.']").forEach(function (input) {
      var code = input.name.slice(6);
      if (input.type === "checkbox") {
        if (input.checked) (extra[code] = extra[code] || []).push(input.value);
      } else if (input.value !== "") extra[code] = input.value;
    });
    fields.push(["extra", JSON.stringify(extra)]);
    Array.prototype.forEach.call(el.photos.files, function (f) { files.push(["photos", f, f.name]); });
    if (selfHandled && el.after_photos) {
      Array.prototype.forEach.call(el.after_photos.files, function (f) { files.push(["after_photos", f, f.name]); });
    }
    var cat = el.category.selectedOptions[0];
    return { fields: fields, files: files, label: el.title.value.trim(), categoryName: cat ? cat.textContent : "" };
  }

  function add(report, key) {
    report.user = USER; report.key = key || newKey(); report.state = "waiting";
    report.queuedAt = new Date().toISOString();
    // upload.js (issue 23): Background Sync where the browser has it, once the item is stored.
    return put(report).then(function () { if (window.GGUpload) GGUpload.wantSync(); }).then(render);
  }

  /* Keep the filled-in form on this phone, then clear it for the next report (with a new key). */
  function queue(form) {
    if (!form.checkValidity()) { form.reportValidity(); return Promise.resolve(); }
    var keyInput = form.elements.idempotency_key;
    return add(fromForm(form), keyInput.value).then(function () {
      form.reset();
      keyInput.value = newKey();
      form.elements.category.dispatchEvent(new Event("change", { bubbles: true }));
      var note = document.querySelector("[data-queued-note]");
      if (note) { note.hidden = false; note.scrollIntoView({ block: "center" }); }
    });
  }

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function send(item) {
    // upload.js (issue 23): photos go first, in resumable pieces; the report then names the finished uploads.
    if (!window.GGUpload) return post(item, item);
    return GGUpload.prepare(item, put, csrf()).then(function (payload) { if (payload) return post(item, payload); });
  }

  function post(item, payload) {
    var body = new FormData();
    payload.fields.forEach(function (f) { body.append(f[0], f[1]); });
    payload.files.forEach(function (f) { body.append(f[0], f[1], f[2]); });
    return fetch(API, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Idempotency-Key": item.key, "X-CSRFToken": csrf(), "Accept": "application/json" }
    }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0 || resp.status === 401 || resp.status >= 500) {
        throw new Error("not now");  // logged out, server down, a proxy's page: try again later
      }
      return resp.json().then(function (data) {
        if (resp.status === 403 && /CSRF/.test(data.message || "")) throw new Error("stale page");  // next load
        if (resp.ok) {
          item.state = "sent"; item.files = []; item.number = data.number || ""; item.caseId = data.id; item.sentAt = new Date().toISOString();
        } else {
          item.state = "refused"; item.message = explain(data);
        }
        return put(item);
      });
    });
  }

  function explain(data) {
    var parts = data.message ? [data.message] : [];
    Object.keys(data.fields || {}).forEach(function (k) {  // the field's label on this page, not its key
      var label = document.querySelector("label[for='id_" + k + "']");
      parts.push((label ? label.textContent.trim() : k) + ": " + [].concat(data.fields[k]).join(" "));
    });
    return parts.join(" ");
  }

  /* Send what waits, oldest first, one at a time; stop at the first network failure. */
  function sync() {
    if (syncing) return syncing;
    var run = function () {
      return all().then(function (items) {
        var waiting = items.filter(function (i) { return i.state === "waiting"; })
          .sort(function (a, b) { return a.id - b.id; });
        return waiting.reduce(function (p, item) { return p.then(function () { return send(item); }); }, Promise.resolve());
      }).catch(function () {}).then(prune).then(render);
    };
    syncing = (navigator.locks ? navigator.locks.request("gg-offline-sync", run) : run())
      .then(function () { syncing = null; }, function () { syncing = null; });
    return syncing;
  }

  function prune() {  // keep the ten latest sent, for the list; drop older ones
    return all().then(function (items) {
      var sent = items.filter(function (i) { return i.state === "sent"; }).sort(function (a, b) { return b.id - a.id; });
      return Promise.all(sent.slice(10).map(function (i) { return remove(i.id); }));
    });
  }

  function render() {
    var box = document.querySelector("[data-outbox]");
    if (!box) return Promise.resolve();
    return all().then(function (items) {
      var list = box.querySelector("ol"), d = box.dataset;
      list.textContent = "";
      items.sort(function (a, b) { return a.id - b.id; }).forEach(function (item) {
        var li = document.createElement("li"), head = document.createElement("strong"), meta = document.createElement("span");
        li.className = "outbox-item " + item.state;
        head.textContent = item.label || "—";
        if (item.caseId) {  // a sent report links to its case
          var link = document.createElement("a");
          link.href = "/cases/" + item.caseId + "/"; link.append(head); head = link;
        }
        meta.className = "muted small";
        var photos = item.files.length ? " · " + item.files.length + " " + d.photos : "";
        var state = item.state === "sent" ? d.sent + " " + (item.number || "") : item.state === "refused" ? d.refused : d.waiting;
        meta.textContent = state + " · " + item.categoryName + photos + " · " + new Date(item.queuedAt).toLocaleString();
        li.append(head, document.createElement("br"), meta);
        if (item.state === "refused") {
          var why = document.createElement("p");
          why.className = "errors"; why.textContent = item.message;
          var again = button(d.retry, function () { item.state = "waiting"; put(item).then(sync); });
          var drop = button(d.remove, function () { remove(item.id).then(render); });
          li.append(why, again, drop);
        }
        list.append(li);
      });
      var count = items.filter(function (i) { return i.state !== "sent"; }).length;
      box.querySelector("[data-outbox-count]").textContent = count;
      box.hidden = items.length === 0;
      var note = document.querySelector("[data-queued-note]");
      if (note && !items.some(function (i) { return i.state === "waiting"; })) note.hidden = true;
    });
  }
  function button(text, onclick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "small-button"; b.textContent = text;
    b.addEventListener("click", onclick);
    return b;
  }

  window.GGOffline = { queue: queue, add: add, sync: sync, all: all, render: render };
  window.addEventListener("online", sync);
  if (navigator.onLine !== false) sync(); else render();
})();
