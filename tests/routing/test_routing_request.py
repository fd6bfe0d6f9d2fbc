"""Request parsing: bad bodies get clear errors; the user's words are found inside OpenClaw's wrappers."""

from __future__ import annotations

from typing import Any

import pytest
from routing_helpers import bare, openclaw_body, wrap_in_openclaw

from pyclawrouter.errors import BadRequestError
from pyclawrouter.routing.errors import InvalidRequestError
from pyclawrouter.routing.prompt import clean_user_text
from pyclawrouter.routing.request import parse_request
from pyclawrouter.routing.tokens import estimate_input_tokens


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("hello", "JSON object"),
        ([], "JSON object"),
        ({}, "'messages' must be a non-empty list"),
        ({"messages": []}, "'messages' must be a non-empty list"),
        ({"messages": "hi"}, "'messages' must be a non-empty list"),
        ({"messages": ["hi"]}, r"messages\[0\] must be an object"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, r"messages\[0\].role is 'robot'; allowed: .*user"),
        ({"messages": [{"role": "user", "content": ""}]}, "empty content"),
        ({"messages": [{"role": "user", "content": "   "}]}, "empty content"),
        ({"messages": [{"role": "user", "content": []}]}, "empty content list"),
        ({"messages": [{"role": "user"}]}, "has no 'content'"),
        ({"messages": [{"role": "user", "content": 42}]}, "string or a list of parts"),
        ({"messages": [{"role": "user", "content": [{"text": "x"}]}]}, r"content\[0\] must be an object with a 'type'"),
        ({"messages": [{"role": "user", "content": [{"type": "text"}]}]}, "without a 'text' string"),
        ({"messages": [{"role": "system", "content": "be nice"}]}, "at least one message with role 'user'"),
        ({"model": 7, "messages": [{"role": "user", "content": "hi"}]}, "'model' must be a non-empty string"),
        ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": -5}, "'max_tokens' must be a positive"),
        ({"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": "9"}, "max_completion_tokens"),
        ({"messages": [{"role": "user", "content": "hi"}], "tools": {"a": 1}}, "'tools' must be a list"),
    ],
)
def test_bad_bodies_raise_a_clear_bad_request(body: Any, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message) as info:
        parse_request(body)
    assert isinstance(info.value, BadRequestError)
    assert info.value.http_status == 400


def test_assistant_tool_call_without_content_is_valid() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "list my files"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "1", "function": {"name": "ls"}}]},
            {"role": "tool", "tool_call_id": "1", "content": "a.py b.py"},
        ]
    }
    request = parse_request(body)
    assert request.user_text == "list my files"
    assert request.tool_loop is True


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, "hello"),
        (2, "Write a Python function that reverses a linked list in place"),
        (3, "Prove that the square root of 2 is irrational, step by step"),
    ],
)
def test_real_openclaw_requests_yield_exactly_the_typed_words(n: int, words: str) -> None:
    request = parse_request(openclaw_body(n))
    assert request.user_text == words
    assert request.has_tools is True
    assert request.tool_loop is False
    assert request.max_output_tokens == 4096  # OpenClaw sends only max_completion_tokens
    # The 47 KB system prompt and 11 tool schemas count toward the input estimate.
    assert 13_000 < request.input_tokens < 16_000


def test_a_model_role_means_assistant_and_the_clients_messages_stay_as_sent() -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "model", "content": "hello"},
                {"role": "user", "content": "and now?"}]
    request = parse_request({"messages": messages})
    assert [m["role"] for m in request.messages] == ["user", "assistant", "user"]
    assert request.messages[0] is messages[0] and messages[1]["role"] == "model"


def test_max_completion_tokens_wins_over_max_tokens() -> None:
    assert parse_request(bare("hi", max_tokens=100, max_completion_tokens=300)).max_output_tokens == 300
    assert parse_request(bare("hi", max_tokens=100)).max_output_tokens == 100
    assert parse_request(bare("hi")).max_output_tokens is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("[Thu 2026-11-26 01:32 UTC] hello", "hello"),
        ("[Mon 2027-01-04 23:59:07 GMT+1] fix it", "fix it"),
        ("hello [Thu 2026-11-26 01:32 UTC]", "hello [Thu 2026-11-26 01:32 UTC]"),
        ("[1, 2, 3] sort this", "[1, 2, 3] sort this"),
        ("[Thu 2026-11-26 01:32 UTC] hi\n\nRuntime: agent=main | session=x | channel=webchat", "hi"),
        # a "Runtime:" line the user wrote, followed by more text, is theirs
        ("Runtime: agent=a | b\nwhy is this slow?", "Runtime: agent=a | b\nwhy is this slow?"),
        ("<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nActive exec sessions: none\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>", ""),
        ("before <<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> x <<<END_OPENCLAW_INTERNAL_CONTEXT>>> after", "before  after"),
    ],
)
def test_clean_user_text_strips_only_openclaw_wrappers(raw: str, clean: str) -> None:
    assert clean_user_text(raw) == clean


def test_later_turn_uses_the_newest_words_not_the_first_message() -> None:
    body = wrap_in_openclaw("now prove it by induction", first_turn=False)
    assert parse_request(body).user_text == "now prove it by induction"


def test_images_are_detected_in_any_message() -> None:
    body = bare("x")
    body["messages"] = [
        {"role": "user", "content": [{"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {}}]}
    ]
    request = parse_request(body)
    assert request.has_images and request.user_text == "what is this?"
    only_image = {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}
    assert parse_request(only_image).user_text == ""


def test_response_format_json_is_structured_output() -> None:
    assert parse_request(bare("hi", response_format={"type": "json_schema", "json_schema": {}})).structured_output
    assert not parse_request(bare("hi", response_format={"type": "text"})).structured_output


def test_estimate_input_tokens_counts_messages_and_tools() -> None:
    small = estimate_input_tokens(bare("x" * 400))
    assert 100 <= small <= 110
    body = openclaw_body(1)
    with_tools = estimate_input_tokens(body)
    body.pop("tools")
    without = estimate_input_tokens(body)
    assert 2_000 < with_tools - without < 2_700  # OpenClaw's 11 tool schemas are ~9.5 KB of JSON
    assert estimate_input_tokens({"messages": "junk"}) == 0  # tolerant: the proxy may call it on anything


def test_malformed_bodies_never_escape_as_anything_but_a_user_facing_error() -> None:
    # Deterministic fuzz: junk of every JSON type in every position route() reads. A TypeError or KeyError
    # here would reach the user as a traceback or a 500.
    import contextlib
    import random

    from pyclawrouter.errors import UserFacingError
    from pyclawrouter.router import route

    rng = random.Random(7)
    atoms: list[Any] = [None, True, 0, -1, 3.5, "", "user", "assistant", "tool", "text", "image_url", "auto", [], {}]
    keys = ["role", "content", "type", "text", "model", "messages", "tools", "max_tokens", "tool_calls", "function"]

    def junk(depth: int = 0) -> Any:
        roll = rng.random()
        if depth > 3 or roll < 0.4:
            return rng.choice(atoms)
        if roll < 0.7:
            return [junk(depth + 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(keys): junk(depth + 1) for _ in range(rng.randint(0, 4))}

    for _ in range(3000):
        body: Any = junk()
        if rng.random() < 0.7:
            body = {
                "model": rng.choice([*atoms, "eco", "sonnet"]),
                "messages": [
                    {"role": rng.choice(["user", "assistant", "tool", None]), "content": junk(1), "tool_calls": junk(2)}
                    for _ in range(rng.randint(0, 3))
                ],
                "tools": junk(1),
                "max_tokens": junk(2),
                "response_format": junk(1),
            }
        with contextlib.suppress(UserFacingError):
            route(body)
