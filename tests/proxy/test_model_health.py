"""The gateway's own health report moves a failing model to the back of its chain: tried after the others,
still tried when they fail, and the answer, the usage line and /stats say it was health."""

from __future__ import annotations

import asyncio
import time

import httpx

from pyclawrouter.routing.config import RoutingConfig
from tests.proxy.conftest import Proxy, ProxyFactory
from tests.support.fake_blockrun import FakeBlockRun

PROMPT = "Summarize the causes of the French Revolution in three paragraphs, with dates"
BODY = {"model": "auto", "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 100}


def wait_health(proxy: Proxy, model: str) -> None:
    deadline = time.monotonic() + 10
    while model not in proxy.ctx.live.health and time.monotonic() < deadline:
        time.sleep(0.02)
    assert model in proxy.ctx.live.health, proxy.ctx.live.health_error


def test_a_model_with_a_high_error_rate_is_tried_after_the_others(start_proxy: ProxyFactory,
                                                                  fake: FakeBlockRun) -> None:
    chain = RoutingConfig.from_mapping(None).choice("auto", "MEDIUM").chain
    primary = chain[0]
    fake.model_health[primary] = {"errorRate24h": 0.45}
    proxy = start_proxy()
    wait_health(proxy, primary)
    answer = httpx.post(f"{proxy.url}/v1/chat/completions", json=BODY, timeout=20,
                        headers={**proxy.auth, "x-session-id": "health-1"})
    assert answer.status_code == 200 and answer.headers["x-clawrouter-tier"] == "MEDIUM"
    assert fake.requests[0].model != primary
    assert answer.headers["x-clawrouter-model"] != primary
    assert f"{primary};reason=health" in answer.headers["x-clawrouter-demoted"]
    stats = httpx.get(f"{proxy.url}/stats", timeout=10).json()
    entry = next(e for e in stats["demotedModels"] if e["model"] == primary)
    assert entry["reason"] == "health" and entry["errorRate24h"] == 0.45
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(line.get("demoted") for line in proxy.usage_lines()):
        time.sleep(0.02)
    assert {"model": primary, "reason": "health"} in next(
        line["demoted"] for line in proxy.usage_lines() if line.get("demoted"))

    # Still a last resort: when every other model of the chain fails, the demoted one answers.
    for model in chain[1:]:
        fake.fail_status(500, model=model, times=None, stage="request")
    fake.requests.clear()
    last = httpx.post(f"{proxy.url}/v1/chat/completions", json={**BODY, "temperature": 0.5}, timeout=30,
                      headers={**proxy.auth, "x-session-id": "health-2"})
    assert last.status_code == 200, (last.text, [r.model for r in fake.requests], chain)
    assert last.headers["x-clawrouter-model"] == primary
    assert fake.requests[-1].model == primary and fake.requests[0].model != primary


def test_a_failed_health_read_keeps_the_last_good_rows(start_proxy: ProxyFactory, fake: FakeBlockRun) -> None:
    primary = RoutingConfig.from_mapping(None).choice("auto", "MEDIUM").chain[0]
    fake.model_health[primary] = {"errorRate24h": 0.45}
    proxy = start_proxy()
    wait_health(proxy, primary)
    before = proxy.ctx.live.health

    async def refresh(api_base: str) -> bool:
        async with httpx.AsyncClient() as client:
            return await proxy.ctx.live.refresh_health(client, api_base)

    assert asyncio.run(refresh("http://127.0.0.1:9")) is False  # nothing listens there
    assert asyncio.run(refresh(proxy.ctx.settings.api_base + "/nowhere")) is False  # a 404
    assert proxy.ctx.live.health is before and proxy.ctx.live.health_error
    fake.model_health[primary] = {"synthetic": True}  # no longer judged from real traffic
    assert asyncio.run(refresh(proxy.ctx.settings.api_base)) is True
    assert primary not in proxy.ctx.live.health and proxy.ctx.live.health_error is None
