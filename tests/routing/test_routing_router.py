"""``route()``: the contract the proxy and CLI rely on, on bare prompts and on real OpenClaw traffic."""

from __future__ import annotations

import dataclasses
import json

import pytest
from routing_helpers import bare, openclaw_body, wrap_in_openclaw

from pyclawrouter.router import RoutingDecision, route
from pyclawrouter.routing.config import RoutingConfig
from pyclawrouter.routing.errors import InvalidRequestError, NoModelFitsError, RoutingConfigError, UnknownModelError

PROOF = "Prove that the square root of 2 is irrational, step by step"
DEFAULT = RoutingConfig.default()
FREE_MODEL = DEFAULT.catalog.free_model


def primary(profile: str, tier: str) -> str:
    """The shipped tier table's choice: tests follow the data file rather than repeat its ids."""
    return DEFAULT.choice(profile, tier).primary


@pytest.mark.parametrize(
    ("n", "tier"),
    [(1, "SIMPLE"), (2, "MEDIUM"), (3, "REASONING")],
)
def test_real_openclaw_requests_route_by_the_users_words(n: int, tier: str) -> None:
    decision = route(openclaw_body(n))
    assert (decision.tier, decision.model, decision.profile) == (tier, primary("auto", tier), "auto")
    # tools on every OpenClaw turn: only tool-capable models remain, and tools alone are not agentic intent
    assert all(DEFAULT.catalog.get(m).tools for m in decision.chain)
    assert FREE_MODEL not in decision.chain
    assert decision.agentic is False


def test_decision_fields() -> None:
    d = route(bare("What is the capital of France?"))
    assert isinstance(d, RoutingDecision)
    assert (d.tier, d.model, d.profile) == ("SIMPLE", "google/gemini-2.5-flash", "auto")
    assert d.chain[0] == d.model and len(d.chain) > 1
    assert 0.5 <= d.confidence <= 1
    assert "lookup" in d.reasoning
    assert d.max_output_tokens == 4096 and d.input_tokens > 0
    assert d.cost_estimate < d.baseline_cost
    assert d.savings == pytest.approx(1 - d.cost_estimate / d.baseline_cost, abs=1e-3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.tier = "COMPLEX"  # type: ignore[misc]
    assert json.loads(json.dumps(d.to_dict()))["model"] == d.model


@pytest.mark.parametrize("name", ["auto", "blockrun/auto", "router", "AUTO"])
def test_profile_names_with_or_without_prefix(name: str) -> None:
    assert route(bare("hello", model=name)).profile == "auto"


def test_missing_model_uses_the_default_profile() -> None:
    body = {"messages": [{"role": "user", "content": "hello"}]}
    assert route(body).profile == "auto"
    eco_default = RoutingConfig.from_mapping({"defaultProfile": "eco"})
    assert route(body, config=eco_default).profile == "eco"


@pytest.mark.parametrize("profile", ["eco", "premium", "free", "auto"])
def test_profile_tables(profile: str) -> None:
    d = route(bare(PROOF, model=f"blockrun/{profile}"))
    assert (d.tier, d.profile, d.model) == ("REASONING", profile, primary(profile, "REASONING"))
    assert DEFAULT.catalog.get(d.model).reasoning


def test_profile_argument_overrides_the_body() -> None:
    d = route(bare("hello", model="premium"), profile="eco")
    assert (d.profile, d.model) == ("eco", primary("eco", "SIMPLE"))
    assert DEFAULT.catalog.get(d.model).is_free  # eco answers chit-chat for free
    with pytest.raises(InvalidRequestError, match="Unknown routing profile 'sonnet'"):
        route(bare("hello"), profile="sonnet")


def test_premium_reports_zero_savings_and_free_full_savings() -> None:
    assert route(bare("hello", model="premium")).savings == 0.0
    free = route(bare("hello", model="free"))
    assert free.cost_estimate == 0.0 and free.savings == 1.0


def test_explicit_model_is_used_as_is_and_tier_still_reported() -> None:
    d = route(bare(PROOF, model="blockrun/sonnet-4.6"))
    assert (d.model, d.chain, d.profile, d.tier) == (
        "anthropic/claude-sonnet-4.6",
        ["anthropic/claude-sonnet-4.6"],
        "explicit",
        "REASONING",
    )
    # the exclude list is for routing; a model the user names is still served
    assert route(bare("hi", model="deepseek"), excluded={"deepseek/deepseek-chat"}).model == "deepseek/deepseek-chat"


def test_explicit_model_that_cannot_take_the_request_is_an_error() -> None:
    body = bare("x", model="deepseek")
    body["messages"][0]["content"] = [{"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {}}]
    with pytest.raises(NoModelFitsError, match="images"):
        route(body)


def test_unknown_and_image_models_are_clear_errors() -> None:
    with pytest.raises(UnknownModelError, match=r"claude-sonnet-4\.6"):
        route(bare("hi", model="blockrun/sonet-4.6"))
    with pytest.raises(InvalidRequestError, match="image model"):
        route(bare("hi", model="openai/gpt-image-2"))


def test_agentic_intent_uses_the_agentic_table_tools_alone_do_not() -> None:
    agentic = route(wrap_in_openclaw("Fix the failing tests in my repo, run them until they pass, then commit"))
    assert agentic.agentic and agentic.profile == "agentic"
    chat = route(wrap_in_openclaw("What is the capital of Australia?"))
    assert not chat.agentic and chat.profile == "auto"
    # eco and premium keep their own tables
    assert route(wrap_in_openclaw("edit the file and run the tests", first_turn=False), profile="eco").profile == "eco"


def test_mid_tool_loop_turn_stays_agentic() -> None:
    body = openclaw_body(1)
    body["messages"][1]["content"] = "[Thu 2026-11-26 01:32 UTC] what's in my home directory?"
    body["messages"][2:] = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "notes.md\nsrc\n"},
    ]
    assert route(body).profile == "agentic"


def test_excluded_models_leave_the_chain() -> None:
    d = route(bare("hello"), excluded={"google/gemini-2.5-flash"})
    assert "google/gemini-2.5-flash" not in d.chain and d.model == d.chain[0]
    # aliases and the provider prefix name the same model; unknown names are ignored
    expected = [m for m in DEFAULT.choice("auto", "SIMPLE").chain
                if m not in {"google/gemini-2.5-flash", "deepseek/deepseek-chat"}]
    assert route(bare("hello"), excluded=["flash", "blockrun/deepseek", "gone/model"]).chain == expected


def test_images_route_to_vision_models() -> None:
    body = bare("x")
    body["messages"][0]["content"] = [
        {"type": "text", "text": "what is in this picture?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]
    d = route(body)
    assert d.chain and all(DEFAULT.catalog.get(m).vision for m in d.chain)
    dropped = [m for m in DEFAULT.choice("auto", d.tier).chain if m not in d.chain]
    assert dropped and not any(DEFAULT.catalog.get(m).vision for m in dropped)


def test_huge_input_is_at_least_complex_and_fits_the_context() -> None:
    d = route(bare("summarize: " + "lorem ipsum dolor " * 120_000))  # ~2 MB, ~540K tokens
    assert d.tier == "COMPLEX"
    assert d.chain and all(DEFAULT.catalog.get(m).context_window > 540_000 for m in d.chain)
    # Grok 4.5 (500K) is in the table but cannot hold it
    assert "xai/grok-4.5" not in d.chain and "xai/grok-4.5" in DEFAULT.choice("auto", "COMPLEX").chain


def test_max_completion_tokens_drives_the_cost_estimate() -> None:
    small = route(bare("hello", max_completion_tokens=100))
    large = route(bare("hello", max_completion_tokens=8000))
    assert (small.max_output_tokens, large.max_output_tokens) == (100, 8000)
    assert large.cost_estimate > small.cost_estimate
    # capped at what the chosen model can write (gemini-2.5-flash: 65,536), e.g. when a client echoes the
    # profile's advertised 128K
    huge = route(bare("hello", max_completion_tokens=128_000))
    assert huge.model == "google/gemini-2.5-flash" and huge.max_output_tokens == 65_536


def test_config_overrides_are_merged_onto_defaults() -> None:
    cfg = RoutingConfig.from_mapping(
        {
            "tiers": {
                "auto": {"SIMPLE": {"primary": "flash", "fallback": ["blockrun/deepseek"]}},
                "eco": {"MEDIUM": {"primary": "openai/gpt-5.4-nano"}},
            }
        }
    )
    d = route(bare("hello"), config=cfg)
    assert d.chain == ["google/gemini-2.5-flash", "deepseek/deepseek-chat"]
    assert cfg.choice("eco", "MEDIUM").primary == "openai/gpt-5.4-nano"
    assert cfg.choice("eco", "MEDIUM").fallback == RoutingConfig.default().choice("eco", "MEDIUM").fallback
    assert cfg.choice("auto", "COMPLEX") == RoutingConfig.default().choice("auto", "COMPLEX")


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        ({"defaultProfile": "cheap"}, "defaultProfile 'cheap'.*allowed"),
        ({"tiers": {"turbo": {}}}, r"routing.tiers.turbo: unknown profile"),
        ({"tiers": {"auto": {"EASY": {"primary": "flash"}}}}, r"routing.tiers.auto.EASY: unknown tier"),
        ({"tiers": {"auto": {"SIMPLE": {"primary": "gpt-9"}}}}, r"routing.tiers.auto.SIMPLE.primary: Unknown model"),
        ({"tiers": {"auto": {"SIMPLE": {"fallback": ["flash", 3]}}}}, r"fallback\[1\] must be a model id"),
        ({"tiers": {"auto": {"SIMPLE": {"primary": "eco"}}}}, "not a chat model"),
        ({"tiers": {"auto": {"SIMPLE": {"primary": "flash", "fallbacks": []}}}}, "unknown key"),
        ("auto", "must be an object"),
    ],
)
def test_bad_routing_config_is_a_clear_error(routing: object, message: str) -> None:
    with pytest.raises(RoutingConfigError, match=message):
        RoutingConfig.from_mapping(routing)  # type: ignore[arg-type]


def test_route_does_not_modify_the_body() -> None:
    body = openclaw_body(2)
    before = json.dumps(body, sort_keys=True)
    route(body)
    assert json.dumps(body, sort_keys=True) == before


def _second_turn(previous: str, current: str) -> dict[str, object]:
    body = openclaw_body(2)
    body["messages"][1]["content"] = body["messages"][1]["content"].replace("hello", previous)
    body["messages"][3]["content"] = f"[Thu 2026-11-26 01:32 UTC] {current}"
    return body


BILLING = "Design a multi-tenant billing system with proration, dunning, EU VAT, usage-based pricing and invoicing"


@pytest.mark.parametrize(
    ("previous", "current", "tier"),
    [
        (BILLING, "yes, go ahead", "COMPLEX"),  # continuing the big task
        ("Prove that there are infinitely many primes", "and for twin primes?", "REASONING"),
        (BILLING, "thanks!", "SIMPLE"),  # chit-chat stays chit-chat
        (BILLING, "what is a webhook?", "SIMPLE"),  # a lookup of its own
        ("hello", "yes", "SIMPLE"),
    ],
)
def test_short_follow_ups_keep_the_previous_requests_tier(previous: str, current: str, tier: str) -> None:
    assert route(_second_turn(previous, current)).tier == tier


def test_follow_up_to_agent_work_stays_agentic() -> None:
    assert route(_second_turn("Fix the failing tests in my repo, then commit", "do it")).profile == "agentic"


def test_free_profile_serves_openclaw_turns_even_with_tools() -> None:
    d = route(openclaw_body(2), profile="free")
    assert d.chain == list(DEFAULT.choice("free", d.tier).chain) and "calls tools" in d.reasoning
    assert all(DEFAULT.catalog.get(m).is_free for m in d.chain)


def test_json_response_format_is_at_least_medium() -> None:
    plain = route(bare("hello"))
    structured = route(bare("hello", response_format={"type": "json_object"}))
    assert (plain.tier, structured.tier) == ("SIMPLE", "MEDIUM")
    assert "response_format" in structured.reasoning


@pytest.mark.parametrize(
    ("prompt", "tier"),
    [
        ("hi, write a python function to sort a list", "MEDIUM"),  # a greeting in front of a request
        ("このコードのバグを直して: print('hello')", "MEDIUM"),  # 'hello' inside code is not a greeting
        ("Find the bug in this code: for i in range(10) print(i)", "MEDIUM"),
        ("¿Puedes resumir este texto en tres frases?", "MEDIUM"),
        ("fix the typo in this sentence: teh cat sat", "SIMPLE"),
        ("Design a globally distributed database with strong consistency and sub-10ms reads", "COMPLEX"),
    ],
)
def test_everyday_prompts(prompt: str, tier: str) -> None:
    assert route(bare(prompt)).tier == tier


def test_route_is_defined_in_the_routing_package_and_the_stable_path_names_the_same_objects() -> None:
    import pyclawrouter.router
    import pyclawrouter.routing
    from pyclawrouter.routing import ChatRequest, parse_request

    assert pyclawrouter.routing.route is route is pyclawrouter.router.route
    assert pyclawrouter.routing.RoutingDecision is RoutingDecision
    assert route.__module__ == "pyclawrouter.routing.router"
    parsed = parse_request(openclaw_body(2))
    assert isinstance(parsed, ChatRequest)
    assert route(parsed) == route(openclaw_body(2))  # an already-parsed request routes the same as its body


def test_the_routing_package_exports_only_its_own_modules_and_loads_them_on_first_use() -> None:
    import ast
    import subprocess
    import sys
    from pathlib import Path

    import pyclawrouter.routing

    tree = ast.parse(Path(pyclawrouter.routing.__file__).read_text(encoding="utf-8"))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module != "__future__"]
    assert imported and all(str(m).startswith("pyclawrouter.routing.") or m == "typing" for m in imported)
    code = ("import sys, pyclawrouter.routing.names, pyclawrouter.routing.request;"
            "print('pyclawrouter.routing.classifier' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
