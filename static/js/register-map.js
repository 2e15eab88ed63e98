/* The register's map (入户采集): grids as outlines, buildings (blue) and places (orange) as points, drawn from
   the register's own GeoJSON so it works with no tile server. With data-pick="#lat,#lon" a tap (or a drag
   of the pin) sets the point of the building or place being edited.
   Kept apart from gridgov.js on purpose: the shared base map (static/js/basemap.js) can replace the
   map-making lines here without touching the rest. */
(function () {
  "use strict";

  var COLORS = { building: "#1a5fb4", place: "#e66100" };

  function $(sel) { return document.querySelector(sel); }

  function makeMap(el) {
    var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles, maxZoom: 19 });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    map.setView([28.2, 112.9], 13);
    return map;
  }

  function draw(el, map, gj, picked) {
    var grids = L.geoJSON(gj.features.filter(function (f) { return f.properties.kind === "grid"; }), {
      style: { color: "#c0392b", weight: 1.5, fillOpacity: 0.05 },
      interactive: false
    }).addTo(map);
    var points = L.geoJSON(gj.features.filter(function (f) { return f.properties.kind !== "grid"; }), {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 1.5,
                                        fillColor: COLORS[f.properties.kind], fillOpacity: 0.9 });
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(f.properties.name);
        layer.feature.properties.kind = f.properties.kind;
        if (!el.dataset.pick) layer.on("click", function () { location.assign(f.properties.url); });
      }
    }).addTo(map);
    el.dataset.drawn = String(points.getLayers().length);
    if (picked) return;
    var bounds = points.getLayers().length ? points.getBounds() : grids.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
  }

  function setUpPick(el, map) {
    var inputs = el.dataset.pick.split(",").map($);
    var marker = null;
    function place(lat, lon, pan) {
      inputs[0].value = lat.toFixed(6); inputs[1].value = lon.toFixed(6);
      if (!marker) {
        marker = L.marker([lat, lon], { draggable: true, autoPan: true }).addTo(map);
        marker.on("dragend", function () { var p = marker.getLatLng(); place(p.lat, p.lng, false); });
      } else marker.setLatLng([lat, lon]);
      if (pan) map.setView([lat, lon], Math.max(map.getZoom(), 17));
      el.dataset.picked = inputs[0].value + "," + inputs[1].value;
    }
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });
    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        var lat = parseFloat(inputs[0].value), lon = parseFloat(inputs[1].value);
        if (!isNaN(lat) && !isNaN(lon)) place(lat, lon, true);
      });
    });
    var lat = parseFloat(inputs[0].value), lon = parseFloat(inputs[1].value);
    if (!isNaN(lat) && !isNaN(lon)) { place(lat, lon, true); return true; }
    return false;
  }

  var el = document.querySelector("[data-register-map]");
  if (!el || !window.L) return;
  var map = makeMap(el);
  var picked = el.dataset.pick ? setUpPick(el, map) : false;
  fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (gj) { draw(el, map, gj, picked); })
    .catch(function () {});
})();
