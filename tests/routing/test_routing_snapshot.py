"""The shipped data files agree with the gateway snapshot they were chosen from: every model a tier table, alias
or redirect names is listed and priced, and each tier keeps its role."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyclawrouter.routing.catalog import default_catalog
from pyclawrouter.routing.config import TABLES, TIERS, RoutingConfig, load_tier_tables
from pyclawrouter.routing.errors import CatalogError

CATALOG = default_catalog()
CONFIG = RoutingConfig.default()
PACKAGED_TIERS = Path(__file__).resolve().parents[2] / "plugin" / "data" / "tiers.toml"
CHOICES = [(table, tier) for table in TABLES for tier in TIERS]


def _routed_ids() -> dict[str, str]:
    """Every id the data files route to, with where it is named."""
    named: dict[str, str] = {}
    for table, tier in CHOICES:
        for model_id in CONFIG.choice(table, tier).chain:
            named.setdefault(model_id, f"tiers [{table}.{tier}]")
    for alias, target in CATALOG.aliases.items():
        if target not in CATALOG.profiles:  # profile aliases ("router") name no model
            named.setdefault(target, f"alias {alias!r}")
    for old, (target, _reason) in CATALOG.redirects.items():
        named.setdefault(target, f"redirect {old!r}")
    for model_id in CONFIG.unreliable_with_tools:
        named.setdefault(model_id, "tool_requests.unreliable")
    named.setdefault(CATALOG.free_model, "settings.free_model")
    named.setdefault(CATALOG.baseline_model, "settings.baseline_model")
    return named


def test_everything_the_data_files_name_is_listed_in_the_snapshot() -> None:
    unlisted = {m: where for m, where in _routed_ids().items() if m not in CATALOG.listed}
    assert unlisted == {}


def test_everything_routed_to_has_a_price() -> None:
    unpriced = {m: where for m, where in _routed_ids().items()
                if m not in CATALOG.models and m not in CATALOG.image_models}
    assert unpriced == {}


def test_redirects_only_cover_ids_the_gateway_no_longer_lists() -> None:
    lowered = {m.lower() for m in CATALOG.listed}
    assert [old for old in CATALOG.redirects if old.lower() in lowered] == []


@pytest.mark.parametrize(("table", "tier"), CHOICES)
def test_tier_choices_use_prices_confirmed_on_the_snapshot_date(table: str, tier: str) -> None:
    stale = [m for m in CONFIG.choice(table, tier).chain if CATALOG.get(m).price_date != CATALOG.snapshot_date]
    assert stale == []


@pytest.mark.parametrize(("table", "tier"), CHOICES)
def test_every_chain_ends_with_a_free_model(table: str, tier: str) -> None:
    assert CATALOG.get(CONFIG.choice(table, tier).chain[-1]).is_free


@pytest.mark.parametrize("tier", TIERS)
def test_agentic_tables_call_tools_and_reasoning_tiers_reason(tier: str) -> None:
    paid = [m for m in CONFIG.choice("agentic", tier).chain if not CATALOG.get(m).is_free]
    assert paid and all(CATALOG.get(m).tools for m in paid)
    for table in TABLES:
        reasoning = CONFIG.choice(table, "REASONING")
        assert CATALOG.get(reasoning.primary).reasoning, table


def test_free_profile_has_only_free_models_and_one_takes_images() -> None:
    for tier in TIERS:
        chain = CONFIG.choice("free", tier).chain
        assert all(CATALOG.get(m).is_free for m in chain)
        assert any(CATALOG.get(m).vision for m in chain)


def test_premium_complex_is_the_strongest_tier_and_eco_the_cheapest() -> None:
    def out_price(table: str, tier: str) -> float:
        return CATALOG.get(CONFIG.choice(table, tier).primary).output_price

    for tier in TIERS:
        assert out_price("eco", tier) <= out_price("auto", tier) <= out_price("premium", tier)
    assert out_price("premium", "COMPLEX") == max(out_price(t, tier) for t in TABLES for tier in TIERS)


def _tiers_with(tmp_path: Path, old: str, new: str) -> Path:
    text = PACKAGED_TIERS.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "tiers.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # a model the gateway no longer lists (our previous MEDIUM primary)
        ('primary = "google/gemini-3-flash-preview"', 'primary = "moonshot/kimi-k2.5"',
         r"\[auto.MEDIUM\].*'moonshot/kimi-k2.5' is not a priced model id in the catalog snapshot of 2026-10-20"),
        # a listed model the snapshot has no price for
        ('primary = "anthropic/claude-fable-5"', 'primary = "anthropic/claude-fable-5.1"',
         r"\[premium.COMPLEX\].*'anthropic/claude-fable-5.1' is listed on 2026-10-20 but has no price"),
        # no reason given, or a reason spread over lines
        ('reason = "the largest free model (550B, 1M context)"\n', "",
         r"\[free.COMPLEX\].*missing field 'reason'"),
        ('reason = "the largest free model (550B, 1M context)"', 'reason = """the largest\nfree model"""',
         r"\[free.COMPLEX\].*one line"),
        ('unreliable = ["google/gemini-2.5-flash-lite"', 'unreliable = ["google/gemini-3-pro-preview"',
         r"tool_requests.*'google/gemini-3-pro-preview' is not a priced model"),
    ],
)
def test_tier_tables_naming_unlisted_or_unpriced_models_fail_to_load(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(CatalogError, match=message):
        load_tier_tables(_tiers_with(tmp_path, old, new))


# Our chat ids before the 2026-10-20 snapshot that the gateway no longer lists: configs, routing overrides and
# pinned sessions may still name them.
RETIRED = [
    "openai/gpt-5-nano", "openai/gpt-5.3", "openai/o1-mini", "anthropic/claude-opus-4.6",
    "google/gemini-3-pro-preview", "moonshot/kimi-k2.5", "xai/grok-3", "xai/grok-3-mini",
    "xai/grok-4-fast-reasoning", "xai/grok-4-fast-non-reasoning", "xai/grok-4-1-fast-reasoning",
    "xai/grok-4-1-fast-non-reasoning", "xai/grok-4-0709", "xai/grok-2-vision", "minimax/minimax-m2.5",
    "nvidia/gpt-oss-120b", "nvidia/kimi-k2.5",
]


@pytest.mark.parametrize("old_id", RETIRED)
def test_every_retired_id_redirects_to_a_priced_model_of_the_same_kind(old_id: str) -> None:
    assert old_id not in CATALOG.listed
    target = CATALOG.get(old_id)  # through the redirect
    assert target.id in CATALOG.models
    if old_id == "nvidia/gpt-oss-120b":
        assert target.is_free  # the free model's successor is free too


def test_a_routing_override_naming_a_retired_id_still_loads() -> None:
    cfg = RoutingConfig.from_mapping({"tiers": {"auto": {"MEDIUM": {"primary": "moonshot/kimi-k2.5"}}}})
    assert cfg.choice("auto", "MEDIUM").primary == "moonshot/kimi-k3"
