"""The model catalog: contents match the reference, names resolve the way users type them, bad data fails loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyclawrouter.errors import BadRequestError
from pyclawrouter.routing.catalog import default_catalog, load_catalog
from pyclawrouter.routing.errors import CatalogError, UnknownModelError

CATALOG = default_catalog()
PACKAGED = Path(__file__).resolve().parents[2] / "plugin" / "data" / "models.toml"


def test_catalog_has_every_reference_model_and_the_profiles() -> None:
    assert len(CATALOG.models) == 44
    assert CATALOG.profiles == frozenset({"auto", "eco", "premium", "free"})
    assert CATALOG.free_model == "nvidia/gpt-oss-120b"
    assert CATALOG.baseline_model == "anthropic/claude-opus-4.6"


@pytest.mark.parametrize(
    ("model_id", "inp", "out", "context", "max_out", "flags"),
    [
        ("anthropic/claude-opus-4.6", 5, 25, 200_000, 32_000, {"reasoning", "vision", "tools", "agentic"}),
        ("google/gemini-3-flash-preview", 0.5, 3, 1_000_000, 65_536, {"vision"}),
        ("deepseek/deepseek-chat", 0.28, 0.42, 128_000, 8_192, {"tools"}),
        ("nvidia/gpt-oss-120b", 0, 0, 128_000, 16_384, set()),
        ("moonshot/kimi-k2.5", 0.6, 3, 262_144, 8_192, {"reasoning", "vision", "tools", "agentic"}),
        ("openai/gpt-5.4-pro", 30, 180, 400_000, 128_000, {"reasoning", "tools"}),
    ],
)
def test_model_prices_and_capabilities_match_the_reference(
    model_id: str, inp: float, out: float, context: int, max_out: int, flags: set[str]
) -> None:
    m = CATALOG.get(model_id)
    assert (m.input_price, m.output_price, m.context_window, m.max_output) == (inp, out, context, max_out)
    assert {f for f in ("reasoning", "vision", "tools", "agentic") if getattr(m, f)} == flags


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sonnet", "anthropic/claude-sonnet-4.6"),
        ("Blockrun/Sonnet", "anthropic/claude-sonnet-4.6"),
        ("  FLASH ", "google/gemini-2.5-flash"),
        ("blockrun/google/gemini-2.5-pro", "google/gemini-2.5-pro"),
        ("grok", "xai/grok-3"),
        ("deepseek", "deepseek/deepseek-chat"),
        ("router", "auto"),
        ("blockrun/eco", "eco"),
        ("PREMIUM", "premium"),
        ("openai/eco", "eco"),
        # delisted / renamed ids keep working
        ("xai/grok-code-fast-1", "deepseek/deepseek-chat"),
        ("xai/grok-3-fast", "xai/grok-4-fast-reasoning"),
        ("anthropic/claude-opus-4.5", "anthropic/claude-opus-4.6"),
        ("blockrun/google/gemini-3.1-pro-preview", "google/gemini-3.1-pro"),
        ("openai/dall-e-3", "openai/dall-e-3"),
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
    assert prices == {
        "google/nano-banana": 0.05,
        "google/nano-banana-pro": 0.10,
        "openai/dall-e-3": 0.04,
        "openai/gpt-image-1": 0.02,
        "black-forest/flux-1.1-pro": 0.04,
    }


def test_estimate_cost_is_per_million_tokens() -> None:
    # 1M in + 1M out on Opus = $5 + $25
    assert CATALOG.estimate_cost("opus", 1_000_000, 1_000_000) == pytest.approx(30.0)
    assert CATALOG.estimate_cost("nvidia/gpt-oss-120b", 10_000, 10_000) == 0.0


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
        ("input_price = 0.28\n", 'input_price = "cheap"\n', r"model 'deepseek/deepseek-chat'.*'input_price'"),
        # a negative context window
        ("context_window = 131_072", "context_window = -1", r"model 'xai/grok-3'.*'context_window'"),
        # a capability flag as a string
        (
            "vision = true\ntools = true\nagentic = true\n",
            'vision = "yes"\ntools = true\nagentic = true\n',
            r"model 'openai/gpt-5.2'.*'vision'",
        ),
        # an alias pointing nowhere
        ('"flash" = "google/gemini-2.5-flash"', '"flash" = "google/gemini-9-flash"', r"alias 'flash'.*gemini-9-flash"),
        # a typo in a field name
        ("max_output = 8_192\n", "max_ouput = 8_192\n", r"model 'anthropic/claude-haiku-4.5'.*max_ouput"),
        # the free model is not free
        (
            '[models."nvidia/gpt-oss-120b"]\nname = "NVIDIA GPT-OSS 120B"\ninput_price = 0.0',
            '[models."nvidia/gpt-oss-120b"]\nname = "NVIDIA GPT-OSS 120B"\ninput_price = 0.1',
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
