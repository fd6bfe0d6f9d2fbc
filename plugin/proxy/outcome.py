"""How a chat request ended, handed to the pipeline's bookkeeping (usage log, spend, session, dedup)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyclawrouter.errors import UserFacingError
from pyclawrouter.upstream.fallback import Success


@dataclass
class Outcome:
    status: int
    success: Success | None = None
    error: UserFacingError | None = None
    usage: dict[str, Any] | None = None
    # What the client received (JSON body or SSE text without heartbeats), for dedup followers and the cache.
    recorded: bytes | None = None
    media_type: str = "application/json"
    headers: dict[str, str] | None = None
    note: str | None = None
