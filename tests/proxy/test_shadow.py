"""routing.shadow: each routed request records what another tier table would have picked and cost, and /stats
compares the two, without any call to the shadow's model."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from pyclawrouter.commands.stats import format_stats
from pyclawrouter.config_schema import ConfigError, validate_config
from pyclawrouter.dashboard import access
from pyclawrouter.router import route
from pyclawrouter.routing.catalog import default_catalog
from pyclawrouter.routing.config import RoutingConfig
from pyclawrouter.routing.errors import RoutingConfigError
from tests.proxy.conftest import Proxy, ProxyFactory

MEDIUM = "Write a Python function that reverses a singly linked list, with a docstring"
SIMPLE = "hello!"
TOOLS = [{"type": "function", "function": {"name": "get_time", "description": "the time",
                                            "parameters": {"type": "object", "properties": {}}}}]
BIG_OUTPUT = 60_000  # large enough that the quotes of the two tables' models differ (not both at the floor)


def _lines(proxy: Proxy, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(proxy.usage_lines()) < count:
        time.sleep(0.02)
    return proxy.usage_lines()


def _tier(prompt: str) -> str:
    return route({"model": "auto", "messages": [{"role": "user", "content": prompt}]}).tier


def test_a_profile_shadow_records_its_pick_and_cost_and_stats_compare(start_proxy: ProxyFactory) -> None:
    assert (_tier(MEDIUM), _tier(SIMPLE)) == ("MEDIUM", "SIMPLE")  # preconditions: two tiers, two eco picks
    eco = RoutingConfig.default().tables["eco"]
    proxy = start_proxy(config={"routing": {"shadow": {"profile": "eco"}}})
    client = proxy.client()
    medium = client.chat.completions.create(model="auto", max_tokens=BIG_OUTPUT,
                                            messages=[{"role": "user", "content": MEDIUM}])
    simple = client.chat.completions.create(model="auto", messages=[{"role": "user", "content": SIMPLE}])
    stream = client.chat.completions.create(model="auto", stream=True, max_tokens=BIG_OUTPUT,
                                            messages=[{"role": "user", "content": MEDIUM + " in Rust"}])
    assert "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    lines = _lines(proxy, 3)
    assert [line["model"] for line in lines] == [medium.model, simple.model, lines[2]["model"]]
    assert [line["shadow"]["model"] for line in lines] == [eco["MEDIUM"].primary, eco["SIMPLE"].primary,
                                                           eco["MEDIUM"].primary]
    assert all(line["shadow"]["model"] != line["model"] for line in lines)  # auto and eco pick differently
    # Priced as the request was: a paid request at the gateway's quote for the shadow's model, a free one at 0.
    decision = route({"model": "auto", "max_tokens": BIG_OUTPUT, "messages": [{"role": "user", "content": MEDIUM}]})
    quote = default_catalog().quote(eco["MEDIUM"].primary, decision.input_tokens, decision.max_output_tokens)
    assert lines[0]["shadow"]["cost"] == pytest.approx(quote, abs=1e-8)
    assert lines[0]["shadow"]["cost"] < lines[0]["cost"]
    assert lines[1]["shadow"]["cost"] == 0.0  # eco answers chit-chat with a free model
    # Nothing was sent to the shadow's models: every upstream call is for a model that answered.
    assert {r.model for r in proxy.fake.requests} == {line["model"] for line in lines}

    full = httpx.get(f"{proxy.url}/stats", timeout=10).json()
    assert "Shadow routing (never called)" in format_stats(full) and "differed   3 of 3" in format_stats(full)
    stats = full["shadow"]
    assert stats["requests"] == 3 and stats["differed"] == 3 and stats["differedPercentage"] == 100.0
    assert stats["actualCost"] == pytest.approx(sum(line["cost"] for line in lines))
    assert stats["shadowCost"] == pytest.approx(sum(line["shadow"]["cost"] for line in lines))
    assert stats["difference"] == pytest.approx(stats["shadowCost"] - stats["actualCost"])
    assert stats["byModel"][eco["MEDIUM"].primary]["count"] == 2
    token = access.load_or_create_token(proxy.home)
    recent = httpx.get(f"{proxy.url}/dashboard/data", headers={"authorization": f"Bearer {token}"},
                       timeout=10).json()["recent"]
    assert [(r["shadow_model"], r["shadow_cost"]) for r in reversed(recent)] == [
        (line["shadow"]["model"], line["shadow"]["cost"]) for line in lines]


def test_an_own_tier_table_shadow_takes_left_out_tiers_from_the_routed_table(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(config={"routing": {"shadow": {"SIMPLE": {"primary": "deepseek-chat"}}}})
    client = proxy.client()
    client.chat.completions.create(model="auto", messages=[{"role": "user", "content": MEDIUM}])
    client.chat.completions.create(model="auto", messages=[{"role": "user", "content": SIMPLE}])
    client.chat.completions.create(model="flash", messages=[{"role": "user", "content": SIMPLE + " there"}])
    medium, simple, explicit = _lines(proxy, 3)
    assert medium["shadow"] == {"model": medium["model"], "cost": medium["cost"]}  # same pick, same cost
    assert simple["shadow"]["model"] == "deepseek/deepseek-chat"
    assert "shadow" not in explicit  # the user named the model: nothing to compare
    stats = httpx.get(f"{proxy.url}/stats", timeout=10).json()["shadow"]
    assert (stats["requests"], stats["differed"]) == (2, 1)


def test_the_shadow_picks_a_model_that_can_serve_the_request(start_proxy: ProxyFactory) -> None:
    eco_simple = RoutingConfig.default().tables["eco"]["SIMPLE"].chain
    catalog = default_catalog()
    assert not catalog.get(eco_simple[0]).tools  # precondition: eco's SIMPLE primary cannot call tools
    proxy = start_proxy(config={"routing": {"shadow": {"profile": "eco"}}})
    body: dict[str, Any] = {"model": "auto", "tools": TOOLS, "messages": [{"role": "user", "content": SIMPLE}]}
    proxy.client().chat.completions.create(**body)
    (line,) = _lines(proxy, 1)
    assert catalog.get(line["shadow"]["model"]).tools
    assert line["shadow"]["model"] == route(body, profile="eco").model  # what the eco profile itself picks


def test_no_shadow_configured_means_no_shadow_field(proxy: Proxy) -> None:
    proxy.client().chat.completions.create(model="auto", messages=[{"role": "user", "content": SIMPLE}])
    (line,) = _lines(proxy, 1)
    assert "shadow" not in line
    assert httpx.get(f"{proxy.url}/stats", timeout=10).json()["shadow"] is None


@pytest.mark.parametrize(("shadow", "says"), [
    ({"profile": "cheap"}, "routing.shadow.profile: 'cheap' is not allowed; allowed: 'auto', 'eco'"),
    ("eco", "routing.shadow: 'eco' is not allowed; allowed: {profile: auto|eco|premium|free|agentic}"),
    ({"EASY": {"primary": "x/y"}}, "or a tier table keyed by SIMPLE, MEDIUM, COMPLEX, REASONING"),
    ({"SIMPLE": {}}, "routing.shadow.SIMPLE: 'primary' is a required property"),
    ({"SIMPLE": {"primary": 3}}, "routing.shadow.SIMPLE.primary: 3 is a number; expected a string"),
])
def test_a_bad_shadow_names_what_is_allowed(shadow: object, says: str) -> None:
    with pytest.raises(ConfigError) as error:
        validate_config({"routing": {"shadow": shadow}}, source="config.yaml")
    assert says in str(error.value)


def test_a_shadow_naming_an_unknown_model_is_refused_with_close_names() -> None:
    with pytest.raises(RoutingConfigError, match=r"routing.shadow.MEDIUM.primary: Unknown model 'deepseek-chatt'"):
        RoutingConfig.from_mapping({"shadow": {"MEDIUM": {"primary": "deepseek-chatt"}}})
