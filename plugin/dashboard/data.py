"""What the dashboard shows, computed from the usage log: pure functions over its lines, no I/O but the read.

Spend is what was paid (``paid``) when a line says so, else the price-table ``cost`` (as in ``usage.stats``);
savings are ``baselineCost - cost``. Failed requests count for latency and error rate, not for spend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from pyclawrouter.dashboard.session_spend import SessionSpend, merge_session_spend, session_spend
from pyclawrouter.routing.names import TIERS
from pyclawrouter.usage.stats import num

RECENT_LIMIT = 25
SESSION_LIMIT = 20


@dataclass
class Totals:
    requests: int = 0
    failed: int = 0
    spent: float = 0.0
    paid: float = 0.0
    baseline: float = 0.0
    saved: float = 0.0
    latency_ms_total: float = 0.0

    def add(self, line: Mapping[str, Any]) -> None:
        cost = spend_of(line)
        baseline = num(line.get("baselineCost", cost))
        self.requests += 1
        self.failed += status_of(line) >= 400
        self.spent += cost
        self.paid += num(line.get("paid"))
        self.baseline += baseline
        self.saved += baseline - cost
        self.latency_ms_total += num(line.get("latencyMs"))

    def merge(self, other: Totals) -> None:
        self.requests += other.requests
        self.failed += other.failed
        self.spent += other.spent
        self.paid += other.paid
        self.baseline += other.baseline
        self.saved += other.saved
        self.latency_ms_total += other.latency_ms_total

    @property
    def avg_latency_ms(self) -> float:
        return self.latency_ms_total / self.requests if self.requests else 0.0

    @property
    def saved_pct(self) -> float:
        return 100.0 * self.saved / self.baseline if self.baseline > 0 else 0.0

    @property
    def error_rate(self) -> float:
        return self.failed / self.requests if self.requests else 0.0


@dataclass
class ModelRow:
    model: str
    totals: Totals = field(default_factory=Totals)
    latencies: list[float] = field(default_factory=list)

    @property
    def p95_latency_ms(self) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


@dataclass(frozen=True)
class RecentRequest:
    timestamp: str
    tier: str
    model: str
    reason: str
    paid: float
    spent: float
    status: int
    latency_ms: float
    session: str
    shadow_model: str | None = None  # routing.shadow's pick for the request, never called
    shadow_cost: float | None = None


@dataclass
class DashboardData:
    days: int
    today: str
    totals: Totals
    daily: list[tuple[str, Totals]]
    by_model: list[ModelRow]
    by_tier: list[tuple[str, Totals]]
    sessions: list[SessionSpend]
    recent: list[RecentRequest]
    max_cost_per_run: float | None
    cap_mode: str
    balance_usd: float | None = None
    balance_error: str | None = None
    wallet: str | None = None

    def to_json(self) -> dict[str, Any]:
        def totals(t: Totals) -> dict[str, Any]:
            return {"requests": t.requests, "failed": t.failed, "spent": round(t.spent, 8), "paid": round(t.paid, 8),
                    "baseline": round(t.baseline, 8), "saved": round(t.saved, 8),
                    "savedPct": round(t.saved_pct, 2), "avgLatencyMs": round(t.avg_latency_ms, 1),
                    "errorRate": round(t.error_rate, 4)}

        return {
            "days": self.days,
            "today": self.today,
            "totals": totals(self.totals),
            "daily": [{"date": day, **totals(t)} for day, t in self.daily],
            "byModel": [{"model": m.model, **totals(m.totals), "p95LatencyMs": round(m.p95_latency_ms, 1)}
                        for m in self.by_model],
            "byTier": [{"tier": tier, **totals(t)} for tier, t in self.by_tier],
            "sessions": [{**asdict(s), "spent": round(s.spent, 8), "cap": self.max_cost_per_run}
                         for s in self.sessions],
            "recent": [asdict(r) for r in self.recent],
            "cap": {"maxCostPerRun": self.max_cost_per_run, "mode": self.cap_mode},
            "wallet": {"address": self.wallet, "balanceUsd": self.balance_usd, "error": self.balance_error},
        }


def spend_of(line: Mapping[str, Any]) -> float:
    paid = num(line.get("paid"))
    return paid if paid > 0 else num(line.get("cost"))


def status_of(line: Mapping[str, Any]) -> int:
    return int(num(line.get("status", 200)))


@dataclass
class DayAggregate:
    """One day's log, aggregated: what :func:`merge` combines into a period (cached per file by ``log_cache``)."""

    totals: Totals
    models: dict[str, ModelRow]
    tiers: dict[str, Totals]
    sessions: list[SessionSpend]
    tail: list[dict[str, Any]]  # the day's last RECENT_LIMIT lines, oldest first


def aggregate_day(lines: Iterable[Mapping[str, Any]]) -> DayAggregate:
    day = DayAggregate(Totals(), {}, {}, [], [])
    ordered = sorted(lines, key=lambda line: str(line.get("timestamp", "")))
    for line in ordered:
        day.totals.add(line)
        model = str(line.get("model") or "unknown")
        row = day.models.setdefault(model, ModelRow(model))
        row.totals.add(line)
        row.latencies.append(num(line.get("latencyMs")))
        day.tiers.setdefault(str(line.get("tier") or "OTHER"), Totals()).add(line)
    day.sessions = session_spend(ordered)
    day.tail = [dict(line) for line in ordered[-RECENT_LIMIT:]]
    return day


def build(days_with_lines: Iterable[tuple[str, list[dict[str, Any]]]], *, days: int, today: date,
          max_cost_per_run: float | None, cap_mode: str = "graceful") -> DashboardData:
    """Aggregate ``(day, lines)`` pairs (oldest day first, as :func:`usage.stats.read_days` returns them)."""
    return merge([(day, aggregate_day(lines)) for day, lines in days_with_lines], days=days, today=today,
                 max_cost_per_run=max_cost_per_run, cap_mode=cap_mode)


def merge(day_aggregates: Iterable[tuple[str, DayAggregate]], *, days: int, today: date,
          max_cost_per_run: float | None, cap_mode: str = "graceful") -> DashboardData:
    """Combine per-day aggregates (oldest day first) into the period's view; the inputs are not changed."""
    total = Totals()
    daily: list[tuple[str, Totals]] = []
    models: dict[str, ModelRow] = {}
    tiers: dict[str, Totals] = {}
    sessions: list[list[SessionSpend]] = []
    tail: list[dict[str, Any]] = []
    for day, agg in day_aggregates:
        total.merge(agg.totals)
        daily.append((day, agg.totals))
        for name, row in agg.models.items():
            merged = models.setdefault(name, ModelRow(name))
            merged.totals.merge(row.totals)
            merged.latencies.extend(row.latencies)
        for tier, totals in agg.tiers.items():
            tiers.setdefault(tier, Totals()).merge(totals)
        sessions.append(agg.sessions)
        tail = (tail + agg.tail)[-RECENT_LIMIT:]
    return DashboardData(
        days=days,
        today=today.isoformat(),
        totals=total,
        daily=_fill_days(daily, days, today),
        by_model=sorted(models.values(), key=lambda m: (-m.totals.spent, -m.totals.requests, m.model)),
        by_tier=sorted(tiers.items(), key=lambda kv: (_tier_rank(kv[0]), kv[0])),
        sessions=merge_session_spend(sessions)[:SESSION_LIMIT],
        recent=[_recent(line) for line in reversed(tail)],
        max_cost_per_run=max_cost_per_run,
        cap_mode=cap_mode,
    )


def _fill_days(found: list[tuple[str, Totals]], days: int, today: date) -> list[tuple[str, Totals]]:
    """Every calendar day of the period, with empty totals for days without requests (a chart needs the gaps)."""
    by_day = dict(found)
    period = [(today - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]
    return [(day, by_day.get(day, Totals())) for day in period]


def _recent(line: Mapping[str, Any]) -> RecentRequest:
    return RecentRequest(
        timestamp=str(line.get("timestamp", "")),
        tier=str(line.get("tier") or ""),
        model=str(line.get("model") or "unknown"),
        reason=str(line.get("error") or line.get("reasoning") or ""),  # a failure says why it failed
        paid=num(line.get("paid")),
        spent=spend_of(line),
        status=status_of(line),
        latency_ms=num(line.get("latencyMs")),
        session=str(line.get("session") or ""),
        **_shadow_of(line),
    )


def _shadow_of(line: Mapping[str, Any]) -> dict[str, Any]:
    shadow = line.get("shadow")
    if not isinstance(shadow, dict):
        return {}
    return {"shadow_model": str(shadow.get("model") or "unknown"), "shadow_cost": num(shadow.get("cost"))}


def _tier_rank(tier: str) -> int:
    return TIERS.index(tier) if tier in TIERS else len(TIERS)
