"""What the proxy accepts and sends: model names (profiles, aliases with client prefixes), the one output
budget the gateway gets, and a blank "stop" answer treated as a failure. Model ids come from the loaded
catalog and tier tables."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pyclawrouter.routing.catalog import default_catalog
from pyclawrouter.routing.config import RoutingConfig
from pyclawrouter.upstream import classify
from tests.proxy.conftest import Proxy

PROMPT = [{"role": "user", "content": "Write a Python function that reverses a linked list in place"}]


@pytest.mark.parametrize("alias", ["sonnet", "claude", "flash"])
def test_provider_prefixed_aliases_resolve_like_the_bare_alias(alias: str) -> None:
    catalog = default_catalog()
    assert alias in catalog.aliases, f"the catalog lost the alias {alias!r} users type"
    target = catalog.resolve(alias)
    for prefix in ("openai/", "blockrun/", "blockrun/openai/", "OpenAI/"):
        assert catalog.resolve(prefix + alias) == target


def test_a_real_openai_id_is_never_read_as_an_alias() -> None:
    catalog = default_catalog()
    for model_id in (m for m in catalog.models if m.startswith("openai/")):
        assert catalog.resolve(model_id) == model_id
        assert catalog.resolve("blockrun/" + model_id) == model_id


def test_openai_prefixed_alias_through_the_proxy_reaches_the_aliased_model(proxy: Proxy) -> None:
    catalog = default_catalog()
    target = catalog.resolve("sonnet")
    raw = proxy.client().chat.completions.with_raw_response.create(model="openai/sonnet", messages=PROMPT,
                                                                   max_tokens=50)
    assert raw.headers["x-clawrouter-model"] == target
    assert proxy.fake.requests[-1].body["model"] == target


def test_models_endpoint_lists_every_profile_both_ways_and_the_aliases_once(proxy: Proxy) -> None:
    ids = [m.id for m in proxy.client().models.list()]
    assert len(ids) == len(set(ids))
    for profile in ("auto", "eco", "premium", "free", "agentic"):
        assert {profile, f"blockrun/{profile}"} <= set(ids)
    catalog = default_catalog()
    assert set(catalog.aliases) <= set(ids) and set(catalog.models) <= set(ids)
    # Every listed name is one the router takes.
    for name in ids:
        catalog.resolve(name)


def test_the_agentic_profile_can_be_asked_for_by_name(proxy: Proxy) -> None:
    agentic = RoutingConfig.default().choice("agentic", "MEDIUM").chain
    raw = proxy.client().chat.completions.with_raw_response.create(model="blockrun/agentic", messages=PROMPT,
                                                                   max_tokens=50)
    assert raw.headers["x-clawrouter-profile"] == "agentic"
    assert raw.headers["x-clawrouter-model"] in agentic


def _sent(proxy: Proxy, **limits: int) -> dict[str, Any]:
    proxy.client().chat.completions.create(model="auto", messages=PROMPT, extra_headers={"cache-control": "no-cache"},
                                           **limits)  # type: ignore[call-overload]
    body: dict[str, Any] = proxy.fake.requests[-1].body
    return body


def test_both_output_limits_estimate_on_the_larger_and_send_it_as_max_tokens(proxy: Proxy) -> None:
    body = _sent(proxy, max_tokens=300, max_completion_tokens=700)
    assert body["max_tokens"] == 700 and "max_completion_tokens" not in body
    body = _sent(proxy, max_tokens=900, max_completion_tokens=200)
    assert body["max_tokens"] == 900 and "max_completion_tokens" not in body
    # The quote the fake priced is the one estimated on: it was paid without a ceiling refusal.
    assert proxy.fake.requests[-1].paid


def test_max_tokens_is_always_sent_even_when_the_client_gave_none(proxy: Proxy) -> None:
    from pyclawrouter.routing.selector import DEFAULT_MAX_OUTPUT_TOKENS

    body = _sent(proxy)
    model = default_catalog().get(body["model"])
    assert body["max_tokens"] == min(DEFAULT_MAX_OUTPUT_TOKENS, model.max_output)


def test_a_limit_above_the_models_output_is_capped_to_it(proxy: Proxy) -> None:
    body = _sent(proxy, max_completion_tokens=10_000_000)
    assert body["max_tokens"] == default_catalog().get(body["model"]).max_output


def _answer(message: dict[str, Any], finish: str | None = "stop") -> bytes:
    return json.dumps({"choices": [{"index": 0, "message": message, "finish_reason": finish}]}).encode()


def test_an_empty_or_null_stop_answer_is_degraded() -> None:
    assert classify.degraded_reason(_answer({"role": "assistant", "content": ""})) == "degraded response: empty answer"
    assert classify.degraded_reason(_answer({"role": "assistant", "content": None})) is not None
    assert classify.degraded_reason(_answer({"role": "assistant", "content": "  \n"})) is not None
    calls = [{"id": "c1", "type": "function", "function": {"name": "read", "arguments": "{}"}}]
    assert classify.degraded_reason(_answer({"role": "assistant", "content": None, "tool_calls": calls},
                                            "tool_calls")) is None
    assert classify.degraded_reason(_answer({"role": "assistant", "content": ""}, "length")) is None
    assert classify.degraded_reason(_answer({"role": "assistant", "content": "Paris."})) is None


def test_an_empty_answer_falls_back_to_the_next_model(proxy: Proxy) -> None:
    chain = list(proxy.ctx.deps.route({"model": "auto", "messages": PROMPT, "max_tokens": 50}).chain)
    assert len(chain) >= 2

    def reply(body: dict[str, Any]) -> dict[str, Any]:
        if body["model"] == chain[0]:
            return {"role": "assistant", "content": None}
        return {"role": "assistant", "content": f"answer from {body['model']}"}

    proxy.fake.reply = reply
    raw = proxy.client().chat.completions.with_raw_response.create(model="auto", messages=PROMPT, max_tokens=50)
    assert raw.headers["x-clawrouter-model"] == chain[1]
    assert raw.parse().choices[0].message.content == f"answer from {chain[1]}"
