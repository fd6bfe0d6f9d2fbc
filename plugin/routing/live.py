"""The gateway's live model list merged over the shipped snapshot (pure: the proxy fetches, this decides).

Rules, from what the gateway does today:

- A row of ``GET /v1/models`` may carry ``available``, ``billing_mode`` (``paid`` | ``free`` | ``flat``),
  ``pricing`` ``{input, output, flat}`` in USD per 1M tokens (older rows: ``inputPrice``/``outputPrice``),
  ``context_window``, ``max_output`` and ``categories``; a missing field keeps the snapshot's value.
- Ids the list does not name, or marks unavailable, are *unlisted*: never routed to, because the gateway
  answers a retired id with a 200 from another model. They stay in the catalog so the tier tables still load;
  the router gets them as exclusions.
- ``billing_mode: free`` makes a model free (the free fallback comes from there); a ``flat`` model, or a row
  with no price the snapshot knows, has no known price and cannot be routed to (the cost cap cannot check it).
- A model the snapshot does not know becomes an explicit choice only: no tools, not agentic, until our data
  marks it so.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyclawrouter.routing.catalog import Catalog, Model, UnpricedModel

NON_CHAT = frozenset({"image", "music", "video", "audio", "embedding"})


@dataclass(frozen=True)
class LiveView:
    catalog: Catalog
    unlisted: frozenset[str]
    """Snapshot ids the gateway no longer serves (or marks unavailable): never routed to."""
    listed: frozenset[str]
    """Every id the live list names as available."""


def parse_rows(document: object) -> list[dict[str, Any]]:
    """The rows of a ``/v1/models`` answer (``{"data": [...]}``, ``{"models": [...]}`` or a bare list)."""
    rows = document
    if isinstance(document, dict):
        rows = document.get("data", document.get("models"))
    if not isinstance(rows, list):
        raise ValueError("the model list has no 'data' array")
    parsed = [row for row in rows if isinstance(row, dict) and isinstance(row.get("id"), str) and row["id"]]
    if rows and not parsed:
        raise ValueError("the model list has no usable rows")
    return parsed


def merge(snapshot: Catalog, rows: Iterable[Mapping[str, Any]]) -> LiveView:
    models: dict[str, Model] = dict(snapshot.models)
    unpriced: dict[str, UnpricedModel] = dict(snapshot.unpriced)
    listed: set[str] = set()
    for row in rows:
        model_id = str(row["id"]).strip().lower()
        if row.get("available") is False:
            continue
        listed.add(model_id)
        if model_id in snapshot.image_models or model_id in snapshot.media_ids or _non_chat(row):
            continue
        known = models.get(model_id)
        prices = _prices(row)
        context = _positive_int(row.get("context_window"))
        max_output = _positive_int(row.get("max_output"))
        if known is not None:
            if prices == "unpriced":
                models.pop(model_id)
                unpriced[model_id] = UnpricedModel(model_id, known.name, context or known.context_window,
                                                   max_output or known.max_output, known.vision, known.reasoning,
                                                   known.tools)
                continue
            changes: dict[str, Any] = {}
            if isinstance(prices, tuple):
                changes["input_price"], changes["output_price"] = prices
                changes["price_date"] = None  # priced live, not by the snapshot
            if context:
                changes["context_window"] = context
            if max_output:
                changes["max_output"] = min(max_output, changes.get("context_window", known.context_window))
            models[model_id] = dataclasses.replace(known, **changes) if changes else known
            continue
        old = unpriced.get(model_id)
        context = context or (old.context_window if old else 0)
        max_output = max_output or (old.max_output if old else 0)
        name = str(row.get("name") or (old.name if old else model_id))
        vision = "vision" in _categories(row) or bool(old and old.vision)
        reasoning = "reasoning" in _categories(row) or bool(old and old.reasoning)
        if isinstance(prices, tuple) and context > 0:
            unpriced.pop(model_id, None)
            # Not in our data: an explicit choice only (tools and agentic stay off until our data says so).
            models[model_id] = Model(model_id, name, prices[0], prices[1], context, min(max_output or context, context),
                                     vision=vision, reasoning=reasoning)
        elif model_id not in models:
            unpriced[model_id] = UnpricedModel(model_id, name, context, max_output, vision, reasoning,
                                               bool(old and old.tools))
    if not listed:
        raise ValueError("the live model list is empty")
    unlisted = frozenset(m for m in models if m not in listed)
    free_model = snapshot.free_model
    if free_model in unlisted or not models[free_model].is_free:
        free_model = next((m for m in sorted(models) if m not in unlisted and models[m].is_free), free_model)
    catalog = Catalog(models, snapshot.image_models, snapshot.profile_entries, _aliases(snapshot, models),
                      dict(snapshot.redirects), free_model, snapshot.baseline_model,
                      snapshot_date=snapshot.snapshot_date, unpriced=unpriced, media_ids=snapshot.media_ids)
    return LiveView(catalog=catalog, unlisted=unlisted, listed=frozenset(listed))


def _aliases(snapshot: Catalog, models: Mapping[str, Model]) -> dict[str, str]:
    known = set(models) | set(snapshot.image_models) | snapshot.profiles
    return {alias: target for alias, target in snapshot.aliases.items() if target in known}


def _non_chat(row: Mapping[str, Any]) -> bool:
    categories = _categories(row)
    return bool(categories) and "chat" not in categories and bool(categories & NON_CHAT)


def _categories(row: Mapping[str, Any]) -> set[str]:
    raw = row.get("categories")
    return {str(c).lower() for c in raw} if isinstance(raw, list) else set()


def _prices(row: Mapping[str, Any]) -> tuple[float, float] | str | None:
    """(input, output) USD per 1M tokens; ``"unpriced"`` when the row says it has no token price; None: silent."""
    mode = row.get("billing_mode")
    if mode == "free":
        return 0.0, 0.0
    if mode == "flat":
        return "unpriced"  # a per-request price the token estimate cannot express: fail closed
    pricing = row.get("pricing") if isinstance(row.get("pricing"), dict) else {}
    assert isinstance(pricing, dict)
    values = (pricing.get("input", row.get("inputPrice")), pricing.get("output", row.get("outputPrice")))
    if values == (None, None):
        return None
    numbers = tuple(_price(v) for v in values)
    if numbers[0] is None or numbers[1] is None:
        return "unpriced"
    return numbers[0], numbers[1]


def _price(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _positive_int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
