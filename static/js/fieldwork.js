// Field-work pages: the check-in takes the phone's position before it is sent; the finding's fields show
// only when a problem is to be reported.
(function () {
  "use strict";
  var form = document.getElementById("check-in-form");
  var where = document.getElementById("f-where");
  if (form && where) {
    form.addEventListener("submit", function (event) {
      // Always the position of now (a refused attempt leaves the old one in the form).
      var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
      event.preventDefault();
      if (!navigator.geolocation) { where.textContent = where.dataset.nolocation; return; }
      where.textContent = where.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        where.textContent = where.dataset.located;
        // Without a signal the check-in waits on the phone, with this position (static/js/offline.js).
        if (navigator.onLine === false && window.GGOffline) GGOffline.queueStep(form);
        else form.submit();  // does not fire "submit" again
      }, function () { where.textContent = where.dataset.nolocation; }, { timeout: 10000, maximumAge: 0, enableHighAccuracy: true });
    });
  }
  var report = document.getElementById("id_report");
  function showFinding() {
    document.querySelectorAll("[data-finding]").forEach(function (el) { el.hidden = !report.checked; });
  }
  if (report) { report.addEventListener("change", showFinding); showFinding(); }
})();
