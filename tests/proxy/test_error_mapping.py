"""A fault of ours is a 500 and an upstream failure a 502, the same in JSON and in a stream, never a traceback."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.proxy.conftest import ProxyFactory

BODY = {"model": "auto", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 20}


@pytest.mark.parametrize("stream", [False, True])
def test_a_bug_of_ours_is_a_500_in_json_and_in_a_stream(start_proxy: ProxyFactory, stream: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = start_proxy()

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(proxy.ctx.upstream, "post", broken)
    response = httpx.post(f"{proxy.url}/v1/chat/completions", json={**BODY, "stream": stream}, headers=proxy.auth,
                          timeout=20)
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error" and "secret internal detail" not in response.text


@pytest.mark.parametrize("stream", [False, True])
def test_an_upstream_that_keeps_failing_is_a_502_in_json_and_in_a_stream(start_proxy: ProxyFactory,
                                                                         stream: bool) -> None:
    proxy = start_proxy()
    proxy.fake.fail_status(500, times=None, stage="request")
    response = httpx.post(f"{proxy.url}/v1/chat/completions", json={**BODY, "stream": stream}, headers=proxy.auth,
                          timeout=20)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "all_models_failed"
