// The blur tool (cases/photo_blur.html): drag rectangles over the photo; they are sent as shares (0..1)
// of the photo's width and height, so the size the screen shows it at does not matter.
(function () {
  "use strict";
  const stage = document.querySelector("[data-blur-stage]");
  if (!stage) return;
  const image = stage.querySelector("[data-blur-image]");
  const field = document.querySelector("[data-blur-regions]");
  const count = document.querySelector("[data-blur-count]");
  const regions = [];
  let start = null;
  let drawing = null;

  function share(event) {
    const box = image.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
      y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)),
    };
  }
  function place(el, r) {
    el.style.left = r[0] * 100 + "%";
    el.style.top = r[1] * 100 + "%";
    el.style.width = r[2] * 100 + "%";
    el.style.height = r[3] * 100 + "%";
  }
  function rect(a, b) {
    return [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(a.x - b.x), Math.abs(a.y - b.y)].map(
      (v) => Math.round(v * 10000) / 10000,
    );
  }
  function sync() {
    field.value = JSON.stringify(regions);
    count.textContent = String(regions.length);
  }
  stage.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    stage.setPointerCapture(event.pointerId);
    start = share(event);
    drawing = document.createElement("div");
    drawing.className = "blur-box";
    stage.appendChild(drawing);
  });
  stage.addEventListener("pointermove", (event) => {
    if (start) place(drawing, rect(start, share(event)));
  });
  stage.addEventListener("pointerup", (event) => {
    if (!start) return;
    const r = rect(start, share(event));
    start = null;
    if (r[2] < 0.01 || r[3] < 0.01) {
      drawing.remove();
      return;
    }
    place(drawing, r);
    regions.push(r);
    sync();
  });
  document.querySelector("[data-blur-clear]").addEventListener("click", () => {
    regions.length = 0;
    stage.querySelectorAll(".blur-box").forEach((el) => el.remove());
    sync();
  });
})();
