/* The big screen (大屏): every panel polls its own JSON endpoint (data-url) every data-refresh seconds and draws
   itself; a panel whose request fails says so and keeps its last picture, the others carry on. The map reuses
   the command map's grid geometry (command:grids) and the offline base layer (static/js/basemap.js); the
   grids are shaded by risk level (?shade=load: by open cases). No chart library: the trend is inline SVG. */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("screen-labels").textContent);
  var REFRESH = (parseInt(document.body.dataset.refresh, 10) || 30) * 1000;
  var SHADE = new URLSearchParams(location.search).get("shade") === "load" ? "load" : "risk";
  var SVG = "http://www.w3.org/2000/svg";

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function num(n) { return (n == null ? 0 : n).toLocaleString(); }
  function svg(tag, attrs) {
    var el = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }
  function bar(share, colour) {
    var box = svg("svg", { viewBox: "0 0 100 10", preserveAspectRatio: "none" });
    box.appendChild(svg("rect", { x: 0, y: 0, height: 10, width: Math.max(0, Math.min(100, share * 100)), fill: colour }));
    return box;
  }

  /* --- The clock and the time of the last update ---------------------------------------------------- */
  var nowEl = document.getElementById("s-now"), updatedEl = document.getElementById("s-updated");
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var d = new Date();
    nowEl.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  tick(); setInterval(tick, 1000);

  /* --- Panels ------------------------------------------------------------------------------------------ */
  var draw = {};

  draw.counts = function (body, d) {
    var n = d.now, s = d.steps;
    var big = [["open", n.open, ""], ["warning", n.warning, "is-yellow"], ["overdue", n.overdue, "is-red"],
               ["supervised", n.supervised, "is-purple"]];
    var html = '<div class="s-big">' + big.map(function (b) {
      return '<div class="' + b[2] + '"><b>' + num(b[1]) + "</b><span>" + esc(T[b[0]]) + "</span></div>";
    }).join("") + "</div>";
    html += '<table class="s-table"><thead><tr><th></th><th>' + esc(T.today) + "</th><th>" + esc(T.month) +
      "</th></tr></thead><tbody>";
    ["reported", "filed", "dispatched", "handled", "closed"].forEach(function (k) {
      html += "<tr><td>" + esc(T[k]) + "</td><td>" + num(s[k + "_today"]) + "</td><td>" + num(s[k + "_month"]) + "</td></tr>";
    });
    body.innerHTML = html + "</tbody></table>";
  };

  function caseList(rows) {
    if (!rows.length) return '<ul class="s-list"><li><span>' + esc(T.none) + "</span></li></ul>";
    return '<ul class="s-list">' + rows.map(function (c) {
      var late = !c.late_hours ? "" : c.late_hours >= 48
        ? T.lateDays.replace("%(days)s", Math.floor(c.late_hours / 24)) : T.late.replace("%(hours)s", c.late_hours);
      late = late ? '<span class="s-red">' + esc(late) + "</span>" : "";
      return '<li><span title="' + esc(c.number) + '">' + esc(c.area) + " · " + esc(c.title) + "</span>" + late + "</li>";
    }).join("") + "</ul>";
  }
  var LIST_SHOWN = 4;  // each list's head: the duty panel shares the column
  draw.lists = function (body, d) {
    body.innerHTML = '<h3 class="s-sub">' + esc(T.overdue) + "</h3>" + caseList(d.overdue.slice(0, LIST_SHOWN)) +
      '<h3 class="s-sub">' + esc(T.supervised) + "</h3>" + caseList(d.supervised.slice(0, LIST_SHOWN));
  };

  draw.duty = function (body, d) {
    if (!d.units.length) { body.innerHTML = '<ul class="s-list"><li><span>' + esc(T.dutyNone) + "</span></li></ul>"; return; }
    body.innerHTML = '<ul class="s-list">' + d.units.map(function (u) {
      return "<li><b>" + esc(u.unit) + "</b> " + u.people.map(function (p) {
        return '<span class="s-person">' + esc(p.name) + "<em>" + esc(p.post) + "</em></span>";
      }).join("") + "</li>";
    }).join("") + "</ul>";
  };

  draw.trend = function (body, d) {
    var days = d.days, W = 600, H = 200, P = 24;
    var max = Math.max(1, Math.max.apply(null, days.map(function (x) { return Math.max(x.reported, x.closed); })));
    var box = svg("svg", { viewBox: "0 0 " + W + " " + H, preserveAspectRatio: "none", role: "img" });
    [0.5, 1].forEach(function (f) {
      var y = H - P - (H - 2 * P) * f;
      box.appendChild(svg("line", { x1: P, x2: W, y1: y, y2: y, stroke: "#1d3557", "stroke-width": 1 }));
      var t = svg("text", { x: 0, y: y + 4, fill: "#8ea3bd", "font-size": 12 }); t.textContent = Math.round(max * f);
      box.appendChild(t);
    });
    function line(key, colour) {
      var pts = days.map(function (x, i) {
        return (P + (W - P) * i / (days.length - 1)).toFixed(1) + "," + (H - P - (H - 2 * P) * x[key] / max).toFixed(1);
      });
      box.appendChild(svg("polyline", { points: pts.join(" "), fill: "none", stroke: colour, "stroke-width": 2.5 }));
    }
    line("reported", "#4fc3f7"); line("closed", "#4cd964");
    [0, days.length - 1].forEach(function (i) {
      var t = svg("text", { x: i ? W - 40 : P, y: H - 4, fill: "#8ea3bd", "font-size": 12 });
      t.textContent = days[i].day.slice(5); box.appendChild(t);
    });
    body.innerHTML = ""; body.appendChild(box);
  };

  function bars(rows, label, value, colour) {
    var max = Math.max(1, Math.max.apply(null, rows.map(value)));
    var ul = document.createElement("ul"); ul.className = "s-bars";
    rows.forEach(function (r) {
      var li = document.createElement("li"), name = document.createElement("span"), b = document.createElement("span"),
          n = document.createElement("b");
      name.textContent = label(r); b.className = "bar"; b.appendChild(bar(value(r) / max, colour)); n.textContent = num(value(r));
      li.appendChild(name); li.appendChild(b); li.appendChild(n); ul.appendChild(li);
    });
    if (!rows.length) { var li = document.createElement("li"); li.textContent = T.none; ul.appendChild(li); }
    return ul;
  }
  draw.categories = function (body, d) {
    body.innerHTML = "";
    body.appendChild(bars(d.top, function (r) { return r.name; }, function (r) { return r.count; }, "#4fc3f7"));
  };

  draw.ranking = function (body, d) {
    var red = d.red.map(function (r) { return "<li><span>" + esc(r.name) + '</span><span class="s-ok">' + num(r.closed) + " " + esc(T.closedOnTime) + "</span></li>"; }).join("");
    var black = d.black.map(function (r) { return "<li><span>" + esc(r.name) + '</span><span class="s-' + (r.level === "green" ? "ok" : r.level) + '">' + esc(T.score) + " " + r.score + "</span></li>"; }).join("");
    var none = "<li><span>" + esc(T.none) + "</span></li>";
    body.innerHTML = '<div class="s-two"><div><h3 class="s-sub">' + esc(T.redList) + '</h3><ul class="s-list">' + (red || none) +
      '</ul></div><div><h3 class="s-sub">' + esc(T.blackList) + '</h3><ul class="s-list">' + (black || none) + "</ul></div></div>";
  };

  draw.residents = function (body, d) {
    var p = d.persons;
    var html = '<div class="s-big s-compact"><div><b>' + num(d.households) + "</b><span>" + esc(T.households) + "</span></div><div><b>" +
      num(p.total) + "</b><span>" + esc(T.persons) + "</span></div><div><b>" + num(p.registered) + "</b><span>" +
      esc(T.registered) + "</span></div><div><b>" + num(p.floating) + "</b><span>" + esc(T.floating) + "</span></div></div>";
    body.innerHTML = html;
    var groups = d.groups.slice(0, 5);
    if (d.sensitive) groups.push({ name: T.sensitive, count: d.sensitive });
    body.appendChild(bars(groups, function (r) { return r.name; }, function (r) { return r.count; }, "#c39bff"));
  };

  draw.tasks = function (body, d) {
    body.innerHTML = '<div class="s-big"><div><b>' + num(d.open) + "</b><span>" + esc(T.tasksOpen) + "</span></div></div>";
    body.appendChild(bars(d.top, function (r) { return r.title; }, function (r) { return r.done; }, "#4cd964"));
    Array.prototype.forEach.call(body.querySelectorAll(".s-bars li b"), function (b, i) {
      var r = d.top[i]; if (r) { b.textContent = r.done + "/" + r.total; if (r.late) b.className = "s-red"; }
    });
  };

  /* --- The map ----------------------------------------------------------------------------------------- */
  var map = null, grids = null, dots = null, spots = null, walkers = null, lastMap = null;
  var FILL = { red: "#e53935", yellow: "#fbc02d", green: "#2e7d32" };
  var LOAD = ["#263b57", "#1565c0", "#fbc02d", "#fb8c00", "#e53935"];
  function gridStyle(f) {
    var d = lastMap, code = f.properties.code, fill = "#263b57";
    if (d && SHADE === "risk" && d.risk[code]) fill = FILL[d.risk[code][0]];
    if (d && SHADE === "load") {
      var n = d.load[code] || 0;
      fill = n ? LOAD[Math.min(4, 1 + Math.floor(3 * n / Math.max(1, d.max_open)))] : LOAD[0];
    }
    return { color: "#5d7fa3", weight: 0.6, fillColor: fill, fillOpacity: 0.55 };
  }
  function legend() {
    var el = document.getElementById("s-legend");
    if (SHADE === "risk") {
      el.innerHTML = esc(T.byRisk) + ["red", "yellow", "green"].map(function (k) {
        return '<i class="lg-' + k + '"></i>' + esc(T.levels[k]);
      }).join("");
    } else { el.textContent = T.byLoad; }
  }
  function initMap(section) {
    var el = document.getElementById("s-map");
    if (!window.L || !window.GGBasemap) return;
    map = GGBasemap.create(el, { zoomControl: false, attributionControl: false, maxZoom: 19, zoomSnap: 0.25 });
    map.setView([28.2, 112.9], 12);
    grids = L.geoJSON(null, {
      style: gridStyle,
      onEachFeature: function (f, layer) {
        layer.bindTooltip(function () {
          var r = lastMap && lastMap.risk[f.properties.code];
          return esc(f.properties.name) + (r ? " · " + esc(T.levels[r[0]]) + " " + r[1] : "");
        });
      }
    }).addTo(map);
    dots = L.layerGroup().addTo(map); spots = L.layerGroup().addTo(map); walkers = L.layerGroup().addTo(map);
    getJSON(el.dataset.grids).then(function (gj) {
      grids.addData(gj);
      if (gj.features.length) map.fitBounds(grids.getBounds(), { padding: [10, 10] });
      el.dataset.gridsDrawn = String(gj.features.length);
    }).catch(function () { section.classList.add("is-stale"); });
    legend();
  }
  draw.map = function (body, d, section) {
    if (!map) initMap(section);
    lastMap = d;
    if (!map) return;
    grids.setStyle(gridStyle);
    dots.clearLayers(); spots.clearLayers(); walkers.clearLayers();
    d.cases.forEach(function (c) {
      var colour = c[3] === "red" ? "#ff5252" : c[3] === "yellow" ? "#ffd54f" : "#4fc3f7";
      L.circleMarker([c[1], c[2]], { radius: 4, color: c[4] ? "#c39bff" : colour, weight: c[4] ? 2 : 1,
        fillColor: colour, fillOpacity: 0.9 }).addTo(dots);
    });
    d.hotspots.forEach(function (h) {
      L.circleMarker([h[0], h[1]], { radius: 8 + 2 * Math.min(h[2], 10), color: "#ff7043", weight: 3, fill: false })
        .bindTooltip(esc(h[3]) + " · " + h[2] + " " + esc(T.cases), { permanent: h[2] >= 5, direction: "top" }).addTo(spots);
    });
    // Workers on patrol now: a green dot each, the name masked (a room reads the wall).
    d.patrol.points.forEach(function (p) {
      L.circleMarker([p[0], p[1]], { radius: 6, color: "#4cd964", weight: 3, fillColor: "#ffffff", fillOpacity: 1 })
        .bindTooltip(esc(p[2])).addTo(walkers);
    });
    body.innerHTML = esc(d.cases.length + " " + T.open + " · " + d.hotspots.length + " " + T.hotspot + " · " +
      d.warnings + " " + T.warnings + " · ") + '<span class="s-patrol-count">' + num(d.patrol.count) + "</span> " + esc(T.onPatrol);
  };

  /* --- Polling, one panel at a time --------------------------------------------------------------------- */
  function load(section) {
    var body = section.querySelector(".s-body"), name = section.dataset.panel;
    return getJSON(section.dataset.url).then(function (answer) {
      draw[name](body, answer.data, section);
      section.classList.remove("is-stale");
      section.dataset.updated = answer.updated_at;
      updatedEl.textContent = answer.updated_at.slice(11, 19);
    }).catch(function () {
      section.classList.add("is-stale");
      if (name === "map" && map) return;  // keep the last picture of the map
      body.innerHTML = '<p class="s-failed" role="status">' + esc(T.failed) + "</p>";
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-panel]"), function (section, i) {
    setTimeout(function () { load(section); setInterval(function () { load(section); }, REFRESH); }, i * 150);
  });
})();
