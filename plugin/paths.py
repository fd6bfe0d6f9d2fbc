"""Where pyclawrouter keeps its state.

The default is ClawRouter's own directory, so a wallet created by ClawRouter keeps working;
``PYCLAWROUTER_HOME`` moves everything (tests point it at a temporary directory).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEFAULT_PORT = 8402
DEFAULT_HOST = "127.0.0.1"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    override = env.get("PYCLAWROUTER_HOME", "").strip()
    if override:
        return Path(override).expanduser()
    return Path.home() / ".openclaw" / "blockrun"


def wallet_key_file(home: Path) -> Path:
    return home / "wallet.key"


def mnemonic_file(home: Path) -> Path:
    return home / "mnemonic"


def payment_chain_file(home: Path) -> Path:
    return home / "payment-chain"


def exclude_models_file(home: Path) -> Path:
    return home / "exclude-models.json"


def logs_dir(home: Path) -> Path:
    return home / "logs"


def images_dir(home: Path) -> Path:
    return home / "images"
