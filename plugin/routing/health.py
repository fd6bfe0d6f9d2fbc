"""Model health as the gateway reports it, and which models of a chain it moves to the back (pure).

``GET {apiBase}/v1/health/models`` answers ``{"models": [{"model", "latency": {"avg", "p95"} (ms),
"errorRate24h" (0..1), "callCount24h", "synthetic"}]}``. Rows marked ``synthetic`` are not real traffic and are
skipped. A model of a chain is *unhealthy* when

- it is failing: ``errorRate24h`` at least ``FAILING_ERROR_RATE`` over at least ``MIN_CALLS_24H`` calls, or
- it is slow: its p95 latency at least ``SLOW_P95_FACTOR`` times the median p95 of the chain's other models
  with a row, and at least ``SLOW_P95_FLOOR_MS`` (a chain of fast models does not demote the slowest of them).

Unhealthy models move to the back of the chain in their order; none is removed, so each stays a last resort.
A chain whose models are all unhealthy, or that has one model, is left as it is.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FAILING_ERROR_RATE = 0.2
MIN_CALLS_24H = 20
SLOW_P95_FACTOR = 3.0
SLOW_P95_FLOOR_MS = 10_000.0


@dataclass(frozen=True)
class ModelHealth:
    model: str
    p95_ms: float | None
    error_rate: float | None
    calls: int | None

    def to_json(self) -> dict[str, float | int | str | None]:
        return {"model": self.model, "latencyP95Ms": self.p95_ms, "errorRate24h": self.error_rate,
                "callCount24h": self.calls}


@dataclass(frozen=True)
class HealthOrder:
    chain: list[str]
    demoted: tuple[str, ...]
    """The models moved to the back, in chain order."""


def parse_health(document: object) -> dict[str, ModelHealth]:
    """Model id -> health, from a ``/v1/health/models`` answer (``{"models": [...]}``, ``{"data": [...]}``
    or a bare list). Synthetic rows and rows without a model id are skipped; a bad number reads as unknown."""
    rows = document
    if isinstance(document, dict):
        rows = document.get("models", document.get("data"))
    if not isinstance(rows, list):
        raise ValueError("the health list has no 'models' array")
    health: dict[str, ModelHealth] = {}
    for row in rows:
        if not isinstance(row, dict) or row.get("synthetic") is True:
            continue
        model = row.get("model", row.get("id"))
        if not isinstance(model, str) or not model.strip():
            continue
        latency = row.get("latency")
        p95 = _number(latency.get("p95")) if isinstance(latency, dict) else None
        rate = _number(row.get("errorRate24h"))
        calls = _number(row.get("callCount24h"))
        model_id = model.strip().lower()
        health[model_id] = ModelHealth(model_id, p95, rate if rate is None or rate <= 1.0 else None,
                                       int(calls) if calls is not None else None)
    return health


def order_by_health(chain: Sequence[str], health: Mapping[str, ModelHealth]) -> HealthOrder:
    """The chain with its unhealthy models moved to the back (each group keeps its order)."""
    chain = list(dict.fromkeys(chain))
    if len(chain) < 2 or not health:
        return HealthOrder(chain, ())
    unhealthy = [m for m in chain if _failing(health.get(m)) or _slow(m, chain, health)]
    if not unhealthy or len(unhealthy) == len(chain):
        return HealthOrder(chain, ())
    ready = [m for m in chain if m not in unhealthy]
    return HealthOrder(ready + unhealthy, tuple(unhealthy))


def _failing(row: ModelHealth | None) -> bool:
    if row is None or row.error_rate is None:
        return False
    enough = row.calls is None or row.calls >= MIN_CALLS_24H
    return enough and row.error_rate >= FAILING_ERROR_RATE


def _slow(model: str, chain: Sequence[str], health: Mapping[str, ModelHealth]) -> bool:
    row = health.get(model)
    if row is None or row.p95_ms is None or row.p95_ms < SLOW_P95_FLOOR_MS:
        return False
    others = [p for m in chain if m != model
              for p in [health[m].p95_ms if m in health else None] if p is not None]
    return bool(others) and row.p95_ms >= SLOW_P95_FACTOR * statistics.median(others)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None
