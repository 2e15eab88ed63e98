/* Grid adjustment page: the district's grids on a map (from their boundaries, so no tile server is needed).
   Tap a grid to choose it; "Draw" then taps add the corners of a shape, "Finish shape" writes it as GeoJSON
   into the form. A preview's outlines are drawn too: before dashed grey, after in colour.
   Own module on purpose: the shared base map (static/js/basemap.js) can replace makeMap() alone. */
(function () {
  "use strict";

  var el = document.getElementById("adjust-map");
  var form = document.getElementById("adjust-form");
  if (!el || !form || !window.L) return;
  var T = JSON.parse(document.getElementById("adjust-labels").textContent);
  var AFTER = ["#1a5fb4", "#26a269", "#e66100", "#9141ac", "#c01c28"];

  function makeMap() {
    var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles, maxZoom: 19 });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    map.setView([28.2, 112.9], 13);
    return map;
  }
  var map = makeMap();

  function box(code) { return form.querySelector('input[name="grids"][value="' + code + '"]'); }
  function gridStyle(f) {
    var b = box(f.properties.code), on = b && b.checked;
    return { color: on ? "#1a5fb4" : "#6b7785", weight: on ? 3 : 1, fillColor: on ? "#1a5fb4" : "#f4f6f8",
             fillOpacity: on ? 0.25 : 0.3 };
  }
  var grids = L.geoJSON(JSON.parse(document.getElementById("adjust-grids").textContent), {
    style: gridStyle,
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.name, { sticky: true });
      layer.on("click", function () {
        if (drawing) return;
        var b = box(f.properties.code);
        if (!b) return;
        if (kind() !== "merge") form.querySelectorAll('input[name="grids"]').forEach(function (o) { if (o !== b) o.checked = false; });
        b.checked = !b.checked;
        restyle();
      });
    }
  }).addTo(map);
  function restyle() { grids.setStyle(gridStyle); }
  form.addEventListener("change", function (ev) {
    if (ev.target.name === "grids") restyle();
    if (ev.target.name === "kind") showFields();
  });

  /* Fields that the chosen adjustment uses. */
  function kind() { var c = form.querySelector('input[name="kind"]:checked'); return c ? c.value : ""; }
  function showFields() {
    var k = kind();
    var wanted = { name: k !== "redraw", name_rest: k === "split", team_to: k === "split", geojson: k !== "merge", file: k !== "merge" };
    Object.keys(wanted).forEach(function (n) {
      var f = document.getElementById("field-" + n);
      if (f) f.hidden = !wanted[n];
    });
    form.querySelector(".adjust-tools").hidden = k === "merge";
  }
  showFields();

  /* Drawing a shape: taps add corners. */
  var drawing = false, corners = [], sketch = null, drawn = null;
  var startBtn = form.querySelector("[data-draw=start]"), finishBtn = form.querySelector("[data-draw=finish]");
  var hint = document.getElementById("adjust-hint"), text = document.getElementById("id_geojson");
  function redrawSketch() {
    if (sketch) map.removeLayer(sketch);
    sketch = corners.length ? L.polygon(corners, { color: "#c01c28", weight: 2, dashArray: "4 4", fillOpacity: 0.1 }).addTo(map) : null;
    finishBtn.disabled = corners.length < 3;
    el.dataset.corners = String(corners.length);
  }
  function showDrawn(geojson) {
    if (drawn) map.removeLayer(drawn);
    drawn = null;
    try { drawn = L.geoJSON(geojson, { style: { color: "#c01c28", weight: 2.5, fillOpacity: 0.15 } }).addTo(map); }
    catch (e) { drawn = null; }
  }
  form.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-draw]");
    if (!b) return;
    var what = b.dataset.draw;
    if (what === "start") {
      drawing = true; corners = []; redrawSketch();
      startBtn.classList.add("on"); hint.textContent = T.drawing;
    } else if (what === "finish" && corners.length >= 3) {
      var ring = corners.map(function (p) { return [+p.lng.toFixed(7), +p.lat.toFixed(7)]; });
      ring.push(ring[0]);
      var geometry = { type: "Polygon", coordinates: [ring] };
      text.value = JSON.stringify(geometry);
      drawing = false; corners = []; redrawSketch(); startBtn.classList.remove("on");
      showDrawn(geometry);
    } else if (what === "clear") {
      drawing = false; corners = []; redrawSketch(); startBtn.classList.remove("on");
      text.value = ""; showDrawn(null);
    }
  });
  map.on("click", function (e) { if (drawing) { corners.push(e.latlng); redrawSketch(); } });
  if (text && text.value.trim()) { try { showDrawn(JSON.parse(text.value)); } catch (e) { /* shown as a field error */ } }

  /* A preview: outlines before (dashed grey) and after (coloured, named). */
  var previewEl = document.getElementById("adjust-preview");
  var fitTo = grids.getBounds();
  if (previewEl) {
    var n = 0;
    var preview = L.geoJSON(JSON.parse(previewEl.textContent), {
      style: function (f) {
        if (f.properties.role === "before") return { color: "#333", weight: 2, dashArray: "6 6", fill: false };
        var c = AFTER[n++ % AFTER.length];
        return { color: c, weight: 3, fillColor: c, fillOpacity: 0.3 };
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip((f.properties.role === "before" ? T.before : T.after) + ": " + f.properties.name, { sticky: true });
      }
    }).addTo(map);
    if (drawn) { map.removeLayer(drawn); drawn = null; }
    if (preview.getLayers().length) fitTo = preview.getBounds().pad(0.3);
    el.dataset.preview = String(preview.getLayers().length);
  }
  if (fitTo.isValid()) map.fitBounds(fitTo, { padding: [12, 12] });
  el.dataset.ready = "1";
})();
