"""The fallback loop: try each model of the chain until one answers (reference §4.7).

Each attempt is bounded by its own timeout and by the request's global deadline. A 429 gets one retry on
the same model after 200 ms, then a cooldown; an overload gets a cooldown; a payment failure skips the rest
of the paid chain and goes to the free model; a request the upstream refuses outright (bad request, unknown
model) goes straight back. When every model fails the caller gets one error listing every attempt.

For a streaming request an attempt succeeds only once the first chunk has arrived, so a model that accepts
the request and then dies before saying anything still falls back instead of failing the client.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from pyclawrouter.proxy import classify
from pyclawrouter.proxy.cooldown import OVERLOAD_COOLDOWN_S, RATE_LIMIT_COOLDOWN_S, Cooldowns
from pyclawrouter.proxy.errors import (
    AllModelsFailedError,
    AttemptFailure,
    CostCapExceededError,
    UpstreamRejectedError,
    UpstreamTimeoutError,
)
from pyclawrouter.proxy.upstream import Approve, PaymentAttemptError, PaymentNotApprovedError, Upstream, UpstreamAnswer

RATE_LIMIT_RETRY_S = 0.2
_ERROR_BODY_LIMIT = 64 * 1024
COST_CAP = "cost_cap"


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
    approve_for: Callable[[str], Approve | None] = lambda model: None
    max_attempts: int = 5


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
    queue = cooldowns.order(list(dict.fromkeys(plan.chain)))[: plan.max_attempts]
    failures: list[AttemptFailure] = []
    payment_fallback = budget_fallback = False
    while queue:
        model = queue.pop(0)
        result = await _attempt(plan, upstream, model)
        if isinstance(result, AttemptFailure) and result.reason == classify.RATE_LIMITED:
            await asyncio.sleep(RATE_LIMIT_RETRY_S)
            result = await _attempt(plan, upstream, model)
            if isinstance(result, AttemptFailure) and result.reason == classify.RATE_LIMITED:
                cooldowns.mark(model, RATE_LIMIT_COOLDOWN_S)
        if isinstance(result, Success):
            result.failures = failures
            result.payment_fallback = payment_fallback
            result.budget_fallback = budget_fallback
            return result
        failures.append(result)
        cooldowns.record(model, result.reason)
        if result.reason == classify.OVERLOADED:
            cooldowns.mark(model, OVERLOAD_COOLDOWN_S)
        free = plan.free_model
        if result.reason == COST_CAP:
            if plan.strict_budget:
                raise CostCapExceededError(f"Cost cap reached: {result.detail}")
            budget_fallback = True
            queue = [m for m in queue if plan.estimate_for(m) <= 0.0]
        if result.payment and free and model != free:
            # No point walking the paid chain with a wallet that cannot pay (reference bug B6).
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
    try:
        async with asyncio.timeout(limit):
            answer = await upstream.post(plan.url, plan.body_for(model), model=model,
                                         estimate_usd=plan.estimate_for(model), read_timeout=limit,
                                         approve=plan.approve_for(model))
            try:
                return await _read_answer(plan, model, answer)
            except BaseException:
                await answer.response.aclose()
                raise
    except TimeoutError:
        return AttemptFailure(model, classify.TIMEOUT, 504, f"no answer within {limit:.0f}s")
    except PaymentNotApprovedError as exc:
        return AttemptFailure(model, COST_CAP, 429, exc.message)
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
            return AttemptFailure(model, classify.SERVER_ERROR, 502, "empty stream")
        return Success(model, answer, first_chunk=first, chunks=chunks)
    body = await response.aread()
    await response.aclose()
    reason = classify.degraded_reason(body)
    if reason:
        return AttemptFailure(model, classify.SERVER_ERROR, 503, reason)
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
