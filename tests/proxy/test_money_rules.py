"""The money rules as pure decisions: the budget plan, the spend checks and the fallback steps.

The fallback loop runs here against a scripted upstream (no sockets): each attempt says what it answers and
whether it was paid, and paid attempts go through the same spend hook the payment flow calls.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from pyclawrouter.ledger.spend import CostCapExceededError, RequestSpend, SpendLedger
from pyclawrouter.ledger.store import open_store
from pyclawrouter.payments.flow import PaymentDeclinedError, PaymentState
from pyclawrouter.payments.payer import PaymentAttempt
from pyclawrouter.proxy import budget
from pyclawrouter.proxy.errors import BudgetExhaustedError
from pyclawrouter.upstream.client import UpstreamAnswer
from pyclawrouter.upstream.cooldowns import Cooldowns
from pyclawrouter.upstream.errors import AllModelsFailedError
from pyclawrouter.upstream.fallback import Plan, run

PRICE = 0.002
GOOD = json.dumps({"choices": [{"message": {"role": "assistant", "content": "a real answer"},
                                "finish_reason": "stop"}]}).encode()
OVERLOADED = "The AI service is temporarily overloaded. Please try again."
DEGRADED = json.dumps({"choices": [{"message": {"role": "assistant", "content": OVERLOADED}}]}).encode()


@pytest.fixture
def ledger(tmp_path: Path) -> SpendLedger:
    return SpendLedger(open_store(tmp_path))


def attempt(usd: float = PRICE) -> PaymentAttempt:
    return PaymentAttempt(headers={}, amount_usd=usd, amount_atomic=round(usd * 1e6), network="eip155:8453",
                          pay_to="0xq", version=2, payer="0xp", asset="0xa", reference="0x01",
                          valid_before=int(time.time()) + 300)


# --- spend checks ---------------------------------------------------------------------------------------

def test_a_request_cannot_pay_past_its_ceiling_across_attempts(ledger: SpendLedger) -> None:
    spend = ledger.open("s", "r", cap=None, ceiling=0.005)
    spend.approve(PRICE, "a")
    spend.signed(attempt(), "a")
    spend.approve(PRICE, "b")
    spend.signed(attempt(), "b")
    with pytest.raises(PaymentDeclinedError) as declined:
        spend.approve(PRICE, "c")
    assert declined.value.reason == "ceiling" and spend.total == pytest.approx(0.004)


def test_holds_of_requests_in_flight_count_against_the_cap(ledger: SpendLedger) -> None:
    first = ledger.open("s", "r1", cap=0.005, ceiling=1.0, hold=0.003)
    second = ledger.open("s", "r2", cap=0.005, ceiling=1.0, hold=0.0)
    with pytest.raises(PaymentDeclinedError) as declined:
        second.approve(0.003, "m")  # 0.003 held by the first + 0.003 > 0.005
    assert declined.value.reason == "cap"
    first.approve(0.003, "m")  # its own hold is not counted twice
    first.signed(attempt(0.003), "m")
    assert ledger.held("s") == 0 and ledger.spent("s") == pytest.approx(0.003)
    second.approve(0.002, "m")  # exactly filling the cap is allowed
    first.close()
    second.close()
    assert ledger.held("s") == 0


def test_a_session_cap_is_shared_by_its_requests_only(ledger: SpendLedger) -> None:
    a = ledger.open("a", "r1", cap=0.002, ceiling=1.0)
    a.signed(attempt(0.002), "m")
    b = ledger.open("b", "r2", cap=0.002, ceiling=1.0)
    b.approve(0.002, "m")
    with pytest.raises(PaymentDeclinedError):
        ledger.open("a", "r3", cap=0.002, ceiling=1.0).approve(0.0001, "m")


# --- the budget plan ------------------------------------------------------------------------------------

def estimates(prices: dict[str, float]) -> Callable[[str], float]:
    return lambda model: prices[model]


def test_strict_refuses_before_anything_is_signed_counting_holds(ledger: SpendLedger) -> None:
    ledger.open("s", "other", cap=0.01, ceiling=1.0, hold=0.008)
    with pytest.raises(CostCapExceededError) as refused:
        budget.plan(ledger, "strict", "s", ["a"], estimates({"a": 0.003}), cap=0.01, free_model="free")
    assert "spend limit" in refused.value.message and "held by requests in flight" in refused.value.message
    plan = budget.plan(ledger, "strict", "s", ["a"], estimates({"a": 0.002}), cap=0.01, free_model="free")
    assert plan.hold == pytest.approx(0.002)


def test_graceful_downgrades_a_routed_request_but_refuses_explicit_and_tools(ledger: SpendLedger) -> None:
    prices = estimates({"big": 0.02, "small": 0.001, "free": 0.0})
    plan = budget.plan(ledger, "graceful", "s", ["big", "small"], prices, cap=0.005, free_model="free")
    assert plan.chain == ["small"] and plan.headers["x-clawrouter-budget-downgrade"] == "1"
    with pytest.raises(BudgetExhaustedError):
        budget.plan(ledger, "graceful", "s", ["big", "small"], prices, cap=0.005, free_model="free", explicit=True)
    # tools: a cheaper tool-capable model of the chain is fine; the free model standing in is not
    assert budget.plan(ledger, "graceful", "s", ["big", "small"], prices, cap=0.005, free_model="free",
                       tools=True).chain == ["small"]
    with pytest.raises(BudgetExhaustedError) as refused:
        budget.plan(ledger, "graceful", "s", ["big"], prices, cap=0.005, free_model="free", tools=True)
    assert refused.value.code == "budget_exhausted" and refused.value.http_status == 429
    assert budget.plan(ledger, "graceful", "s", ["big"], prices, cap=0.005, free_model="free").chain == ["free"]


# --- fallback steps -------------------------------------------------------------------------------------

@dataclass
class Script:
    """What each model answers: a body (200), an int status, or "hang"; paid models sign through the hook."""

    answers: dict[str, list[bytes | int]]
    free: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    async def post(self, url: str, body: bytes, *, model: str, estimate_usd: float, read_timeout: float,
                   spend: RequestSpend | None = None) -> UpstreamAnswer:
        self.calls.append(model)
        state = PaymentState()
        if model not in self.free and spend is not None:
            spend.approve(PRICE, model)
            state.payment = attempt()
            state.entry = spend.signed(state.payment, model)
        answer = self.answers[model].pop(0) if len(self.answers[model]) > 1 else self.answers[model][0]
        status, content = (answer, b'{"error": "boom"}') if isinstance(answer, int) else (200, answer)
        response = httpx.Response(status, stream=httpx.ByteStream(content),
                                  headers={"content-type": "application/json"})
        return UpstreamAnswer(response, state)


def plan_for(chain: list[str], spend: RequestSpend, *, free: str | None = None, strict: bool = False) -> Plan:
    return Plan(url="http://upstream/v1/chat/completions", chain=chain, stream=False, body_for=lambda m: b"{}",
                estimate_for=lambda m: 0.0 if m == free else PRICE, timeout_for=lambda m: 5.0,
                deadline=time.monotonic() + 30, free_model=free, strict_budget=strict, spend=spend,
                is_free=lambda m: m == free)


def go(plan: Plan, script: Script) -> Any:
    return asyncio.run(run(plan, script, Cooldowns()))  # type: ignore[arg-type]


def test_after_a_paid_degraded_answer_at_most_one_more_paid_attempt(ledger: SpendLedger) -> None:
    script = Script({m: [DEGRADED] for m in "abcde"} | {"free": [GOOD]}, free={"free"})
    spend = ledger.open("s", "r", cap=None, ceiling=1.0)
    success = go(plan_for([*"abcde", "free"], spend, free="free"), script)
    assert script.calls == ["a", "b", "free"] and success.model == "free"
    assert spend.total == pytest.approx(2 * PRICE)


def test_paid_5xx_falls_back_only_within_the_ceiling(ledger: SpendLedger) -> None:
    script = Script({m: [500] for m in "abcde"})
    spend = ledger.open("s", "r", cap=None, ceiling=3 * PRICE)
    with pytest.raises(AllModelsFailedError) as failed:
        go(plan_for(list("abcde"), spend), script)
    assert script.calls == ["a", "b", "c", "d"]  # d was declined before signing: the ceiling allows three
    assert spend.total == pytest.approx(3 * PRICE)
    assert [a.reason for a in failed.value.attempts][-1] == "request_ceiling"
    assert all(a.paid for a in failed.value.attempts[:3])


def test_strict_cap_decline_mid_chain_is_the_429(ledger: SpendLedger) -> None:
    script = Script({m: [500] for m in "ab"})
    spend = ledger.open("s", "r", cap=PRICE * 1.5, ceiling=1.0)
    with pytest.raises(CostCapExceededError):
        go(plan_for(["a", "b"], spend, strict=True), script)
    assert spend.total == pytest.approx(PRICE)


def test_an_explicit_model_gets_one_retry_of_a_5xx_before_payment(ledger: SpendLedger) -> None:
    script = Script({"free": [503, GOOD]}, free={"free"})
    success = go(plan_for(["free"], ledger.open("s", "r", cap=None, ceiling=1.0), free="free"), script)
    assert script.calls == ["free", "free"] and success.model == "free"
    paid = Script({"a": [503, GOOD]})
    spend = ledger.open("s", "r2", cap=None, ceiling=1.0)
    with pytest.raises(AllModelsFailedError):
        go(plan_for(["a"], spend), paid)
    assert paid.calls == ["a"]  # a paid failure is not retried: it would pay again
