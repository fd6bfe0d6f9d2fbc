"""The price of each answer inside the answer: ``usage.cost``, in USD, what the wallet signed for it.

OpenClaw 2026.9.6's OpenAI-completions transport takes a non-negative number at ``usage.cost`` (the field
OpenRouter sends) as the turn's provider-billed total, in place of its estimate from the model's per-token
price, which is 0 for ``blockrun/auto`` (a virtual model). Its session logs, ``/usage cost``, ``/status`` and the
Control UI's Usage page then count what each answer really cost. The figure is what this request signed across
all its attempts (0 for the free model). A replay (in-flight dedup, the response cache) was not paid for
again, so its cost is rewritten to 0.
"""

from __future__ import annotations

import json
import re
from typing import Any

# How json.dumps writes the key this module adds; an upstream's own "cost" key inside text is JSON-escaped
# (\"cost\") and never matches.
_COST = re.compile(rb'"cost":\s*-?[0-9][0-9.eE+-]*')


def priced(usage: dict[str, Any], cost_usd: float) -> dict[str, Any]:
    return {**usage, "cost": round(max(cost_usd, 0.0), 8)}


def price_json(body: bytes, cost_usd: float) -> bytes:
    """A chat-completion JSON body with ``usage.cost`` set; other bodies unchanged."""
    if b'"usage"' not in body:
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict) or not isinstance(data.get("usage"), dict):
        return body
    data["usage"] = priced(data["usage"], cost_usd)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def unpriced(body: bytes) -> bytes:
    """A recorded answer (JSON or SSE) with every cost this module wrote set to 0, for a replay."""
    return _COST.sub(b'"cost": 0', body) if b'"cost"' in body else body
