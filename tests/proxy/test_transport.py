"""Both upstream transports (aiohttp, the default, and httpx's own) answer, stream, time out and see drops."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.proxy.conftest import ProxyFactory

PROMPT = [{"role": "user", "content": "Write a Python function that reverses a linked list in place"}]


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_transport_answers_streams_and_falls_back(start_proxy: ProxyFactory, transport: str) -> None:
    proxy = start_proxy(upstream_transport=transport, attempt_timeout_s=1.0, reasoning_attempt_timeout_s=1.0)
    chain = list(proxy.ctx.deps.route({"model": "auto", "messages": PROMPT}).chain)
    client = proxy.client()
    assert client.chat.completions.create(model="auto", messages=PROMPT, max_tokens=20).choices[0].message.content
    chunks = list(client.chat.completions.create(model="auto", messages=PROMPT, max_tokens=21, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Fake reply"), text
    proxy.fake.hang(5.0, model=chain[0])
    # A new session each time: three identical requests in one session would escalate its tier (3 strikes).
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=PROMPT, max_tokens=22,
                                                           extra_headers={"x-session-id": "s3"})
    assert raw.headers["x-clawrouter-model"] == chain[1]
    proxy.fake.drop_stream(after_chunks=3, model=chain[1])
    proxy.fake.fail_status(500, model=chain[0])
    with httpx.stream("POST", f"{proxy.url}/v1/chat/completions", timeout=10,
                      headers={"x-session-id": "s4", **proxy.auth}, json={
            "model": "auto", "messages": PROMPT, "max_tokens": 23, "stream": True}) as response:
        events = [line[6:] for line in response.read().decode().splitlines() if line.startswith("data: ")]
    assert json.loads(events[-2])["error"]["code"] == "stream_interrupted"
    assert len(proxy.fake.settled) == 3  # the fake does not settle a stream it drops
