"""Lookups into ``openclaw.json`` as parsed: a dotted path, the user's primary model, the one install sets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyclawrouter.openclaw.manifest import PROVIDER_ID

DEFAULT_PRIMARY = f"{PROVIDER_ID}/auto"


def dig(data: object, dotted: str) -> object:
    node = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def current_primary(doc: Mapping[str, Any]) -> str | None:
    model = dig(doc, "agents.defaults.model")
    if isinstance(model, str):  # the short form: "provider/model"
        return model or None
    primary = dig(model, "primary")
    return primary if isinstance(primary, str) and primary else None
