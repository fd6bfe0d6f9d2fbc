"""Per-model cooldowns after rate limits and overloads: a cooling model moves to the end of the chain
(never removed, so a request still has somewhere to go), and the error counters ``/stats`` shows."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

RATE_LIMIT_COOLDOWN_S = 60.0
OVERLOAD_COOLDOWN_S = 15.0


class Cooldowns:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self.errors: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def mark(self, model: str, seconds: float) -> None:
        self._until[model] = max(self._until.get(model, 0.0), time.monotonic() + seconds)

    def record(self, model: str, category: str) -> None:
        self.errors[model][category] += 1

    def cooling(self, model: str) -> bool:
        until = self._until.get(model)
        if until is None:
            return False
        if until <= time.monotonic():
            del self._until[model]
            return False
        return True

    def order(self, chain: list[str]) -> list[str]:
        if not self._until:
            return chain
        ready = [m for m in chain if not self.cooling(m)]
        return ready + [m for m in chain if m not in ready]

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {model: dict(counts) for model, counts in self.errors.items()}
