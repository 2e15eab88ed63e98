// Assessment charts: the month-by-month trend and the chosen level's composite scores (Chart.js, vendored).
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("assessment-charts");
    if (!source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var colours = ["#c0392b", "#1a5fb4", "#2e7d32", "#ef6c00", "#6a1b9a"];
    var trend = document.getElementById("chart-trend");
    if (trend && data.trend.labels.length) {
      new window.Chart(trend, {
        type: "line",
        data: {
          labels: data.trend.labels,
          datasets: data.trend.series.map(function (s, i) {
            return { label: s.label, data: s.data, borderColor: colours[i % colours.length],
                     backgroundColor: colours[i % colours.length], spanGaps: true, tension: 0.2 };
          })
        },
        options: { maintainAspectRatio: false, animation: false, scales: { y: { suggestedMin: 0, suggestedMax: 100 } },
                   plugins: { legend: { labels: { boxWidth: 12 } } } }
      });
    }
    var scores = document.getElementById("chart-scores");
    if (scores && data.scores.labels.length) {
      new window.Chart(scores, {
        type: "bar",
        data: { labels: data.scores.labels,
                datasets: [{ label: data.scores.label, data: data.scores.data, backgroundColor: "#1a5fb4" }] },
        options: { maintainAspectRatio: false, animation: false, indexAxis: data.scores.labels.length > 8 ? "y" : "x",
                   scales: { x: { suggestedMin: 0 }, y: { suggestedMin: 0 } }, plugins: { legend: { display: false } } }
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
