"""Chain filtering (tools, images, context, excludes) and pricing."""

from __future__ import annotations

import math

import pytest

from pyclawrouter.routing.catalog import default_catalog
from pyclawrouter.routing.errors import NoModelFitsError, UnknownModelError
from pyclawrouter.routing.selector import Requirements, build_chain, estimate_request_cost, price

CATALOG = default_catalog()
# A fixed chain (not the shipped table) so the filters' effect is spelled out: two vision+tools models, a
# text-only tool model, and the free model (neither tools nor images).
AUTO_SIMPLE = [
    "google/gemini-2.5-flash",
    "google/gemini-3-flash-preview",
    "deepseek/deepseek-chat",
    "nvidia/nemotron-3.5-lightning",
]


def chain(candidates: list[str], needs: Requirements, **kw: object) -> list[str]:
    return build_chain(candidates, needs, catalog=CATALOG, **kw)[0]  # type: ignore[arg-type]


def test_plain_request_keeps_the_chain_in_order_without_duplicates() -> None:
    assert chain([*AUTO_SIMPLE, AUTO_SIMPLE[0]], Requirements(100, 4096)) == AUTO_SIMPLE


def test_tools_keep_only_tool_capable_models() -> None:
    got = chain(AUTO_SIMPLE, Requirements(100, 4096, has_tools=True))
    assert got == ["google/gemini-2.5-flash", "google/gemini-3-flash-preview", "deepseek/deepseek-chat"]


def test_tools_with_no_capable_model_keep_the_chain_and_say_so() -> None:
    got, notes = build_chain([CATALOG.free_model], Requirements(10, 10, has_tools=True), catalog=CATALOG)
    assert got == [CATALOG.free_model]
    assert any("calls tools" in n for n in notes)


def test_models_unreliable_with_tools_move_to_the_end() -> None:
    got = chain(
        ["google/gemini-3.1-pro", "xai/grok-4.5", "anthropic/claude-sonnet-4.6"],
        Requirements(100, 4096, has_tools=True),
        deprioritize_with_tools={"google/gemini-3.1-pro"},
    )
    assert got == ["xai/grok-4.5", "anthropic/claude-sonnet-4.6", "google/gemini-3.1-pro"]


def test_images_keep_only_vision_models() -> None:
    assert chain(AUTO_SIMPLE, Requirements(100, 4096, has_images=True)) == [
        "google/gemini-2.5-flash",
        "google/gemini-3-flash-preview",
    ]


def test_images_with_no_vision_model_is_a_clear_error() -> None:
    with pytest.raises(NoModelFitsError, match=r"images.*vision model such as"):
        chain(["deepseek/deepseek-chat", "nvidia/nemotron-3.5-lightning"], Requirements(100, 100, has_images=True))


def test_context_window_filter_counts_input_and_capped_output() -> None:
    # 150K tokens in: the 128K model drops out, haiku (200K) and the 1M gemini stay
    got = chain(
        ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash"], Requirements(150_000, 4096)
    )
    assert got == ["anthropic/claude-haiku-4.5", "google/gemini-2.5-flash"]
    # asking for 128K output does not disqualify a model whose own max output is smaller
    assert chain(["openai/gpt-4o-mini"], Requirements(1_000, 110_000)) == ["openai/gpt-4o-mini"]


def test_nothing_fits_the_context_is_a_clear_error() -> None:
    largest = r"long-context model such as \w+/[\w.-]+ \(1,0\d\d,\d{3} tokens\)"
    with pytest.raises(NoModelFitsError, match=r"about [\d,]+ tokens.*" + largest):
        chain(["anthropic/claude-haiku-4.5", "openai/gpt-4o"], Requirements(500_000, 4096))


def test_excluded_models_are_dropped_and_all_excluded_is_an_error() -> None:
    assert chain(AUTO_SIMPLE, Requirements(1, 1), excluded={"google/gemini-2.5-flash"})[0] == (
        "google/gemini-3-flash-preview"
    )
    with pytest.raises(NoModelFitsError, match="exclude list"):
        chain(AUTO_SIMPLE[:2], Requirements(1, 1), excluded=set(AUTO_SIMPLE))


@pytest.mark.parametrize(
    ("model", "tokens_in", "cost", "baseline", "savings"),
    [
        # ClawRouter v0.12.65's route() gives these (max_tokens 4096; its baseline Opus 4.6 billed $5/$25 like 4.7)
        ("google/gemini-2.5-flash", 8, 0.010242, 0.102440, 0.90),
        ("openai/gpt-4o-mini", 7, 0.002459, 0.102435, 0.976),
        # 12 x $0.14/1M + 4096 x $0.28/1M = $0.00114856 against 12 x $5/1M + 4096 x $25/1M = $0.10246
        ("deepseek/deepseek-chat", 12, 0.001149, 0.102460, 0.989),
    ],
)
def test_cost_baseline_and_savings_match_clawrouter(
    model: str, tokens_in: int, cost: float, baseline: float, savings: float
) -> None:
    got = price(model, tokens_in, 4096, catalog=CATALOG)
    assert got.cost == pytest.approx(cost, abs=1e-6)
    assert got.baseline == pytest.approx(baseline, abs=1e-6)
    assert got.savings == pytest.approx(savings, abs=0.005)


def test_premium_reports_no_savings() -> None:
    assert price("moonshot/kimi-k3", 100, 100, catalog=CATALOG, premium=True).savings == 0.0


def test_estimate_request_cost_is_the_gateways_quote() -> None:
    # sonnet: 10K in at $3/1M + a tenth of 4096 out at $15/1M = 36,144 µUSD, +5 % = 37,951.2, rounded up
    assert estimate_request_cost("anthropic/claude-sonnet-4.6", 10_000, 4096) == pytest.approx(0.037952)
    assert estimate_request_cost("sonnet-4.6", 10_000, 4096) == pytest.approx(0.037952)
    # tiny requests still pay the floor: $0.002 on Base, the facilitator's $0.001 on Solana
    assert estimate_request_cost("google/gemini-2.5-flash-lite", 10, 10) == 0.002
    assert estimate_request_cost("google/gemini-2.5-flash-lite", 10, 10, payment_chain="solana") == 0.001
    # without max tokens, the model's own max output bounds the answer (haiku: a tenth of 64,000 at $5/1M)
    assert estimate_request_cost("anthropic/claude-haiku-4.5", 0, None) == pytest.approx(
        math.ceil(0.1 * 64_000 * 5 * 1.05) / 1e6
    )
    # the gateway clamps max_tokens to the model's max output and prices the clamp
    assert estimate_request_cost("mini", 0, 128_000) == estimate_request_cost("mini", 0, 16_384)
    assert estimate_request_cost("nvidia/nemotron-3.5-lightning", 10_000, 4096) == 0.0
    with pytest.raises(UnknownModelError):
        estimate_request_cost("nope/nope", 1, 1)
    with pytest.raises(ValueError, match="chain"):
        estimate_request_cost("mini", 1, 1, payment_chain="eth")


def test_precomputed_chains_equal_what_the_selector_builds() -> None:
    from pyclawrouter.routing.config import TABLES, TIERS, RoutingConfig

    cfg = RoutingConfig.from_mapping({"tiers": {"auto": {"SIMPLE": {"primary": "flash", "fallback": ["deepseek"]}}}})
    for table in TABLES:
        for tier in TIERS:
            for tools in (False, True):
                needs = Requirements(10_000, 4096, has_tools=tools)
                built = build_chain(
                    cfg.choice(table, tier).chain,
                    needs,
                    catalog=CATALOG,
                    deprioritize_with_tools=cfg.unreliable_with_tools,
                )
                assert cfg.plain_chain(table, tier, tools) == (tuple(built[0]), tuple(built[1]))
    assert cfg.plain_chain("auto", "SIMPLE", False)[0] == ("google/gemini-2.5-flash", "deepseek/deepseek-chat")
