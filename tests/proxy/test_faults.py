"""The fault matrix: each upstream failure kind, mid-stream drops, and every model failing."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai
import pytest

from pyclawrouter.routing.catalog import default_catalog
from tests.proxy.conftest import Proxy, ProxyFactory

FREE_MODEL = default_catalog().free_model

PROMPT = [{"role": "user", "content": "Write a Python function that reverses a linked list in place"}]


def _chain(proxy: Proxy) -> list[str]:
    chain = list(proxy.ctx.deps.route({"model": "auto", "messages": PROMPT, "max_tokens": 100}).chain)
    assert len(chain) >= 2
    return chain


def _ask(proxy: Proxy, **kw: Any) -> Any:
    return proxy.client().chat.completions.with_raw_response.create(model="auto", messages=PROMPT, max_tokens=100,
                                                                     **kw)


def _log(proxy: Proxy, count: int = 1) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while len(lines := proxy.usage_lines()) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return lines


@pytest.mark.parametrize(("status", "body", "reason"), [
    (500, None, "server_error"),
    (529, None, "overloaded"),
    (503, {"error": {"message": "no capacity right now"}}, "overloaded"),
    (401, None, "auth_failure"),
    (403, {"error": {"message": "monthly quota exceeded"}}, "quota_exceeded"),
    (400, {"error": {"message": "model temporarily unavailable"}}, "config_error"),
])
def test_provider_errors_fall_back_to_the_next_model(proxy: Proxy, status: int, body: Any, reason: str) -> None:
    chain = _chain(proxy)
    proxy.fake.fail_status(status, body=body, model=chain[0])
    raw = _ask(proxy)
    assert raw.headers["x-clawrouter-model"] == chain[1]
    assert proxy.ctx.cooldowns.snapshot()[chain[0]] == {reason: 1}
    assert len(proxy.fake.settled) == 1 and proxy.fake.settled[0].model == chain[1]


def test_rate_limit_is_retried_once_on_the_same_model(proxy: Proxy) -> None:
    chain = _chain(proxy)
    proxy.fake.fail_status(429, model=chain[0], times=1)
    assert _ask(proxy).headers["x-clawrouter-model"] == chain[0]
    proxy.fake.fail_status(429, model=chain[0], times=2)
    assert _ask(proxy, temperature=0.5).headers["x-clawrouter-model"] == chain[1]
    assert proxy.ctx.cooldowns.cooling(chain[0])  # and it now goes to the end of chains for a minute


def test_degraded_200_and_hang_fall_back(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(attempt_timeout_s=1.0, reasoning_attempt_timeout_s=1.0)
    chain = _chain(proxy)
    proxy.fake.degrade(model=chain[0])
    assert _ask(proxy).headers["x-clawrouter-model"] == chain[1]
    proxy.fake.hang(5.0, model=chain[0])
    started = time.monotonic()
    # another session: the first one is now pinned to the model that answered
    assert _ask(proxy, extra_headers={"x-session-id": "s2"}).headers["x-clawrouter-model"] == chain[1]
    assert time.monotonic() - started < 4


def test_payment_failure_jumps_to_the_free_model_with_a_notice(proxy: Proxy) -> None:
    chain = _chain(proxy)
    proxy.fake.fail_payment("insufficient_funds", model=chain[0])
    raw = _ask(proxy)
    assert raw.headers["x-clawrouter-model"] == FREE_MODEL
    assert "Payment failed" in raw.parse().choices[0].message.content
    assert [r.model for r in proxy.fake.requests if r.paid] == [chain[0]]  # no walk down the paid chain


def test_request_errors_go_straight_back(proxy: Proxy) -> None:
    chain = _chain(proxy)
    proxy.fake.fail_status(422, body={"error": {"message": "messages[0] is malformed", "type": "invalid"}},
                           model=chain[0])
    with pytest.raises(openai.UnprocessableEntityError) as info:
        _ask(proxy)
    assert "malformed" in str(info.value)
    assert [r.model for r in proxy.fake.requests if r.paid] == [chain[0]]


def test_all_models_failing_gives_one_structured_error(proxy: Proxy) -> None:
    chain = _chain(proxy)
    proxy.fake.fail_status(500, times=None)
    with pytest.raises(openai.InternalServerError) as info:
        _ask(proxy)
    error = info.value.body
    assert isinstance(error, dict) and error["code"] == "all_models_failed"
    assert [a["model"] for a in error["attempts"]] == chain[: len(error["attempts"])]
    assert {a["reason"] for a in error["attempts"]} == {"server_error"}
    assert _log(proxy)[0]["status"] == 502
    # A streaming request that fails fast still gets a real status code, not a 200 with an error event.
    with pytest.raises(openai.InternalServerError):
        list(proxy.client().chat.completions.create(model="auto", messages=PROMPT, max_tokens=50, stream=True))


def test_mid_stream_drop_ends_with_an_error_event_and_is_logged(proxy: Proxy) -> None:
    chain = _chain(proxy)
    proxy.fake.drop_stream(after_chunks=3, model=chain[0])
    with httpx.stream("POST", f"{proxy.url}/v1/chat/completions", timeout=10, headers=proxy.auth, json={
        "model": "auto", "messages": PROMPT, "max_tokens": 100, "stream": True}) as response:
        body = response.read().decode()
    assert response.status_code == 200
    events = [line[6:] for line in body.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert json.loads(events[-2])["error"]["code"] == "stream_interrupted"
    line = _log(proxy)[0]
    assert line["status"] == 502 and "interrupted" in line["error"]


def test_drop_before_the_first_chunk_falls_back(proxy: Proxy) -> None:
    chain = _chain(proxy)
    proxy.fake.drop_stream(after_chunks=0, model=chain[0])
    chunks = list(proxy.client().chat.completions.create(model="auto", messages=PROMPT, max_tokens=50, stream=True))
    assert chunks[0].model == chain[1]
