"""``/stats [days]`` and ``/stats clear``: requests, spend, baseline and savings from the usage log.

The layout is a narrow fixed-width block (it fits a phone screen) inside a code fence, so columns line up
in every chat client. Next to the text the reply attaches a PNG chart of spend and savings per day (chat shows
``media`` as it does for ``/img``), and, for the owner in chat, a one-time link to the dashboard: valid once and
for ten minutes, so the copy that stays in the chat transcript soon opens nothing. The CLI gets neither.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyclawrouter.commands import CommandContext, CommandReply
from pyclawrouter.commands.args import UsageError, split_words
from pyclawrouter.ledger.summary import days_ago, read_summary
from pyclawrouter.usage import stats as usage_stats

DEFAULT_DAYS = 7
TOP_MODELS = 5
BAR_WIDTH = 10


def stats(args: str, ctx: CommandContext) -> CommandReply:
    words = split_words(args)
    if words and words[0].lower() in ("clear", "reset"):
        if len(words) > 1:
            raise UsageError("/stats clear takes no other arguments")
        deleted = usage_stats.clear(ctx.home)
        return CommandReply(
            text=f"Stats cleared: {deleted} usage log file(s) deleted. New requests start a fresh count.",
            data={"cleared": True, "deletedFiles": deleted},
        )
    if len(words) > 1:
        raise UsageError("/stats takes one number of days")
    days = DEFAULT_DAYS
    if words:
        try:
            days = int(words[0])
        except ValueError:
            raise UsageError(f"{words[0]!r} is not a number of days") from None
        if days < 1:
            raise UsageError("the number of days must be at least 1")
    result = usage_stats.aggregate(ctx.home, days)
    data = result.to_json()
    # Signed payments as the spend ledger counts them (caps read the same numbers).
    data["ledger"] = read_summary(ctx.home, since=days_ago(days)).to_json()
    text = format_stats(data)
    if ctx.channel == "cli" or not result.totalRequests:
        return CommandReply(text=text, data=data)
    return CommandReply(text=text + _dashboard_link(ctx), data=data, media=[_chart(data, result.days)])


def _chart(data: dict[str, Any], days: int) -> str:
    from pyclawrouter.dashboard.chat_chart import data_uri, points_for_period, spend_chart_png

    points = points_for_period(data.get("dailyBreakdown") or [], days, datetime.now(UTC).date())
    return data_uri(spend_chart_png(points, str(data.get("period", ""))))


def _dashboard_link(ctx: CommandContext) -> str:
    if not ctx.is_owner or not ctx.proxy_url:
        return ""
    from pyclawrouter.dashboard import access

    url = access.one_time_url(ctx.proxy_url, access.load_or_create_token(ctx.home))
    return f"\nDashboard (link opens once, within {access.ONE_TIME_TTL_S // 60} minutes): {url}"


def _money(value: float) -> str:
    return f"${value:.4f}" if value < 100 else f"${value:,.2f}"


def _latency(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _bar(percentage: float) -> str:
    filled = round(percentage / 100 * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def _short(name: str, width: int) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _savings_line(savings: float, percentage: float) -> str:
    if savings >= 0:
        return f"Saved        {_money(savings)}  ({percentage:.1f}%)"
    return f"Saved        nothing ({_money(-savings)} over the baseline)"


def format_stats(data: dict[str, Any]) -> str:
    """Render :meth:`Stats.to_json` for chat."""
    period = str(data.get("period", ""))
    total = int(data.get("totalRequests", 0))
    if total == 0:
        return f"No requests in the {period} yet.\nTry /stats 30 for a longer period."
    failed = int(data.get("failedRequests", 0))
    lines = [
        f"pyclawrouter usage, {period}",
        "",
        f"Requests     {total}" + (f" ({failed} failed)" if failed else ""),
        f"Spent        {_money(float(data.get('totalCost', 0)))}",
    ]
    paid = float(data.get("totalPaid", 0))
    if paid:
        lines.append(f"  via x402   {_money(paid)}")
    ledger: dict[str, Any] = data.get("ledger") or {}
    if ledger.get("pendingCount"):
        lines.append(f"  pending    {_money(float(ledger.get('pendingUsd', 0)))} in {ledger['pendingCount']} "
                     "unconfirmed payment(s)")
    baseline = float(data.get("totalBaselineCost", 0))
    lines += [
        f"Baseline     {_money(baseline)}  (premium model for all)",
        _savings_line(float(data.get("totalSavings", 0)), float(data.get("savingsPercentage", 0))),
        f"Avg latency  {_latency(float(data.get('avgLatencyMs', 0)))}",
    ]
    by_tier: dict[str, dict[str, Any]] = data.get("byTier") or {}
    if by_tier:
        lines += ["", "By tier"]
        for tier, bucket in by_tier.items():
            pct = float(bucket.get("percentage", 0))
            lines.append(f"  {tier:<9} {_bar(pct)} {pct:5.1f}%  {int(bucket.get('count', 0)):>4}")
    by_model: dict[str, dict[str, Any]] = data.get("byModel") or {}
    if by_model:
        lines += ["", "Top models"]
        for model, bucket in list(by_model.items())[:TOP_MODELS]:
            lines.append(
                f"  {_short(model, 26):<26} {int(bucket.get('count', 0)):>4}  {_money(float(bucket.get('cost', 0)))}"
            )
    lines += _shadow_lines(data.get("shadow"))
    daily: list[dict[str, Any]] = data.get("dailyBreakdown") or []
    if len(daily) > 1:
        lines += ["", "Daily        reqs     spent     saved"]
        for day in daily[-7:]:
            spent, saved = _money(float(day.get("totalCost", 0))), _money(float(day.get("totalSavings", 0)))
            lines.append(f"  {day.get('date')} {int(day.get('totalRequests', 0)):>5}  {spent:>8}  {saved:>8}")
    return "```\n" + "\n".join(lines) + "\n```"


def _shadow_lines(shadow: dict[str, Any] | None) -> list[str]:
    """routing.shadow: what its picks would have cost against what the same requests cost."""
    if not shadow or not shadow.get("requests"):
        return []
    actual, other = float(shadow.get("actualCost", 0)), float(shadow.get("shadowCost", 0))
    requests, differed = int(shadow["requests"]), int(shadow.get("differed", 0))
    return ["", "Shadow routing (never called)",
            f"  spent      {_money(actual)}",
            f"  shadow     {_money(other)}  ({'+' if other >= actual else '-'}{_money(abs(other - actual))})",
            f"  differed   {differed} of {requests} ({float(shadow.get('differedPercentage', 0)):.1f}%)"]
