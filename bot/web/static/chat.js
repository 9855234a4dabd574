// Web chat: talks to POST /api/chat and polls GET /api/inbox for broadcasts.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  let userId = localStorage.getItem("loaphuong_user_id");
  const firstVisit = !userId;
  if (!userId) {
    userId = "web-" + crypto.getRandomValues(new Uint32Array(2)).join("");
    localStorage.setItem("loaphuong_user_id", userId);
  }
  let inboxAfter = Number(localStorage.getItem("loaphuong_inbox_after") || 0);

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // The small Markdown subset content uses: **bold**, *italic*, "- " bullets, links.
  function renderMarkdown(text) {
    return escapeHtml(text)
      .replace(/\*\*(.+?)\*\*/g, "<b>$1</b>")
      .replace(/(^|[^*])\*([^*\n]+)\*/g, "$1<i>$2</i>")
      .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>')
      .replace(/^- /gm, "• ");
  }

  function show(text, who) {
    const div = document.createElement("div");
    div.className = "msg " + who;
    if (who === "bot") div.innerHTML = renderMarkdown(text); else div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  function showButtons(buttons) {
    if (!buttons || !buttons.length) return;
    const row = document.createElement("div");
    row.className = "buttons";
    for (const b of buttons) {
      const el = document.createElement("button");
      el.type = "button";
      el.textContent = b.text;
      el.addEventListener("click", () => { show(b.text, "me"); send({ button: b.data }); });
      row.appendChild(el);
    }
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  async function send(payload) {
    try {
      const res = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ user_id: userId }, payload)),
      });
      const body = await res.json();
      if (!res.ok) { show(body.error || "Có lỗi, bà con thử lại sau ạ.", "bot"); return; }
      for (const reply of body.replies) { show(reply.text, "bot"); showButtons(reply.buttons); }
    } catch (err) {
      show("Không kết nối được máy chủ. Bà con thử lại sau ạ.", "bot");
    }
  }

  async function pollInbox() {
    try {
      const res = await fetch("/api/inbox?user_id=" + encodeURIComponent(userId) + "&after=" + inboxAfter);
      if (res.ok) {
        const body = await res.json();
        for (const m of body.messages) {
          show(m.text, "bot"); showButtons(m.buttons);
          inboxAfter = m.id;
          localStorage.setItem("loaphuong_inbox_after", String(inboxAfter));
        }
      }
    } catch (err) { /* offline: try again on the next tick */ }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    show(text, "me");
    send({ text: text });
  });

  if (firstVisit) send({ text: "/start" }); else show("Chào bà con! Gõ /trogiup để xem các lệnh.", "bot");
  pollInbox();
  setInterval(pollInbox, 5000);
})();
