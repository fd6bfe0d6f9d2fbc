"""The dashboard's HTML: the whole page, and the same sections as fragments for the live refresh.

Every value is escaped here; the page carries no inline script or style (the Content-Security-Policy allows
only files from the proxy itself), so refreshing means ``app.js`` swapping in the fragments that
``/dashboard/data`` returns. Without JavaScript the page still shows everything, as of its loading.
"""

from __future__ import annotations

from html import escape

from pyclawrouter.dashboard import charts
from pyclawrouter.dashboard.data import DashboardData
from pyclawrouter.dashboard.fmt import latency, money, percent

PERIODS = (1, 7, 30)
SECTIONS = ("summary", "daily", "tiers", "models", "sessions", "recent")
_SESSION_CHARS = 12


def _card(ident: str, title: str, value: str, note: str = "") -> str:
    extra = f'<span class="note">{escape(note)}</span>' if note else ""
    return (f'<div class="card"><span class="title">{escape(title)}</span>'
            f'<span class="value" id="{ident}">{escape(value)}</span>{extra}</div>')


def summary(data: DashboardData) -> str:
    t = data.totals
    failed = f"{t.failed} failed" if t.failed else ""
    if data.balance_usd is not None:
        balance, note = money(data.balance_usd), data.wallet or ""
    else:
        balance, note = "unknown", data.balance_error or ""
    return "".join([
        _card("total-requests", "Requests", str(t.requests), failed),
        _card("total-spent", "Spent", money(t.spent), f"paid via x402 {money(t.paid)}"),
        _card("total-saved", "Saved", money(t.saved), f"{t.saved_pct:.1f}% of {money(t.baseline)}"),
        _card("avg-latency", "Avg latency", latency(t.avg_latency_ms)),
        _card("balance", "Wallet balance", balance, note),
    ])


def daily(data: DashboardData) -> str:
    points = [charts.DayPoint(day, t.spent, t.saved) for day, t in data.daily]
    legend = '<p class="legend"><span class="key spent"></span>spent <span class="key saved"></span>saved</p>'
    return charts.daily_chart(points) + legend


def tiers(data: DashboardData) -> str:
    rows = [charts.BarRow(tier, t.spent, f"{money(t.spent)} · {t.requests} req · saved {money(t.saved)}",
                          "spent") for tier, t in data.by_tier]
    return charts.bar_chart(rows, label="Spend per tier")


def models(data: DashboardData) -> str:
    rows = [charts.BarRow(m.model, m.totals.spent, f"{money(m.totals.spent)} · saved {money(m.totals.saved)}",
                          "spent") for m in data.by_model]
    table = ['<div class="scroll"><table id="model-table"><thead><tr><th>model</th><th>req</th><th>spent</th>'
             "<th>avg</th><th>p95</th><th>errors</th></tr></thead><tbody>"]
    for m in data.by_model:
        t = m.totals
        table.append(f'<tr><td class="model">{escape(m.model)}</td><td class="num">{t.requests}</td>'
                     f'<td class="num">{escape(money(t.spent))}</td><td class="num">{escape(latency(t.avg_latency_ms))}'
                     f'</td><td class="num">{escape(latency(m.p95_latency_ms))}</td>'
                     f'<td class="num errors">{escape(percent(t.error_rate))}</td></tr>')
    table.append("</tbody></table></div>")
    return charts.bar_chart(rows, label="Spend per model") + "".join(table)


def sessions(data: DashboardData) -> str:
    cap = data.max_cost_per_run
    rows = []
    for s in data.sessions:
        name = (s.session[:_SESSION_CHARS] + "…") if len(s.session) > _SESSION_CHARS else (s.session or "(none)")
        if cap:
            text = f"{money(s.spent)} of {money(cap)} ({percent(s.spent / cap)})"
            kind = "over" if s.spent >= cap else "spent"
        else:
            text = f"{money(s.spent)} · {s.requests} req"
            kind = "spent"
        rows.append(charts.BarRow(name, s.spent, text, kind))
    if cap:
        note = f"maxCostPerRun {money(cap)} per session ({data.cap_mode})"
    else:
        note = "No maxCostPerRun set: sessions are not capped."
    chart = charts.bar_chart(rows, label="Spend per session against maxCostPerRun", scale_to=cap, marker=cap,
                             marker_text=f"maxCostPerRun {money(cap)}" if cap else "")
    return f'<p class="note" id="cap-note">{escape(note)}</p>' + chart


def recent(data: DashboardData) -> str:
    out = ['<div class="scroll"><table id="recent-table"><thead><tr><th>time</th><th>tier</th><th>model</th>'
           "<th>reason</th><th>paid</th><th>status</th></tr></thead><tbody>"]
    if not data.recent:
        out.append('<tr><td colspan="6" class="empty">No requests yet.</td></tr>')
    for r in data.recent:
        when = r.timestamp[11:19] if len(r.timestamp) >= 19 else r.timestamp
        status = "ok" if r.status < 400 else str(r.status)
        out.append(f'<tr class="{"ok" if r.status < 400 else "failed"}"><td class="time" title="{escape(r.timestamp)}">'
                   f'{escape(when)}</td><td class="tier">{escape(r.tier)}</td><td class="model">{escape(r.model)}</td>'
                   f'<td class="reason">{escape(r.reason)}</td><td class="num paid">{escape(money(r.paid))}</td>'
                   f'<td class="status">{escape(status)}</td></tr>')
    out.append("</tbody></table></div>")
    return "".join(out)


def fragments(data: DashboardData) -> dict[str, str]:
    render = {"summary": summary, "daily": daily, "tiers": tiers, "models": models, "sessions": sessions,
              "recent": recent}
    return {name: render[name](data) for name in SECTIONS}


_TITLES = {"summary": "", "daily": "Spend and savings per day", "tiers": "Per tier", "models": "Per model",
           "sessions": "Sessions against the spend cap", "recent": "Last requests"}


def page(data: DashboardData, *, refresh_s: int, generated: str) -> str:
    parts = fragments(data)
    periods = " ".join(
        f'<a href="?days={d}"{" aria-current=page" if d == data.days else ""}>{"today" if d == 1 else f"{d} days"}</a>'
        for d in PERIODS)
    sections = []
    for name in SECTIONS:
        heading = f"<h2>{escape(_TITLES[name])}</h2>" if _TITLES[name] else ""
        sections.append(f'<section class="{name}">{heading}<div id="{name}">{parts[name]}</div></section>')
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        "<title>pyclawrouter dashboard</title>"
        '<link rel="icon" href="/dashboard/static/icon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/dashboard/static/style.css">'
        '<script src="/dashboard/static/app.js" defer></script></head>'
        f'<body data-days="{data.days}" data-refresh="{refresh_s}">'
        '<header><h1>pyclawrouter</h1>'
        f'<nav>{periods}</nav><p class="updated">updated <span id="updated">{escape(generated)}</span>'
        ' <span id="live"></span></p></header>'
        f"<main>{''.join(sections)}</main></body></html>"
    )
