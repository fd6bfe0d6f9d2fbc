"""Helpers for the routing tests: the real OpenClaw request bodies (copied into tests/data/openclaw so the
suite does not depend on the sibling shared/ directory) and a builder that wraps any prompt the way OpenClaw
does."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

TRAFFIC_DIR = Path(__file__).resolve().parent.parent / "data" / "openclaw"

Body = dict[str, Any]


@cache
def _load(n: int) -> Body:
    return json.loads((TRAFFIC_DIR / f"openclaw-chat-{n}.json").read_text(encoding="utf-8"))


def openclaw_body(n: int) -> Body:
    """A fresh copy of real OpenClaw request n (1: "hello", 2: second turn "reverse a linked list", 3: proof)."""
    return copy.deepcopy(_load(n))


def wrap_in_openclaw(prompt: str, *, first_turn: bool = True) -> Body:
    """``prompt`` as OpenClaw sends it: 47 KB system prompt, 11 tools, timestamp prefix, Runtime trailer on the
    first turn (a later turn as in request 2 otherwise), internal-context block as the last user message."""
    if first_turn:
        body = openclaw_body(1)
        original: str = body["messages"][1]["content"]
        trailer = original[original.index("\n\nRuntime: ") :]
        body["messages"][1]["content"] = f"[Thu 2026-11-26 01:32 UTC] {prompt}{trailer}"
    else:
        body = openclaw_body(2)
        body["messages"][3]["content"] = f"[Thu 2026-11-26 01:32 UTC] {prompt}"
    return body


def bare(prompt: str, **extra: Any) -> Body:
    return {"model": "auto", "messages": [{"role": "user", "content": prompt}], **extra}
