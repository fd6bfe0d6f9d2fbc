"""The stand-in's answers: an OpenAI-compatible completion for a request, as JSON or as SSE chunks."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Callable
from typing import Any


def canned_message(body: dict[str, Any]) -> dict[str, Any]:
    """"Fake reply from <model>: <the last user message>", which tests look for in what the client shows."""
    last_user = ""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            last_user = content if isinstance(content, str) else json.dumps(content)[:200]
            break
    return {"role": "assistant", "content": f"Fake reply from {body.get('model')}: {last_user[:80]}"}


def chat_completion(body: dict[str, Any], message: dict[str, Any], number: int) -> dict[str, Any]:
    """The chat completion carrying ``message``, its usage counted from the request (bytes/4) and the words."""
    prompt_tokens = math.ceil(len(json.dumps(body.get("messages", []))) / 4)
    completion_tokens = max(1, len(str(message.get("content") or "").split()))
    return {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def sse_stream(
    completion: dict[str, Any], drop_after: int | None, on_done: Callable[[], Any] | None
) -> AsyncIterator[bytes]:
    """``completion`` as SSE: a role chunk, a chunk per word, tool calls, the finish and a usage chunk, then
    ``[DONE]`` (after ``on_done``, where a fake settles late); with ``drop_after``, the connection resets there."""
    base = {
        "id": completion["id"],
        "object": "chat.completion.chunk",
        "created": completion["created"],
        "model": completion["model"],
    }
    message = completion["choices"][0]["message"]
    words = str(message.get("content") or "").split(" ")
    chunks: list[dict[str, Any]] = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
    ]
    for i, word in enumerate(words):
        piece = word if i == 0 else " " + word
        chunks.append({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
    if message.get("tool_calls"):
        calls = [{**c, "index": i} for i, c in enumerate(message["tool_calls"])]
        chunks.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": calls}, "finish_reason": None}]})
    chunks.append(
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": completion["choices"][0]["finish_reason"]}]}
    )
    chunks.append({**base, "choices": [], "usage": completion["usage"]})

    async def generate() -> AsyncIterator[bytes]:
        for sent, chunk in enumerate(chunks):
            if drop_after is not None and sent >= drop_after:
                raise ConnectionResetError("fake upstream dropped the stream")
            yield f"data: {json.dumps(chunk)}\n\n".encode()
            await asyncio.sleep(0)
        if on_done is not None:
            await on_done()
        yield b"data: [DONE]\n\n"

    return generate()
