/* The residents pages' scripts, kept out of the HTML so that the Content-Security-Policy can forbid inline
   scripts. Each part runs only on the page that has its element. */
(function () {
  "use strict";

  // Record a visit: attach the phone's position when the browser grants it; the form works without it.
  var visit = document.getElementById("visit-form");
  if (visit && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (p) {
      visit.elements.lat.value = p.coords.latitude.toFixed(6);
      visit.elements.lon.value = p.coords.longitude.toFixed(6);
    }, function () {}, { timeout: 8000 });
  }

  // An import job: poll it every second until it finishes, then reload once to show the report.
  var job = document.getElementById("job");
  if (job) {
    var bar = document.getElementById("job-bar");
    // The bar's width goes through the CSSOM: the policy refuses style="" attributes.
    bar.style.width = job.dataset.percent + "%";
    if (!job.dataset.finished) {
      var timer = setInterval(function () {
        fetch(job.dataset.poll, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
          bar.style.width = j.percent + "%";
          document.getElementById("job-status").textContent = j.status_label;
          document.getElementById("job-count").textContent = j.processed + " / " + j.total;
          if (j.finished) { clearInterval(timer); location.reload(); }
        });
      }, 1000);
    }
  }
})();
