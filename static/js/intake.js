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
  // Phone verification: ask for an SMS code, then check it (the server sets a signed cookie the form uses).
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-phone-code],[data-phone-verify]");
    if (!button) return;
    var box = button.closest(".phone-verify");
    var form = button.closest("form");
    var status = box.querySelector("[data-phone-status]");
    var body = new FormData();
    body.append("phone", document.getElementById("id_phone").value);
    var checking = button.hasAttribute("data-phone-verify");
    if (checking) body.append("code", document.getElementById("id_phone_code").value);
    button.disabled = true;
    fetch(checking ? box.dataset.verifyUrl : box.dataset.codeUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value}
    }).then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
      .then(function (res) {
        var data = res[1];
        var errors = data.errors ? Object.values(data.errors)[0] : null;
        status.textContent = errors ? errors[0] : (data.detail || (checking ? box.dataset.done : box.dataset.sent));
        if (checking && res[0] === 200) box.querySelectorAll("button,input").forEach(function (el) { el.disabled = true; });
      }, function () { status.textContent = box.dataset.failed; })
      .then(function () { if (!(checking && status.textContent === box.dataset.done)) button.disabled = false; });
  });
  // After htmx refreshes the nearby list, keep the mark the citizen made.
  document.addEventListener("htmx:afterSwap", function () {
    var input = document.getElementById("id_same_as");
    if (!input || !input.value) return;
    var still = document.querySelector("[data-same-as='" + input.value + "']");
    if (still) still.setAttribute("aria-pressed", "true"); else input.value = "";
  });
})();
