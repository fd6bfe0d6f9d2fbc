"""One request model: the proxy reads a chat body once, into the routing core's ChatRequest, and forwards
what that model says (Gemini-style ``role: "model"`` arrives upstream as ``assistant``)."""

from __future__ import annotations

import httpx

from pyclawrouter.router import route
from tests.proxy.conftest import Proxy

HISTORY = [
    {"role": "user", "content": "Name a prime number"},
    {"role": "model", "content": "7"},
    {"role": "user", "content": "And one more?"},
]


def test_a_model_role_is_accepted_and_sent_upstream_as_assistant(proxy: Proxy) -> None:
    response = httpx.post(f"{proxy.url}/v1/chat/completions", timeout=30,
                          json={"model": "auto", "messages": HISTORY, "max_tokens": 50},
                          headers={**proxy.auth, "cache-control": "no-cache"})
    assert response.status_code == 200, response.text
    sent = proxy.fake.requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"] == "7"


def test_route_accepts_a_model_role_as_the_assistant_turn() -> None:
    decision = route({"model": "auto", "messages": HISTORY})
    assert decision.tier in ("SIMPLE", "MEDIUM", "COMPLEX", "REASONING")
    agent_turn = [*HISTORY[:1], {"role": "model", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "read", "arguments": "{}"}}]}]
    # A tool call by the "model" role after the user's words is the agent mid-task, as for "assistant".
    assert "tool_loop" in route({"messages": agent_turn}).reasoning
    assert "tool_loop" in route({"messages": [*HISTORY[:1], {**agent_turn[1], "role": "assistant"}]}).reasoning
