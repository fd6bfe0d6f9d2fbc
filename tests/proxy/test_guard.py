"""Nobody but the owner's own clients can spend: what a web page (cross-site, rebinding, another localhost port)
or a local process without the API key sends is refused before it is routed, sent upstream or paid."""

from __future__ import annotations

import logging
import socket
from typing import Any

import httpx
import openai
import pytest

from tests.proxy.conftest import Proxy, ProxyFactory

CHAT = {"model": "auto", "messages": [{"role": "user", "content": "What is 2 + 2?"}], "max_tokens": 20}


@pytest.fixture
def proxy(start_proxy: ProxyFactory) -> Proxy:
    """This module's proxy requires the API key (the shared fixture does not yet, see tests/proxy/conftest.py)."""
    return start_proxy(config={"requireApiKey": True})


def _port(proxy: Proxy) -> int:
    return int(proxy.url.rsplit(":", 1)[1])


def _chat(proxy: Proxy, headers: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(f"{proxy.url}/v1/chat/completions", headers={**proxy.auth, **(headers or {})}, json=CHAT,
                      timeout=10)


def _assert_refused(proxy: Proxy, response: httpx.Response, status: int, code: str, *words: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    for word in words:
        assert word in error["message"], error["message"]
    assert proxy.fake.requests == [] and proxy.fake.payments == []  # never sent upstream, never paid
    assert "choices" not in response.text


@pytest.mark.parametrize("host", ["evil.example:{port}", "rebind.test:{port}", "127.0.0.1", "localhost",
                                  "127.0.0.1:1", "127.0.0.1.nip.io:{port}", "0.0.0.0:{port}"])
def test_a_foreign_host_or_a_missing_port_is_403(proxy: Proxy, host: str) -> None:
    shown = host.format(port=_port(proxy))
    response = _chat(proxy, {"host": shown})
    _assert_refused(proxy, response, 403, "forbidden_host", f"Host '{shown}'", f"127.0.0.1:{_port(proxy)}")


def test_dns_rebinding_cannot_read_health_or_stats(proxy: Proxy) -> None:
    for path in ("/health", "/stats", "/cache", "/v1/models"):
        response = httpx.get(f"{proxy.url}{path}", headers={"host": f"rebind.test:{_port(proxy)}"}, timeout=5)
        _assert_refused(proxy, response, 403, "forbidden_host")
        assert proxy.wallet_address not in response.text


def test_a_second_host_header_cannot_hide_behind_a_good_one(proxy: Proxy) -> None:
    good = f"127.0.0.1:{_port(proxy)}".encode()
    raw = (b"GET /health HTTP/1.1\r\nhost: " + good + b"\r\nhost: rebind.test\r\nconnection: close\r\n\r\n")
    assert _raw(proxy, raw).startswith((b"HTTP/1.1 403", b"HTTP/1.1 400"))  # the server or the guard refuses


def test_a_request_without_host_is_403(proxy: Proxy) -> None:
    answer = _raw(proxy, b"GET /health HTTP/1.0\r\n\r\n")  # HTTP/1.0 may omit Host
    assert answer.startswith(b"HTTP/1.1 403") and b"Host missing" in answer


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1:{port}",
                                    "http://localhost.evil.example:{port}"])
def test_a_foreign_origin_is_403(proxy: Proxy, origin: str) -> None:
    shown = origin.format(port=_port(proxy))
    response = _chat(proxy, {"origin": shown})
    _assert_refused(proxy, response, 403, "forbidden_origin", f"Origin '{shown}'", f"http://127.0.0.1:{_port(proxy)}")


@pytest.mark.parametrize("site", ["cross-site", "same-site", "bogus"])
def test_a_request_the_browser_marks_as_from_another_site_is_403(proxy: Proxy, site: str) -> None:
    response = _chat(proxy, {"sec-fetch-site": site})
    _assert_refused(proxy, response, 403, "forbidden_fetch_site", f"'{site}'", "same-origin")


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8",
                                          "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          None])
def test_a_post_body_that_is_not_json_is_415(proxy: Proxy, content_type: str | None) -> None:
    # What a page can send without a CORS preflight (no-cors fetch, a form), or a body with no type at all.
    headers = {**proxy.auth, **({"content-type": content_type} if content_type else {})}
    response = httpx.post(f"{proxy.url}/v1/chat/completions", headers=headers, timeout=10,
                          content=b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}]}')
    _assert_refused(proxy, response, 415, "unsupported_media_type", "application/json",
                    f"'{content_type.split(';')[0]}'" if content_type else "missing")


def test_text_plain_to_a_command_is_415_too(proxy: Proxy) -> None:
    token = (proxy.home / "command-token").read_text().strip()
    response = httpx.post(f"{proxy.url}/plugin/command/stats", content=b'{"args": "clear"}', timeout=10,
                          headers={"authorization": f"Bearer {token}", "content-type": "text/plain"})
    _assert_refused(proxy, response, 415, "unsupported_media_type")


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic {key}", "{key}", "Bearer {key}x",
                                           "Bearer ключ".encode(), b"Bearer \xff\xfe"])
def test_v1_needs_the_api_key(proxy: Proxy, authorization: str | bytes | None) -> None:
    if isinstance(authorization, str):
        authorization = authorization.format(key=proxy.api_key)
    headers = {"content-type": "application/json", **({"authorization": authorization} if authorization else {})}
    response = httpx.post(f"{proxy.url}/v1/chat/completions", json=CHAT, headers=headers, timeout=10)
    _assert_refused(proxy, response, 401, "invalid_api_key", "Authorization: Bearer", "pyclawrouter key")
    models = httpx.get(f"{proxy.url}/v1/models", headers={k: v for k, v in headers.items() if k != "content-type"},
                       timeout=5)
    assert models.status_code == 401


def test_the_openai_sdk_with_the_key_works_and_without_it_is_refused(proxy: Proxy) -> None:
    answer = proxy.client().chat.completions.create(**CHAT)  # type: ignore[call-overload]
    assert answer.choices[0].message.content.startswith("Fake reply from ")
    assert len(proxy.fake.settled) == 1
    wrong = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="x402-proxy-handles-auth", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="pyclawrouter key"):
        wrong.chat.completions.create(**CHAT)  # type: ignore[call-overload]
    assert len(proxy.fake.settled) == 1


def test_the_scheme_is_case_insensitive_and_localhost_works(proxy: Proxy) -> None:
    response = _chat(proxy, {"authorization": f"bearer {proxy.api_key}", "host": f"localhost:{_port(proxy)}"})
    assert response.status_code == 200, response.text


def test_the_proxys_own_pages_may_call_it(proxy: Proxy) -> None:
    # A page served by the proxy itself (the dashboard) sends its own origin and Sec-Fetch-Site: same-origin.
    response = _chat(proxy, {"origin": f"http://127.0.0.1:{_port(proxy)}", "sec-fetch-site": "same-origin"})
    assert response.status_code == 200, response.text
    health = httpx.get(f"{proxy.url}/health", headers={"sec-fetch-site": "none"}, timeout=5)
    assert health.status_code == 200 and health.json()["wallet"] == proxy.wallet_address


def test_require_api_key_false_turns_the_key_check_off(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(config={"requireApiKey": False})
    response = httpx.post(f"{proxy.url}/v1/chat/completions", json=CHAT, timeout=10)
    assert response.status_code == 200, response.text
    # The other checks stay on: a web page still cannot spend.
    refused = httpx.post(f"{proxy.url}/v1/chat/completions", json=CHAT, timeout=10,
                         headers={"origin": "http://evil.example"})
    assert refused.status_code == 403 and len(proxy.fake.settled) == 1


def test_the_key_is_created_once_private_and_kept(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy()
    key_file = proxy.home / "api-key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600" and oct(proxy.home.stat().st_mode & 0o777) == "0o700"
    again = start_proxy()
    assert again.api_key == proxy.api_key  # a restart keeps the key every client holds


def test_deleting_stats_needs_the_command_token(proxy: Proxy) -> None:
    proxy.client().chat.completions.create(**CHAT)  # type: ignore[call-overload]
    assert httpx.get(f"{proxy.url}/stats", timeout=5).json()["totalRequests"] == 1  # flushes the usage log
    logs = list((proxy.home / "logs").glob("usage-*.jsonl"))
    for headers in ({}, proxy.auth, {"authorization": "Bearer nope"}, {"authorization": "Bearer ключ".encode()}):
        response = httpx.delete(f"{proxy.url}/stats", headers=headers, timeout=5)
        assert response.status_code == 401 and "command token" in response.json()["error"]["message"]
    assert logs and all(path.exists() for path in logs)
    assert httpx.get(f"{proxy.url}/stats", timeout=5).json()["totalRequests"] == 1


def test_a_non_ascii_command_token_is_401_not_500(proxy: Proxy) -> None:
    response = httpx.post(f"{proxy.url}/plugin/command/stats", json={"args": ""}, timeout=5,
                          headers={"authorization": "Bearer ключ".encode()})
    assert response.status_code == 401


def test_refusals_are_logged(proxy: Proxy, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pyclawrouter.proxy.guard"):
        _chat(proxy, {"origin": "http://evil.example"})
    assert any("refused POST /v1/chat/completions with 403" in r.getMessage() for r in caplog.records)


def _raw(proxy: Proxy, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", _port(proxy)), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    return received


def test_a_cross_site_websocket_is_closed_before_the_app(proxy: Proxy) -> None:
    # Browsers open WebSockets to any origin without CORS; the guard closes a foreign one at the handshake.
    request = (b"GET /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:" + str(_port(proxy)).encode() + b"\r\n"
               b"origin: http://evil.example\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
               b"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n")
    answer = _raw(proxy, request)
    assert answer.startswith(b"HTTP/1.1 403") and b"101" not in answer.split(b"\r\n", 1)[0]
    assert proxy.fake.requests == []
