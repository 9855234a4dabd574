// Dashboard behaviour; the pages work without it (no inline script anywhere).
(function () {
  "use strict";

  // Live delivery progress: refresh every element with data-progress-url every 3 s.
  const bars = document.querySelectorAll("[data-progress-url]");
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
        let text = p.summary.charAt(0).toUpperCase() + p.summary.slice(1);
        if (p.pending && p.rate_per_s) text += ", " + p.rate_per_s + " tin/giây";
        box.querySelector(".progress-text").textContent = text;
      } catch (err) { /* try again next tick */ }
    }
  }
  if (bars.length) setInterval(refresh, 3000);

  // Copy buttons: data-copy names the element whose text is copied.
  function copyBySelecting(field) {
    field.focus();
    field.select();
    return document.execCommand("copy");
  }
  async function copy(button) {
    const field = document.getElementById(button.dataset.copy);
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value || field.textContent);
      copied = true;
    } catch (err) {
      copied = copyBySelecting(field);
    }
    button.textContent = copied ? "Đã chép ✓" : "Hãy chọn và chép tay";
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  }
})();
