// Live refresh for the pyclawrouter dashboard: every few seconds, fetch /dashboard/data (same origin, the
// HttpOnly cookie goes along) and swap in the server-rendered sections. No inline script: the page's
// Content-Security-Policy only runs files from the proxy itself.
"use strict";
(() => {
  const body = document.body;
  const days = Number(body.dataset.days) || 7;
  const every = Math.max(2, Number(body.dataset.refresh) || 10) * 1000;
  const live = document.getElementById("live");
  const say = (text, failed) => {
    live.textContent = text;
    live.className = failed ? "failed" : "";
  };

  async function refresh() {
    if (document.hidden) return;
    let res;
    try {
      res = await fetch(`/dashboard/data?days=${days}`, { credentials: "same-origin", cache: "no-store" });
    } catch {
      say("(proxy not reachable, retrying)", true);
      return;
    }
    if (res.status === 401 || res.status === 403) {
      say("(signed out: run `pyclawrouter dashboard` for a new link)", true);
      return;
    }
    if (!res.ok) {
      say(`(refresh failed: HTTP ${res.status})`, true);
      return;
    }
    const data = await res.json();
    for (const [id, html] of Object.entries(data.html || {})) {
      const target = document.getElementById(id);
      if (target && target.innerHTML !== html) target.innerHTML = html;
    }
    document.getElementById("updated").textContent = data.generatedAt;
    say("· live", false);
  }

  setInterval(refresh, every);
  document.addEventListener("visibilitychange", refresh);
  say("· live", false);
})();
