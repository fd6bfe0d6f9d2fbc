"""Turn classifier scores into a tier and a confidence.

Two rules keep the mapping monotonic (a higher score never yields a lower tier): complexity maps to
SIMPLE < MEDIUM < COMPLEX through fixed ascending boundaries, and a reasoning score at or above its threshold
means REASONING whatever the complexity. There is no "ambiguous, fall back to MEDIUM" band: low confidence is
reported, not acted on. Overrides only ever raise the tier.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from pyclawrouter.routing.classifier import Scores
from pyclawrouter.routing.keywords import Scoring
from pyclawrouter.routing.names import TIERS

_RANK = {tier: rank for rank, tier in enumerate(TIERS)}


class TierVerdict(NamedTuple):
    tier: str
    confidence: float
    notes: tuple[str, ...] = ()


def tier_for(scores: Scores, scoring: Scoring) -> tuple[str, float]:
    """Tier and the distance (in score units) to the nearest boundary that would change it."""
    c, r = scores.complexity, scores.reasoning
    if r >= scoring.reasoning_threshold:
        return "REASONING", r - scoring.reasoning_threshold
    if c < scoring.simple_max:
        tier, distance = "SIMPLE", scoring.simple_max - c
    elif c < scoring.medium_max:
        tier, distance = "MEDIUM", min(c - scoring.simple_max, scoring.medium_max - c)
    else:
        tier, distance = "COMPLEX", c - scoring.medium_max
    return tier, min(distance, scoring.reasoning_threshold - r)


def decide_tier(
    scores: Scores, scoring: Scoring, *, input_tokens: int = 0, structured_output: bool = False
) -> TierVerdict:
    tier, distance = tier_for(scores, scoring)
    confidence = 1.0 / (1.0 + math.exp(-scoring.confidence_steepness * distance))
    notes: list[str] = []
    if input_tokens > scoring.force_complex_tokens and _RANK[tier] < _RANK["COMPLEX"]:
        tier = "COMPLEX"
        confidence = 0.95
        notes.append(f"input ~{input_tokens} tokens > {scoring.force_complex_tokens}: at least COMPLEX")
    if structured_output and tier == "SIMPLE":
        tier = "MEDIUM"
        notes.append("response_format asks for JSON: at least MEDIUM")
    return TierVerdict(tier, round(confidence, 3), tuple(notes))


def difficulty(scores: Scores, scoring: Scoring) -> float:
    """One number ordering requests by how capable a model they need (for ranking and benchmarks; routing uses
    the tier). Complexity, except that a request past the reasoning threshold counts at least as hard as the
    easiest COMPLEX one. Reasoning markers below the threshold add nothing: on their own (a number, "how
    many") they do not predict that a weaker model fails."""
    if scores.reasoning >= scoring.reasoning_threshold:
        return max(scores.complexity, scoring.medium_max) + scores.reasoning - scoring.reasoning_threshold
    return scores.complexity
