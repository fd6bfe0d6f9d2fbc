"""The proxy follows the gateway's live model list: what it no longer lists is not routed to, not listed,
and an explicit request for it is refused unless the user allows it."""

from __future__ import annotations

import time

import httpx
import pytest

from pyclawrouter.routing.config import RoutingConfig
from tests.proxy.conftest import Proxy, ProxyFactory
from tests.support.fake_blockrun import FakeBlockRun

PROMPT = "Summarize the causes of the French Revolution in three paragraphs, with dates"


def wait_live(proxy: Proxy) -> None:
    deadline = time.monotonic() + 10
    while not proxy.ctx.live.state.priced_by.startswith("live") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proxy.ctx.live.state.priced_by.startswith("live"), proxy.ctx.live.last_error


@pytest.fixture
def retired(fake: FakeBlockRun) -> str:
    """The MEDIUM primary, retired from the stand-in's list (as the gateway retires ids)."""
    primary = RoutingConfig.from_mapping(None).choice("auto", "MEDIUM").chain[0]
    fake.models = tuple(m for m in fake.models if m != primary)
    return primary


def test_a_retired_model_is_not_routed_to_listed_or_explicitly_served(start_proxy: ProxyFactory,
                                                                      retired: str) -> None:
    proxy = start_proxy()
    wait_live(proxy)
    answer = httpx.post(f"{proxy.url}/v1/chat/completions", timeout=20,
                        headers={**proxy.auth, "x-clawrouter-debug": "1"},
                        json={"model": "auto", "messages": [{"role": "user", "content": PROMPT}]})
    assert answer.status_code == 200
    assert retired not in {r.model for r in proxy.fake.requests}
    listed = {m["id"] for m in httpx.get(f"{proxy.url}/v1/models", headers=proxy.auth, timeout=5).json()["data"]}
    assert retired not in listed and "blockrun/auto" in listed
    refused = httpx.post(f"{proxy.url}/v1/chat/completions", headers=proxy.auth, timeout=20,
                         json={"model": retired, "messages": [{"role": "user", "content": "hi"}]})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "model_not_listed" and "allowUnlistedModels" in error["message"]
    assert retired not in {r.model for r in proxy.fake.requests}
    deadline = time.monotonic() + 5
    while not proxy.usage_lines() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proxy.usage_lines()[0]["pricedBy"].startswith("live ")
    assert httpx.get(f"{proxy.url}/stats", timeout=5).json()["pricedBy"].startswith("live ")


def test_allow_unlisted_models_sends_it_priced_at_the_hard_cap(start_proxy: ProxyFactory, retired: str) -> None:
    proxy = start_proxy(config={"allowUnlistedModels": True, "maxCostPerRun": 0.5, "maxCostPerRunMode": "strict"})
    wait_live(proxy)
    refused = httpx.post(f"{proxy.url}/v1/chat/completions", headers=proxy.auth, timeout=20,
                         json={"model": retired, "messages": [{"role": "user", "content": "hi"}]})
    assert refused.status_code == 429  # priced at the $1 hard cap, it cannot fit a $0.50 cap
    proxy2 = start_proxy(config={"allowUnlistedModels": True})
    wait_live(proxy2)
    sent = httpx.post(f"{proxy2.url}/v1/chat/completions", headers=proxy2.auth, timeout=20,
                      json={"model": retired, "messages": [{"role": "user", "content": "hi"}]})
    assert sent.status_code == 200 and retired in {r.model for r in proxy2.fake.requests}


def test_a_failed_refresh_keeps_the_last_complete_view(start_proxy: ProxyFactory, retired: str) -> None:
    proxy = start_proxy()
    wait_live(proxy)
    before = proxy.ctx.live.state
    import asyncio

    async def refresh(api_base: str) -> bool:
        async with httpx.AsyncClient() as client:
            return await proxy.ctx.live.refresh(client, api_base)

    assert asyncio.run(refresh("http://127.0.0.1:9")) is False  # nothing listens there
    assert asyncio.run(refresh(proxy.ctx.settings.api_base + "/nowhere")) is False  # a 404
    assert proxy.ctx.live.state is before and retired in proxy.ctx.live.state.unlisted
    assert proxy.ctx.live.last_error


def test_pyclawrouter_models_lists_what_the_gateway_serves_now(fake: FakeBlockRun, fake_url: str,
                                                               retired: str) -> None:
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "BLOCKRUN_API_BASE": f"{fake_url}/api"}
    done = subprocess.run([sys.executable, "-m", "pyclawrouter", "models", "--json"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    ids = {row["id"] for row in listing["models"]}
    assert retired not in ids and listing["pricedBy"].startswith("live ")
    free = [row for row in listing["models"] if row["status"] == "free"]
    assert free and all(row["input"] == 0 for row in free)
    text = subprocess.run([sys.executable, "-m", "pyclawrouter", "models"], env=env, capture_output=True,
                          text=True, timeout=60).stdout
    assert "priced by the live" in text and retired not in text
