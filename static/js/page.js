/* What every page does, kept out of the HTML so that the Content-Security-Policy can forbid inline scripts. */
(function () {
  "use strict";
  // The language switch submits on change; <noscript> keeps a button for browsers without scripts.
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
