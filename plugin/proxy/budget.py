"""Applying ``maxCostPerRun`` to one request before anything is paid (the ledger then checks every payment).

strict: if the session's spend, plus what its other requests in flight hold, plus this request's estimate
would pass the cap → 429 with ``X-ClawRouter-Cost-Cap-Exceeded: 1``. graceful: drop the models whose estimate
no longer fits, down to the free model as a last resort, and tell the user in the answer; a request that must
not be downgraded (an explicit model, or tools the free model cannot call) gets 429 ``budget_exhausted``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from pyclawrouter.ledger.spend import RAISE_IT, SPEND_LIMIT, CostCapExceededError, SpendLedger
from pyclawrouter.proxy.errors import BudgetExhaustedError


@dataclass
class BudgetPlan:
    chain: list[str]
    hold: float = 0.0
    """Held against the session's cap while the request runs: the estimate of the model tried first."""
    notices: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


def plan(ledger: SpendLedger, mode: str, session: str, chain: list[str], estimate: Callable[[str], float], *,
         cap: float | None, free_model: str | None, explicit: bool = False, tools: bool = False) -> BudgetPlan:
    if cap is None:
        return BudgetPlan(chain)
    spent, held = ledger.spent(session), ledger.held(session)
    first = estimate(chain[0])
    if math.isinf(first):
        raise CostCapExceededError(f"{chain[0]} has no known price, so maxCostPerRun cannot be checked against "
                                   "it; refusing rather than paying an unknown amount.")
    if mode == "strict":
        if spent + held + first > cap:
            raise CostCapExceededError(
                f"ClawRouter cost cap exceeded: {SPEND_LIMIT}: spent ${spent:.4f} of ${cap:.4f}"
                f"{f' (plus ${held:.4f} held by requests in flight)' if held > 0 else ''}; this request is "
                f"estimated at ${first:.4f}. {RAISE_IT}")
        return BudgetPlan(chain, hold=first)
    remaining = ledger.remaining(session, cap)
    kept = [model for model in chain if estimate(model) <= remaining]
    must_not_downgrade = "this explicit model request" if explicit else "this tools request" if tools else None
    if must_not_downgrade and (not kept or (kept[0] != chain[0] and explicit)):
        raise BudgetExhaustedError(
            f"ClawRouter budget exhausted: {SPEND_LIMIT}: ${max(remaining, 0):.4f} of ${cap:.4f} left, not enough "
            f"for {must_not_downgrade} ({chain[0]}, estimated ${first:.4f}), which the free model cannot take "
            f"over. {RAISE_IT}")
    if not kept:
        if free_model is None:
            raise CostCapExceededError(f"ClawRouter budget exhausted: {SPEND_LIMIT}: ${max(remaining, 0):.4f} "
                                       f"remaining (limit: ${cap:.4f}). {RAISE_IT}")
        kept = [free_model]
    result = BudgetPlan(kept, hold=estimate(kept[0]))
    if kept[0] != chain[0]:
        result.headers = {"x-clawrouter-budget-downgrade": "1", "x-clawrouter-budget-mode": "downgraded"}
        if kept[0] == free_model:
            result.notices.append(
                f"> **⚠️ Budget cap reached** (${spent:.4f}/${cap:.2f}) — downgraded to the free model. Quality "
                f"may be reduced. Increase `maxCostPerRun` to continue with {chain[0]}.\n\n")
        else:
            result.notices.append(f"> **⚠️ Budget low** (${max(remaining, 0):.4f} remaining) — using {kept[0]} "
                                  f"instead of {chain[0]}.\n\n")
    return result
