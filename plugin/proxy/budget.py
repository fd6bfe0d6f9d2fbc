"""Applying ``maxCostPerRun`` to one request (reference §7, counted from real payments: see ``spend.py``).

strict: if the session's spend plus this request's estimate would pass the cap → 429 with
``X-ClawRouter-Cost-Cap-Exceeded: 1``. graceful: drop the models whose estimate no longer fits, down to the
free model as a last resort, and tell the user in the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pyclawrouter.proxy.errors import CostCapExceededError
from pyclawrouter.proxy.spend import Reservation, SpendLedger
from pyclawrouter.proxy.upstream import Approve


@dataclass
class BudgetPlan:
    chain: list[str]
    reservation: Reservation | None = None
    notices: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


# OpenClaw reads a 429 as a rate limit and retries it for minutes, unless the message reads as billing; these
# words make it stop and show the refusal (checked against OpenClaw 2026.9.6's own classifier in the e2e test).
SPEND_LIMIT = "this run reached its spend limit (maxCostPerRun)"


def plan(ledger: SpendLedger, mode: str, session: str, chain: list[str], estimate: Callable[[str], float], *,
         free_model: str | None) -> BudgetPlan:
    cap = ledger.cap
    if cap is None:
        return BudgetPlan(chain)
    spent = ledger.spent(session)
    first = estimate(chain[0])
    if mode == "strict":
        reservation = ledger.reserve(session, first)
        if reservation is None:
            raise CostCapExceededError(
                f"ClawRouter cost cap exceeded: {SPEND_LIMIT}: projected spend ${spent + first:.4f} "
                f"(spent ${spent:.4f} + est ${first:.4f}, plus requests in flight) would exceed limit ${cap:.4f}")
        return BudgetPlan(chain, reservation)
    remaining = ledger.remaining(session)
    kept = [model for model in chain if estimate(model) <= remaining]
    if not kept:
        if free_model is None:
            raise CostCapExceededError(f"ClawRouter budget exhausted: {SPEND_LIMIT}: ${max(remaining, 0):.4f} "
                                       f"remaining (limit: ${cap:.4f}). Increase maxCostPerRun to continue.")
        kept = [free_model]
    result = BudgetPlan(kept, ledger.reserve(session, estimate(kept[0])))
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


def approver(ledger: SpendLedger, reservation: Reservation | None) -> Approve | None:
    """Check each signed payment against the cap before it is sent."""
    if reservation is None or ledger.cap is None:
        return None

    async def approve(amount_usd: float) -> bool:
        return ledger.grow(reservation, amount_usd)

    return approve
