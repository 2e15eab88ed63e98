/* Citizens' pages: mark a nearby report as "my problem too", copy the tracking link. */
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var same = ev.target.closest("[data-same-as]");
    if (same) {
      var input = document.getElementById("id_same_as");
      var on = same.getAttribute("aria-pressed") !== "true";
      document.querySelectorAll("[data-same-as]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      same.setAttribute("aria-pressed", on ? "true" : "false");
      if (input) input.value = on ? same.dataset.sameAs : "";
      return;
    }
    var copy = ev.target.closest("[data-copy]");
    if (copy) {
      var field = document.querySelector(copy.dataset.copy);
      field.select();
      var done = function () { copy.textContent = copy.dataset.copied; };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done, function () {});
      else { try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ } }
    }
  });
  // After htmx refreshes the nearby list, keep the mark the citizen made.
  document.addEventListener("htmx:afterSwap", function () {
    var input = document.getElementById("id_same_as");
    if (!input || !input.value) return;
    var still = document.querySelector("[data-same-as='" + input.value + "']");
    if (still) still.setAttribute("aria-pressed", "true"); else input.value = "";
  });
})();
