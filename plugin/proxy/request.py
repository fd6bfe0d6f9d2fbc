"""Reading and validating a chat-completions request before anything else looks at it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from pyclawrouter.errors import BadRequestError
from pyclawrouter.proxy.errors import PayloadTooLargeError, RequestTimeoutError
from pyclawrouter.proxy.json_body import parse_json_body

# A client that stops sending half-way through its body would otherwise hold the request (and its connection)
# open forever; loopback clients send a 20 MB body in well under a second.
BODY_CHUNK_TIMEOUT_S = 30.0
# Session ids are opaque tokens (OpenClaw sends a UUID); they end up in logs and cache keys.
_MAX_SESSION_ID = 256

_ROLES = {"system", "developer", "user", "assistant", "tool", "function", "model"}


@dataclass
class ChatRequest:
    body: dict[str, Any]
    raw: bytes
    stream: bool
    model_field: str
    session_header: str | None
    skip_cache: bool
    wants_usage: bool
    debug: bool


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


def parse_chat_request(raw: bytes, request: Request) -> ChatRequest:
    body = parse_json_object(raw)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequestError("'messages' is required and must be a non-empty list of message objects")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise BadRequestError(f"messages[{index}] must be an object, not {type(message).__name__}")
        role = message.get("role")
        if not isinstance(role, str) or role not in _ROLES:
            raise BadRequestError(f"messages[{index}].role must be one of {', '.join(sorted(_ROLES))}; got {role!r}")
    model = body.get("model", "auto")
    if not isinstance(model, str) or not model.strip():
        raise BadRequestError("'model' must be a non-empty string, e.g. \"blockrun/auto\"")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequestError("'stream' must be true or false")
    for key in ("max_tokens", "max_completion_tokens"):
        value = body.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise BadRequestError(f"'{key}' must be a positive integer")
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise BadRequestError("'tools' must be a list")
    options = body.get("stream_options")
    headers = request.headers
    return ChatRequest(
        body=body,
        raw=raw,
        stream=stream,
        model_field=model.strip(),
        session_header=header_text(request, "x-session-id", max_length=_MAX_SESSION_ID),
        skip_cache="no-cache" in headers.get("cache-control", "").lower()
        or body.get("cache") is False or body.get("no_cache") is True,
        wants_usage=isinstance(options, dict) and options.get("include_usage") is True,
        debug=headers.get("x-clawrouter-debug", "true").lower() != "false",
    )
