"""How much one request may cost before we refuse to sign."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentPolicy:
    """The per-request spending ceiling.

    Without ``max_per_request_usd`` the ceiling follows the request's own estimate: ``estimate_multiplier``
    times it, but never below ``floor_usd`` (so BlockRun's small flat fees always pass) and never above
    ``hard_cap_usd``. With ``max_per_request_usd`` that value is the ceiling (still under the hard cap).
    Callers without an estimate pass ``math.inf`` to mean "up to the hard cap".
    """

    max_per_request_usd: float | None = None
    hard_cap_usd: float = 1.0
    estimate_multiplier: float = 4.0
    floor_usd: float = 0.01

    def ceiling_for(self, estimate_usd: float) -> float:
        if self.max_per_request_usd is not None:
            return max(0.0, min(self.hard_cap_usd, self.max_per_request_usd))
        if math.isnan(estimate_usd) or estimate_usd < 0:
            estimate_usd = 0.0
        return max(0.0, min(self.hard_cap_usd, max(self.floor_usd, estimate_usd * self.estimate_multiplier)))
