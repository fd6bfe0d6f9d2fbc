"""What the stand-in gateway lists and how it quotes: its catalog rows, retired ids, prices and image models.

Derived from the shipped catalog snapshot (the gateway of that date); the quote is written here independently of
the proxy's estimate, so tests comparing the two compare two implementations.
"""

from __future__ import annotations

from typing import Any


def _catalog() -> Any:
    from pyclawrouter.routing.catalog import default_catalog

    return default_catalog()


# Like the gateway of the catalog's snapshot: its free models answer unpaid, and /v1/models lists its chat and
# image models.
FREE_MODELS = frozenset(m.id for m in _catalog().models.values() if m.is_free)
DEFAULT_MODELS = (*_catalog().models, *_catalog().unpriced, *_catalog().image_models)
RETIRED_FREE = ("nvidia/gpt-oss-120b", "nvidia/gpt-oss-20b")
"""Free ids the gateway retired on 2026-09-03; it answers them from a live free model."""


def retired_ids() -> dict[str, str]:
    """Retired id -> the model the gateway answers it with (200, ``model`` naming the other one): the
    catalog's provider-qualified redirects of ids the snapshot no longer lists, and the retired free ids."""
    catalog = _catalog()
    live = set(catalog.models) | set(catalog.unpriced)
    retired = {k: target for k, (target, _) in catalog.redirects.items() if "/" in k and k not in live}
    free = sorted(m.id for m in catalog.models.values() if m.is_free)
    retired.update({old: free[0] for old in RETIRED_FREE if free})
    return retired


def catalog_rows() -> list[dict[str, Any]]:
    """``GET /v1/models`` rows as the gateway writes them (prices in USD per 1M tokens, images per image)."""
    catalog = _catalog()
    rows: list[dict[str, Any]] = []
    for m in catalog.models.values():
        categories = ["chat", *(["vision"] if m.vision else []), *(["reasoning"] if m.reasoning else [])]
        rows.append({"id": m.id, "object": "model", "created": 0, "owned_by": m.id.split("/")[0], "name": m.name,
                     "provider": m.id.split("/")[0], "available": True, "categories": categories,
                     "billing_mode": "free" if m.is_free else "paid",
                     "pricing": {"input": m.input_price, "output": m.output_price, "flat": 0},
                     "context_window": m.context_window, "max_output": m.max_output})
    for image in catalog.image_models.values():
        rows.append({"id": image.id, "object": "model", "created": 0, "owned_by": image.id.split("/")[0],
                     "name": image.name, "provider": image.id.split("/")[0], "available": True,
                     "categories": ["image"], "billing_mode": "flat",
                     "pricing": {"input": 0, "output": 0, "flat": image.price_per_image or 0}})
    return rows


# BlockRun's quote for a chat request, written here independently of the proxy's estimate so that tests
# comparing the two compare two implementations: input tokens at the input price + a tenth of max_tokens
# (clamped to the model's max output) at the output price, +5 %, at least the facilitator's $0.001 and the
# per-chain floor (Base $0.002, Solana $0.001). Amounts in micro-USDC.
OUTPUT_QUOTE_FACTOR = 0.1
MARGIN = 1.05
MIN_PAYMENT = 1000
CHAIN_FLOOR = {"base": 2000, "solana": 1000}
FLAT_FEE = MIN_PAYMENT
"""Every paid request costs at least $0.001 (the facilitator minimum)."""
DEFAULT_PRICE_PER_TOKEN = (1.0, 5.0)
"""(input, output) in micro-USDC per token, i.e. USD per million tokens, for a model the catalog doesn't price."""


def catalog_prices() -> dict[str, tuple[float, float]]:
    return {m.id: (m.input_price, m.output_price) for m in _catalog().models.values()}


def catalog_max_outputs() -> dict[str, int]:
    return {m.id: m.max_output for m in _catalog().models.values()}
IMAGE_PRICE = 40_000
SLOW_IMAGE_MODELS = frozenset({"openai/gpt-image-2", "openai/dall-e-3"})
"""Models the gateway answers with 202 + poll_url (they outlast its inline window)."""
IMAGE_JOB_POLLS = 2
"""Polls a 202 job answers ``in_progress`` before it completes."""
