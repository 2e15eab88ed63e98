/* The grid worker's patrol switch. While "on patrol" the browser watches the position and this page
   sends the latest fix every 30 s (and at once when switched on). A point that cannot be sent waits in
   a queue (kept in localStorage) and goes with the next send, with the time it was taken. The switch
   survives a reload. The small map shows today's own track from the server. */
(function () {
  "use strict";

  var root = document.getElementById("patrol");
  if (!root) return;
  var T = JSON.parse(document.getElementById("patrol-labels").textContent);
  var INTERVAL = (parseInt(root.dataset.interval, 10) || 30) * 1000;
  var KEY_ON = "gg-patrol-on", KEY_QUEUE = "gg-patrol-queue";
  var toggle = document.getElementById("patrol-toggle");
  var statusEl = document.getElementById("patrol-status");
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var watchId = null, timer = null, fix = null, sent = 0, sending = false;
  var queue = [];
  try { queue = JSON.parse(localStorage.getItem(KEY_QUEUE) || "[]"); } catch (e) { queue = []; }

  function say(text, problem) { statusEl.textContent = text; statusEl.classList.toggle("problem", !!problem); }
  function show(id, text) { document.getElementById(id).textContent = text; }
  function saveQueue() {
    queue = queue.slice(-500); // a day offline at most; the server refuses older points anyway
    try { localStorage.setItem(KEY_QUEUE, JSON.stringify(queue)); } catch (e) { /* private mode */ }
    show("patrol-queued", String(queue.length));
  }
  function clock(d) { return d.toTimeString().slice(0, 8); }

  /* --- Map of today's own track -------------------------------------------------------------------- */
  var map = null, line = null, here = null;
  if (window.L && window.GGBasemap) {
    map = GGBasemap.create(document.getElementById("patrol-map"), { maxZoom: 19 });  // static/js/basemap.js
    map.setView([28.2, 112.9], 14);
    fetch(root.dataset.grids, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (gj) {
      var layer = L.geoJSON(gj, { style: { color: "#c0392b", weight: 1.5, fillOpacity: 0.05 } }).addTo(map);
      if (gj.features.length && !line.getLatLngs().length) map.fitBounds(layer.getBounds());  // a track fits itself
    }).catch(function () {});
    line = L.polyline([], { color: "#2e7d32", weight: 4 }).addTo(map);
    loadTrack();
  }
  function loadTrack() {
    fetch(root.dataset.track, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (body) {
      if (!body.points || !body.points.length) return;
      line.setLatLngs(body.points.map(function (p) { return [p.lat, p.lon]; }));
      map.fitBounds(line.getBounds().pad(0.3), { maxZoom: 17 });
    }).catch(function () {});
  }
  function markHere(lat, lon) {
    if (!map) return;
    if (!here) here = L.circleMarker([lat, lon], { radius: 8, color: "#1a5fb4", fillOpacity: 0.9 }).addTo(map);
    else here.setLatLng([lat, lon]);
    line.addLatLng([lat, lon]);
  }

  /* --- Sending ---------------------------------------------------------------------------------------- */
  function post(point) {
    return fetch(root.dataset.endpoint, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(point)
    });
  }

  function flush() {
    if (sending || !queue.length) return Promise.resolve();
    sending = true;
    var point = queue[0];
    return post(point).then(function (resp) {
      if (resp.status >= 500) throw new Error(resp.status);
      queue.shift(); saveQueue(); // answered: kept, merged or refused — never resend it
      return resp.json().then(function (body) {
        if (resp.status === 200 || resp.status === 201) {
          sent += 1; show("patrol-sent", String(sent));
          show("patrol-last-sent", clock(new Date(point.recorded_at)));
          if (point.accuracy_m != null) show("patrol-accuracy", "±" + Math.round(point.accuracy_m) + " m");
          if (body.position && body.position.inside === false) say(T.outside, true);
          else say(T.on);
        } else {
          var fields = body.fields || {};
          say(T.refused + " " + (Object.keys(fields).map(function (k) { return fields[k].join(" "); }).join(" ") || body.message), true);
        }
      });
    }).catch(function () {
      say(T.failed, true);
      throw new Error("offline");
    }).then(function () {
      sending = false;
      return flush();
    }, function () { sending = false; });
  }

  function sendFix() {
    if (!fix) return;
    // The latest fix, stamped now: a worker standing still is still on patrol.
    queue.push({ lat: fix.coords.latitude, lon: fix.coords.longitude,
                 accuracy_m: fix.coords.accuracy == null ? null : fix.coords.accuracy,
                 recorded_at: new Date().toISOString() });
    saveQueue();
    markHere(fix.coords.latitude, fix.coords.longitude);
    flush();
  }

  /* --- The switch ----------------------------------------------------------------------------------- */
  function start() {
    if (!navigator.geolocation) { say(T.unsupported, true); return; }
    toggle.setAttribute("aria-pressed", "true"); toggle.textContent = T.stop;
    try { localStorage.setItem(KEY_ON, "1"); } catch (e) { /* private mode */ }
    say(T.waiting);
    var first = true;
    watchId = navigator.geolocation.watchPosition(function (pos) {
      fix = pos;
      if (first) { first = false; sendFix(); }
    }, function (err) {
      say(err.code === 1 ? T.denied : T.unavailable, true);
    }, { enableHighAccuracy: true, maximumAge: 15000, timeout: 60000 });
    timer = setInterval(sendFix, INTERVAL);
  }
  function stop() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    if (timer) clearInterval(timer);
    watchId = timer = null; fix = null;
    toggle.setAttribute("aria-pressed", "false"); toggle.textContent = T.start;
    try { localStorage.removeItem(KEY_ON); } catch (e) { /* private mode */ }
    say(T.off);
    flush();
  }
  toggle.addEventListener("click", function () { if (watchId === null) start(); else stop(); });
  window.addEventListener("online", flush);

  saveQueue();
  flush();
  var on = false;
  try { on = localStorage.getItem(KEY_ON) === "1"; } catch (e) { on = false; }
  if (on) start();
})();
