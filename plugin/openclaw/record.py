"""``<state dir>/openclaw-install.json``: what install changed that was not there before.

Uninstall reads it to put back exactly that and nothing else: the user's own primary model, a provider block
that was there before. Without it, uninstall removes the plugin and leaves the provider block and the default
model as they are.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pyclawrouter.fsutil import atomic_write
from pyclawrouter.paths import INSTALL_RECORD_FILE

RECORD_NAME = INSTALL_RECORD_FILE


@dataclass
class InstallRecord:
    """What install changed that was not there before (so uninstall can undo just that)."""

    set_primary: bool = False
    previous_provider: dict[str, Any] | None = None
    added_config_keys: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, home: Path) -> InstallRecord | None:
        try:
            data = json.loads((home / RECORD_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        previous = data.get("previous_provider")
        return cls(
            set_primary=bool(data.get("set_primary")),
            previous_provider=previous if isinstance(previous, dict) else None,
            added_config_keys=[str(k) for k in data.get("added_config_keys") or []],
        )

    def save(self, home: Path) -> None:
        atomic_write(home / RECORD_NAME, json.dumps(asdict(self), indent=2) + "\n", mode=0o600)
