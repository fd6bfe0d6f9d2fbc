"""Sessions that hold, seen from the client: the pinned model keeps answering turns routed to a lower tier, an
escalation lasts, and a conversation without a session header is still one conversation when OpenClaw rebuilds
its system prompt. Model ids come from the loaded tier tables, not from this file."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from pyclawrouter.router import route
from tests.proxy.conftest import Proxy, ProxyFactory
from tests.routing.routing_helpers import wrap_in_openclaw

COMPLEX = ("Design a multi-tenant billing system with proration, dunning, EU VAT handling, usage-based "
           "metering, invoice generation and a migration plan from the legacy system, with the database schema.")
MEDIUM = "Write a Python function that reverses a linked list in place"
HEADERS = {"cache-control": "no-cache"}


def _tiers_differ(proxy: Proxy, body: dict[str, Any], medium_body: dict[str, Any]) -> tuple[str, list[str]]:
    """Preconditions that make the test able to fail: the two prompts route to different tiers whose chains
    do not share the complex model."""
    config = proxy.ctx.routing_config()
    hard, easy = route(body, config=config), route(medium_body, config=config)
    assert (hard.tier, easy.tier) == ("COMPLEX", "MEDIUM")
    assert hard.model not in easy.chain
    return hard.model, easy.chain


def _post(proxy: Proxy, body: dict[str, Any], **headers: str) -> httpx.Response:
    response = httpx.post(f"{proxy.url}/v1/chat/completions", json={**body, "stream": False},
                          headers={**proxy.auth, **HEADERS, **headers}, timeout=20)
    assert response.status_code == 200, response.text
    return response


def test_a_session_pinned_to_a_complex_model_keeps_it_on_a_medium_turn(proxy: Proxy) -> None:
    turn1 = {"model": "auto", "max_tokens": 50, "messages": [{"role": "user", "content": COMPLEX}]}
    turn2 = {**turn1, "messages": [*turn1["messages"], {"role": "assistant", "content": "Here is the design."},
                                   {"role": "user", "content": MEDIUM}]}
    complex_model, _ = _tiers_differ(proxy, turn1, turn2)
    first = _post(proxy, turn1, **{"x-session-id": "pin-holds"})
    assert first.headers["x-clawrouter-model"] == complex_model
    second = _post(proxy, turn2, **{"x-session-id": "pin-holds"})
    assert second.headers["x-clawrouter-model"] == complex_model
    assert second.headers["x-clawrouter-tier"] == "COMPLEX"
    # Another conversation with the same MEDIUM request gets the MEDIUM model: the pin is per session.
    other = _post(proxy, {**turn1, "messages": [{"role": "user", "content": MEDIUM}]}, **{"x-session-id": "other"})
    assert other.headers["x-clawrouter-model"] != complex_model


def test_an_openclaw_chat_without_a_session_header_keeps_its_pin_when_the_system_prompt_changes(
        proxy: Proxy) -> None:
    turn1 = wrap_in_openclaw(COMPLEX, first_turn=True)
    turn2 = copy.deepcopy(turn1)
    turn2["messages"][0]["content"] += "\n<!-- rebuilt for the next turn: memory updated -->"
    block = turn2["messages"][-1]
    turn2["messages"][-1:] = [{"role": "assistant", "content": "Here is the design."},
                              {"role": "user", "content": f"[Thu 2026-11-26 01:40 UTC] {MEDIUM}"}, block]
    complex_model, _ = _tiers_differ(proxy, turn1, turn2)
    assert _post(proxy, turn1).headers["x-clawrouter-model"] == complex_model
    assert _post(proxy, turn2).headers["x-clawrouter-model"] == complex_model


def test_three_strike_escalation_lasts_for_the_rest_of_the_session(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy()
    stuck = [{"role": "user", "content": MEDIUM}]
    models, tiers = [], []
    for _ in range(3):
        raw = _post(proxy, {"model": "auto", "max_tokens": 50, "messages": stuck}, **{"x-session-id": "stuck"})
        models.append(raw.headers["x-clawrouter-model"])
        tiers.append(raw.headers["x-clawrouter-tier"])
    assert tiers == ["MEDIUM", "MEDIUM", "COMPLEX"] and models[2] != models[0]
    later = [*stuck, {"role": "assistant", "content": "done"},
             {"role": "user", "content": "Now write a Python function that merges two sorted lists"}]
    assert route({"model": "auto", "messages": later}).tier == "MEDIUM"
    raw = _post(proxy, {"model": "auto", "max_tokens": 50, "messages": later}, **{"x-session-id": "stuck"})
    assert (raw.headers["x-clawrouter-model"], raw.headers["x-clawrouter-tier"]) == (models[2], "COMPLEX")
