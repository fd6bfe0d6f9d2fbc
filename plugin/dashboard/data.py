"""What the dashboard shows, computed from the usage log: pure functions over its lines, no I/O but the read.

Spend is what was paid (``paid``) when a line says so, else the price-table ``cost`` (as in ``usage.stats``);
savings are ``baselineCost - cost``. Failed requests count for latency and error rate, not for spend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from pyclawrouter.dashboard.session_spend import SessionSpend, session_spend
from pyclawrouter.usage.stats import num

RECENT_LIMIT = 25
SESSION_LIMIT = 20
_TIER_ORDER = ("SIMPLE", "MEDIUM", "COMPLEX", "REASONING")


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


def build(days_with_lines: Iterable[tuple[str, list[dict[str, Any]]]], *, days: int, today: date,
          max_cost_per_run: float | None, cap_mode: str = "graceful") -> DashboardData:
    """Aggregate ``(day, lines)`` pairs (oldest day first, as :func:`usage.stats.read_days` returns them)."""
    total = Totals()
    daily: list[tuple[str, Totals]] = []
    models: dict[str, ModelRow] = {}
    tiers: dict[str, Totals] = {}
    every: list[dict[str, Any]] = []
    for day, lines in days_with_lines:
        day_totals = Totals()
        for line in lines:
            total.add(line)
            day_totals.add(line)
            row = models.setdefault(str(line.get("model") or "unknown"), ModelRow(str(line.get("model") or "unknown")))
            row.totals.add(line)
            row.latencies.append(num(line.get("latencyMs")))
            tiers.setdefault(str(line.get("tier") or "OTHER"), Totals()).add(line)
            every.append(line)
        daily.append((day, day_totals))
    every.sort(key=lambda line: str(line.get("timestamp", "")))
    return DashboardData(
        days=days,
        today=today.isoformat(),
        totals=total,
        daily=_fill_days(daily, days, today),
        by_model=sorted(models.values(), key=lambda m: (-m.totals.spent, -m.totals.requests, m.model)),
        by_tier=sorted(tiers.items(), key=lambda kv: (_tier_rank(kv[0]), kv[0])),
        sessions=session_spend(every)[:SESSION_LIMIT],
        recent=[_recent(line) for line in reversed(every[-RECENT_LIMIT:])],
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
        reason=str(line.get("reasoning") or line.get("error") or ""),
        paid=num(line.get("paid")),
        spent=spend_of(line),
        status=status_of(line),
        latency_ms=num(line.get("latencyMs")),
        session=str(line.get("session") or ""),
    )


def _tier_rank(tier: str) -> int:
    return _TIER_ORDER.index(tier) if tier in _TIER_ORDER else len(_TIER_ORDER)
