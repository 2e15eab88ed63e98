/* The big screen's panels on ordinary pages: each [data-panel-url] loads its own fragment and reloads it every
   data-refresh seconds; a panel whose request fails says so in its place and the others carry on. */
(function () {
  "use strict";
  function load(box) {
    return fetch(box.dataset.panelUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) { box.innerHTML = html; box.dataset.loaded = "1"; })
      .catch(function () {
        var p = document.createElement("p");
        p.className = "rp-failed"; p.setAttribute("role", "status"); p.textContent = box.dataset.failed;
        box.replaceChildren(p); box.dataset.loaded = "failed";
      });
  }
  document.querySelectorAll("[data-panel-url]").forEach(function (box) {
    load(box);
    var every = parseInt(box.dataset.refresh, 10) || 60;
    setInterval(function () { if (!document.hidden) load(box); }, every * 1000);
  });
})();
