"""Error replies read as ours in chat: they start with the command's name and avoid the phrases OpenClaw
takes for its own provider failures.

OpenClaw 2026.9.6 (its dist bundle: ``assistant-request-failure-copy-*.mjs`` ERROR_PREFIX_RE and
``classify-core-*.mjs`` isModelNotFoundErrorMessage) rewrites an error text that starts with "Error",
"Failed", "Request failed", ... or that says "unknown model" / "model ... not found" / "invalid model" into
its own warning, e.g. "The configured model is unavailable from the provider" for ``/exclude add <typo>``.
The patterns below are a subset of those, copied from that bundle.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from pyclawrouter.commands import CommandContext
from pyclawrouter.commands.registry import dispatch

OPENCLAW_ERROR_PREFIX = re.compile(
    r"^(?:error|(?:[a-z][\w-]*\s+)?api\s*error|openai\s*error|anthropic\s*error|gateway\s*error|codex\s*error"
    r"|request failed|failed|exception)(?:\s+\d{3})?[:\s-]+",
    re.IGNORECASE,
)
OPENCLAW_MODEL_NOT_FOUND = [
    re.compile(r"unknown model", re.IGNORECASE),
    re.compile(r"model(?:[_\-\s])?not(?:[_\-\s])?found|\bmodel\b.{0,60}?\bnot found\b", re.IGNORECASE),
    re.compile(r"is not a valid model id", re.IGNORECASE),
    re.compile(r"invalid model", re.IGNORECASE),
    re.compile(r"\bnot supported model\b", re.IGNORECASE),
]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("exclude", "add gemini-2.5-flash"),  # the case seen in chat: a model id without its vendor
        ("exclude", "add openai/gpt-5.2x"),
        ("exclude", "remove nothing-here"),
        ("exclude", "add"),
        ("stats", "nonsense"),
        ("img2img", "a hat"),
        ("wallet", "chain dogecoin"),
        ("walet", ""),
    ],
)
def test_error_replies_start_with_the_command_and_avoid_openclaw_failure_phrases(
    name: str, args: str, ctx: CommandContext
) -> None:
    reply = asyncio.run(dispatch(name, args, ctx))
    assert reply.is_error
    assert reply.text.startswith(f"/{name}"), reply.text
    assert not OPENCLAW_ERROR_PREFIX.search(reply.text), reply.text
    for pattern in OPENCLAW_MODEL_NOT_FOUND:
        assert not pattern.search(reply.text), (pattern.pattern, reply.text)


def test_the_exclude_typo_reply_still_says_what_to_type(ctx: CommandContext) -> None:
    reply = asyncio.run(dispatch("exclude", "add gemini-2.5-flash", ctx))
    assert "'gemini-2.5-flash' names nothing in the catalog" in reply.text
    assert "google/gemini-2.5-flash" in reply.text
