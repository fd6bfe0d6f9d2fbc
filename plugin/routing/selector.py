"""Build the fallback chain a request can actually use, and price it.

Filters, in order: the exclude list, images (vision), context window, tools. Exclusions, images and context
are hard requirements: when nothing survives, :class:`NoModelFitsError` says why and what would fit. Tools are
soft: if no model in the chain can call tools the chain is kept as is (the model answers in text), since
OpenClaw attaches tools to every turn.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from typing import NamedTuple

from pyclawrouter.routing.catalog import Catalog, Model, default_catalog
from pyclawrouter.routing.errors import NoModelFitsError

DEFAULT_MAX_OUTPUT_TOKENS = 4096
# The input estimate is characters / 4; leave room for it being low before trusting a context window.
CONTEXT_MARGIN = 1.1


class Requirements(NamedTuple):
    input_tokens: int
    max_output_tokens: int
    has_tools: bool = False
    has_images: bool = False


def build_chain(
    candidates: Iterable[str],
    needs: Requirements,
    *,
    catalog: Catalog,
    excluded: Collection[str] = (),
    deprioritize_with_tools: Collection[str] = (),
    label: str = "the chain",
) -> tuple[list[str], list[str]]:
    """The usable models of ``candidates`` in order, and notes on what was dropped or moved."""
    chain = list(dict.fromkeys(candidates))
    notes: list[str] = []
    if excluded:
        kept = [m for m in chain if m not in excluded]
        if not kept:
            raise NoModelFitsError(
                f"Every model of {label} is on your exclude list ({', '.join(chain)}). "
                "Remove one of them from the exclude list (/exclude) or choose another profile or model."
            )
        _note_dropped(notes, chain, kept, "excluded")
        chain = kept

    models = [catalog.get(m) for m in chain]
    if needs.has_images:
        kept_models = [m for m in models if m.vision]
        if not kept_models:
            vision = sorted((m for m in catalog.models.values() if m.vision), key=lambda m: m.input_price)[:3]
            raise NoModelFitsError(
                f"The request contains images but no model of {label} accepts images ({', '.join(chain)}). "
                f"Use a vision model such as {', '.join(m.id for m in vision)}, or send text only."
            )
        _note_dropped(notes, chain, [m.id for m in kept_models], "no image input")
        models = kept_models

    fitting = models if fits_every_model(needs, catalog) else [m for m in models if _fits(m, needs)]
    if not fitting:
        need = _needed_tokens(max(models, key=lambda m: m.context_window), needs)
        largest = max(catalog.models.values(), key=lambda m: m.context_window)
        raise NoModelFitsError(
            f"The request needs about {need:,} tokens of context (input ~{needs.input_tokens:,} + output up to "
            f"{needs.max_output_tokens:,}), more than any model of {label} holds "
            f"(largest: {max(m.context_window for m in models):,}). Shorten the conversation, lower "
            f"max_tokens, or use a long-context model such as {largest.id} ({largest.context_window:,} tokens)."
        )
    _note_dropped(notes, [m.id for m in models], [m.id for m in fitting], "context too small")
    models = fitting

    if needs.has_tools:
        capable = [m for m in models if m.tools]
        if capable:
            _note_dropped(notes, [m.id for m in models], [m.id for m in capable], "no tool calling")
            # Keep the unreliable ones as a last resort rather than losing them.
            reliable = [m for m in capable if m.id not in deprioritize_with_tools]
            if reliable and len(reliable) < len(capable):
                moved = [m for m in capable if m.id in deprioritize_with_tools]
                notes.append(f"moved to the end for tool use: {', '.join(m.id for m in moved)}")
                capable = reliable + moved
            models = capable
        else:
            notes.append("no model of the chain calls tools; kept as is")
    return [m.id for m in models], notes


def fits_every_model(needs: Requirements, catalog: Catalog) -> bool:
    """True when even the smallest context window in the catalog holds the request."""
    return math.ceil(needs.input_tokens * CONTEXT_MARGIN) + needs.max_output_tokens <= catalog.min_context_window


def _needed_tokens(model: Model, needs: Requirements) -> int:
    output = min(needs.max_output_tokens, model.max_output)
    return math.ceil(needs.input_tokens * CONTEXT_MARGIN) + output


def _fits(model: Model, needs: Requirements) -> bool:
    return _needed_tokens(model, needs) <= model.context_window


def _note_dropped(notes: list[str], before: list[str], after: list[str], why: str) -> None:
    if len(after) < len(before):
        kept = set(after)
        notes.append(f"dropped ({why}): {', '.join(m for m in before if m not in kept)}")


class CostEstimate(NamedTuple):
    cost: float
    baseline: float
    savings: float


def price(
    model_id: str, input_tokens: int, output_tokens: int, *, catalog: Catalog, premium: bool = False
) -> CostEstimate:
    """Cost on ``model_id``, the same tokens on the baseline model, and the fraction saved (0 for premium,
    which is chosen for quality, not price)."""
    cost = catalog.estimate_cost(model_id, input_tokens, output_tokens)
    baseline = catalog.estimate_cost(catalog.baseline_model, input_tokens, output_tokens)
    savings = 0.0 if premium or baseline <= 0 else max(0.0, (baseline - cost) / baseline)
    return CostEstimate(cost, baseline, savings)


def estimate_request_cost(
    model_id: str,
    input_tokens: int,
    max_output_tokens: int | None,
    *,
    catalog: Catalog | None = None,
    payment_chain: str = "base",
) -> float:
    """USD to reserve for one request, for budget caps and payment ceilings: the gateway's own quote.

    ``max_output_tokens`` is what the request allows (the model's max output when not given); the quote prices
    a tenth of it, capped at the model's max output, plus the gateway's margin and floors
    (:meth:`Model.quote`). Free models cost nothing and return 0. Raises UnknownModelError for an unknown id.
    """
    model = (catalog or default_catalog()).get(model_id)
    return model.quote(input_tokens, max_output_tokens or model.max_output, payment_chain=payment_chain)
