"""The model catalog: contents match the dated snapshot of the gateway's list, names resolve the way users type
them, bad data fails loudly."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from pyclawrouter.errors import BadRequestError
from pyclawrouter.routing.catalog import default_catalog, load_catalog
from pyclawrouter.routing.errors import CatalogError, UnknownModelError

CATALOG = default_catalog()
PACKAGED = Path(__file__).resolve().parents[2] / "plugin" / "data" / "models.toml"


FREE_NOW = {
    "nvidia/nemotron-3.5-lightning",
    "nvidia/nemotron-3-ultra-550b",
    "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning",
    "nvidia/llama-3.2-11b-vision",
    "cohere/north-mini-code",
    "poolside/laguna-xs-2.1",
}


def test_catalog_is_the_dated_snapshot_of_the_gateway_list() -> None:
    assert CATALOG.snapshot_date == datetime.date(2026, 10, 20)
    # 90 chat ids (priced or not), 12 image models, 15 video/audio ids: the gateway's 117
    assert len(CATALOG.models) + len(CATALOG.unpriced) == 90
    assert len(CATALOG.image_models) == 12 and len(CATALOG.media_ids) == 15
    assert len(CATALOG.listed) == 117
    assert CATALOG.profiles == frozenset({"auto", "eco", "premium", "free"})
    assert CATALOG.free_model == "nvidia/nemotron-3.5-lightning"
    assert CATALOG.baseline_model == "anthropic/claude-opus-4.7"
    assert {m.id for m in CATALOG.models.values() if m.is_free} == FREE_NOW


@pytest.mark.parametrize(
    "retired",
    ["nvidia/gpt-oss-120b", "moonshot/kimi-k2.5", "xai/grok-4-1-fast-reasoning", "xai/grok-4-0709",
     "anthropic/claude-opus-4.6", "google/gemini-3-pro-preview", "openai/dall-e-3", "black-forest/flux-1.1-pro"],
)
def test_ids_the_gateway_no_longer_lists_are_not_models(retired: str) -> None:
    assert retired not in CATALOG.listed
    assert retired not in CATALOG.models and retired not in CATALOG.image_models


@pytest.mark.parametrize(
    ("model_id", "inp", "out", "context", "max_out", "flags"),
    [
        ("anthropic/claude-opus-4.7", 5, 25, 1_000_000, 128_000, {"reasoning", "vision", "tools", "agentic"}),
        ("anthropic/claude-haiku-4.5", 1, 5, 200_000, 64_000, {"vision", "tools", "agentic"}),
        ("anthropic/claude-sonnet-4.6", 3, 15, 1_000_000, 128_000, {"reasoning", "vision", "tools", "agentic"}),
        ("google/gemini-3-flash-preview", 0.5, 3, 1_048_576, 65_536, {"vision", "tools"}),
        ("deepseek/deepseek-chat", 0.14, 0.28, 1_048_576, 65_536, {"tools"}),
        ("deepseek/deepseek-v4-pro", 0.435, 0.87, 1_048_576, 65_536, {"reasoning", "tools"}),
        ("nvidia/nemotron-3.5-lightning", 0, 0, 1_000_000, 16_384, set()),
        ("nvidia/llama-3.2-11b-vision", 0, 0, 128_000, 16_384, {"vision"}),
        ("openai/gpt-5.4-pro", 30, 180, 1_050_000, 128_000, {"reasoning", "vision"}),
    ],
)
def test_model_prices_and_capabilities_match_the_snapshot(
    model_id: str, inp: float, out: float, context: int, max_out: int, flags: set[str]
) -> None:
    m = CATALOG.get(model_id)
    assert (m.input_price, m.output_price, m.context_window, m.max_output) == (inp, out, context, max_out)
    assert {f for f in ("reasoning", "vision", "tools", "agentic") if getattr(m, f)} == flags


def test_prices_not_restated_by_the_snapshot_keep_their_older_date() -> None:
    assert CATALOG.get("openai/gpt-5.4-pro").price_date == datetime.date(2026, 3, 20)
    assert CATALOG.get("deepseek/deepseek-chat").price_date == CATALOG.snapshot_date


def test_listed_models_without_a_price_are_known_but_not_routable() -> None:
    for model_id in ("anthropic/claude-opus-5.5", "anthropic/claude-opus-4.5", "openai/gpt-6-sol"):
        assert model_id in CATALOG.unpriced and model_id in CATALOG.listed
        assert model_id not in CATALOG.models
        with pytest.raises(UnknownModelError):
            CATALOG.get(model_id)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sonnet", "anthropic/claude-sonnet-5"),
        ("Blockrun/Sonnet-4.6", "anthropic/claude-sonnet-4.6"),
        ("  FLASH ", "google/gemini-2.5-flash"),
        ("blockrun/google/gemini-2.5-pro", "google/gemini-2.5-pro"),
        ("grok", "xai/grok-4.5"),
        ("opus", "anthropic/claude-opus-5"),
        ("kimi", "moonshot/kimi-k3"),
        ("deepseek", "deepseek/deepseek-chat"),
        ("router", "auto"),
        ("blockrun/eco", "eco"),
        ("PREMIUM", "premium"),
        ("openai/eco", "eco"),
        # delisted / renamed ids keep working
        ("xai/grok-code-fast-1", "deepseek/deepseek-chat"),
        ("xai/grok-3-fast", "xai/grok-4.3"),
        ("anthropic/claude-opus-4.6", "anthropic/claude-opus-4.7"),
        ("opus-4.6", "anthropic/claude-opus-4.7"),
        ("nvidia/gpt-oss-120b", "nvidia/nemotron-3.5-lightning"),
        ("moonshot/kimi-k2.5", "moonshot/kimi-k3"),
        ("xai/grok-4-1-fast-reasoning", "xai/grok-4.3"),
        ("blockrun/google/gemini-3.1-pro-preview", "google/gemini-3.1-pro"),
        ("openai/gpt-image-2", "openai/gpt-image-2"),
    ],
)
def test_resolve_accepts_aliases_prefix_case_and_redirects(name: str, expected: str) -> None:
    assert CATALOG.resolve(name) == expected


def test_unknown_model_names_the_nearest_known_ids() -> None:
    with pytest.raises(UnknownModelError) as info:
        CATALOG.resolve("blockrun/gpt-4oo")
    err = info.value
    assert isinstance(err, BadRequestError)
    assert err.code == "model_not_found"
    assert "openai/gpt-4o" in err.suggestions
    assert "gpt-4oo" in str(err) and "openai/gpt-4o" in str(err)


def test_get_rejects_profiles_and_image_models_as_chat_models() -> None:
    with pytest.raises(UnknownModelError, match="routing profile"):
        CATALOG.get("auto")
    with pytest.raises(UnknownModelError, match="image model"):
        CATALOG.get("google/nano-banana")


def test_image_models_are_priced_per_image() -> None:
    prices = {m.id: m.price_per_image for m in CATALOG.image_models.values()}
    assert {k: v for k, v in prices.items() if v is not None} == {
        "google/nano-banana": 0.05,
        "google/nano-banana-pro": 0.10,
        "openai/gpt-image-1": 0.02,
        "openai/gpt-image-2": 0.06,
        "xai/grok-imagine-image": 0.02,
        "xai/grok-imagine-image-pro": 0.07,
        "zai/cogview-4": 0.015,
    }
    # listed without a price: served, bounded by the proxy's default image estimate
    assert prices["openai/gpt-image-2.5-flare"] is None


def test_estimate_cost_is_per_million_tokens() -> None:
    # 1M in + 1M out on Opus = $5 + $25
    assert CATALOG.estimate_cost("opus", 1_000_000, 1_000_000) == pytest.approx(30.0)
    assert CATALOG.estimate_cost("nvidia/nemotron-3.5-lightning", 10_000, 10_000) == 0.0


def test_catalog_is_read_only() -> None:
    with pytest.raises(TypeError):
        CATALOG.models["x/y"] = CATALOG.get("opus")  # type: ignore[index]


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = PACKAGED.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "models.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # a price given as text
        ("input_price = 0.14\n", 'input_price = "cheap"\n', r"model 'deepseek/deepseek-chat'.*'input_price'"),
        # a negative context window
        ("context_window = 500_000", "context_window = -1", r"model 'xai/grok-4.7'.*'context_window'"),
        # non-finite numbers: TOML has nan and inf
        ("input_price = 0.14\n", "input_price = nan\n", r"model 'deepseek/deepseek-chat'.*'input_price'.*finite"),
        ("output_price = 0.28\n", "output_price = inf\n", r"model 'deepseek/deepseek-chat'.*'output_price'.*finite"),
        ("price_per_image = 0.06", "price_per_image = nan", r"image model 'openai/gpt-image-2'.*finite"),
        # half a price
        ("input_price = 0.435\n", "", r"model 'deepseek/deepseek-v4-pro'.*missing field 'input_price'"),
        # a price confirmed after the snapshot was taken
        ("price_date = 2026-03-20", "price_date = 2026-11-01", r"model 'openai/gpt-5.4-pro'.*after the snapshot"),
        # the snapshot's date as text, or missing
        ("date = 2026-10-20", 'date = "2026-10-20"', r"\[snapshot\].*'date'.*unquoted"),
        ("date = 2026-10-20", "day = 2026-10-20", r"\[snapshot\].*unknown field.*day"),
        # an alias or redirect to a model listed without a price
        ('"opus" = "anthropic/claude-opus-5"', '"opus" = "anthropic/claude-opus-5.5"', r"alias 'opus'.*no price"),
        ('to = "moonshot/kimi-k3", reason = "not listed on 2026-10-20; K3', 'to = "openai/gpt-6-sol", reason = "x; K3',
         r"redirect 'moonshot/kimi-k2.5'.*no price"),
        # a redirect from an id the gateway still lists (it would hide the real model)
        ('"gpt-120b" = {', '"anthropic/claude-opus-4.5" = {', r"claude-opus-4.5.*shadow"),
        # the baseline is unpriced or unlisted
        ('baseline_model = "anthropic/claude-opus-4.7"', 'baseline_model = "anthropic/claude-opus-4.6"',
         r"baseline_model 'anthropic/claude-opus-4.6'.*not a priced chat model"),
        # a capability flag as a string
        (
            "vision = true\ntools = true\nagentic = true\n",
            'vision = "yes"\ntools = true\nagentic = true\n',
            r"model 'openai/gpt-5.6-terra'.*'vision'",
        ),
        # an alias pointing nowhere
        ('"flash" = "google/gemini-2.5-flash"', '"flash" = "google/gemini-9-flash"', r"alias 'flash'.*gemini-9-flash"),
        # a typo in a field name
        ("max_output = 64_000\n", "max_ouput = 64_000\n", r"model 'anthropic/claude-haiku-4.5'.*max_ouput"),
        # the free model is not free
        (
            '[models."nvidia/nemotron-3.5-lightning"]\nname = "Nemotron 3.5 Lightning"\ninput_price = 0.0',
            '[models."nvidia/nemotron-3.5-lightning"]\nname = "Nemotron 3.5 Lightning"\ninput_price = 0.1',
            r"free_model",
        ),
    ],
)
def test_malformed_catalog_entries_name_the_entry_and_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        load_catalog(_broken(tmp_path, old, new))


def test_catalog_that_is_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "models.toml"
    path.write_text("[models\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(path)
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.toml")
