"""The fallback loop: try each model of the chain until one answers.

Each attempt is bounded by its own timeout and by the request's global deadline. A 429 gets one retry on
the same model after 200 ms, then a cooldown; an overload gets a cooldown; a payment failure skips the rest
of the paid chain and goes to the free model; a request the upstream refuses outright (bad request, unknown
model) goes straight back. When every model fails the caller gets one error listing every attempt.

Money rules (a signed payment counts whatever comes back, see ``payments/flow.py``): the spend ledger
declines any payment that would take the request past its ceiling or the session past its cap, after which
only free models are tried (strict mode: a cap decline is the 429 instead); and once a paid answer came back
degraded, at most one more paid attempt is made, so one bad model cannot make a request pay its whole chain.
An explicit model (a one-model chain) gets one retry of a server error that came before any payment.

For a streaming request an attempt succeeds only once the first chunk has arrived, so a model that accepts
the request and then dies before saying anything still falls back instead of failing the client.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from pyclawrouter.ledger.spend import CostCapExceededError, RequestSpend
from pyclawrouter.payments.flow import PaymentDeclinedError
from pyclawrouter.upstream import classify
from pyclawrouter.upstream.client import PaymentAttemptError, Upstream, UpstreamAnswer
from pyclawrouter.upstream.cooldowns import OVERLOAD_COOLDOWN_S, RATE_LIMIT_COOLDOWN_S, Cooldowns
from pyclawrouter.upstream.errors import (
    AllModelsFailedError,
    AttemptFailure,
    UpstreamRejectedError,
    UpstreamTimeoutError,
)

RATE_LIMIT_RETRY_S = 0.2
_ERROR_BODY_LIMIT = 64 * 1024
COST_CAP = "cost_cap"
REQUEST_CEILING = "request_ceiling"
# Paid attempts still allowed after a paid answer came back degraded.
PAID_ATTEMPTS_AFTER_DEGRADED = 1
_TRANSIENT = frozenset({classify.SERVER_ERROR, classify.OVERLOADED})
# Failures that say something about the model (not about our wallet, budget or the request).
_MODEL_FAULTS = frozenset({classify.SERVER_ERROR, classify.OVERLOADED, classify.TIMEOUT})


@dataclass
class Plan:
    url: str
    chain: list[str]
    stream: bool
    body_for: Callable[[str], bytes]
    estimate_for: Callable[[str], float]
    timeout_for: Callable[[str], float]
    deadline: float  # time.monotonic() value
    free_model: str | None = None
    strict_budget: bool = False
    spend: RequestSpend | None = None
    is_free: Callable[[str], bool] = lambda model: False
    max_attempts: int = 5
    kind: str = "chat"
    """``tools`` or ``chat``: which history a model's outcomes count towards (a model may fail at one only)."""


@dataclass
class Success:
    model: str
    answer: UpstreamAnswer
    body: bytes | None = None  # the whole JSON answer (non-streaming, or an upstream that ignored stream)
    first_chunk: bytes = b""  # streaming: what has already been read ...
    chunks: AsyncIterator[bytes] | None = None  # ... and the rest of the stream
    failures: list[AttemptFailure] = field(default_factory=list)
    payment_fallback: bool = False
    budget_fallback: bool = False


async def run(plan: Plan, upstream: Upstream, cooldowns: Cooldowns) -> Success:
    # Demotion reorders the models this request will try; it never swaps one out for a model further down.
    queue = cooldowns.order(list(dict.fromkeys(plan.chain))[: plan.max_attempts], plan.kind)
    explicit = len(queue) == 1
    failures: list[AttemptFailure] = []
    payment_fallback = budget_fallback = False
    degraded_paid = False
    paid_since_degraded = 0
    while queue:
        model = queue.pop(0)
        result = await _attempt(plan, upstream, model)
        if isinstance(result, AttemptFailure) and result.reason == classify.RATE_LIMITED:
            await asyncio.sleep(RATE_LIMIT_RETRY_S)
            result = await _attempt(plan, upstream, model)
            if isinstance(result, AttemptFailure) and result.reason == classify.RATE_LIMITED:
                cooldowns.mark(model, RATE_LIMIT_COOLDOWN_S)
        elif (explicit and isinstance(result, AttemptFailure) and result.reason in _TRANSIENT
              and not result.paid and not result.degraded):
            await asyncio.sleep(RATE_LIMIT_RETRY_S)
            result = await _attempt(plan, upstream, model)
        if isinstance(result, Success) or result.reason in _MODEL_FAULTS:
            cooldowns.outcome(model, plan.kind, isinstance(result, Success))
        if isinstance(result, Success):
            result.failures = failures
            result.payment_fallback = payment_fallback
            result.budget_fallback = budget_fallback
            return result
        failures.append(result)
        cooldowns.record(model, result.reason)
        if result.paid and degraded_paid:
            paid_since_degraded += 1
        degraded_paid = degraded_paid or (result.paid and result.degraded)
        if result.reason == classify.OVERLOADED:
            cooldowns.mark(model, OVERLOAD_COOLDOWN_S)
        free = plan.free_model
        if result.reason == COST_CAP:
            if plan.strict_budget:
                raise CostCapExceededError(result.detail)
            budget_fallback = True
        no_more_paid = degraded_paid and paid_since_degraded >= PAID_ATTEMPTS_AFTER_DEGRADED
        if no_more_paid or result.reason in (COST_CAP, REQUEST_CEILING):
            # Only free models from here on; the free model last of all, even if the chain was cut short.
            queue = [m for m in queue if plan.is_free(m)]
            if free and free not in queue and free not in {f.model for f in failures}:
                queue.append(free)
        if result.payment and free and model != free:
            # No point walking the paid chain with a wallet that cannot pay.
            payment_fallback = True
            queue = [free]
        if not queue and budget_fallback and free and free not in {f.model for f in failures}:
            queue = [free]
    raise AllModelsFailedError(failures)


async def _attempt(plan: Plan, upstream: Upstream, model: str) -> Success | AttemptFailure:
    remaining = plan.deadline - time.monotonic()
    if remaining <= 0:
        raise UpstreamTimeoutError("The request ran out of time before any model answered")
    limit = min(plan.timeout_for(model), remaining)
    signed_before = len(plan.spend.payments) if plan.spend is not None else 0
    result = await _attempt_once(plan, upstream, model, limit)
    if isinstance(result, AttemptFailure) and plan.spend is not None and len(plan.spend.payments) > signed_before:
        result = replace(result, paid=True)
    return result


async def _attempt_once(plan: Plan, upstream: Upstream, model: str, limit: float) -> Success | AttemptFailure:
    try:
        async with asyncio.timeout(limit):
            answer = await upstream.post(plan.url, plan.body_for(model), model=model,
                                         estimate_usd=plan.estimate_for(model), read_timeout=limit,
                                         spend=plan.spend)
            try:
                return await _read_answer(plan, model, answer)
            except BaseException:
                await answer.response.aclose()
                raise
    except TimeoutError:
        return AttemptFailure(model, classify.TIMEOUT, 504, f"no answer within {limit:.0f}s")
    except PaymentDeclinedError as exc:
        reason = COST_CAP if exc.reason == "cap" else REQUEST_CEILING
        return AttemptFailure(model, reason, 429, exc.message)
    except PaymentAttemptError as exc:  # the payer refused to sign or could not parse the challenge
        return AttemptFailure(model, classify.PAYMENT_ERROR, exc.http_status, exc.message, payment=True)
    except httpx.HTTPError as exc:
        return AttemptFailure(model, classify.SERVER_ERROR, 502, f"network error: {type(exc).__name__}")


async def _read_answer(plan: Plan, model: str, answer: UpstreamAnswer) -> Success | AttemptFailure:
    response = answer.response
    if response.status_code != 200:
        text = await _read_error_body(response)
        category = classify.categorize(response.status_code, text)
        if category is None:
            raise UpstreamRejectedError(response.status_code, _message(text, response.status_code), _json(text))
        is_payment = category == classify.PAYMENT_ERROR or bool(classify.PAYMENT_TEXT.search(text))
        return AttemptFailure(model, category, response.status_code, _message(text, response.status_code)[:300],
                              payment=is_payment)
    if plan.stream and "event-stream" in response.headers.get("content-type", ""):
        chunks = response.aiter_raw()
        first = await anext(chunks, b"")
        if not first:
            await response.aclose()
            return AttemptFailure(model, classify.SERVER_ERROR, 502, "empty stream", degraded=True)
        return Success(model, answer, first_chunk=first, chunks=chunks)
    body = await response.aread()
    await response.aclose()
    reason = classify.degraded_reason(body)
    if reason:
        return AttemptFailure(model, classify.SERVER_ERROR, 503, reason, degraded=True)
    return Success(model, answer, body=body)


async def _read_error_body(response: httpx.Response) -> str:
    data = bytearray()
    try:
        async for chunk in response.aiter_raw():
            data += chunk
            if len(data) > _ERROR_BODY_LIMIT:
                break
    except httpx.HTTPError:
        pass
    finally:
        await response.aclose()
    return bytes(data[:_ERROR_BODY_LIMIT]).decode("utf-8", errors="replace")


def _json(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _message(text: str, status: int) -> str:
    data = _json(text)
    if data is not None:
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            details = data.get("details")
            return f"{error}: {details}" if isinstance(details, str) else error
        if isinstance(data.get("message"), str):
            return str(data["message"])
    return text.strip()[:300] or f"HTTP {status}"
