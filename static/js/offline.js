/* The phone offline (issue 23), on every page of a logged-in user.

   - Registers the service worker (/sw.js), which keeps the worker's pages and the static files.
   - Work done without a connection is kept in IndexedDB, one item per step, each with its own
     Idempotency-Key, and sent in order when the connection returns (the "online" event, and every page
     load). The kinds of step (KINDS): a case report (self-handled or not: the report page's form), a visit
     (the household page), a task's form for one target (the fill page), a verification (the offline page)
     and a grid-day check-in (the visit's page). Each kind turns its form into the API's request; the
     server acts once per key (cases/idempotency.py), so a resend whose answer was lost is harmless.
     Whatever the kind, its photos go the same way: in resumable pieces (upload.js), named in the step.
   - An item is "waiting", "sent" or "refused" (with the server's reason). A step on a case that changed
     meanwhile (409) keeps the case's current state beside the refusal; the worker redoes it on that state
     (a new key) or drops it.
   - The report page and the offline page (/offline/) show the queue. */
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
  function number(value) { return value === "" || value == null ? null : Number(value); }
  function text(form, name) { var el = form.elements[name]; return el ? el.value.trim() : ""; }

  /* The report form → the API's fields (the same values the page would send, so the key's fingerprint
     matches a page POST whose answer was lost). A report with "I fixed it on the spot" is the self-handle. */
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
    photosOf(el.photos, files);
    if (selfHandled && el.after_photos) photosOf(el.after_photos, files);
    var cat = el.category.selectedOptions[0];
    return {
      kind: selfHandled ? "self-handle" : "report", fields: fields, files: files,
      label: el.title.value.trim(), categoryName: cat ? cat.textContent : ""
    };
  }

  /* A file field's photos as [field, file, name], for upload.js to send in pieces (any kind of step). */
  function photosOf(input, files) {
    Array.prototype.forEach.call(input.files, function (f) { files.push([input.name, f, f.name]); });
    return files;
  }

  /* The other kinds: a page's form (marked data-offline-kind, data-offline-api) → the API's JSON body. */
  var KINDS = {
    visit: function (form) {
      var body = {
        household: number(form.dataset.household), person: number(text(form, "person")),
        method: text(form, "method"), notes: text(form, "notes"), findings: text(form, "findings"),
        lat: number(text(form, "lat")), lon: number(text(form, "lon")), visited_at: new Date().toISOString()
      };
      if (form.elements.raise_case && form.elements.raise_case.checked) {
        body.raise_case = { title: text(form, "case_title"), category: text(form, "case_category") };
      }
      return body;
    },
    "task-result": function (form) {
      var values = {};
      Array.prototype.forEach.call(form.elements, function (input) {
        if (input.name.indexOf("v.") !== 0) return;
        var code = input.name.slice(2);
        if (input.type === "checkbox") { if (input.checked) (values[code] = values[code] || []).push(input.value); }
        else if (input.type === "radio") { if (input.checked) values[code] = input.value; }
        else if (input.value !== "") values[code] = input.value;
      });
      var body = {
        assignment: number(form.dataset.assignment), target: number(form.dataset.target), values: values,
        note: text(form, "note"), lat: number(text(form, "lat")), lon: number(text(form, "lon"))
      };
      if (form.elements.found && form.elements.found.checked) {
        body.finding = { category: number(text(form, "category")), title: text(form, "title") };
      }
      return body;
    },
    verify: function (form, submitter) {
      var body = { note: text(form, "note") };
      if (form.dataset.version) body.version = Number(form.dataset.version);
      form.dataset.step = submitter && submitter.value ? submitter.value : "verify-pass";
      return body;
    },
    "check-in": function (form) { return { lat: number(text(form, "lat")), lon: number(text(form, "lon")) }; }
  };

  function add(item, key) {
    item.user = USER; item.key = key || newKey(); item.state = "waiting";
    item.kind = item.kind || "report"; item.files = item.files || [];
    item.queuedAt = new Date().toISOString();
    // upload.js (issue 23): Background Sync where the browser has it, once the item is stored.
    return put(item).then(function () { if (window.GGUpload) GGUpload.wantSync(); }).then(render);
  }

  /* Keep the filled-in report on this phone, then clear it for the next report (with a new key). */
  function queue(form) {
    if (!form.checkValidity()) { form.reportValidity(); return Promise.resolve(); }
    var keyInput = form.elements.idempotency_key;
    return add(fromForm(form), keyInput.value).then(function () {
      form.reset();
      keyInput.value = newKey();
      form.elements.category.dispatchEvent(new Event("change", { bubbles: true }));
      showNote(form);
    });
  }

  /* Any other kind's form: kept as the API request it stands for. */
  function queueStep(form, submitter) {
    if (!form.checkValidity()) { form.reportValidity(); return Promise.resolve(); }
    var d = form.dataset, json = KINDS[d.offlineKind](form, submitter), files = [];
    var url = d.offlineApi + (d.step ? d.step + "/" : "");
    form.querySelectorAll("input[type=file][name=photos]").forEach(function (input) { photosOf(input, files); });
    return add({
      kind: d.offlineKind, url: url, json: json, files: files, label: d.offlineLabel || "",
      caseId: d.case ? Number(d.case) : null, step: d.step || ""
    }).then(function () {
      form.reset();
      if (d.offlineDone) form.hidden = true;  // a step done once (a verification, a check-in)
      showNote(form);
      if (navigator.onLine !== false) sync();
    });
  }
  function showNote(form) {
    var note = document.querySelector("[data-queued-note]");
    if (note) { note.hidden = false; note.scrollIntoView({ block: "center" }); }
    var mine = form.parentNode.querySelector("[data-step-queued]");
    if (mine) mine.hidden = false;
  }

  // A marked form goes to the queue when there is no connection (or always, with data-offline-always).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || !form.matches("form[data-offline-kind]") || !KINDS[form.dataset.offlineKind]) return;
    if (navigator.onLine !== false && !form.hasAttribute("data-offline-always")) return;
    ev.preventDefault();
    queueStep(form, ev.submitter);
  });

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function request(item, payload) {
    var headers = { "Idempotency-Key": item.key, "X-CSRFToken": csrf(), "Accept": "application/json" };
    if (payload.json) {
      headers["Content-Type"] = "application/json";
      return { method: "POST", body: JSON.stringify(payload.json), headers: headers, credentials: "same-origin" };
    }
    var body = new FormData();
    payload.fields.forEach(function (f) { body.append(f[0], f[1]); });
    payload.files.forEach(function (f) { body.append(f[0], f[1], f[2]); });
    return { method: "POST", body: body, headers: headers, credentials: "same-origin" };
  }

  function send(item) {
    // upload.js (issue 23): any step's photos go first, in resumable pieces; it then names the finished uploads.
    return GGUpload.send(item, put, csrf(), post);
  }

  function post(item, payload) {
    return fetch(item.url || API, request(item, payload)).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0 || resp.status === 401 || resp.status >= 500) {
        throw new Error("not now");  // logged out, server down, a proxy's page: try again later
      }
      return resp.json().then(function (data) {
        if (resp.status === 403 && /CSRF/.test(data.message || "")) throw new Error("stale page");  // next load
        if (resp.ok) {
          item.state = "sent"; item.files = []; item.sentAt = new Date().toISOString();
          item.number = data.number || "";
          if (item.kind === "report" || item.kind === "self-handle") item.caseId = data.id;
          return put(item);
        }
        item.state = "refused"; item.message = explain(data);
        // The case changed meanwhile: keep its current state beside the refusal.
        if (resp.status === 409 && item.caseId) return current(item).then(function () { return put(item); });
        return put(item);
      });
    });
  }

  function current(item) {
    return fetch("/api/v1/cases/" + item.caseId + "/", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (c) { item.current = c ? { status: c.status, version: c.version, number: c.number } : null; })
      .catch(function () { item.current = null; });
  }

  function explain(data) {
    var parts = data.message ? [data.message] : [];
    Object.keys(data.fields || {}).forEach(function (k) {  // the field's label on this page, if it is here
      var label = document.querySelector("label[for='id_" + k + "']");
      parts.push((label ? label.textContent.trim() + ": " : "") + [].concat(data.fields[k]).join(" "));
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

  function camel(kind) { return "kind" + kind.replace(/(^|-)(\w)/g, function (m, dash, c) { return c.toUpperCase(); }); }
  function statusLabel(status) {
    var labels = document.getElementById("gg-case-statuses");
    var map = labels ? JSON.parse(labels.textContent) : {};
    return map[status] || "";
  }

  function render() {
    var box = document.querySelector("[data-outbox]");
    if (!box) return Promise.resolve();
    return all().then(function (items) {
      var list = box.querySelector("ol"), d = box.dataset;
      list.textContent = "";
      items.sort(function (a, b) { return a.id - b.id; }).forEach(function (item) {
        var li = document.createElement("li"), head = document.createElement("strong"), meta = document.createElement("span");
        item.kind = item.kind || "report";
        li.className = "outbox-item " + item.state + (item.current ? " conflict" : "");
        li.dataset.kind = item.kind;
        head.textContent = item.label || "—";
        if (item.caseId && item.state === "sent") {  // a sent step on a case links to its case
          var link = document.createElement("a");
          link.href = "/cases/" + item.caseId + "/"; link.append(head); head = link;
        }
        meta.className = "muted small";
        var photos = item.files.length ? " · " + item.files.length + " " + d.photos : "";
        var state = item.state === "sent" ? d.sent + " " + (item.number || "") : item.state === "refused" ? d.refused : d.waiting;
        var what = [d[camel(item.kind)] || "", item.categoryName || ""].filter(Boolean).join(" · ");
        meta.textContent = state.trim() + " · " + what + photos + " · " + new Date(item.queuedAt).toLocaleString();
        li.append(head, document.createElement("br"), meta);
        if (item.state === "refused") renderRefusal(li, item, d);
        list.append(li);
      });
      var count = items.filter(function (i) { return i.state !== "sent"; }).length;
      box.querySelector("[data-outbox-count]").textContent = count;
      box.hidden = items.length === 0 && !box.hasAttribute("data-outbox-always");
      var note = document.querySelector("[data-queued-note]");
      if (note && !items.some(function (i) { return i.state === "waiting"; })) note.hidden = true;
    });
  }

  function renderRefusal(li, item, d) {
    var why = document.createElement("p");
    why.className = "errors"; why.textContent = item.message;
    li.append(why);
    if (item.current) {  // the case changed meanwhile: what it is now, and redo the step on that
      var now = document.createElement("p"), link = document.createElement("a");
      now.className = "outbox-now";
      link.href = "/cases/" + item.caseId + "/";
      link.textContent = (item.current.number || "") + " " + d.now + " " + (statusLabel(item.current.status) || d.changed);
      now.append(link);
      li.append(now, button(d.redo, function () {
        item.state = "waiting"; item.key = newKey();  // a new step on the case as it is now
        if (item.json && "version" in item.json) item.json.version = item.current.version;
        delete item.current; delete item.message;
        put(item).then(sync);
      }));
    } else {
      li.append(button(d.retry, function () { item.state = "waiting"; put(item).then(sync); }));
    }
    li.append(button(d.remove, function () { remove(item.id).then(render); }));
  }
  function button(text, onclick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "small-button"; b.textContent = text;
    b.addEventListener("click", onclick);
    return b;
  }

  /* Online, the offline page names the pages the worker will need without a signal (their visit list's
     households, their tasks' forms, the cases to verify): keep a fresh copy of each now. */
  function precache() {
    var list = document.getElementById("gg-precache");
    if (!list || !window.caches || navigator.onLine === false) return Promise.resolve();
    var urls = JSON.parse(list.textContent);
    return caches.open("gg-pages-v1").then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (resp) {
          if (resp.ok && !resp.redirected) return cache.put(url, resp);
        }).catch(function () {});
      }));
    });
  }

  window.GGOffline = { queue: queue, queueStep: queueStep, add: add, sync: sync, all: all, render: render, precache: precache };
  window.addEventListener("online", function () { sync(); precache(); });
  if (navigator.onLine !== false) { sync(); precache(); } else render();
})();
