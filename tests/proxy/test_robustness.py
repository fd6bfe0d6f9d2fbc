"""Bad bytes, deep nesting and odd headers get a 400/401 that says what was wrong, never a 500 or a crash."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from pyclawrouter.proxy.json_body import MAX_JSON_DEPTH, nesting_exceeds, parse_json_body
from tests.proxy.conftest import Proxy


def _raw_request(proxy: Proxy, head: bytes, body: bytes = b"") -> bytes:
    """Send bytes exactly as given (httpx would refuse or re-encode some of them) and read the whole answer."""
    host, port = proxy.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _host(proxy: Proxy) -> bytes:
    """The Host header the proxy answers: its own loopback address and port."""
    return proxy.url.removeprefix("http://").encode()


def _nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def _chat(content: str = "hi", **extra: object) -> dict[str, object]:
    return {"model": "auto", "messages": [{"role": "user", "content": content}], **extra}


# --- nesting depth -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("depth", "too_deep"), [(MAX_JSON_DEPTH, False), (MAX_JSON_DEPTH + 1, True)])
def test_depth_limit_is_exact_for_arrays_and_objects(depth: int, too_deep: bool) -> None:
    assert nesting_exceeds(_nested(depth).encode()) is too_deep
    objects = '{"a":' * depth + "1" + "}" * depth
    assert nesting_exceeds(objects.encode()) is too_deep
    mixed = '{"a":[' * (depth // 2) + ("{}" if depth % 2 else "1") + "]}" * (depth // 2)
    assert nesting_exceeds(mixed.encode()) is too_deep
    # Many shallow siblings are not depth.
    assert nesting_exceeds(("[" + ",".join([_nested(depth - 1)] * 50) + "]").encode()) is too_deep


@pytest.mark.parametrize("text", [
    json.dumps({"content": "[" * 5000}),                     # brackets inside a string
    json.dumps({"content": 'a \\" [[[[' + "{" * 5000}),       # after an escaped quote, still inside
    json.dumps({"content": "ends with a backslash \\", "x": "[" * 5000}),
    json.dumps({"a": ["\\\\\"[[[[[[[[" * 1000]}),
])
def test_brackets_inside_strings_do_not_count(text: str) -> None:
    assert json.loads(text)  # the cases are valid JSON
    assert not nesting_exceeds(text.encode())


def test_unclosed_brackets_count_as_depth() -> None:
    assert nesting_exceeds(b"[" * (MAX_JSON_DEPTH + 1))
    assert nesting_exceeds(b"]" * 10 + b"[" * (MAX_JSON_DEPTH + 1))
    assert not nesting_exceeds(b"[" * 10 + b"]" * 100)


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/images/generations", "/v1/images/image2image",
                                  "/plugin/command/stats"])
def test_too_deep_body_is_400_naming_the_limit_on_every_json_endpoint(proxy: Proxy, path: str) -> None:
    # /v1/* takes the API key, the command endpoint the command token.
    token = proxy.api_key if path.startswith("/v1/") else (proxy.home / "command-token").read_text().strip()
    body = '{"model": "auto", "prompt": "x", "args": "", "messages": [{"role": "user", "content": "hi"}], "x": '
    body += _nested(MAX_JSON_DEPTH + 1) + "}"
    answer = httpx.post(f"{proxy.url}{path}", content=body, timeout=10,
                        headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "json_too_deep" and f"limit is {MAX_JSON_DEPTH}" in error["message"]
    assert proxy.fake.requests == []


def test_200kb_of_nested_arrays_is_400_and_the_proxy_keeps_serving(proxy: Proxy) -> None:
    body = _nested(100_000).encode()
    assert len(body) >= 200_000
    answer = httpx.post(f"{proxy.url}/v1/chat/completions", content=body, timeout=30,
                        headers={"content-type": "application/json", **proxy.auth})
    assert answer.status_code == 400 and "more than 64 levels" in answer.json()["error"]["message"]
    ok = proxy.client().chat.completions.create(model="free", messages=[{"role": "user", "content": "still up?"}])
    assert ok.choices[0].message.content


def test_nesting_at_the_limit_in_a_real_request_still_goes_through(proxy: Proxy) -> None:
    text = json.dumps(_chat("[" * 3000 + "brackets in text are fine"))
    answer = httpx.post(f"{proxy.url}/v1/chat/completions", content=text, timeout=20,
                        headers={"content-type": "application/json", **proxy.auth})
    assert answer.status_code == 200, answer.text


# --- text that is not text -----------------------------------------------------------------------------------

def test_lone_surrogate_in_a_message_is_400_naming_the_field(proxy: Proxy) -> None:
    body = b'{"model": "auto", "messages": [{"role": "system", "content": "ok"}, ' \
           b'{"role": "user", "content": [{"type": "text", "text": "bad \\ud800 here"}]}]}'
    answer = httpx.post(f"{proxy.url}/v1/chat/completions", content=body, timeout=10,
                        headers={"content-type": "application/json", **proxy.auth})
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]["message"]
    assert "messages[1].content[0].text" in message and "surrogate" in message
    assert proxy.fake.requests == []


@pytest.mark.parametrize(("raw", "where"), [
    (b'{"a": {"\\udfff": 1}}', "a key in a"),
    (b'["x", "\\udbff"]', "[1]"),
    (b'{"tools": [{"function": {"description": "\\ud83d"}}]}', "tools[0].function.description"),
])
def test_lone_surrogates_anywhere_are_found_by_path(raw: bytes, where: str) -> None:
    with pytest.raises(Exception, match="surrogate") as info:
        parse_json_body(raw)
    assert where in str(info.value)


def test_a_surrogate_pair_is_a_character_and_accepted(proxy: Proxy) -> None:
    body = b'{"model": "free", "messages": [{"role": "user", "content": "smile \\ud83d\\ude00"}]}'
    assert parse_json_body(body)["messages"][0]["content"] == "smile \U0001F600"
    answer = httpx.post(f"{proxy.url}/v1/chat/completions", content=body, timeout=20,
                        headers={"content-type": "application/json", **proxy.auth})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("body", [b'{"model": "auto", "messages": [{"role": "user", "content": "\xff\xfe"}]}',
                                  '{"model": "auto"}'.encode("utf-16")])
def test_a_body_that_is_not_utf8_is_400(proxy: Proxy, body: bytes) -> None:
    answer = httpx.post(f"{proxy.url}/v1/chat/completions", content=body, timeout=10,
                        headers={"content-type": "application/json", **proxy.auth})
    assert answer.status_code == 400 and "UTF-8" in answer.json()["error"]["message"]


# --- headers -------------------------------------------------------------------------------------------------

def test_non_ascii_authorization_on_a_command_is_401_not_500(proxy: Proxy) -> None:
    answer = _raw_request(proxy, b"POST /plugin/command/stats HTTP/1.1\r\nhost: " + _host(proxy) + b"\r\n"
                                 b"authorization: Bearer \xc3\xa9t\xe9\xff\r\ncontent-type: application/json\r\n",
                          b'{"args": ""}')
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"command token is required" in answer


def test_non_ascii_session_header_is_400_naming_it(proxy: Proxy) -> None:
    body = json.dumps(_chat()).encode()
    answer = _raw_request(proxy, b"POST /v1/chat/completions HTTP/1.1\r\nhost: " + _host(proxy) + b"\r\n"
                                 b"authorization: Bearer " + proxy.api_key.encode() + b"\r\n"
                                 b"x-session-id: caf\xc3\xa9\r\ncontent-type: application/json\r\n", body)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"x-session-id header must be printable ASCII" in answer
    assert proxy.fake.requests == []
