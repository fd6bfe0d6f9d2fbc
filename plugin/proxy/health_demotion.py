"""Health demotion on the request path: the gateway's health rows applied to a request's chain.

The rows come from the live catalog's last good read of ``/v1/health/models``; the decision is
``routing/health.py``'s. What it moved to the back is remembered for ``HEALTH_SEEN_S`` so ``/stats`` can show
it (``demotedModels`` entries with ``"reason": "health"``). Like outcome demotion it reorders one request's
chain (the models it will try, in a new order) and never moves a session's pin.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pyclawrouter.proxy.live_catalog import REFRESH_INTERVAL_S, LiveCatalog
from pyclawrouter.routing.health import HealthOrder, order_by_health

HEALTH_SEEN_S = REFRESH_INTERVAL_S


class HealthDemotion:
    def __init__(self, live: LiveCatalog) -> None:
        self.live = live
        self._seen: dict[str, float] = {}

    def order(self, chain: Sequence[str], attempts: int) -> HealthOrder:
        """The chain with its first ``attempts`` models (the ones the fallback loop will try) reordered by
        health, so a demoted model is tried last instead of being pushed past the attempt limit."""
        unique = list(dict.fromkeys(chain))
        head = order_by_health(unique[:attempts], self.live.health)
        result = HealthOrder(head.chain + unique[attempts:], head.demoted)
        if result.demoted:
            now = time.monotonic()
            for model in result.demoted:
                self._seen[model] = now
        return result

    def demotions(self) -> list[dict[str, Any]]:
        """The models health moved to the back of a chain lately, with the rows that judged them."""
        cutoff = time.monotonic() - HEALTH_SEEN_S
        for model in [m for m, when in self._seen.items() if when < cutoff]:
            del self._seen[model]
        health = self.live.health
        entries = []
        for model in sorted(self._seen):
            row = health.get(model)
            if row is None:
                continue
            entries.append({"model": model, "reason": "health", "errorRate24h": row.error_rate,
                            "latencyP95Ms": row.p95_ms, "callCount24h": row.calls})
        return entries
