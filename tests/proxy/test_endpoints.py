"""/stats, /cache, heartbeats while a model is slow, and non-Latin reasoning in headers."""

from __future__ import annotations

import time

import httpx

from pyclawrouter.routing.catalog import default_catalog
from tests.proxy.conftest import Proxy, ProxyFactory

FREE_MODEL = default_catalog().free_model


def test_stats_reflect_the_usage_log_and_can_be_cleared(proxy: Proxy) -> None:
    client = proxy.client()
    client.chat.completions.create(model="auto", messages=[{"role": "user", "content": "hi there"}], max_tokens=9)
    stats = httpx.get(f"{proxy.url}/stats?days=1", timeout=5).json()
    assert stats["totalRequests"] == 1 and stats["period"] == "today"
    assert stats["totalPaid"] > 0 and "providerErrors" in stats
    token = (proxy.home / "command-token").read_text().strip()
    cleared = httpx.delete(f"{proxy.url}/stats", headers={"authorization": f"Bearer {token}"}, timeout=5)
    assert cleared.json() == {"cleared": True, "deletedFiles": 1}
    assert httpx.get(f"{proxy.url}/stats", timeout=5).json()["totalRequests"] == 0
    assert httpx.get(f"{proxy.url}/cache", timeout=5).json()["maxSize"] == 200


def test_heartbeats_keep_a_slow_stream_alive(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(first_heartbeat_s=0.1, heartbeat_interval_s=0.2)
    proxy.fake.hang(1.0)
    started = time.monotonic()
    seen: list[tuple[float, str]] = []
    with httpx.stream("POST", f"{proxy.url}/v1/chat/completions", timeout=10, headers=proxy.auth, json={
            "model": "auto", "stream": True, "messages": [{"role": "user", "content": "slow please"}]}) as response:
        for line in response.iter_lines():
            if line:
                seen.append((time.monotonic() - started, line))
    beats = [t for t, line in seen if line == ": heartbeat"]
    first_data = next(t for t, line in seen if line.startswith("data: {"))
    assert len(beats) >= 3 and beats[0] < 0.6 and first_data > beats[-1]
    assert seen[-1][1] == "data: [DONE]"


def test_non_latin_reasoning_does_not_break_headers(proxy: Proxy) -> None:
    raw = proxy.client().chat.completions.with_raw_response.create(
        model="auto", max_tokens=30,
        messages=[{"role": "user", "content": "证明根号2是无理数，一步一步地推导 — докажите теорему"}])
    assert raw.status_code == 200
    raw.headers["x-clawrouter-reasoning"].encode("ascii")


def test_upstream_that_ignores_stream_is_converted_to_sse(proxy: Proxy) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
    completion = {"id": "chatcmpl-x", "object": "chat.completion", "created": 1, "model": "m",
                  "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                      "role": "assistant", "content": "calling", "tool_calls": [call]}}],
                  "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}
    proxy.fake.fail_status(200, body=completion)
    chunks = list(proxy.client().chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "list files"}], stream=True,
        stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    calls = [c.choices[0].delta.tool_calls for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert text == "calling" and calls[0][0].index == 0 and calls[0][0].function.name == "ls"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 5


def test_budget_notice_arrives_first_in_a_stream(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(config={"maxCostPerRun": 0.0005})
    chunks = list(proxy.client().chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "Write a Python function that parses CSV"}],
        stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("> **⚠️ Budget cap reached**") and f"Fake reply from {FREE_MODEL}" in text
