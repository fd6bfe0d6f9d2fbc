"""``route(body)``: which model serves a chat-completions request, what it should cost, and what to fall back to.

The pipeline, top to bottom: parse and validate the body (or take the :class:`ChatRequest` the proxy already
parsed) -> find the user's words -> score them -> tier ->
profile's tier table -> filter the chain for what the request needs -> price it. Pure: no I/O, no state beyond
the cached read-only catalog, vocabulary and default tables.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pyclawrouter.routing.catalog import TABLE_PROFILES
from pyclawrouter.routing.classifier import Contribution, Scores, classify
from pyclawrouter.routing.config import RoutingConfig
from pyclawrouter.routing.errors import InvalidRequestError, UnknownModelError
from pyclawrouter.routing.keywords import default_vocabulary
from pyclawrouter.routing.names import PROFILES, TIERS
from pyclawrouter.routing.request import ChatRequest, parse_request
from pyclawrouter.routing.scoring import TierVerdict, decide_tier, difficulty
from pyclawrouter.routing.selector import (
    DEFAULT_MAX_OUTPUT_TOKENS,
    Requirements,
    build_chain,
    fits_every_model,
    price,
)
from pyclawrouter.routing.shadow import shadow_model

__all__ = ["RoutingDecision", "route"]


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    tier: str  # SIMPLE | MEDIUM | COMPLEX | REASONING: the classifier's verdict, whatever the profile
    model: str  # chain[0]
    chain: list[str]  # model first, then fallbacks; already filtered for tools, images, context, excludes
    profile: str  # auto | eco | premium | free | agentic | explicit
    confidence: float
    reasoning: str
    cost_estimate: float  # USD, input_tokens + max_output_tokens on `model`
    # (max_output_tokens: the client's max_completion_tokens / max_tokens, default 4096, capped at the model's)
    baseline_cost: float  # USD, the same tokens on the catalog's baseline model (Claude Opus)
    savings: float  # fraction 0..1 saved against the baseline; 0 for premium
    agentic: bool
    agentic_score: float
    input_tokens: int
    max_output_tokens: int
    complexity_score: float = 0.0
    reasoning_score: float = 0.0
    difficulty: float = 0.0  # one number ordering requests by how capable a model they need
    shadow_model: str | None = None  # what routing.shadow would have picked (never called); None without one

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def route(
    body: Mapping[str, Any] | ChatRequest,
    profile: str | None = None,
    *,
    config: RoutingConfig | None = None,
    excluded: Collection[str] = (),
) -> RoutingDecision:
    """Route one chat-completions request. ``profile`` overrides the profile ``body["model"]`` names.

    ``body`` is the request as the client sent it, or the :class:`ChatRequest` :func:`parse_request` made of it
    (the proxy parses once and routes that).

    Raises InvalidRequestError (not a chat request), UnknownModelError (unknown model or profile) and
    NoModelFitsError (nothing in the chain can take the request).
    """
    cfg = config or RoutingConfig.default()
    catalog = cfg.catalog
    request = body if isinstance(body, ChatRequest) else parse_request(body)
    vocabulary = default_vocabulary()
    scores = classify(request.user_text, tool_loop=request.tool_loop, vocabulary=vocabulary)
    verdict = decide_tier(
        scores, vocabulary.scoring, input_tokens=request.input_tokens, structured_output=request.structured_output
    )
    agentic = scores.agentic >= vocabulary.scoring.agentic_threshold
    previous = ""
    if verdict.tier == "SIMPLE" and _is_bare_follow_up(scores, request.user_text):
        previous = request.previous_user_text()
    if previous:
        # "yes, go ahead" continues the previous request: it needs that request's tier, not a chit-chat model.
        earlier = classify(previous, vocabulary=vocabulary)
        before = decide_tier(earlier, vocabulary.scoring, input_tokens=request.input_tokens)
        if TIERS.index(before.tier) > TIERS.index(verdict.tier):
            note = f"short follow-up: keeps the previous request's tier {before.tier}"
            verdict = TierVerdict(before.tier, before.confidence, (*verdict.notes, note))
        agentic = agentic or earlier.agentic >= vocabulary.scoring.agentic_threshold

    explicit: str | None = None
    shadow: str | None = None
    if profile is not None:
        chosen = _profile(profile, catalog.resolve)
    else:
        target = catalog.resolve(request.model) if request.model else cfg.default_profile
        if target in catalog.profiles or target in TABLE_PROFILES:
            chosen = target
        elif target in catalog.models:
            chosen, explicit = "explicit", target
        else:
            raise InvalidRequestError(
                f"{request.model!r} is an image model; send it to /v1/images/generations, not chat completions."
            )

    max_output = request.max_output_tokens or DEFAULT_MAX_OUTPUT_TOKENS
    needs = Requirements(request.input_tokens, max_output, request.has_tools, request.has_images)
    if explicit is not None:
        # The user named the model: no fallbacks to other models, and their exclude list does not apply.
        chain, notes = build_chain([explicit], needs, catalog=catalog, label=f"the requested model {explicit}")
    else:
        table = "agentic" if chosen == "auto" and agentic else chosen
        if not excluded and not needs.has_images and fits_every_model(needs, catalog):
            plain, plain_notes = cfg.plain_chain(table, verdict.tier, needs.has_tools)
            chain, notes = list(plain), list(plain_notes)
        else:
            chain, notes = build_chain(
                cfg.choice(table, verdict.tier).chain,
                needs,
                catalog=catalog,
                excluded=catalog.canonical_ids(excluded) if excluded else frozenset(),
                deprioritize_with_tools=cfg.unreliable_with_tools,
                label=f"the {table} {verdict.tier} chain",
            )
        chosen = table
        shadow_candidates = cfg.shadow_candidates(table, verdict.tier, agentic)
        if shadow_candidates is not None:
            shadow = shadow_model(shadow_candidates, needs, catalog=catalog,
                                  excluded=catalog.canonical_ids(excluded) if excluded else (),
                                  deprioritize_with_tools=cfg.unreliable_with_tools)
    # A model never writes more than its own max output, however much the client allows (OpenClaw may pass
    # the profile's advertised 128K): estimating with more would inflate cost and budget checks for nothing.
    max_output = min(max_output, catalog.get(chain[0]).max_output)
    cost = price(chain[0], request.input_tokens, max_output, catalog=catalog, premium=chosen == "premium")
    return RoutingDecision(
        tier=verdict.tier,
        model=chain[0],
        chain=chain,
        profile=chosen,
        confidence=verdict.confidence,
        reasoning=_explain(scores, verdict.notes, notes, chosen, agentic),
        cost_estimate=round(cost.cost, 6),
        baseline_cost=round(cost.baseline, 6),
        savings=round(cost.savings, 4),
        agentic=agentic,
        agentic_score=round(scores.agentic, 3),
        input_tokens=request.input_tokens,
        max_output_tokens=max_output,
        complexity_score=round(scores.complexity, 3),
        reasoning_score=round(scores.reasoning, 3),
        difficulty=round(difficulty(scores, vocabulary.scoring), 3),
        shadow_model=shadow,
    )


# A short follow-up ("do it", "and for twin primes?") is read in the previous turn's light, unless it is
# plainly chit-chat or a lookup of its own ("thanks!", "what is a monad?").
_FOLLOW_UP_MAX_CHARS = 80
_STANDALONE = frozenset({"greeting", "lookup", "trivial_edit"})


def _is_bare_follow_up(scores: Scores, text: str) -> bool:
    return len(text) <= _FOLLOW_UP_MAX_CHARS and not any(c.dimension in _STANDALONE for c in scores.contributions)


def _profile(name: object, resolve: Callable[[str], str]) -> str:
    resolved: str | None = None
    if isinstance(name, str):
        try:
            resolved = resolve(name)
        except UnknownModelError:
            resolved = None
    if resolved not in PROFILES and resolved not in TABLE_PROFILES:
        allowed = ", ".join(sorted({*PROFILES, *TABLE_PROFILES}))
        raise InvalidRequestError(f"Unknown routing profile {name!r}; allowed: {allowed}.")
    return resolved


def _explain(scores: Scores, tier_notes: tuple[str, ...], chain_notes: list[str], profile: str, agentic: bool) -> str:
    head = f"complexity={scores.complexity:.2f} reasoning={scores.reasoning:.2f} agentic={scores.agentic:.2f}"
    signals = "; ".join(map(Contribution.describe, scores.contributions)) or "no signals"
    parts = [head, signals, *tier_notes]
    if profile == "agentic" and agentic:
        parts.append("agentic intent: agentic tier table")
    parts.extend(chain_notes)
    return " | ".join(parts)
