// Web chat: talks to POST /api/chat and polls GET /api/inbox for broadcasts.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const OFFLINE = "Không kết nối được máy chủ. Bà con kiểm tra mạng rồi gửi lại ạ.";
  const SERVER_TROUBLE = "Máy chủ đang trục trặc. Bà con thử lại sau ít phút ạ.";

  // Some browsers refuse storage (private mode, strict settings): the chat still works,
  // it just forgets the person when the page closes.
  const memory = {};
  const store = {
    get(key) { try { return localStorage.getItem(key); } catch (err) { return memory[key] || null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch (err) { memory[key] = value; } },
  };

  // Who this browser is lives in an HttpOnly cookie the server set: the page never sees
  // or sends an id. Only whether /start was answered yet is kept here.
  let inboxAfter = 0;

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

  // Phone numbers (0912 345 678, +84 912 345 678, 1900 9095, 115) become tel: links, outside tags and links.
  const PHONE = /(?<![\w+])(?:(?:\+84 ?|0)\d(?:[ .]?\d){7,9}|1[89]00(?:[ .]?\d){4,6}|115)(?!\w)/g;
  function linkPhones(html) {
    return html.split(/(<a\b[^>]*>.*?<\/a>|<[^>]+>)/).map((part, i) => i % 2 ? part :
      part.replace(PHONE, (n) => '<a href="tel:' + n.replace(/[ .]/g, "") + '">' + n + "</a>")).join("");
  }

  function show(text, who) {
    const div = document.createElement("div");
    div.className = "msg " + who;
    if (who === "bot") div.innerHTML = linkPhones(renderMarkdown(text)); else div.textContent = text;
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
      // A row is answered once: a double tap would toggle a topic on and off again.
      // It comes back if the message did not go through, so the resident can retry.
      el.addEventListener("click", async () => {
        const rowButtons = row.querySelectorAll("button");
        rowButtons.forEach((other) => { other.disabled = true; });
        show(b.text, "me");
        if (!(await send({ button: b.data }))) rowButtons.forEach((other) => { other.disabled = false; });
      });
      row.appendChild(el);
    }
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  // Sends one message; true when the bot answered. Every failure is said in the chat.
  async function send(payload) {
    let res;
    try {
      res = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
    } catch (err) {
      show(OFFLINE, "bot");
      return false;
    }
    let body = null;
    try { body = await res.json(); } catch (err) { /* a proxy's HTML error page */ }
    if (!res.ok || !body || !Array.isArray(body.replies)) {
      show(body && body.error ? "Tin chưa gửi được: " + body.error : SERVER_TROUBLE, "bot");
      return false;
    }
    for (const reply of body.replies) { show(reply.text, "bot"); showButtons(reply.buttons); }
    refreshFrame();
    return true;
  }

  // The page's own words follow the language chosen in the chat (/chude, "English").
  function applyFrame(frame) {
    if (!frame || !frame.lang) return;
    document.documentElement.lang = frame.lang;
    document.querySelector("header p").textContent = frame.tagline;
    input.placeholder = frame.placeholder;
    input.setAttribute("aria-label", frame.label);
    form.querySelector("button[type=submit]").textContent = frame.send;
    store.set("loaphuong_frame", JSON.stringify(frame));
  }

  async function refreshFrame() {
    try {
      const res = await fetch("/api/frame");
      if (res.ok) applyFrame(await res.json());
    } catch (err) { /* offline: the page keeps its words */ }
  }

  async function pollInbox() {
    try {
      const res = await fetch("/api/inbox?after=" + inboxAfter);
      if (res.ok) {
        const body = await res.json();
        for (const m of body.messages) {
          show(m.text, "bot"); showButtons(m.buttons);
          inboxAfter = m.id;
        }
      }
    } catch (err) { /* offline: try again on the next tick */ }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    show(text, "me");
    // Not delivered: give the text back, so it need not be typed again.
    if (!(await send({ text: text })) && !input.value) input.value = text;
  });

  // The conversation so far, kept by the server for this browser: a reload loses nothing.
  // Only the last bot message keeps its buttons.
  async function showHistory() {
    let messages = [];
    try {
      const res = await fetch("/api/history");
      if (res.ok) messages = (await res.json()).messages;
    } catch (err) { /* offline: the greeting below says so on the first send */ }
    messages.forEach((m, i) => {
      show(m.text, m.role === "me" ? "me" : "bot");
      if (i === messages.length - 1) showButtons(m.buttons);
      inboxAfter = Math.max(inboxAfter, m.id);
    });
    return messages.length;
  }

  // A newcomer is subscribed by /start; until it is answered, each visit tries again.
  async function greet() {
    const shown = await showHistory();
    if (store.get("loaphuong_started")) {
      if (!shown) show("Chào bà con! Gõ /trogiup để xem các lệnh.", "bot");
      return;
    }
    // Shown as the resident's own, as the history will show it after a reload.
    show("/start", "me");
    if (await send({ text: "/start" })) store.set("loaphuong_started", "1");
  }

  try { applyFrame(JSON.parse(store.get("loaphuong_frame") || "null")); } catch (err) { /* none yet */ }
  greet().then(pollInbox);
  setInterval(pollInbox, 5000);
})();
