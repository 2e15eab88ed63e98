/* The district centre's command map: grids coloured by open-case load (drawn from their boundaries, so
   the map works without any tile server), open cases as server-side clusters or markers for the current
   view, and — for supervisors — where the grid workers on patrol are, with a worker's track on demand. */
(function () {
  "use strict";

  var el = document.getElementById("command-map");
  if (!el || !window.L || !window.GGBasemap) return;
  var T = JSON.parse(document.getElementById("command-labels").textContent);
  var REFRESH_MS = 30000;
  // Sequential palette (light yellow → dark red) for the share of the busiest grid's open cases.
  var PALETTE = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"];

  // Tiles when configured, else the offline base layer (static/js/basemap.js).
  var map = GGBasemap.create(el, { zoomControl: true, maxZoom: 19, zoomSnap: 0.5 });
  map.setView([28.2, 112.9], 12);

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* --- Grid load --------------------------------------------------------------------------------- */
  var maxOpen = 0;
  function fill(open) {
    if (!open) return "#f4f6f8";
    var share = maxOpen ? open / maxOpen : 0;
    return PALETTE[Math.min(PALETTE.length - 1, Math.floor(share * PALETTE.length))];
  }
  function gridStyle(f) {
    var p = f.properties;
    return { color: p.overdue ? "#c62828" : "#6b7785", weight: p.overdue ? 2.5 : 1, fillColor: fill(p.open),
             fillOpacity: 0.55 };
  }
  function gridTip(p) {
    return "<strong>" + esc(p.name) + "</strong><br>" + p.open + " " + T.open + " · " + p.warning + " " + T.warning +
      " · " + p.overdue + " " + T.overdue;
  }
  var grids = L.geoJSON(null, {
    style: gridStyle,
    onEachFeature: function (f, layer) {
      layer.bindTooltip(function () { return gridTip(f.properties); }, { sticky: true });
    }
  }).addTo(map);

  function applyLoad(body) {
    maxOpen = body.max_open;
    grids.eachLayer(function (layer) {
      var p = layer.feature.properties, n = body.load[p.code] || { open: 0, warning: 0, overdue: 0, supervised: 0 };
      p.open = n.open; p.warning = n.warning; p.overdue = n.overdue; p.supervised = n.supervised;
      layer.setStyle(gridStyle(layer.feature));
    });
  }

  Promise.all([getJSON(el.dataset.grids), getJSON(el.dataset.load)]).then(function (both) {
    var gj = both[0];
    gj.features.forEach(function (f) { f.properties.open = f.properties.warning = f.properties.overdue = 0; });
    grids.addData(gj);
    applyLoad(both[1]);
    grids.bringToBack();
    el.dataset.gridsDrawn = String(gj.features.length);
    if (gj.features.length) map.fitBounds(grids.getBounds(), { padding: [24, 24] });
    else loadCases();
    legend.addTo(map);
  }).catch(function () {});

  function refreshLoad() {
    getJSON(el.dataset.load).then(function (body) {
      applyLoad(body);
      legend.remove(); legend.addTo(map);
    }).catch(function () {});
  }

  var legend = L.control({ position: "bottomleft" });
  legend.onAdd = function () {
    // One swatch per colour step with the open counts it stands for: n falls in step floor(n / max × 5).
    // Swatches are coloured through the CSSOM: the Content-Security-Policy refuses style="" attributes.
    var div = L.DomUtil.create("div", "gg-legend"), n = PALETTE.length;
    div.innerHTML = "<strong>" + esc(T.legend) + "</strong><div class='steps'></div>" +
      "<span><i class='edge'></i>" + esc(T.overdueEdge) + "</span>";
    var steps = div.querySelector(".steps");
    function swatch(colour, label) {
      var span = L.DomUtil.create("span", "", steps), i = L.DomUtil.create("i", "", span);
      i.style.background = colour;
      span.appendChild(document.createTextNode(label));
    }
    swatch("#f4f6f8", "0");
    PALETTE.forEach(function (c, k) {
      var lo = Math.max(1, Math.ceil(k * maxOpen / n)), hi = k === n - 1 ? maxOpen : Math.ceil((k + 1) * maxOpen / n) - 1;
      if (maxOpen && lo <= hi) swatch(c, lo + (hi > lo ? "–" + hi : ""));
    });
    return div;
  };


  /* --- Open cases: clusters computed by the server for this box and zoom ---------------------------- */
  var cases = L.layerGroup().addTo(map);
  var pending = null;

  function caseQuery() {
    var b = map.getBounds();
    var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v, k) {
      var lim = k % 2 ? 90 : 180;
      return Math.max(-lim, Math.min(lim, v)).toFixed(6);
    });
    return el.dataset.cases + "?bbox=" + box.join(",") + "&zoom=" + Math.round(map.getZoom());
  }

  function clusterIcon(c) {
    // The marker's box takes iconSize and the circle fills it (no style="": the policy refuses them).
    var size = c.count < 10 ? 30 : c.count < 100 ? 38 : c.count < 1000 ? 46 : 54;
    return L.divIcon({ className: "", iconSize: [size, size],
      html: "<div class='gg-cluster alert-" + (c.alert || "none") + "' data-cluster='" + c.count + "' title='" + c.count + " " + esc(T.open) + (c.overdue ? ", " + c.overdue + " " + esc(T.overdue) : "") +
            "'>" + c.count + "</div>" });
  }
  function pinIcon(m) {
    return L.divIcon({ className: "", iconSize: [16, 16],
      html: "<div class='gg-pin alert-" + (m.alert || "none") + (m.supervised ? " supervised" : "") + "' data-case='" + m.id +
            "' title='" + esc(m.number) + " " + esc(m.title) + "'></div>" });
  }
  function casePopup(m) {
    var flags = (m.alert === "red" ? " · " + T.overdue : m.alert === "yellow" ? " · " + T.warning : "") +
      (m.supervised ? " · " + T.supervised : "");
    return "<div class='gg-popup'><div class='number'>" + esc(m.number) + esc(flags) + "</div><strong>" + esc(m.title) +
      "</strong><br><a class='button-link' href='" + esc(m.url) + "'>" + esc(T.openCase) + " →</a></div>";
  }

  function loadCases() {
    var url = caseQuery();
    pending = url;
    getJSON(url).then(function (body) {
      if (pending !== url) return; // the view moved on meanwhile
      cases.clearLayers();
      body.clusters.forEach(function (c) {
        var marker = L.marker([c.lat, c.lon], { icon: clusterIcon(c), keyboard: true, title: String(c.count) });
        marker.on("click", function () {
          var bounds = L.latLngBounds(c.bounds);
          if (bounds.getNorthEast().equals(bounds.getSouthWest())) map.setView(bounds.getCenter(), map.getZoom() + 2);
          else map.fitBounds(bounds.pad(0.2));
        });
        cases.addLayer(marker);
      });
      body.markers.forEach(function (m) {
        cases.addLayer(L.marker([m.lat, m.lon], { icon: pinIcon(m), keyboard: true, title: m.number })
          .bindPopup(casePopup(m)));
      });
      el.dataset.casesDrawn = String(body.clusters.length + body.markers.length);
    }).catch(function () {});
  }
  map.on("moveend", loadCases);

  /* --- Grid workers on patrol (supervisors only) --------------------------------------------------- */
  var overlays = {};
  overlays[T.grids] = grids;
  overlays[T.cases] = cases;
  var workers = null, track = L.layerGroup().addTo(map);
  if (el.dataset.patrols) {
    workers = L.layerGroup().addTo(map);
    overlays[T.patrols] = workers;
  }
  L.control.layers(null, overlays, { collapsed: window.innerWidth < 700 }).addTo(map);

  function workerPopup(p) {
    return "<div class='gg-popup'><strong>" + esc(p.name) + "</strong><br>" + p.minutes_ago + " " + esc(T.minutesAgo) +
      (p.accuracy_m != null ? " · ±" + Math.round(p.accuracy_m) + " m" : "") + (p.inside ? "" : "<br>" + esc(T.outside)) +
      "<br><button type='button' data-track='" + esc(p.track) + "'>" + esc(T.showTrack) + "</button>" +
      "<div class='muted small'>" + esc(T.trackLogged) + "</div></div>";
  }
  function loadWorkers() {
    if (!workers) return;
    getJSON(el.dataset.patrols).then(function (gj) {
      workers.clearLayers();
      gj.features.forEach(function (f) {
        var p = f.properties, c = f.geometry.coordinates;
        // A dot with the worker's whole name beside it, on one line (see .gg-worker-name).
        workers.addLayer(L.marker([c[1], c[0]], { keyboard: true, title: p.name, icon: L.divIcon({ className: "",
          iconSize: [18, 18], html: "<div class='gg-worker" + (p.inside ? "" : " outside") + "' data-worker='" + p.user + "'>" +
          "<span class='gg-worker-name'>" + esc(p.name) + "</span></div>" }) }).bindPopup(workerPopup(p)));
      });
      el.dataset.workersDrawn = String(gj.features.length);
    }).catch(function () {});
  }
  el.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-track]");
    if (!button) return;
    getJSON(button.dataset.track).then(function (body) {
      track.clearLayers();
      map.closePopup();
      if (!body.points.length) { button.textContent = T.noTrack; return; }
      var latlngs = body.points.map(function (p) { return [p.lat, p.lon]; });
      var line = L.polyline(latlngs, { color: "#2e7d32", weight: 4 });
      track.addLayer(line);
      [[latlngs[0], "#ffffff"], [latlngs[latlngs.length - 1], "#2e7d32"]].forEach(function (end) {
        track.addLayer(L.circleMarker(end[0], { radius: 6, color: "#2e7d32", weight: 3, fillColor: end[1], fillOpacity: 1 }));
      });
      map.fitBounds(line.getBounds().pad(0.3), { maxZoom: 17 });
    }).catch(function () {});
  });

  loadWorkers();
  setInterval(function () { if (!document.hidden) { refreshLoad(); loadCases(); loadWorkers(); } }, REFRESH_MS);
})();
