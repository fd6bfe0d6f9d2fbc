"""Reading a request body, and turning a chat-completions body into the routing core's request model."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from pyclawrouter.errors import BadRequestError
from pyclawrouter.proxy import cap_stop
from pyclawrouter.proxy.errors import PayloadTooLargeError, RequestTimeoutError
from pyclawrouter.proxy.json_body import parse_json_body
from pyclawrouter.routing.request import ChatRequest, parse_request

# A client that stops sending half-way through its body would otherwise hold the request (and its connection)
# open forever; loopback clients send a 20 MB body in well under a second.
BODY_CHUNK_TIMEOUT_S = 30.0
# Session ids are opaque tokens (OpenClaw sends a UUID); they end up in logs and cache keys.
_MAX_SESSION_ID = 256


@dataclass(frozen=True, slots=True)
class ChatCall:
    """One ``POST /v1/chat/completions`` as it arrived: the routing core's :class:`ChatRequest` (validated, the
    messages read once) plus what only the transport knows (the flags, the headers, the bytes)."""

    request: ChatRequest
    body: dict[str, Any]  # the parsed JSON; what is forwarded upstream besides the messages
    raw: bytes
    stream: bool
    session_header: str | None
    skip_cache: bool
    wants_usage: bool
    debug: bool
    in_chat: bool
    """The client is OpenClaw (its provider block sends ``x-clawrouter-client: openclaw``): a spend-cap stop is
    told as an answer (:mod:`~pyclawrouter.proxy.cap_stop`), not as the 429 other clients get."""


async def read_body(request: Request, limit: int, *, chunk_timeout_s: float = BODY_CHUNK_TIMEOUT_S) -> bytes:
    """Read the body, refusing (413) as soon as it passes ``limit`` bytes rather than after buffering it all,
    and (408) when the client sends nothing for ``chunk_timeout_s`` seconds."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"Request body is {int(declared)} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    stream = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), chunk_timeout_s)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise RequestTimeoutError(f"The request body stopped arriving (nothing for {chunk_timeout_s:g} s "
                                      f"after {size} bytes)") from None
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"Request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def header_text(request: Request, name: str, *, max_length: int = 1024) -> str | None:
    """A header's value if it is printable ASCII (stripped; None when absent or empty), else a 400 naming it.

    HTTP header values arrive as bytes and Starlette decodes them as Latin-1, so a non-ASCII value would
    otherwise travel on into comparisons, logs and cache keys that expect text."""
    value = request.headers.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isprintable()) or len(value) > max_length:
        raise BadRequestError(f"The {name} header must be printable ASCII of at most {max_length} characters")
    return value.strip() or None


def parse_json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise BadRequestError("Request body is empty; expected a JSON object")
    body = parse_json_body(raw)
    if not isinstance(body, dict):
        raise BadRequestError(f"Request body must be a JSON object, not {type(body).__name__}")
    return body


def parse_chat_call(raw: bytes, request: Request) -> ChatCall:
    """Bytes to the one request model (400 with the reason when the body is not a chat request), then the
    transport flags; the messages are the routing core's to read."""
    body = parse_json_object(raw)
    chat = parse_request(body)
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequestError("'stream' must be true or false")
    options = body.get("stream_options")
    headers = request.headers
    return ChatCall(
        request=chat,
        body=body,
        raw=raw,
        stream=stream,
        session_header=header_text(request, "x-session-id", max_length=_MAX_SESSION_ID),
        skip_cache="no-cache" in headers.get("cache-control", "").lower()
        or body.get("cache") is False or body.get("no_cache") is True,
        wants_usage=isinstance(options, dict) and options.get("include_usage") is True,
        debug=headers.get("x-clawrouter-debug", "true").lower() != "false",
        in_chat=cap_stop.answers_in_chat(headers),
    )
