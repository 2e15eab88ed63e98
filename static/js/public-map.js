/* The public map of reports (open311/public_map.html): grid outlines as the base (no tile server unless
   the district configured one), the newest published reports in view as points coloured by state, each
   with a popup linking to its page. Points come from map.json for the box on screen (bounded there). */
(function () {
  "use strict";
  var el = document.querySelector("[data-public-map]");
  if (!el || !window.L || !window.GGBasemap) return;
  var map = GGBasemap.create(el, { zoomControl: true, maxZoom: 19 });
  var note = document.getElementById("public-map-note");
  var points = L.layerGroup().addTo(map);
  var seq = 0;

  function text(tag, value, cls) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (cls) node.className = cls;
    return node;
  }

  function popup(r) {
    var box = document.createElement("div");
    box.appendChild(text("strong", r.category));
    box.appendChild(text("div", r.state_words, "popup-state state-" + r.state));
    box.appendChild(text("div", (r.reported || "").slice(0, 10), "muted small"));
    var link = text("a", el.dataset.open);
    link.href = r.url;
    box.appendChild(link);
    return box;
  }

  function load() {
    var b = map.getBounds(), mine = ++seq;
    var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
    fetch(el.dataset.points + "&bbox=" + box.join(","), { credentials: "omit" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (mine !== seq || !data.reports) return;
        points.clearLayers();
        data.reports.forEach(function (r) {
          L.circleMarker([r.lat, r.lon], { radius: 7, weight: 2, className: "report-dot dot-" + r.state })
            .bindPopup(popup(r))
            .addTo(points);
        });
        el.dataset.pointsDrawn = String(data.reports.length);
        note.textContent = data.truncated ? el.dataset.more : data.reports.length ? "" : el.dataset.none;
      });
  }

  fetch(el.dataset.grids).then(function (r) { return r.json(); }).then(function (gj) {
    var outlines = L.geoJSON(gj, { style: { color: "#5a6b7b", weight: 1, fill: false }, interactive: false }).addTo(map);
    if (gj.features.length) map.fitBounds(outlines.getBounds());
    else map.setView([28.2, 112.97], 12);
    el.dataset.gridsDrawn = String(gj.features.length);
    map.on("moveend", load);
    load();
  });
})();
