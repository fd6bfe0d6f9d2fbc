"""Recover the user's own words from a message as OpenClaw (and similar agent clients) wrap them.

OpenClaw prefixes the typed text with a timestamp (``[Thu 2026-11-26 01:32 UTC] ``), appends a
``Runtime: agent=... | session=... | ...`` trailer on the first turn, and sends an
``<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> ... <<<END_OPENCLAW_INTERNAL_CONTEXT>>>`` block (active exec sessions,
subagents) as a user message of its own. None of that is the user's request; scoring it would route every turn
the same way.
"""

from __future__ import annotations

import re
from typing import Any

INTERNAL_CONTEXT_BEGIN = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>"
_BLOCK_END = "<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"
# "[Thu 2026-11-26 01:32 UTC] ": weekday, ISO date, time, zone; anchored so a bracket later in the text stays.
_TIMESTAMP_RE = re.compile(r"\A\s*\[(?:[A-Z][a-z]{2} )?\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?[^\]\n]{0,24}\]\s*")
_RUNTIME_MARK = "\nRuntime: agent="
# In the trailer: "... | session=agent:main:p1 | sessionId=254a77a4-... | ..."; the id names one chat.
_SESSION_ID_RE = re.compile(r"(?:^|\| )sessionId=([^\s|]+)")


def content_text(content: Any) -> str:
    """The text of a validated message's ``content``: the string itself, or its text parts one per line."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content if p.get("type") == "text" and isinstance(p.get("text"), str))
    return ""


def clean_user_text(text: str) -> str:
    """The user's words inside one OpenClaw user message; ``""`` when the message holds only wrapper text."""
    start = text.find(INTERNAL_CONTEXT_BEGIN)
    while start != -1:
        end = text.find(_BLOCK_END, start)
        # An unterminated block runs to the end of the message.
        text = text[:start] + ("" if end == -1 else text[end + len(_BLOCK_END) :])
        start = text.find(INTERNAL_CONTEXT_BEGIN, start)
    cut = text.rfind(_RUNTIME_MARK)
    # The trailer is a single "key=value | key=value" line at the very end of the message.
    if cut != -1 and "\n" not in text[cut + 1 :].rstrip():
        text = text[:cut]
    if text[:1] == "[" or text[:1].isspace():
        stamp = _TIMESTAMP_RE.match(text)
        if stamp:
            text = text[stamp.end() :]
    return text.strip()


def openclaw_session_id(text: str) -> str | None:
    """The chat's id from OpenClaw's Runtime trailer (``sessionId=...``), or None if the message has none."""
    cut = text.rfind(_RUNTIME_MARK)
    if cut == -1:
        return None
    line = text[cut + 1 :].strip()
    if "\n" in line:
        return None
    found = _SESSION_ID_RE.search(line)
    return found.group(1) if found else None
