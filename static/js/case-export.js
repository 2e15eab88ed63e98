/* The case list export's page: polls the export's progress every second until its file is ready (or failed). */
(function () {
  "use strict";
  var box = document.getElementById("export");
  if (!box) return;
  var bar = document.getElementById("export-bar"), status = document.getElementById("export-status"),
      count = document.getElementById("export-count"), link = document.getElementById("export-link");
  function poll() {
    fetch(box.dataset.progress, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        bar.max = Math.max(1, d.total); bar.value = d.done; bar.textContent = d.done;
        status.textContent = d.label; count.textContent = d.done + " " + box.dataset.of + " " + d.total;
        if (d.file) { link.hidden = false; status.textContent = box.dataset.ready; return; }
        if (d.status === "failed") { status.textContent = box.dataset.failed; return; }
        if (d.status !== "expired") setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
