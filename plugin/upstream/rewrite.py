"""Per-attempt request rewriting, as ClawRouter does it: the body each model actually receives.

The client's body is never mutated: each attempt gets a shallow copy where only the changed messages are
copied, because OpenClaw's bodies are ~50 KB and a deep copy per attempt would be wasted work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

# Roles the gateway's upstreams do not all take. (Aliases such as Gemini's "model" were renamed when the
# request was parsed: routing.request.ROLE_ALIASES.)
_ROLE_MAP = {"developer": "system"}
_KEEP_ROLES = {"system", "user", "assistant", "tool", "function"}
_BAD_ID_CHARS = re.compile(r"[^a-zA-Z0-9_-]")


def upstream_body(body: Mapping[str, Any], messages: Sequence[Mapping[str, Any]], model: str, *, max_tokens: int,
                  max_output: int | None, stream: bool) -> bytes:
    """``messages``: the parsed request's (``ChatRequest.messages``), which replace the body's.
    ``max_tokens``: the output budget the request was estimated on (the larger of the client's
    max_tokens / max_completion_tokens, else the router's default), capped here at this model's max output."""
    out = dict(body)
    out["model"] = model
    out["messages"] = _messages(messages, google=model.startswith("google/") or "gemini" in model)
    # The gateway reads max_tokens only, always wants it, and prices the quote on it: send exactly one value,
    # the one estimated on, never more than the model can write.
    out.pop("max_completion_tokens", None)
    out["max_tokens"] = min(max_tokens, max_output) if max_output else max_tokens
    if stream:
        out["stream"] = True
        # Ask for the final usage chunk so the log has real token counts; the stream module drops it again
        # for clients that did not ask for it.
        options = dict(out.get("stream_options") or {})
        options["include_usage"] = True
        out["stream_options"] = options
    else:
        out.pop("stream_options", None)
        out["stream"] = False
    # ASCII output with compact separators is twice as fast to produce as ensure_ascii=False (measured on
    # OpenClaw's 58 KB bodies: 0.25 ms vs 0.5 ms) and means the same to every JSON parser.
    return json.dumps(out, separators=(",", ":")).encode("ascii")


def _messages(messages: Sequence[Mapping[str, Any]], *, google: bool) -> list[Mapping[str, Any]]:
    result = []
    for message in messages:
        changed = message
        role = message.get("role")
        new_role = _ROLE_MAP.get(role, role) if role in _KEEP_ROLES or role in _ROLE_MAP else "user"
        if new_role != role:
            changed = {**changed, "role": new_role}
        calls = message.get("tool_calls")
        if isinstance(calls, list) and any(_needs_clean(c.get("id")) for c in calls if isinstance(c, dict)):
            changed = {**changed, "tool_calls": [_clean_call(c) for c in calls]}
        call_id = message.get("tool_call_id")
        if _needs_clean(call_id):
            changed = {**changed, "tool_call_id": _BAD_ID_CHARS.sub("_", str(call_id))}
        result.append(changed)
    if google:
        # Gemini rejects a history whose first non-system turn is the model's.
        first = next((i for i, m in enumerate(result) if m.get("role") != "system"), None)
        if first is not None and result[first].get("role") == "assistant":
            result.insert(first, {"role": "user", "content": "(continuing conversation)"})
    return result


def _needs_clean(value: object) -> bool:
    return isinstance(value, str) and _BAD_ID_CHARS.search(value) is not None


def _clean_call(call: object) -> object:
    if isinstance(call, dict) and _needs_clean(call.get("id")):
        return {**call, "id": _BAD_ID_CHARS.sub("_", str(call["id"]))}
    return call
