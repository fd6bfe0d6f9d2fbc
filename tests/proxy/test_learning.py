"""Routing learns from what happens: a model that keeps failing a kind of request goes to the back of it."""

from __future__ import annotations

import time

import httpx
import pytest

from pyclawrouter.upstream import cooldowns
from pyclawrouter.upstream.cooldowns import Cooldowns
from tests.proxy.conftest import ProxyFactory


def test_three_failures_in_half_the_window_demote_a_model_for_that_kind_only() -> None:
    health = Cooldowns()
    for ok in (True, False, False):
        health.outcome("m", "chat", ok)
    assert not health.demoted("m", "chat")
    health.outcome("m", "chat", False)  # 3 of 4
    assert health.demoted("m", "chat") and not health.demoted("m", "tools")
    assert health.order(["m", "n", "o"], "chat") == ["n", "o", "m"]
    assert health.order(["m", "n"], "tools") == ["m", "n"]
    for _ in range(3):
        health.outcome("m", "chat", True)  # 3 of 7: below half
    assert not health.demoted("m", "chat")


def test_demotion_wears_off_after_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(cooldowns.time, "monotonic", lambda: now[0])
    health = Cooldowns()
    for _ in range(3):
        health.outcome("m", "tools", False)
    assert health.demotions() == [{"model": "m", "kind": "tools", "reason": "outcomes"}]
    now[0] += cooldowns.DEMOTE_TTL_S + 1
    assert not health.demoted("m", "tools") and health.demotions() == []


def test_a_model_that_keeps_failing_is_tried_last_and_the_answer_says_so(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy()
    body = {"model": "auto", "messages": [{"role": "user", "content": "Summarize the causes of the French "
                                           "Revolution in three paragraphs, with dates"}], "max_tokens": 100}
    first = httpx.post(f"{proxy.url}/v1/chat/completions", headers=proxy.auth, json=body, timeout=20)
    primary = proxy.fake.requests[0].model
    assert first.status_code == 200 and primary
    proxy.fake.fail_status(500, model=primary, times=None, stage="request")
    for i in range(3):
        answer = httpx.post(f"{proxy.url}/v1/chat/completions", json={**body, "temperature": i / 10}, timeout=20,
                            headers={**proxy.auth, "x-session-id": f"run-{i}"})  # new sessions: no pin, no escalation
        assert answer.status_code == 200  # a fallback answered
    proxy.fake.requests.clear()
    answer = httpx.post(f"{proxy.url}/v1/chat/completions", json={**body, "temperature": 0.9}, timeout=20,
                        headers={**proxy.auth, "x-session-id": "run-new"})
    assert answer.status_code == 200
    assert primary in answer.headers["x-clawrouter-demoted"]
    assert proxy.fake.requests[0].model != primary  # not tried first any more
    stats = httpx.get(f"{proxy.url}/stats", timeout=10).json()
    assert {"model": primary, "kind": "chat", "reason": "outcomes"} in stats["demotedModels"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(line.get("demoted") for line in proxy.usage_lines()):
        time.sleep(0.02)
    assert any({"model": primary, "reason": "outcomes"} in line.get("demoted", []) for line in proxy.usage_lines())
