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
        box.querySelector(".progress-text").textContent =
          "Đã gửi " + p.sent + "/" + p.total + ", chờ " + p.pending + ", lỗi " + p.failed +
          ", bị chặn " + p.blocked + ", ngoài khung 48 giờ " + p.outside_window + ", " + p.rate_per_s + " tin/giây";
      } catch (err) { /* try again next tick */ }
    }
  }
  setInterval(refresh, 3000);
})();
