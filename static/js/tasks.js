// Tasks pages: show only the grid choice in use on the send form; record the phone's location on the fill
// form; show the finding's fields only when a problem is reported.
(function () {
  "use strict";
  var choose = document.getElementById("id_choose");
  function showChoice() {
    var mode = choose.value;
    document.querySelectorAll("[data-choose]").forEach(function (el) {
      el.hidden = el.getAttribute("data-choose").split(" ").indexOf(mode) === -1;
    });
  }
  if (choose) { choose.addEventListener("change", showChoice); showChoice(); }

  var where = document.getElementById("t-where");
  var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
  if (where && lat && lon && !lat.value && navigator.geolocation) {
    where.textContent = where.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      where.textContent = where.dataset.located;
    }, function () { where.textContent = where.dataset.nolocation; }, { timeout: 8000, maximumAge: 60000 });
  }

  var found = document.getElementById("id_found");
  function showFinding() {
    document.querySelectorAll("[data-finding]").forEach(function (el) { el.hidden = !found.checked; });
  }
  if (found) { found.addEventListener("change", showFinding); showFinding(); }
})();
