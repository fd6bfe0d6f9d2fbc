"""The first-run message: where the wallet is, how to fund it, how to back it up, how to route through us.

``pyclawrouter openclaw install`` prints it; the first chat command after the proxy starts with no
``welcome-shown`` marker in the state directory leads with it, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pyclawrouter.errors import UserFacingError

MARKER = "welcome-shown"
DEFAULT_MODEL = "blockrun/auto"
SET_DEFAULT = f"openclaw config set agents.defaults.model.primary {DEFAULT_MODEL}"


def welcome_text(home: Path, env: Mapping[str, str], *, create: bool, primary: str | None) -> str:
    """``create``: make a wallet if there is none (the CLI may; chat never does). ``primary`` is OpenClaw's
    default model, when known."""
    from pyclawrouter.config_schema import config_in_force, configured_wallet_key
    from pyclawrouter.wallet import load_or_create_wallet, load_wallet
    from pyclawrouter.wallet.model import KEY_GIVEN_BY

    given = configured_wallet_key(config_in_force(home, env))
    try:
        wallet = load_or_create_wallet(home, env, given) if create else load_wallet(home, env, given)
    except UserFacingError as exc:
        lines = [f"Wallet: {exc.message}"]
    else:
        lines = [
            "Your pyclawrouter wallet pays BlockRun per request in USDC, from your own keys:",
            f"  Base:   {wallet.evm_address}  (fund with USDC on Base)",
        ]
        if wallet.solana_address:
            lines.append(f"  Solana: {wallet.solana_address}  (fund with USDC on Solana)")
        lines += [
            "  A few dollars go a long way; the free model works with an empty wallet.",
            "Back it up now: `/wallet export` in chat (owner only) or `pyclawrouter wallet export`.",
        ]
        given_by = KEY_GIVEN_BY.get(wallet.source)
        if given_by:
            lines[-1] = f"The key comes from {given_by}; keep your own copy of it."
    if primary == DEFAULT_MODEL:
        lines.append(f"OpenClaw's default model is {DEFAULT_MODEL}: every agent turn is routed by pyclawrouter.")
    else:
        shown = f" (now {primary})" if primary else ""
        lines.append(f"To route every agent turn through pyclawrouter{shown}: `{SET_DEFAULT}`.")
    return "\n".join(lines)


def take_first_run_notice(home: Path, env: Mapping[str, str], primary: str | None) -> str | None:
    """The welcome, the first time a chat command reaches this state directory; None after that."""
    marker = home / MARKER
    if marker.exists():
        return None
    try:
        marker.touch(mode=0o600)
    except OSError:
        return None  # a state directory we cannot write to would show the welcome on every command
    return welcome_text(home, env, create=False, primary=primary)
