"""The one request model: a chat-completions body validated, and what routing and the proxy need read out of
it, in one pass over the messages.

Gemini-style ``role: "model"`` is accepted and means ``assistant``: :attr:`ChatRequest.messages` carries it
renamed, so everything downstream (the classifier, sessions, the upstream body) sees one role.

The system prompt is never scanned (only its length counts toward the token estimate): in agent clients it is
tens of kilobytes of boilerplate that says nothing about this turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from pyclawrouter.routing.errors import InvalidRequestError
from pyclawrouter.routing.prompt import clean_user_text, content_text
from pyclawrouter.routing.tokens import (
    CHARS_PER_TOKEN,
    IMAGE_PART_TYPES,
    IMAGE_TOKENS,
    MAPPINGS,
    MESSAGE_OVERHEAD_CHARS,
    chars_to_tokens,
    content_chars,
    message_chars,
    tools_chars,
)

# Other clients' names for a role, and the role they mean.
ROLE_ALIASES = {"model": "assistant"}
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function", *ROLE_ALIASES})
_STRUCTURED_FORMATS = frozenset({"json_object", "json_schema"})


class ChatRequest(NamedTuple):
    model: str | None
    user_text: str  # the user's words for this turn, client wrappers removed
    input_tokens: int  # estimate over all messages and tool definitions
    max_output_tokens: int | None  # as requested (max_completion_tokens, else max_tokens)
    has_tools: bool
    has_images: bool
    structured_output: bool  # response_format asks for JSON
    tool_loop: bool  # tool calls or results came after the user's words: the agent is mid-task
    messages: tuple[Any, ...] = ()  # as sent, validated, aliased roles renamed (ROLE_ALIASES)
    user_index: int = -1  # where user_text came from

    def previous_user_text(self) -> str:
        """The user's words one turn earlier ("" if none). Only a short follow-up ("yes, do it") needs them,
        so they are looked up on demand rather than on every request."""
        for message in reversed(self.messages[: max(self.user_index, 0)]):
            if message.get("role") == "user":
                text = clean_user_text(content_text(message.get("content")))
                if text:
                    return text
        return ""


def parse_request(body: object) -> ChatRequest:
    """Raise :class:`InvalidRequestError` unless ``body`` is a usable chat-completions request."""
    if not isinstance(body, MAPPINGS):
        raise InvalidRequestError(
            f"The request body must be a JSON object with a 'messages' list, got {type(body).__name__}."
        )
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequestError(
            "'messages' must be a non-empty list of {role, content} objects "
            "(this endpoint takes OpenAI chat-completions requests)."
        )
    model = body.get("model")
    if model is not None and (not isinstance(model, str) or not model.strip()):
        raise InvalidRequestError(f"'model' must be a non-empty string such as 'auto', got {model!r}.")
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise InvalidRequestError("'tools' must be a list of tool definitions.")
    has_tools = bool(tools) or bool(body.get("functions"))

    chars = tools_chars(tools)
    has_images = False
    user_text: str | None = None
    user_index = -1
    saw_user = False
    tool_loop = False
    renamed: list[int] = []
    # Newest first: the user's words are in the latest user message that has any once wrappers are removed.
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        role, content, size, images = _scan_message(index, message)
        if role in ROLE_ALIASES:
            role = ROLE_ALIASES[role]
            renamed.append(index)
        chars += size
        has_images = has_images or images
        if user_text is not None:
            continue
        if role == "user":
            saw_user = True
            text = clean_user_text(content_text(content))
            if text or _has_non_text_part(content):
                user_text, user_index = text, index
        elif role in ("tool", "function") or (role == "assistant" and message.get("tool_calls")):
            tool_loop = True
    if not saw_user:
        raise InvalidRequestError("'messages' must include at least one message with role 'user'.")
    normalized = tuple(messages)
    if renamed:
        copy = list(normalized)
        for index in renamed:
            copy[index] = {**copy[index], "role": ROLE_ALIASES[copy[index]["role"]]}
        normalized = tuple(copy)

    return ChatRequest(
        model=model.strip() if isinstance(model, str) else None,
        user_text=user_text or "",
        input_tokens=chars_to_tokens(chars),
        max_output_tokens=_max_output_tokens(body),
        has_tools=has_tools,
        has_images=has_images,
        structured_output=_structured(body.get("response_format")),
        tool_loop=tool_loop and user_text is not None,
        messages=normalized,
        user_index=user_index,
    )


def _scan_message(index: int, message: object) -> tuple[str, Any, int, bool]:
    """Validate one message and measure it in the same pass: (role, content, characters, has an image)."""
    if not isinstance(message, MAPPINGS):
        raise InvalidRequestError(
            f"messages[{index}] must be an object with 'role' and 'content', got {type(message).__name__}."
        )
    role = message.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise InvalidRequestError(f"messages[{index}].role is {role!r}; allowed: {', '.join(sorted(ROLES))}.")
    content = message.get("content")
    size = MESSAGE_OVERHEAD_CHARS
    if message.get("tool_calls"):
        size += message_chars(message) - MESSAGE_OVERHEAD_CHARS - content_chars(content)
    if isinstance(content, str):
        if role == "user" and (not content or content.isspace()):
            raise InvalidRequestError(f"messages[{index}] (user) has empty content.")
        return role, content, size + len(content), False
    if content is None:
        if role in ("user", "system", "developer"):
            raise InvalidRequestError(f"messages[{index}] ({role}) has no 'content'; give it text or content parts.")
        return role, content, size, False
    if not isinstance(content, list):
        raise InvalidRequestError(
            f"messages[{index}].content must be a string or a list of parts, got {type(content).__name__}."
        )
    if role == "user" and not content:
        raise InvalidRequestError(f"messages[{index}] (user) has an empty content list.")
    images = False
    for n, part in enumerate(content):
        kind = part.get("type") if isinstance(part, MAPPINGS) else None
        if not isinstance(kind, str):
            raise InvalidRequestError(f"messages[{index}].content[{n}] must be an object with a 'type' such as 'text'.")
        text = part.get("text")
        if isinstance(text, str):
            size += len(text)
        elif kind == "text":
            raise InvalidRequestError(f"messages[{index}].content[{n}] is a text part without a 'text' string.")
        elif kind in IMAGE_PART_TYPES:
            images = True
            size += IMAGE_TOKENS * CHARS_PER_TOKEN
    return role, content, size, images


def _has_non_text_part(content: Any) -> bool:
    return isinstance(content, list) and any(p.get("type") != "text" for p in content)


def _max_output_tokens(body: Mapping[str, Any]) -> int | None:
    # max_completion_tokens is the current name (OpenClaw sends only it), max_tokens the legacy one. A client
    # that sends both gets the larger: estimating on the smaller could let a request under-count its cost, and
    # the one value sent upstream (as max_tokens, see proxy/rewrite.py) must be the one estimated on.
    found = None
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidRequestError(f"'{key}' must be a positive integer, got {value!r}.")
        found = value if found is None else max(found, value)
    return found


def _structured(response_format: object) -> bool:
    kind = response_format.get("type") if isinstance(response_format, MAPPINGS) else None
    return isinstance(kind, str) and kind in _STRUCTURED_FORMATS
