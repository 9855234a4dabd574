// Live delivery progress: refresh every element with data-progress-url every 3 s.
(function () {
  "use strict";
  const bars = document.querySelectorAll("[data-progress-url]");
  if (!bars.length) return;
  async function refresh() {
    for (const box of bars) {
      try {
        const res = await fetch(box.dataset.progressUrl, { credentials: "same-origin" });
        if (!res.ok) continue;
        const p = await res.json();
        const bar = box.querySelector("progress");
        bar.max = p.total || 1;
        bar.value = p.sent;
        // The server words the counts (Progress.summary), as on the page itself.
        box.querySelector(".progress-text").textContent =
          p.summary.charAt(0).toUpperCase() + p.summary.slice(1) + ", " + p.rate_per_s + " tin/giây";
      } catch (err) { /* try again next tick */ }
    }
  }
  setInterval(refresh, 3000);
})();
