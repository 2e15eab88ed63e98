/* GridGov base map: one place that makes a Leaflet map with the configured tiles, or, without any, the
   offline base layer drawn from the district's own data (streets and communities, buildings, places).

   Load after leaflet.js and before the page's script. The API (window.GGBasemap):

     GGBasemap.create(el, options)  → L.Map on element el. Reads el's data attributes, written by the
         template tag {% basemap_attrs %} (gridgov/templatetags/basemap.py):
           data-tiles, data-tile-labels, data-subdomains, data-attribution, data-max-zoom  the tile provider
           data-datum   "wgs84" (also CGCS2000: Tianditu, OSM) or "gcj02" (AMap/高德, Tencent)
           data-base    URL of the offline base layer (only when no tiles are configured)
         options are passed to L.map (zoomControl, maxZoom…); the map is also el.ggMap. Everything on the map stays in WGS 84:
         on GCJ-02 tiles the map's CRS shifts what it draws and shifts clicks back, so markers, GeoJSON,
         map.getBounds() and a pin's e.latlng are WGS 84 without any conversion by the page.
     GGBasemap.wgsToGcj(lat, lon) → [lat, lon]      GGBasemap.gcjToWgs(lat, lon) → [lat, lon] (iterated, < 1 mm)
     GGBasemap.outsideChina(lat, lon) → true where GCJ-02 shifts nothing
     GGBasemap.crs(datum) → the L.CRS for "wgs84" or "gcj02"
     GGBasemap.baseLayer(map, url) → the offline base layer (an L.LayerGroup that refetches on moveend)

   Once drawn, el.dataset.baseDrawn holds "streets,communities,buildings,places" counts (tests read it).
   The same transform in Python: gridgov/gcj02.py. */
(function () {
  "use strict";
  if (!window.L) return;

  /* --- WGS 84 ↔ GCJ-02 ------------------------------------------------------------------------------ */
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;

  function outsideChina(lat, lon) { return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271); }

  function offset(lat, lon) {
    var x = lon - 105.0, y = lat - 35.0;
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + common;
    dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + common;
    dlon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var rad = lat / 180.0 * PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sqrtMagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI);
    dlon = (dlon * 180.0) / (A / sqrtMagic * Math.cos(rad) * PI);
    return [dlat, dlon];
  }

  function wgsToGcj(lat, lon) {
    if (outsideChina(lat, lon)) return [lat, lon];
    var d = offset(lat, lon);
    return [lat + d[0], lon + d[1]];
  }

  function gcjToWgs(lat, lon) {
    if (outsideChina(lat, lon)) return [lat, lon];
    var wlat = lat, wlon = lon;
    for (var i = 0; i < 30; i++) {
      var g = wgsToGcj(wlat, wlon), dlat = g[0] - lat, dlon = g[1] - lon;
      wlat -= dlat; wlon -= dlon;
      if (Math.abs(dlat) < 1e-9 && Math.abs(dlon) < 1e-9) break;
    }
    return [wlat, wlon];
  }

  /* Web Mercator over GCJ-02: project = shift then Mercator; unproject = Mercator back then unshift. */
  var merc = L.Projection.SphericalMercator;
  var gcjProjection = {
    R: merc.R, MAX_LATITUDE: merc.MAX_LATITUDE, bounds: merc.bounds,
    project: function (latlng) { var g = wgsToGcj(latlng.lat, latlng.lng); return merc.project(L.latLng(g[0], g[1])); },
    unproject: function (point) { var ll = merc.unproject(point), w = gcjToWgs(ll.lat, ll.lng); return L.latLng(w[0], w[1]); }
  };
  var GCJ02 = L.extend({}, L.CRS.EPSG3857, { code: "GCJ02", projection: gcjProjection });
  function crs(datum) { return datum === "gcj02" ? GCJ02 : L.CRS.EPSG3857; }

  /* --- The offline base layer --------------------------------------------------------------------- */
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  var STYLE = {
    district: { color: "#7b8794", weight: 3, dashArray: "8 5", fill: false },
    street: { color: "#b8a99a", weight: 5, opacity: 0.9, fillColor: "#f4efe6", fillOpacity: 1 },
    community: { color: "#cfc3b5", weight: 1.5, dashArray: "4 4", fill: false }
  };
  var STREET_TINTS = ["#f4efe6", "#eef1e6", "#f1ece4", "#ebefe9", "#f3eee9", "#eef0ea"];

  function baseLayer(map, url) {
    if (!map.getPane("ggBase")) {
      map.createPane("ggBase").classList.add("gg-base-pane");  // z-index 250 (CSS): over tiles, under overlays
      map.createPane("ggBaseLabels").classList.add("gg-base-labels");  // 450: names above the grid colours
    }
    var renderer = L.canvas({ pane: "ggBase", padding: 0.3 });
    var group = L.layerGroup().addTo(map);
    var container = map.getContainer(), lastUrl = null, streetNo = 0, tint = {};
    container.classList.add("gg-offline");

    function label(latlng, text, cls) {
      return L.marker(latlng, { pane: "ggBaseLabels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "gg-base-label " + cls, html: "<span>" + esc(text) + "</span>", iconSize: null }) });
    }
    function query() {
      // The box on screen with a margin, snapped to a coarse lattice so that small pans ask the same URL
      // (the browser keeps each answer a few minutes).
      var z = Math.round(map.getZoom()), b = map.getBounds().pad(0.25), cell = 360 / Math.pow(2, Math.max(z - 2, 0));
      function down(v) { return (Math.floor(v / cell) * cell).toFixed(6); }
      function up(v) { return (Math.ceil(v / cell) * cell).toFixed(6); }
      var box = [down(Math.max(-180, b.getWest())), down(Math.max(-85, b.getSouth())), up(Math.min(180, b.getEast())),
        up(Math.min(85, b.getNorth()))];
      return url + "?zoom=" + z + "&bbox=" + box.join(",");
    }
    function draw(gj) {
      group.clearLayers();
      var n = { street: 0, community: 0, building: 0, place: 0 }, z = map.getZoom();
      gj.features.forEach(function (f) {
        var p = f.properties, kind = p.layer;
        if (kind === "building" || kind === "place") return;
        var style = L.extend({}, STYLE[kind] || STYLE.community);
        if (kind === "street") {
          if (!tint[p.code]) tint[p.code] = STREET_TINTS[streetNo++ % STREET_TINTS.length];
          style.fillColor = tint[p.code];
        }
        group.addLayer(L.geoJSON(f, { renderer: renderer, pane: "ggBase", interactive: false, style: style }));
        if (p.label && p.label[0] != null && (kind === "street" || (kind === "community" && z >= 14))) {
          group.addLayer(label(p.label, p.name, kind));
        }
        if (n[kind] !== undefined) n[kind] += 1;
      });
      // Buildings: a small block around each point (no footprints are recorded); places: a dot and, close up, a name.
      gj.features.forEach(function (f) {
        var p = f.properties, c = f.geometry.coordinates, lat = c[1], lon = c[0];
        if (p.layer === "building") {
          var h = 0.00008, w = h / Math.cos(lat * PI / 180);
          group.addLayer(L.rectangle([[lat - h, lon - w], [lat + h, lon + w]], { renderer: renderer, pane: "ggBase",
            interactive: false, color: "#b9aea4", weight: 1, fillColor: "#d9d0c9", fillOpacity: 1 }));
          if (z >= 17 && p.name) group.addLayer(label([lat - h, lon], p.name, "building"));
          n.building += 1;
        } else if (p.layer === "place") {
          group.addLayer(L.circleMarker([lat, lon], { renderer: renderer, pane: "ggBase", interactive: false, radius: 4,
            color: "#ffffff", weight: 1.5, fillColor: "#8e5b3d", fillOpacity: 1 }));
          if (z >= 16 && p.name) group.addLayer(label([lat, lon], p.name + (p.kind ? " · " + p.kind : ""), "place"));
          n.place += 1;
        }
      });
      container.dataset.baseDrawn = [n.street, n.community, n.building, n.place].join(",");
    }
    function refresh() {
      var u = query();
      if (u === lastUrl) return;
      lastUrl = u;
      fetch(u, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (gj) { if (u === lastUrl) draw(gj); })
        .catch(function () { lastUrl = null; });
    }
    map.on("moveend", refresh);
    map.whenReady(refresh);
    return group;
  }

  /* --- A map ------------------------------------------------------------------------------------- */
  function create(el, options) {
    var d = el.dataset, maxZoom = parseInt(d.maxZoom, 10) || 19;
    var opts = L.extend({ zoomControl: true, maxZoom: maxZoom, attributionControl: !!d.tiles }, options || {}, {
      crs: crs(d.datum)
    });
    var map = L.map(el, opts);
    if (d.tiles) {
      var tileOpts = { maxZoom: opts.maxZoom, maxNativeZoom: maxZoom, attribution: d.attribution || "" };
      if (d.subdomains) tileOpts.subdomains = d.subdomains;
      L.tileLayer(d.tiles, tileOpts).addTo(map);
      if (d.tileLabels) L.tileLayer(d.tileLabels, L.extend({}, tileOpts, { attribution: "" })).addTo(map);
    }
    el.classList.add("gg-datum-" + (d.datum || "wgs84"));
    el.ggMap = map;
    return map;
  }
  /* The offline layer waits for the page to set the first view (setView / fitBounds). */
  function createWithBase(el, options) {
    var map = create(el, options);
    if (!el.dataset.tiles && el.dataset.base) baseLayer(map, el.dataset.base);
    return map;
  }

  window.GGBasemap = {
    create: createWithBase,
    crs: crs,
    wgsToGcj: wgsToGcj,
    gcjToWgs: gcjToWgs,
    outsideChina: outsideChina,
    baseLayer: baseLayer
  };
})();
