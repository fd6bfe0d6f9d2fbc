"""``POST /v1/chat/completions``, top to bottom.

parse and validate → route → session pin → spend budget → balance pre-check → response cache / in-flight
dedup → fallback loop (paid upstream calls) → stream or JSON back → bookkeeping (usage log, spend, session,
dedup followers, cache). Every step is a call into a module with one job; this file only says in what order.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from pyclawrouter.errors import UserFacingError
from pyclawrouter.ledger.spend import CostCapExceededError
from pyclawrouter.proxy import accounting, budget, cap_stop
from pyclawrouter.proxy.answer_cost import unpriced
from pyclawrouter.proxy.context import ProxyContext
from pyclawrouter.proxy.errors import UnlistedModelError
from pyclawrouter.proxy.exchange import Exchange
from pyclawrouter.proxy.outcome import Outcome
from pyclawrouter.proxy.replay import Replay, request_key
from pyclawrouter.proxy.request import ChatCall, parse_chat_call, read_body
from pyclawrouter.proxy.responses import header_safe, json_response, openai_error
from pyclawrouter.proxy.sessions import session_id
from pyclawrouter.proxy.streaming import StreamResponse
from pyclawrouter.upstream.errors import UpstreamTimeoutError
from pyclawrouter.upstream.fallback import Plan, run
from pyclawrouter.upstream.rewrite import upstream_body

if TYPE_CHECKING:  # the routing core loads in the start-up worker thread
    from pyclawrouter.routing.config import RoutingConfig
    from pyclawrouter.routing.request import ChatRequest
    from pyclawrouter.routing.router import RoutingDecision

# The auto profile switches to the agentic table turn by turn (tools, agentic wording): still one conversation.
_PROFILE_FAMILY = {"agentic": "auto"}
WALLET_EMPTY = "> **⚠️ Wallet empty** — using the free model. Fund your wallet to use {model}.\n\n"
WALLET_SHORT = "> **⚠️ Insufficient balance** (${usd:.2f}) — using the free model instead of {model}.\n\n"


async def chat_completions(request: Request, ctx: ProxyContext) -> Response:
    settings = ctx.settings
    started = time.monotonic()
    request_id = uuid.uuid4().hex[:16]

    # 1. Parse and validate (400 / 413 before anything is spent): the one pass over the messages.
    chat = parse_chat_call(await read_body(request, settings.max_body_bytes), request)
    parsed = chat.request

    # 2. Route: a profile goes through the classifier, an explicit model id (or alias) to that model.
    decision = _route(ctx, chat)
    explicit = decision.profile == "explicit"
    sid = session_id(chat.session_header, parsed.messages)
    key = request_key(chat.raw, stream=chat.stream, session=chat.session_header)
    state = Exchange(ctx=ctx, chat=chat, key=key, request_id=request_id, started=started, decision=decision,
                     session=sid, chain=list(decision.chain) or [decision.model], tier=decision.tier,
                     payment_chain=settings.payment_chain)

    # 3. Session: the pinned model keeps serving a routed conversation while it can take the request; only a
    # higher tier replaces it. What overrides it comes later and is per request: the spend cap (step 4), the
    # wallet (step 5), then demotion by health or outcomes (step 7; cooling models move to the end too).
    if not explicit:
        can_serve = _can_serve(ctx, decision, parsed)
        pinned = ctx.sessions.pin(sid, model=decision.model, tier=decision.tier, chain=state.chain,
                                  messages=parsed.messages, tier_primary=_tier_primary(decision, can_serve,
                                                                                             ctx.routing_config()),
                                  can_serve=can_serve, profile=_PROFILE_FAMILY.get(decision.profile,
                                                                                    decision.profile))
        state.chain, state.tier = pinned.chain, pinned.tier

    # A cached answer costs nothing, so it is served before any budget or balance check.
    cached = None if chat.skip_cache else ctx.cache.get(key)
    if cached is not None:
        state.log(Outcome(status=cached.status), cache="hit")
        return _replay(cached, "hit")

    catalog = ctx.live.state  # one consistent view of prices and availability for the whole request
    unlisted_explicit = explicit and decision.model in catalog.unlisted
    if unlisted_explicit and not settings.allow_unlisted_models:
        raise UnlistedModelError(decision.model, catalog.models.catalog, catalog.unlisted)

    def estimate(model: str) -> float:
        if unlisted_explicit and model == decision.model and ctx.deps.payer is not None:
            return ctx.deps.payer.policy.hard_cap_usd  # no price the gateway stands by: assume the most we pay
        return catalog.models.estimate(model, decision.input_tokens, decision.max_output_tokens)

    # 4. Spend budget for this session (strict: 429 now; graceful: cheaper chain plus a notice). From here on
    # every payment is counted in ``state.spend``; a refusal is logged like any other outcome.
    cap = settings.max_cost_per_run
    try:
        plan = budget.plan(ctx.ledger, settings.max_cost_per_run_mode, sid, state.chain, estimate, cap=cap,
                           free_model=ctx.models.free_model, explicit=explicit, tools=parsed.has_tools)
    except UserFacingError as exc:
        state.log(accounting.failed_outcome(exc))
        if isinstance(exc, CostCapExceededError) and chat.in_chat:
            return cap_stop.answer(exc, stream=chat.stream, model=decision.model, request_id=request_id)
        raise
    state.chain = plan.chain
    state.notices += plan.notices
    state.headers.update(plan.headers)
    state.spend = ctx.ledger.open(sid, request_id, cap=cap, hold=plan.hold,
                                  ceiling=_request_ceiling(ctx, state.chain, estimate))

    # 5. Wallet balance pre-check (time-bounded): an empty or short wallet goes to the free model, visibly.
    free = ctx.models.free_model
    if free and state.chain[0] != free:
        verdict = await ctx.balance.check(estimate(state.chain[0]))
        if not verdict.sufficient:
            template = WALLET_EMPTY if verdict.empty else WALLET_SHORT
            state.notices.append(template.format(model=state.chain[0], usd=float(verdict.usd or 0)))
            state.chain = [free]

    # 6. In-flight dedup: an identical request already being answered shares that answer.
    leader_result = ctx.inflight.join(key)
    if leader_result is not None:
        state.spend.close()
        replay = await _follow(leader_result, settings.request_timeout_s)
        state.log(Outcome(status=replay.status if replay else 503), cache="dedup")
        if replay is None:
            return openai_error(503, "The identical request this one waited for failed; please retry",
                                type_="dedup_origin_failed", code="dedup_origin_failed")
        return _replay(replay, "dedup")

    # 7. The fallback loop over the chain, with paid upstream calls. Demotion comes last of the rules (after
    # the spend cap, availability and the pin) and only reorders this request's chain: models the gateway's
    # health rows mark slow or failing go to the back now, and models that keep failing this kind of request
    # go behind them in the loop (``Cooldowns.order``); the answer says which, and why.
    kind = "tools" if parsed.has_tools else "chat"
    by_health = ctx.health.order(state.chain, settings.max_attempts)
    state.chain = by_health.chain
    demoted = [(m, "outcomes") for m in ctx.cooldowns.demoted_in(state.chain, kind)]
    demoted += [(m, "health") for m in by_health.demoted]
    if demoted:
        state.demoted = tuple({"model": m, "reason": why} for m, why in demoted)
        state.headers["x-clawrouter-demoted"] = header_safe(", ".join(f"{m};reason={why}" for m, why in demoted))
    attempt_plan = Plan(
        url=f"{settings.api_base}/v1/chat/completions",
        chain=state.chain,
        stream=chat.stream,
        body_for=lambda model: upstream_body(chat.body, parsed.messages, model,
                                             max_tokens=decision.max_output_tokens,
                                             max_output=ctx.models.facts(model).max_output, stream=chat.stream),
        estimate_for=estimate,
        timeout_for=lambda model: settings.reasoning_attempt_timeout_s if ctx.models.facts(model).reasoning
        else settings.attempt_timeout_s,
        deadline=started + settings.request_timeout_s,
        free_model=free,
        strict_budget=settings.max_cost_per_run_mode == "strict",
        spend=state.spend,
        is_free=ctx.models.is_free,
        max_attempts=settings.max_attempts,
        kind=kind,
    )

    # 8. Answer: real streaming, or JSON with the x-clawrouter-* headers. Either way ``state.finish`` books it.
    if chat.stream:
        return StreamResponse(lambda: run(attempt_plan, ctx.upstream, ctx.cooldowns), state)
    outcome = Outcome(status=500, note="cancelled")
    try:
        success = await run(attempt_plan, ctx.upstream, ctx.cooldowns)
        outcome = state.json_outcome(success)
    except CostCapExceededError as exc:  # a payment of this request was declined by the cap
        outcome = accounting.failed_outcome(exc)
        if not chat.in_chat:
            raise
        return cap_stop.answer(exc, stream=False, model=decision.model, request_id=request_id, paid=state.paid)
    except BaseException as exc:
        outcome = accounting.failed_outcome(exc)
        raise
    finally:
        state.finish(outcome)
    return Response(outcome.recorded, status_code=200, media_type="application/json", headers=outcome.headers)


def _request_ceiling(ctx: ProxyContext, chain: list[str], estimate: Callable[[str], float]) -> float:
    """The most this request may pay across all its attempts: the payer's ceiling for its dearest model."""
    payer = ctx.deps.payer
    if payer is None:
        return 0.0
    return max(payer.ceiling_for(estimate(model)) for model in chain)


async def _follow(future: asyncio.Future[Replay | None], timeout: float) -> Replay | None:
    try:
        return await asyncio.wait_for(asyncio.shield(future), timeout)
    except TimeoutError:
        raise UpstreamTimeoutError("Timed out waiting for an identical request in flight") from None


def _replay(replay: Replay, how: str) -> Response:
    headers = dict(replay.headers)
    headers["x-clawrouter-cache"] = how
    if "x-clawrouter-cost" in headers:
        headers["x-clawrouter-cost"] = "0.000000"  # this answer was not paid for again
    return Response(unpriced(replay.body), status_code=replay.status, media_type=replay.media_type, headers=headers)


def _route(ctx: ProxyContext, chat: ChatCall) -> RoutingDecision:
    # Bad bodies and unknown models raise BadRequestErrors (400, naming close matches) that the app answers.
    # Ids the gateway no longer lists are never routed to: it would answer them from another model.
    unlisted = ctx.live.state.unlisted
    excluded = ctx.settings.exclude_models
    return ctx.deps.route(chat.request, config=ctx.routing_config(),
                          excluded=unlisted.union(excluded) if unlisted else excluded)


def _can_serve(ctx: ProxyContext, decision: RoutingDecision, chat: ChatRequest) -> Callable[[str], bool]:
    """Whether a model can take this request: tools, images, context window, listed, and not excluded."""
    tools, vision = chat.has_tools, chat.has_images
    tokens = decision.input_tokens + decision.max_output_tokens
    excluded = ctx.models.catalog.canonical_ids(ctx.settings.exclude_models)

    def can_serve(model: str) -> bool:
        return model not in excluded and ctx.models.capable(model, tools=tools, vision=vision, tokens=tokens)

    return can_serve


def _tier_primary(decision: RoutingDecision, can_serve: Callable[[str], bool],
                  config: RoutingConfig) -> Callable[[str], str | None]:
    """For 3-strike escalation: the first model of a higher tier that can take this request."""

    def primary(tier: str) -> str | None:
        return next((m for m in config.choice(decision.profile, tier).chain if can_serve(m)), None)

    return primary


__all__ = ["chat_completions", "json_response"]
