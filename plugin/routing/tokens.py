"""Input-token estimates, cheap enough for the per-request hot path.

Characters / 4, the usual rule of thumb for English and code (and what ClawRouter uses); it under-counts CJK
text, which the context-window margin absorbs. Tool definitions are not walked or serialised: doing so for
OpenClaw's 11 tools costs more than routing the whole request, so each tool is charged a flat allowance
(OpenClaw's tools average ~860 characters of JSON each).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

# JSON bodies are dicts: test for dict first, the Mapping ABC check is ten times slower.
MAPPINGS = (dict, Mapping)
CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD_CHARS = 16  # role, separators
IMAGE_TOKENS = 1_000  # upstream bills an image as roughly this many tokens, not by its base64 length
TOOL_CHARS = 860


def content_chars(content: object) -> int:
    """Characters of a message ``content`` (string or list of parts); an image part counts as IMAGE_TOKENS."""
    if isinstance(content, str):
        return len(content)
    total = 0
    if isinstance(content, list):
        for part in content:
            if isinstance(part, MAPPINGS):
                text = part.get("text")
                if isinstance(text, str):
                    total += len(text)
                elif isinstance(part.get("type"), str) and part["type"] in IMAGE_PART_TYPES:
                    total += IMAGE_TOKENS * CHARS_PER_TOKEN
    return total


IMAGE_PART_TYPES = frozenset({"image_url", "input_image", "image"})


def message_chars(message: Mapping[str, Any]) -> int:
    total = MESSAGE_OVERHEAD_CHARS + content_chars(message.get("content"))
    tool_calls = message.get("tool_calls")
    if isinstance(tool_calls, list):
        for call in tool_calls:
            function = call.get("function") if isinstance(call, MAPPINGS) else None
            if isinstance(function, MAPPINGS):
                arguments = function.get("arguments")
                total += len(arguments) if isinstance(arguments, str) else 0
                total += MESSAGE_OVERHEAD_CHARS
    return total


def tools_chars(tools: object) -> int:
    return len(tools) * TOOL_CHARS if isinstance(tools, list) else 0


def chars_to_tokens(chars: int) -> int:
    return math.ceil(chars / CHARS_PER_TOKEN)


def estimate_input_tokens(body: Mapping[str, Any]) -> int:
    """Estimated prompt tokens of a chat-completions body (messages and tool definitions); never raises."""
    if not isinstance(body, MAPPINGS):
        return 0
    messages = body.get("messages")
    chars = tools_chars(body.get("tools"))
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, MAPPINGS):
                chars += message_chars(message)
    return chars_to_tokens(chars)
