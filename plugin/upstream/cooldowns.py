"""Model health learned from what happens: cooldowns and outcome demotion, and the counters ``/stats`` shows.

- A model that rate-limits or is overloaded *cools down* for a fixed time.
- A model that keeps failing or answering degraded for a kind of request (``tools`` or plain ``chat``) is
  *demoted* for that kind: at least ``DEMOTE_MIN_FAILURES`` failures making up at least half of its last
  ``DEMOTE_WINDOW`` outcomes within ``DEMOTE_TTL_S``. One good answer moves it back towards the front.

Both only reorder a chain (the affected models go to the end, in their order), never remove a model, so a
request always has somewhere to go, and neither moves a session's pin.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict, deque

RATE_LIMIT_COOLDOWN_S = 60.0
OVERLOAD_COOLDOWN_S = 15.0
DEMOTE_WINDOW = 10
DEMOTE_MIN_FAILURES = 3
DEMOTE_SHARE = 0.5
DEMOTE_TTL_S = 30 * 60.0


class Cooldowns:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self.errors: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._outcomes: dict[tuple[str, str], deque[tuple[float, bool]]] = {}
        self._demoted: set[tuple[str, str]] = set()

    def outcome(self, model: str, kind: str, ok: bool) -> None:
        """Record how an attempt went for a kind of request (``tools`` or ``chat``)."""
        key = (model, kind)
        history = self._outcomes.get(key)
        if history is None:
            history = self._outcomes[key] = deque(maxlen=DEMOTE_WINDOW)
        history.append((time.monotonic(), ok))
        self._judge(key)

    def demoted(self, model: str, kind: str) -> bool:
        key = (model, kind)
        if key in self._demoted:
            self._judge(key)  # failures age out of the window
        return key in self._demoted

    def _judge(self, key: tuple[str, str]) -> None:
        history = self._outcomes.get(key)
        cutoff = time.monotonic() - DEMOTE_TTL_S
        while history and history[0][0] < cutoff:
            history.popleft()
        failures = sum(1 for _, ok in history or () if not ok)
        if history and failures >= DEMOTE_MIN_FAILURES and failures >= DEMOTE_SHARE * len(history):
            self._demoted.add(key)
        else:
            self._demoted.discard(key)

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

    def order(self, chain: list[str], kind: str = "chat") -> list[str]:
        """The chain with cooling, then demoted, models moved to the end (each group keeps its order)."""
        if not self._until and not self._demoted:
            return chain
        cooling = [m for m in chain if self.cooling(m)]
        demoted = [m for m in chain if m not in cooling and self.demoted(m, kind)]
        ready = [m for m in chain if m not in cooling and m not in demoted]
        return ready + demoted + cooling

    def demoted_in(self, chain: list[str], kind: str) -> list[str]:
        return [m for m in chain if self.demoted(m, kind)] if self._demoted else []

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {model: dict(counts) for model, counts in self.errors.items()}

    def demotions(self) -> list[dict[str, str]]:
        """What is demoted right now, for ``/stats``."""
        return [{"model": model, "kind": kind, "reason": "outcomes"} for model, kind in sorted(self._demoted)
                if self.demoted(model, kind)]
