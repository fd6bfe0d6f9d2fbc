"""Which chain pays: ``CLAWROUTER_PAYMENT_CHAIN``, else the saved ``payment-chain`` file, else Base."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pyclawrouter.fsutil import PRIVATE_FILE_MODE, atomic_write, ensure_private_dir
from pyclawrouter.paths import payment_chain_file
from pyclawrouter.wallet.errors import WalletError

Chain = Literal["base", "solana"]
CHAINS: tuple[Chain, ...] = ("base", "solana")
DEFAULT_CHAIN: Chain = "base"


def parse_chain(value: str) -> Chain | None:
    text = value.strip().lower()
    if text == "base":
        return "base"
    if text == "solana":
        return "solana"
    return None


def resolve_chain(home: Path, env: Mapping[str, str]) -> Chain:
    override = env.get("CLAWROUTER_PAYMENT_CHAIN", "").strip()
    if override:
        chain = parse_chain(override)
        if chain is None:
            raise WalletError(f"CLAWROUTER_PAYMENT_CHAIN must be 'base' or 'solana', not {override[:20]!r}.")
        return chain
    return saved_chain(home) or DEFAULT_CHAIN


def saved_chain(home: Path) -> Chain | None:
    try:
        text = payment_chain_file(home).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    # ClawRouter reads "solana" as Solana and anything else as Base; so do we.
    return "solana" if text.strip().lower() == "solana" else "base"


def set_chain(home: Path, chain: str) -> Chain:
    parsed = parse_chain(chain)
    if parsed is None:
        raise WalletError(f"Unknown payment chain {chain[:20]!r}: use 'base' or 'solana'.")
    ensure_private_dir(home)
    atomic_write(payment_chain_file(home), parsed + "\n", mode=PRIVATE_FILE_MODE)
    return parsed
