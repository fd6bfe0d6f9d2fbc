"""Per-request bookkeeping as pure functions of an :class:`~pyclawrouter.proxy.exchange.Exchange`: what the
answer's headers and SSE comments say, and the usage line."""

from __future__ import annotations

import asyncio
import json
import math
from typing import TYPE_CHECKING, Any

from pyclawrouter.errors import UserFacingError
from pyclawrouter.proxy.catalog_view import CatalogView
from pyclawrouter.proxy.errors import as_user_error
from pyclawrouter.proxy.outcome import Outcome
from pyclawrouter.proxy.responses import header_safe
from pyclawrouter.upstream.fallback import Success
from pyclawrouter.usage.log import UsageRecord

if TYPE_CHECKING:
    from pyclawrouter.proxy.exchange import Exchange

PAYMENT_FAILED = "> **⚠️ Payment failed** — answered by the free model instead of {model}.\n\n"


def usage_of(body: bytes) -> dict[str, Any] | None:
    if b'"usage"' not in body:
        return None
    try:
        usage = json.loads(body).get("usage")
    except (ValueError, AttributeError):
        return None
    return usage if isinstance(usage, dict) else None


def cost_and_savings(state: Exchange, success: Success) -> tuple[float, float]:
    decision = state.decision
    paid = state.paid
    cost = paid if paid > 0 else (decision.cost_estimate if success.model == decision.model else 0.0)
    baseline = float(decision.baseline_cost or 0.0)
    return cost, (max(0.0, 1 - cost / baseline) if baseline > 0 else 0.0)


def answer_headers(state: Exchange, success: Success, debug: bool) -> dict[str, str]:
    decision = state.decision
    cost, savings = cost_and_savings(state, success)
    headers = {"x-clawrouter-request-id": state.request_id, "x-clawrouter-cost": f"{cost:.6f}",
               "x-clawrouter-savings": f"{round(savings * 100)}%", **state.headers}
    if debug:
        headers.update({
            "x-clawrouter-profile": header_safe(decision.profile),
            "x-clawrouter-tier": header_safe(state.tier),
            "x-clawrouter-model": header_safe(success.model),
            "x-clawrouter-confidence": f"{float(decision.confidence):.2f}",
            "x-clawrouter-reasoning": header_safe(decision.reasoning),
            "x-clawrouter-agentic-score": f"{decision.agentic_score:.2f}",
        })
    return headers


def stream_prelude(state: Exchange, success: Success, debug: bool) -> bytes:
    """The routing decision as an SSE comment, then any notice as the first content chunk."""
    decision = state.decision
    out = b""
    if debug:
        line = (f": x-clawrouter-debug profile={decision.profile} tier={state.tier} model={success.model} "
                f"agentic={decision.agentic_score:.2f} "
                f"confidence={float(decision.confidence):.2f} reasoning={' '.join(str(decision.reasoning).split())}")
        out += line.encode("utf-8") + b"\n\n"
    notices = list(state.notices)
    if success.payment_fallback:
        notices.append(PAYMENT_FAILED.format(model=state.chain[0]))
    if notices:
        chunk = {**_chunk_identity(success.first_chunk), "object": "chat.completion.chunk",
                 "choices": [{"index": 0, "delta": {"role": "assistant", "content": "".join(notices)},
                              "finish_reason": None}]}
        out += b"data: " + json.dumps(chunk, ensure_ascii=False).encode("utf-8") + b"\n\n"
    return out


def stream_trailer(state: Exchange, success: Success) -> bytes:
    cost, savings = cost_and_savings(state, success)
    return f": cost=${cost:.6f} savings={round(savings * 100)}% model={success.model} tier={state.tier}\n\n".encode()


def failed_outcome(exc: BaseException) -> Outcome:
    if isinstance(exc, asyncio.CancelledError):
        return Outcome(status=499, note="client disconnected")
    error = as_user_error(exc)
    note = error.message if isinstance(exc, UserFacingError) else type(exc).__name__
    return Outcome(status=error.http_status, error=error, note=note)


def usage_record(state: Exchange, models: CatalogView, outcome: Outcome, *, cache: str | None) -> UsageRecord:
    import time

    paid = state.paid
    decision = state.decision
    success = outcome.success
    model = success.model if success is not None else (state.chain[0] if state.chain else decision.model)
    usage = outcome.usage or {}
    tokens_in = usage.get("prompt_tokens") if isinstance(usage.get("prompt_tokens"), int) else None
    tokens_out = usage.get("completion_tokens") if isinstance(usage.get("completion_tokens"), int) else None
    ok = outcome.status < 400 and cache is None and success is not None
    in_t = tokens_in if tokens_in is not None else decision.input_tokens
    out_t = tokens_out if tokens_out is not None else decision.max_output_tokens
    if not ok:
        # A failed request may still have paid (a signed payment counts whatever came back): that is its cost.
        cost, baseline = paid, 0.0
    elif paid > 0:
        # BlockRun charges up front on the requested output, not on the tokens the answer used, so the
        # baseline is that same charge at the baseline model's rates: cost and baseline share one basis.
        cost = paid
        rate = models.token_cost(model, decision.input_tokens, decision.max_output_tokens)
        base_rate = models.baseline_cost(decision.input_tokens, decision.max_output_tokens)
        baseline = paid * base_rate / rate if rate > 0 else models.baseline_cost(in_t, out_t)
    else:
        cost = 0.0 if models.is_free(model) else models.token_cost(model, in_t, out_t)
        baseline = models.baseline_cost(in_t, out_t)
    error = outcome.note if outcome.status >= 400 else None
    if outcome.error is not None:
        error = outcome.error.message[:500]
    return UsageRecord(
        request_id=state.request_id, model=model, tier=state.log_tier, status=outcome.status,
        latency_ms=int((time.monotonic() - state.started) * 1000), cost=cost, baseline_cost=baseline, paid=paid,
        input_tokens=tokens_in, output_tokens=tokens_out, session=state.session, profile=decision.profile,
        payment_chain=state.payment_chain, error=error, cache=cache,
        payments=tuple(p.to_json() for p in state.spend.payments) if state.spend is not None else (),
        ceiling=state.spend.ceiling if state.spend is not None else None,
        priced_by=state.ctx.live.state.priced_by,
        demoted=state.demoted,
        reasoning=decision.reasoning if decision.profile != "explicit" else None,
        shadow=shadow_record(state, models, model, cost, (in_t, out_t)) if ok else None,
    )


def shadow_record(state: Exchange, models: CatalogView, model: str, cost: float,
                  tokens: tuple[int, int]) -> dict[str, Any] | None:
    """What ``routing.shadow``'s pick would have cost this answered request, on the basis of its real cost:
    the same amount when it is the model that answered; else the gateway's quote for the same request when it
    was paid (BlockRun charges the quote), or the price of the tokens it used when it was not."""
    decision = state.decision
    shadow = decision.shadow_model
    if shadow is None:
        return None
    if shadow == model:
        shadow_cost = cost
    elif state.paid > 0:
        shadow_cost = models.estimate(shadow, decision.input_tokens, decision.max_output_tokens)
    else:
        shadow_cost = 0.0 if models.is_free(shadow) else models.token_cost(shadow, *tokens)
    if not math.isfinite(shadow_cost):
        return None  # the current catalog view has no price for it
    return {"model": shadow, "cost": round(shadow_cost, 8)}


def _chunk_identity(first_chunk: bytes) -> dict[str, Any]:
    """id/created/model of the upstream stream, so the notice chunk looks like part of it."""
    for line in first_chunk.split(b"\n"):
        if line.startswith(b"data:") and b"[DONE]" not in line:
            try:
                data = json.loads(line[5:])
            except ValueError:
                break
            if isinstance(data, dict):
                return {k: data[k] for k in ("id", "created", "model") if k in data}
    return {"id": "chatcmpl-notice", "created": 0, "model": ""}
