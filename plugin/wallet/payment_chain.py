"""Which chain pays: ``CLAWROUTER_PAYMENT_CHAIN``, else the config's ``chain``, else the saved ``payment-chain``
file, else Base. :func:`resolve_payment_chain` is the one place that decides it (the proxy's settings and ``/wallet``
both ask it); a value that names no chain is refused, never read as Base."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pyclawrouter.fsutil import PRIVATE_FILE_MODE, atomic_write, ensure_private_dir
from pyclawrouter.paths import payment_chain_file
from pyclawrouter.wallet.errors import WalletError

PaymentChain = Literal["base", "solana"]
PAYMENT_CHAINS: tuple[PaymentChain, ...] = ("base", "solana")
DEFAULT_PAYMENT_CHAIN: PaymentChain = "base"


def parse_payment_chain(value: str) -> PaymentChain | None:
    text = value.strip().lower()
    if text == "base":
        return "base"
    if text == "solana":
        return "solana"
    return None


def resolve_payment_chain(home: Path, env: Mapping[str, str], configured: object = None) -> PaymentChain:
    """The paying chain. ``configured`` is the plugin config's ``chain`` (None when it has none)."""
    override = env.get("CLAWROUTER_PAYMENT_CHAIN", "").strip()
    if override:
        return _named(override, "CLAWROUTER_PAYMENT_CHAIN")
    if configured is not None:
        return _named(configured, "The config key 'chain'")
    return saved_payment_chain(home) or DEFAULT_PAYMENT_CHAIN


def _named(value: object, what: str) -> PaymentChain:
    payment_chain = parse_payment_chain(value) if isinstance(value, str) else None
    if payment_chain is None:
        shown = value[:20] if isinstance(value, str) else value
        raise WalletError(f"{what} must be 'base' or 'solana', not {shown!r}.")
    return payment_chain


def saved_payment_chain(home: Path) -> PaymentChain | None:
    try:
        text = payment_chain_file(home).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    # ClawRouter reads "solana" as Solana and anything else as Base; so do we.
    return "solana" if text.strip().lower() == "solana" else "base"


def set_payment_chain(home: Path, name: str) -> PaymentChain:
    parsed = parse_payment_chain(name)
    if parsed is None:
        raise WalletError(f"Unknown payment chain {name[:20]!r}: use 'base' or 'solana'.")
    ensure_private_dir(home)
    atomic_write(payment_chain_file(home), parsed + "\n", mode=PRIVATE_FILE_MODE)
    return parsed
