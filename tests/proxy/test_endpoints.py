"""/stats, /cache, heartbeats while a model is slow, and non-Latin reasoning in headers."""

from __future__ import annotations

import time

import httpx

from tests.proxy.conftest import Proxy, ProxyFactory


def test_stats_reflect_the_usage_log_and_can_be_cleared(proxy: Proxy) -> None:
    client = proxy.client()
    client.chat.completions.create(model="auto", messages=[{"role": "user", "content": "hi there"}], max_tokens=9)
    stats = httpx.get(f"{proxy.url}/stats?days=1", timeout=5).json()
    assert stats["totalRequests"] == 1 and stats["period"] == "today"
    assert stats["totalPaid"] > 0 and "providerErrors" in stats
    assert httpx.delete(f"{proxy.url}/stats", timeout=5).json() == {"cleared": True, "deletedFiles": 1}
    assert httpx.get(f"{proxy.url}/stats", timeout=5).json()["totalRequests"] == 0
    assert httpx.get(f"{proxy.url}/cache", timeout=5).json()["maxSize"] == 200


def test_heartbeats_keep_a_slow_stream_alive(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(first_heartbeat_s=0.1, heartbeat_interval_s=0.2)
    proxy.fake.hang(1.0)
    started = time.monotonic()
    seen: list[tuple[float, str]] = []
    with httpx.stream("POST", f"{proxy.url}/v1/chat/completions", timeout=10, json={
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
