/* GridGov pages: small progressive enhancements. Every page works without this file; with it, forms
   keep what was typed on network failure, maps let the user pin a place, and action forms open in place.
   Handlers are delegated on document so content swapped in by htmx or by a retry keeps working. */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  /* --- Category picker: filter the list as one types; show the chosen category's extra fields. --- */
  document.addEventListener("input", function (ev) {
    if (!ev.target.matches(".category-filter")) return;
    var words = ev.target.value.trim().toLowerCase();
    var select = $("#" + ev.target.getAttribute("aria-controls"));
    var visible = [];
    $$("option", select).forEach(function (opt) {
      var text = (opt.dataset.search || opt.textContent).toLowerCase();
      var show = !words || text.indexOf(words) >= 0;
      opt.hidden = !show;
      if (show) visible.push(opt);
    });
    $$("optgroup", select).forEach(function (g) {
      g.hidden = !$$("option", g).some(function (o) { return !o.hidden; });
    });
    if (visible.length === 1 && select.value !== visible[0].value) {
      select.value = visible[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));  // extra fields, possible duplicates
    }
  });

  function showExtra(code) {
    $$("fieldset.extra-fields").forEach(function (fs) {
      var mine = fs.dataset.category === code;
      fs.hidden = !mine; fs.disabled = !mine;
    });
  }

  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.matches(".category-select")) showExtra(t.value);
    if (t.matches("[data-toggles]")) { $(t.dataset.toggles).hidden = !t.checked; }
    if (t.matches("[data-check-all]")) $$(t.dataset.checkAll).forEach(function (box) { box.checked = t.checked; });
  });

  /* An arrival on site carries where the phone is, when the browser may say. */
  function fillPosition(form) {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      $("[data-geo=lat]", form).value = pos.coords.latitude.toFixed(6);
      $("[data-geo=lon]", form).value = pos.coords.longitude.toFixed(6);
    }, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  /* --- Action buttons open their small form; Cancel closes it. --- */
  document.addEventListener("click", function (ev) {
    var opener = ev.target.closest("[data-opens]");
    if (opener) {
      $$(".action-form").forEach(function (f) { f.hidden = true; });
      $$("[data-opens]").forEach(function (b) { b.setAttribute("aria-expanded", "false"); });
      var form = $(opener.dataset.opens);
      form.hidden = false; opener.setAttribute("aria-expanded", "true");
      var first = $("select, textarea, input:not([type=hidden])", form);
      if (first) first.focus();
      if (form.matches("[data-geo-fill]")) fillPosition(form);
      return;
    }
    var filler = ev.target.closest("[data-fill]");
    if (filler) { var target = $(filler.dataset.fill); target.value = filler.dataset.value; target.focus(); return; }
    var closer = ev.target.closest("[data-closes]");
    if (closer) { $(closer.dataset.closes).hidden = true; return; }
    if (ev.target.closest("[data-locate-me]")) geolocate(pickerMap, true);
  });

  /* --- Report form: sent by fetch so a network failure keeps everything (photos too) and a retry
         resends the same Idempotency key; the server answers a retry with the first case. --- */
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches("[data-retry-form]") || !window.fetch || !window.FormData) return;
    ev.preventDefault();
    // Without a connection the report waits on this phone (static/js/offline.js) and is sent later.
    var offline = window.GGOffline && form.matches("[data-offline-queue]");
    if (offline && navigator.onLine === false) { GGOffline.queue(form); return; }
    var button = $("button[type=submit]", form);
    var failed = $(".send-failed", form);
    button.disabled = true; failed.hidden = true;
    fetch(form.action || location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (resp) {
        if (resp.redirected) { location.assign(resp.url); return; }
        return resp.text().then(function (html) { swapForm(form, html); });
      })
      .catch(function () { if (offline) GGOffline.queue(form); else failed.hidden = false; })
      .then(function () { button.disabled = false; });
  });

  function swapForm(oldForm, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById(oldForm.id);
    if (!fresh) { document.open(); document.write(html); document.close(); return; }
    // Keep the chosen photos and the live map: move those nodes into the new form.
    $$("input[type=file]", oldForm).forEach(function (input) {
      var twin = fresh.querySelector("#" + input.id);
      if (twin) twin.replaceWith(input);
    });
    var oldMap = $("[data-map]", oldForm), newMap = oldMap && fresh.querySelector("#" + oldMap.id);
    if (newMap) newMap.replaceWith(oldMap);
    $$(".photos-forgotten", fresh).forEach(function (n) { n.remove(); });
    var oldGrid = $("#grid-name", oldForm), newGrid = fresh.querySelector("#grid-name");
    if (oldGrid && newGrid) { newGrid.textContent = oldGrid.textContent; newGrid.className = oldGrid.className; }
    var oldDuplicates = $("#duplicates", oldForm), newDuplicates = fresh.querySelector("#duplicates");
    if (oldDuplicates && newDuplicates) newDuplicates.innerHTML = oldDuplicates.innerHTML;
    oldForm.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    if (pickerMap) pickerMap.invalidateSize();
    var firstError = $(".has-error input, .has-error select, .has-error textarea, .errors", fresh);
    if (firstError) { firstError.scrollIntoView({ block: "center" }); if (firstError.focus) firstError.focus(); }
  }

  /* --- Maps: grid boundaries as GeoJSON over the base map (static/js/basemap.js: tiles when configured,
         else the district's own streets, buildings and places). --- */
  var pickerMap = null;

  function makeMap(el) {
    if (!window.L || !window.GGBasemap || el._gg) return;
    el._gg = true;
    var map = GGBasemap.create(el, { zoomControl: true });  // tiles or the offline base layer (basemap.js)
    var point = el.dataset.point ? el.dataset.point.split(",").map(Number) : null;
    map.setView(point || [28.2, 112.9], point ? 16 : 13);
    if (el.dataset.grids) {
      fetch(el.dataset.grids, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (gj) {
        var layer = L.geoJSON(gj, {
          style: { color: "#c0392b", weight: 1.5, fillOpacity: 0.06 },
          onEachFeature: function (f, l) { l.bindTooltip(f.properties.name, { sticky: true }); }
        }).addTo(map);
        layer.bringToBack();
        if (!point && !hasPick(el) && gj.features.length) map.fitBounds(layer.getBounds());
      }).catch(function () {});
    }
    if (point) L.circleMarker(point, { radius: 8, color: "#1a5fb4", fillOpacity: 0.8 }).addTo(map);
    if (el.dataset.pick) setUpPicker(el, map);
  }

  function pickInputs(el) { return el.dataset.pick.split(",").map(function (s) { return $(s); }); }
  function hasPick(el) { var i = el.dataset.pick && pickInputs(el); return i && i[0].value && i[1].value; }

  function setUpPicker(el, map) {
    pickerMap = map;
    var marker = null;
    // The inputs are looked up each time: after a refused submit the form around the map is new.
    map._ggPlace = function (lat, lon, pan) {
      var inputs = pickInputs(el);
      inputs[0].value = lat.toFixed(6); inputs[1].value = lon.toFixed(6);
      if (!marker) {
        marker = L.marker([lat, lon], { draggable: true, autoPan: true }).addTo(map);
        marker.on("dragend", function () { var p = marker.getLatLng(); map._ggPlace(p.lat, p.lng, false); });
      } else marker.setLatLng([lat, lon]);
      if (pan) map.setView([lat, lon], Math.max(map.getZoom(), 16));
      locate(el, lat, lon);
      // Listeners (the possible-duplicates list) learn that the point moved.
      document.body.dispatchEvent(new CustomEvent("gg:place", { detail: { lat: lat, lon: lon } }));
    };
    map.on("click", function (e) { map._ggPlace(e.latlng.lat, e.latlng.lng, false); });
    document.addEventListener("change", function (ev) {
      if (!ev.target.matches(el.dataset.pick)) return;
      var inputs = pickInputs(el), lat = parseFloat(inputs[0].value), lon = parseFloat(inputs[1].value);
      if (!isNaN(lat) && !isNaN(lon)) map._ggPlace(lat, lon, true);
    });
    if (hasPick(el)) map._ggPlace(parseFloat(pickInputs(el)[0].value), parseFloat(pickInputs(el)[1].value), true);
    else if (el.dataset.geolocate) geolocate(map, false);
  }

  function geolocate(map, loud) {
    if (!map || !navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      map._ggPlace(pos.coords.latitude, pos.coords.longitude, true);
    }, function (err) { if (loud) alert(err.message); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function locate(el, lat, lon) {
    var out = $(el.dataset.gridOut);
    if (!out || !el.dataset.locate) return;
    fetch(el.dataset.locate + "?lat=" + lat + "&lon=" + lon, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.area) { out.textContent = body.area.name; out.classList.remove("outside"); }
        else {
          out.textContent = out.dataset.outside + (body.nearest ? " (" + out.dataset.nearest + ": " + body.nearest.name + ")" : "");
          out.classList.add("outside");
        }
      }).catch(function () {});
  }

  /* --- Note form: a canned reply fills the note (still editable) and says who reads it. --- */
  document.addEventListener("change", function (ev) {
    var select = ev.target;
    if (!select.matches("select[data-canned-reply]")) return;
    var opt = select.options[select.selectedIndex];
    var text = $(select.dataset.cannedReply);
    if (!opt || !opt.value || !text) return;
    text.value = opt.dataset.text || "";
    var form = select.form;
    var publicValue = opt.dataset.public === "1" ? "1" : "0";
    $$("input[name=public]", form).forEach(function (radio) { radio.checked = radio.value === publicValue; });
    text.focus();
  });

  /* --- A photo's GPS: when the browser has given no position, offer the place the camera recorded. --- */
  // EXIF inside a JPEG: the APP1 "Exif" segment holds a TIFF whose first IFD points (tag 0x8825) to the GPS
  // IFD: latitude (2) and longitude (4) as three rationals, their N/S (1) and E/W (3) references as ASCII.
  function exifGps(buffer) {
    try {
      var v = new DataView(buffer), off = 2;
      if (v.getUint16(0) !== 0xFFD8) return null;
      while (off + 10 <= v.byteLength) {
        var marker = v.getUint16(off), len = v.getUint16(off + 2);
        if ((marker & 0xFF00) !== 0xFF00 || marker === 0xFFDA) return null;
        if (marker === 0xFFE1 && v.getUint32(off + 4) === 0x45786966) return tiffGps(v, off + 10);
        off += 2 + len;
      }
    } catch (e) { /* a truncated or odd file: no position */ }
    return null;
  }
  function tiffGps(v, t) {
    var le = v.getUint16(t) === 0x4949;
    function u16(o) { return v.getUint16(t + o, le); }
    function u32(o) { return v.getUint32(t + o, le); }
    var ifd = u32(4), gps = 0, n = u16(ifd), i, e;
    for (i = 0; i < n; i++) { e = ifd + 2 + i * 12; if (u16(e) === 0x8825) gps = u32(e + 8); }
    if (!gps) return null;
    var tags = {};
    n = u16(gps);
    for (i = 0; i < n; i++) {
      e = gps + 2 + i * 12;
      var tag = u16(e), type = u16(e + 2), count = u32(e + 4);
      if (type === 2) tags[tag] = String.fromCharCode(v.getUint8(t + e + 8));
      else if (type === 5 && count === 3) {
        var at = u32(e + 8);
        tags[tag] = [0, 1, 2].map(function (k) { var d = u32(at + 8 * k + 4); return d ? u32(at + 8 * k) / d : NaN; });
      }
    }
    function deg(dms, ref, neg) { return dms ? (dms[0] + dms[1] / 60 + dms[2] / 3600) * (ref === neg ? -1 : 1) : NaN; }
    var lat = deg(tags[2], tags[1], "S"), lon = deg(tags[4], tags[3], "W");
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) return null;
    return { lat: lat, lon: lon };
  }
  function firstGps(files, k, done) {
    if (k >= files.length) { done(null); return; }
    var file = files[k];
    if (!/jpe?g$/i.test(file.type) && !/\.jpe?g$/i.test(file.name)) { firstGps(files, k + 1, done); return; }
    file.slice(0, 256 * 1024).arrayBuffer().then(function (buf) {
      var p = exifGps(buf);
      if (p) done(p); else firstGps(files, k + 1, done);
    }, function () { firstGps(files, k + 1, done); });
  }
  document.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.matches("input[type=file][data-photo-gps]")) return;
    var offer = $(input.dataset.photoGps);
    if (!offer || !input.files || !Blob.prototype.arrayBuffer) return;
    offer.hidden = true;
    firstGps(Array.prototype.slice.call(input.files), 0, function (p) {
      var map = $("[data-map][data-pick]");
      if (!p || !map || hasPick(map)) return;  // the browser's position (or the user's pin) comes first
      var button = $("[data-photo-place]", offer);
      button.dataset.lat = p.lat.toFixed(6); button.dataset.lon = p.lon.toFixed(6);
      $("[data-photo-where]", offer).textContent = p.lat.toFixed(5) + ", " + p.lon.toFixed(5);
      offer.hidden = false;
    });
  });
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-photo-place]");
    if (!button || !pickerMap) return;
    pickerMap._ggPlace(parseFloat(button.dataset.lat), parseFloat(button.dataset.lon), true);
    button.closest("[data-photo-offer]").hidden = true;
  });

  function init(root) { $$("[data-map]", root).forEach(makeMap); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(document); });
  else init(document);
  document.addEventListener("htmx:afterSwap", function (ev) { init(ev.target); });
})();
