"""Bad input gets a clear OpenAI-style error; a client that goes away cancels the upstream and is logged."""

from __future__ import annotations

import socket
import time
from typing import Any

import httpx
import openai
import pytest

from tests.proxy.conftest import Proxy, ProxyFactory


def _post(proxy: Proxy, content: bytes, **kw: Any) -> httpx.Response:
    return httpx.post(f"{proxy.url}/v1/chat/completions", content=content, timeout=10,
                      headers={"content-type": "application/json", **proxy.auth, **kw.pop("headers", {})}, **kw)


@pytest.mark.parametrize(("body", "needle"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"model": "auto"}', "'messages' must be a non-empty list"),
    (b'{"model": "auto", "messages": "hi"}', "'messages' must be a non-empty list"),
    (b'{"model": "auto", "messages": [{"role": "wizard", "content": "x"}]}', "role"),
    (b'{"model": 7, "messages": [{"role": "user", "content": "x"}]}', "'model'"),
    (b'{"model": "auto", "stream": "yes", "messages": [{"role": "user", "content": "x"}]}', "'stream'"),
    (b'{"model": "auto", "max_tokens": -1, "messages": [{"role": "user", "content": "x"}]}', "max_tokens"),
])
def test_malformed_requests_are_400(proxy: Proxy, body: bytes, needle: str) -> None:
    response = _post(proxy, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert needle in error["message"] and error["type"] == "invalid_request_error"
    assert proxy.fake.requests == []


def test_unknown_model_is_400_with_close_matches(proxy: Proxy) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        proxy.client().chat.completions.create(model="gpt-4o-mni", messages=[{"role": "user", "content": "x"}])
    assert "openai/gpt-4o-mini" in str(info.value)


def test_oversized_body_is_413(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(max_body_bytes=10_000)
    response = _post(proxy, b'{"model": "auto", "messages": [{"role": "user", "content": "' + b"a" * 20_000 + b'"}]}')
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"


def test_unknown_endpoint_and_method(proxy: Proxy) -> None:
    response = httpx.post(f"{proxy.url}/v1/embeddings", json={}, headers=proxy.auth, timeout=5)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = httpx.get(f"{proxy.url}/v1/chat/completions", headers=proxy.auth, timeout=5)
    assert response.status_code == 405 and "error" in response.json()


def test_client_disconnect_mid_stream_cancels_upstream_and_logs(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(first_heartbeat_s=0.1, heartbeat_interval_s=0.2)
    proxy.fake.hang(8.0, times=None)
    host, port = proxy.url.removeprefix("http://").split(":")
    body = b'{"model": "auto", "stream": true, "messages": [{"role": "user", "content": "slow one"}]}'
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nhost: " + f"{host}:{port}".encode() + b"\r\n"
                     b"authorization: Bearer " + proxy.api_key.encode() + b"\r\ncontent-type: application/json\r\n"
                     b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        received = b""
        while b": heartbeat" not in received:
            received += sock.recv(4096)
        assert received.startswith(b"HTTP/1.1 200")
    deadline = time.monotonic() + 5
    while not proxy.usage_lines() and time.monotonic() < deadline:
        time.sleep(0.05)
    line = proxy.usage_lines()[0]
    assert line["status"] == 499
    assert len(proxy.ctx.inflight) == 0
