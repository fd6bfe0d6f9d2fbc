"""Slash commands (/wallet, /stats, /img, /img2img, /exclude): thin functions over the core.

The same functions serve the chat (OpenClaw forwards ``/wallet ...`` to the proxy's
``POST /plugin/command/{name}``) and the CLI (``pyclawrouter wallet ...``), so both always say the same thing.
Each command returns a :class:`CommandReply`: chat shows ``text`` (and ``media``), ``--json`` prints ``data``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CommandContext:
    """Who is asking and where state lives. ``is_owner`` gates secrets (``/wallet export``)."""

    home: Path
    is_owner: bool = False
    channel: str = "cli"
    proxy_url: str | None = None
    progress: Callable[[str], None] | None = None
    """Where a long command reports how it is getting on while it waits (the CLI prints it to stderr)."""


@dataclass(frozen=True)
class CommandReply:
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    media: list[str] = field(default_factory=list)
    is_error: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "data": self.data, "media": self.media, "isError": self.is_error}
