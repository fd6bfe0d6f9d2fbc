"""Response cache and in-flight dedup, keyed with stream-ness; a failed leader releases its followers."""

from __future__ import annotations

import asyncio

import httpx

from tests.proxy.conftest import Proxy

BODY = {"model": "auto", "messages": [{"role": "user", "content": "What is 2 + 2?"}], "max_tokens": 20}


def test_identical_request_is_served_from_cache_once_paid(proxy: Proxy) -> None:
    first = httpx.post(f"{proxy.url}/v1/chat/completions", json=BODY, headers=proxy.auth, timeout=10)
    second = httpx.post(f"{proxy.url}/v1/chat/completions", json=BODY, headers=proxy.auth, timeout=10)
    assert first.status_code == second.status_code == 200
    assert second.headers["x-clawrouter-cache"] == "hit"
    # The same answer, except that the replay was not paid for again (usage.cost, which OpenClaw records).
    paid, replayed = first.json(), second.json()
    assert paid["usage"]["cost"] == float(first.headers["x-clawrouter-cost"]) > 0 and replayed["usage"]["cost"] == 0
    assert {**replayed, "usage": {**replayed["usage"], "cost": paid["usage"]["cost"]}} == paid
    assert float(first.headers["x-clawrouter-cost"]) > 0 and second.headers["x-clawrouter-cost"] == "0.000000"
    assert len(proxy.fake.settled) == 1
    fresh = httpx.post(f"{proxy.url}/v1/chat/completions", json=BODY, timeout=10,
                       headers={"cache-control": "no-cache", **proxy.auth})
    assert "x-clawrouter-cache" not in fresh.headers and len(proxy.fake.settled) == 2


def test_stream_and_json_never_share_an_answer(proxy: Proxy) -> None:
    httpx.post(f"{proxy.url}/v1/chat/completions", json=BODY, headers=proxy.auth, timeout=10)
    streamed = httpx.post(f"{proxy.url}/v1/chat/completions", json={**BODY, "stream": True},
                          headers=proxy.auth, timeout=10)
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert "x-clawrouter-cache" not in streamed.headers
    again = httpx.post(f"{proxy.url}/v1/chat/completions", json={**BODY, "stream": True},
                          headers=proxy.auth, timeout=10)
    assert again.headers["content-type"].startswith("text/event-stream")
    assert again.headers["x-clawrouter-cache"] == "hit"
    assert "data: [DONE]" in again.text and ": heartbeat" not in again.text
    assert len(proxy.fake.settled) == 2


async def _burst(proxy: Proxy, body: dict[str, object], n: int) -> list[httpx.Response]:
    url = proxy.url
    async with httpx.AsyncClient(timeout=15, headers=proxy.auth) as client:
        return list(await asyncio.gather(*[client.post(f"{url}/v1/chat/completions", json=body) for _ in range(n)]))


def test_identical_requests_in_flight_share_one_upstream_call(proxy: Proxy) -> None:
    proxy.fake.hang(0.5, times=None)
    responses = asyncio.run(_burst(proxy, BODY, 4))
    assert [r.status_code for r in responses] == [200] * 4
    assert sorted(r.headers.get("x-clawrouter-cache", "") for r in responses) == ["", "dedup", "dedup", "dedup"]
    assert len(proxy.fake.settled) == 1


def test_failed_leader_releases_followers_with_an_error(proxy: Proxy) -> None:
    proxy.fake.hang(0.5, times=None, stage="request")
    proxy.fake.fail_status(400, body={"error": {"message": "bad thing", "type": "invalid"}}, times=None)
    responses = asyncio.run(_burst(proxy, BODY, 3))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [400, 503, 503]
    assert len(proxy.ctx.inflight) == 0
