"""Merging the gateway's live model list over the shipped snapshot (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from pyclawrouter.router import route
from pyclawrouter.routing.catalog import default_catalog
from pyclawrouter.routing.config import RoutingConfig
from pyclawrouter.routing.live import merge, parse_rows


def rows(**overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """Every snapshot chat model listed as it is, with per-id overrides (``None`` leaves the id out)."""
    catalog = default_catalog()
    out = []
    for model_id in catalog.models:
        row = overrides.get(model_id, {"id": model_id})
        if row is not None:
            out.append({"id": model_id, **row})
    for model_id, row in overrides.items():
        if model_id not in catalog.models and row is not None:
            out.append({"id": model_id, **row})
    return out


def test_a_model_the_gateway_no_longer_lists_is_never_routed_to() -> None:
    snapshot = default_catalog()
    primary = RoutingConfig.from_mapping(None).choice("auto", "MEDIUM").chain[0]
    view = merge(snapshot, rows(**{primary: None}))
    assert primary in view.unlisted and primary in view.catalog.models  # kept, so the tier tables still load
    body = {"model": "auto", "messages": [{"role": "user", "content": "Summarize the causes of the French Revolution"
                                           " in three paragraphs, with dates"}]}
    config = RoutingConfig.from_mapping(None, catalog=view.catalog)
    decision = route(body, config=config, excluded=view.unlisted)
    assert primary not in decision.chain


def test_unavailable_rows_count_as_unlisted_and_billing_mode_free_makes_a_model_free() -> None:
    snapshot = default_catalog()
    paid = next(m for m in snapshot.models.values() if not m.is_free)
    view = merge(snapshot, rows(**{paid.id: {"available": False}, snapshot.free_model: None,
                                   "vendor/new-free": {"billing_mode": "free", "context_window": 32000,
                                                       "max_output": 4096}}))
    assert paid.id in view.unlisted
    # the snapshot's free model is gone: another free model takes over the free fallback
    assert view.catalog.free_model != snapshot.free_model and view.catalog.models[view.catalog.free_model].is_free


def test_live_prices_and_limits_replace_the_snapshot_and_flat_pricing_fails_closed() -> None:
    snapshot = default_catalog()
    a, b = [m for m in snapshot.models.values() if not m.is_free][:2]
    view = merge(snapshot, rows(**{a.id: {"pricing": {"input": 0.5, "output": 2.0}, "max_output": 65536,
                                          "context_window": 1_000_000},
                                   b.id: {"billing_mode": "flat", "pricing": {"flat": 0.01}}}))
    live = view.catalog.models[a.id]
    assert (live.input_price, live.output_price, live.max_output, live.context_window) == (0.5, 2.0, 65536, 1_000_000)
    assert b.id not in view.catalog.models and b.id in view.catalog.unpriced


def test_a_new_model_is_an_explicit_choice_only() -> None:
    view = merge(default_catalog(), rows(**{"vendor/brand-new": {"pricing": {"input": 1, "output": 3},
                                                                 "context_window": 200000, "max_output": 8192,
                                                                 "categories": ["chat", "vision"]}}))
    model = view.catalog.models["vendor/brand-new"]
    assert model.vision and not model.tools and not model.agentic
    assert view.catalog.resolve("vendor/brand-new") == "vendor/brand-new"


@pytest.mark.parametrize("document", [{"nope": []}, {"data": "x"}, {"data": [{"no": "id"}]}, "text"])
def test_unusable_lists_are_errors_so_the_last_view_is_kept(document: object) -> None:
    with pytest.raises(ValueError):
        parse_rows(document)


def test_an_empty_list_is_an_error() -> None:
    with pytest.raises(ValueError):
        merge(default_catalog(), [])
