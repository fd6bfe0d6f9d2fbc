"""Statistics over the usage log: what ``GET /stats``, ``/stats`` and ``pyclawrouter stats`` show.

"The last N days" means N calendar days ending today (UTC), not the newest N files as in ClawRouter, so a
week with gaps still reports one week. Lines are parsed leniently: a damaged line is skipped, a missing field
counts as zero. Spend is what was really paid when the line says so (``paid``), the price-table cost otherwise.
Lines with a ``shadow`` pick (``routing.shadow``) are also summed into ``shadow``: their real cost against the
shadow's, and how often the shadow would have picked another model.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pyclawrouter import paths
from pyclawrouter.routing.names import TIERS
from pyclawrouter.usage.log import log_file

MAX_DAYS = 30
_TIER_ORDER = (*TIERS, "DIRECT", "IMAGE")  # then explicit-model and image requests


@dataclass
class Bucket:
    count: int = 0
    cost: float = 0.0
    percentage: float = 0.0


@dataclass
class DayStats:
    date: str
    totalRequests: int = 0  # camelCase: the JSON field names ClawRouter tools read
    totalCost: float = 0.0
    totalBaselineCost: float = 0.0
    totalSavings: float = 0.0
    avgLatencyMs: float = 0.0


@dataclass
class ShadowStats:
    """Requests with a ``routing.shadow`` pick: what they cost against what the shadow's picks would have."""

    requests: int = 0
    differed: int = 0  # the shadow picked another model than the one that answered
    differedPercentage: float = 0.0
    actualCost: float = 0.0
    shadowCost: float = 0.0
    difference: float = 0.0  # shadowCost - actualCost: below zero, the shadow would have been cheaper
    byModel: dict[str, Bucket] = field(default_factory=dict)  # the shadow's picks

    def add(self, entry: dict[str, Any], shadow: dict[str, Any]) -> None:
        model, cost = str(shadow.get("model") or "unknown"), num(shadow.get("cost"))
        self.requests += 1
        self.differed += model != entry.get("model")
        self.actualCost += num(entry.get("cost"))
        self.shadowCost += cost
        _count(self.byModel, model, cost)

    def finish(self) -> None:
        self.difference = self.shadowCost - self.actualCost
        self.differedPercentage = 100.0 * self.differed / self.requests
        for bucket in self.byModel.values():
            bucket.percentage = 100.0 * bucket.count / self.requests
        self.byModel = dict(sorted(self.byModel.items(), key=lambda kv: (-kv[1].count, kv[0])))


@dataclass
class Stats:
    period: str
    days: int
    totalRequests: int = 0
    failedRequests: int = 0
    totalCost: float = 0.0
    totalPaid: float = 0.0
    totalBaselineCost: float = 0.0
    totalSavings: float = 0.0
    savingsPercentage: float = 0.0
    avgLatencyMs: float = 0.0
    avgCostPerRequest: float = 0.0
    byTier: dict[str, Bucket] = field(default_factory=dict)
    byModel: dict[str, Bucket] = field(default_factory=dict)
    dailyBreakdown: list[DayStats] = field(default_factory=list)
    shadow: ShadowStats | None = None  # only when some request of the period has a routing.shadow pick

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def aggregate(home: Path, days: int = 7, *, today: date | None = None) -> Stats:
    """Aggregate the usage log of the last ``days`` calendar days (1..30, clamped)."""
    days = max(1, min(int(days), MAX_DAYS))
    today = today or datetime.now(UTC).date()
    stats = Stats(period="today" if days == 1 else f"last {days} days", days=days)
    latency_total = 0.0
    for day, entries in read_days(home, days, today=today):
        daily = DayStats(date=day)
        day_latency = 0.0
        for entry in entries:
            cost = num(entry.get("cost"))
            baseline = num(entry.get("baselineCost", cost))
            status = int(num(entry.get("status", 200)))
            latency = num(entry.get("latencyMs"))
            stats.totalRequests += 1
            stats.failedRequests += status >= 400
            stats.totalCost += cost
            stats.totalPaid += num(entry.get("paid"))
            stats.totalBaselineCost += baseline
            latency_total += latency
            daily.totalRequests += 1
            daily.totalCost += cost
            daily.totalBaselineCost += baseline
            day_latency += latency
            _count(stats.byTier, str(entry.get("tier") or "OTHER"), cost)
            _count(stats.byModel, str(entry.get("model") or "unknown"), cost)
            shadow = entry.get("shadow")
            if isinstance(shadow, dict):
                stats.shadow = stats.shadow or ShadowStats()
                stats.shadow.add(entry, shadow)
        daily.totalSavings = daily.totalBaselineCost - daily.totalCost
        daily.avgLatencyMs = day_latency / daily.totalRequests
        stats.dailyBreakdown.append(daily)
    if stats.totalRequests:
        stats.totalSavings = stats.totalBaselineCost - stats.totalCost
        if stats.totalBaselineCost > 0:
            stats.savingsPercentage = 100.0 * stats.totalSavings / stats.totalBaselineCost
        stats.avgLatencyMs = latency_total / stats.totalRequests
        stats.avgCostPerRequest = stats.totalCost / stats.totalRequests
        for bucket in [*stats.byTier.values(), *stats.byModel.values()]:
            bucket.percentage = 100.0 * bucket.count / stats.totalRequests
    if stats.shadow is not None:
        stats.shadow.finish()
    stats.byTier = dict(sorted(stats.byTier.items(), key=lambda kv: _tier_rank(kv[0])))
    stats.byModel = dict(sorted(stats.byModel.items(), key=lambda kv: (-kv[1].count, kv[0])))
    return stats


def read_days(home: Path, days: int, *, today: date | None = None) -> list[tuple[str, list[dict[str, Any]]]]:
    """The usage log lines of the last ``days`` calendar days (1..30, clamped), oldest day first, as
    ``(YYYY-MM-DD, lines)``; days without a log are left out."""
    days = max(1, min(int(days), MAX_DAYS))
    today = today or datetime.now(UTC).date()
    found = []
    for offset in range(days - 1, -1, -1):
        day = (today - timedelta(days=offset)).isoformat()
        entries = read_day(log_file(home, day))
        if entries:
            found.append((day, entries))
    return found


def clear(home: Path) -> int:
    """Delete every usage log file; return how many were deleted."""
    deleted = 0
    for path in paths.logs_dir(home).glob("usage-*.jsonl"):
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            pass
    return deleted


def read_day(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of one log file; damaged lines are skipped, a missing file is empty."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def num(value: object) -> float:
    """A log field as a number: anything that is not an int or float (a bool, a string, missing) is zero."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _count(buckets: dict[str, Bucket], key: str, cost: float) -> None:
    bucket = buckets.setdefault(key, Bucket())
    bucket.count += 1
    bucket.cost += cost


def _tier_rank(tier: str) -> tuple[int, str]:
    return (_TIER_ORDER.index(tier) if tier in _TIER_ORDER else len(_TIER_ORDER), tier)
