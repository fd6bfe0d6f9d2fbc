"""``/wallet`` and ``pyclawrouter wallet``: status, export, chain switch, recover.

``/wallet`` (or ``status``) shows both addresses, the payment chain and the USDC balances; an unreachable RPC
shows the error instead of a balance and is still a normal reply. ``export`` is for the owner only.
``chain base|solana`` (also ClawRouter's ``/wallet base`` and ``/wallet solana``) switches the payment chain,
creating a Solana key first for an EVM-only wallet. ``recover`` derives ``wallet.key`` from ``mnemonic``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyclawrouter.commands import CommandContext, CommandReply
from pyclawrouter.commands.args import UsageError, split_words
from pyclawrouter.config_schema import config_in_force, configured_wallet_key
from pyclawrouter.ledger.summary import days_ago, read_summary
from pyclawrouter.paths import mnemonic_file, wallet_key_file
from pyclawrouter.wallet import (
    PaymentChain,
    Wallet,
    load_or_create_wallet,
    load_wallet,
    recover_wallet,
    resolve_payment_chain,
    set_payment_chain,
    setup_solana,
)
from pyclawrouter.wallet.model import KEY_GIVEN_BY
from pyclawrouter.wallet.payment_chain import parse_payment_chain
from pyclawrouter.wallet.store import read_mnemonic

# /wallet answers within 2 s whatever the RPCs do: each balance read (both chains run at once) gets this long,
# one HTTP attempt included, and a read that is not done by then is shown as "could not be read".
WALLET_REPLY_S = 2.0
BALANCE_TIMEOUT_S = 1.5
PAYMENT_CHAIN_LABEL = {"base": "Base (EVM)", "solana": "Solana"}
RESTART = "Restart the proxy (or the OpenClaw gateway) to apply."


def basescan(address: str) -> str:
    return f"https://basescan.org/address/{address}"


def solscan(address: str) -> str:
    return f"https://solscan.io/account/{address}"


async def wallet(args: str, ctx: CommandContext) -> CommandReply:
    words = [w.lower() for w in split_words(args)]
    action = words[0] if words else "status"
    rest = words[1:]
    if action in ("base", "solana") and not rest:
        return switch_payment_chain(ctx, action)
    if action == "chain":
        if len(rest) != 1 or parse_payment_chain(rest[0]) is None:
            raise UsageError("say which chain: /wallet chain base or /wallet chain solana")
        return switch_payment_chain(ctx, rest[0])
    if rest:
        raise UsageError(f"/wallet {action} takes no arguments")
    if action == "status":
        return await status(ctx)
    if action == "export":
        return export(ctx)
    if action == "recover":
        return recover(ctx)
    raise UsageError(f"unknown /wallet action {action!r}")


def _env() -> dict[str, str]:
    return dict(os.environ)


def _rpc_urls(home: Path, env: Mapping[str, str], config: Mapping[str, Any]) -> tuple[PaymentChain, str, str]:
    """The chain and RPC URLs the proxy would use with ``config`` (the config in force), else the environment's."""
    try:
        from pyclawrouter.settings import Settings

        settings = Settings.from_config(config, env, home=home)
        return settings.payment_chain, settings.base_rpc_url, settings.solana_rpc_url
    except Exception:  # a chain setting that names no chain must not hide the wallet; serve/doctor report it
        from pyclawrouter.endpoints import DEFAULT_API_BASE, DEFAULT_BASE_RPC_URL, solana_rpc_urls

        payment_chain = resolve_payment_chain(home, env)
        own_base = env.get("BLOCKRUN_API_BASE") if payment_chain == "solana" else None
        solana_base = own_base or DEFAULT_API_BASE["solana"]
        return (
            payment_chain,
            env.get("BLOCKRUN_BASE_RPC_URL") or DEFAULT_BASE_RPC_URL,
            solana_rpc_urls(env.get("CLAWROUTER_SOLANA_RPC_URL"), solana_base)[0],
        )


def _configured_chain(config: Mapping[str, Any]) -> str | None:
    """The config's ``chain`` (it beats the saved choice), or None when it sets none."""
    configured = config.get("chain")
    return configured if isinstance(configured, str) else None


async def _balance(wallet: Wallet, payment_chain: PaymentChain, base_rpc: str, solana_rpc: str) -> dict[str, Any]:
    from pyclawrouter.balance import BalanceMonitor
    from pyclawrouter.endpoints import PUBLIC_SOLANA_RPC_URL, SOLANA_RPC_PATH

    # The gateway's RPC proxy may not serve balance reads: then the public RPC answers them.
    fallback = PUBLIC_SOLANA_RPC_URL if solana_rpc.endswith(SOLANA_RPC_PATH) else None
    monitor = BalanceMonitor(
        wallet, payment_chain=payment_chain, base_rpc_url=base_rpc, solana_rpc_url=solana_rpc,
        solana_fallback_rpc_url=fallback, timeout_s=BALANCE_TIMEOUT_S, retry_delays_s=(),
    )
    try:
        info = await asyncio.wait_for(monitor.get(force=True), timeout=BALANCE_TIMEOUT_S)
    except TimeoutError:
        return {"balanceUsd": None, "balanceError": f"no answer from the RPC within {BALANCE_TIMEOUT_S:g} s"}
    return {
        "balanceUsd": None if info.usd is None else str(info.usd),
        "balanceError": info.error,
        "isLow": info.is_low,
        "isEmpty": info.is_empty,
    }


async def read_balances(wallet: Wallet, base_rpc: str, solana_rpc: str) -> dict[PaymentChain, dict[str, Any]]:
    """The USDC balance on each chain the wallet has a key for, read at once, each within
    ``BALANCE_TIMEOUT_S`` (``balanceUsd`` is None, with ``balanceError`` saying why, when it could not be)."""
    chains: list[PaymentChain] = ["base", "solana"] if wallet.solana_address else ["base"]
    found = await asyncio.gather(*(_balance(wallet, name, base_rpc, solana_rpc) for name in chains))
    return dict(zip(chains, found, strict=True))


def _spend_line(spent: dict[str, Any]) -> str:
    line = f"**Signed in the last 24 h:** ${float(spent['spentUsd']):.4f} in {spent['payments']} payment(s)"
    if spent["pendingCount"]:
        line += f", ${float(spent['pendingUsd']):.4f} not yet confirmed"
    return line


def _balance_line(entry: dict[str, Any]) -> str:
    if entry["balanceUsd"] is None:
        return f"  Balance: could not be read ({entry['balanceError']})"
    usd = float(entry["balanceUsd"])
    note = " (empty: fund it to use paid models)" if entry.get("isEmpty") else " (low)" if entry.get("isLow") else ""
    return f"  Balance: ${usd:.2f}{note}"


async def status(ctx: CommandContext, env: Mapping[str, str] | None = None) -> CommandReply:
    env = _env() if env is None else env
    # The CLI may create the wallet (that is how a new user starts); chat only shows the existing one.
    config = config_in_force(ctx.home, env)  # what the proxy runs on, also while a file is broken
    given = configured_wallet_key(config)
    wallet = load_or_create_wallet(ctx.home, env, given) if ctx.channel == "cli" else load_wallet(ctx.home, env, given)
    payment_chain, base_rpc, solana_rpc = _rpc_urls(ctx.home, env, config)
    balances = await read_balances(wallet, base_rpc, solana_rpc)

    evm = {"address": wallet.evm_address, "fundUrl": basescan(wallet.evm_address), **balances["base"]}
    solana = None
    if wallet.solana_address:
        solana = {"address": wallet.solana_address, "fundUrl": solscan(wallet.solana_address),
                  **balances["solana"]}
    key_file = wallet_key_file(ctx.home)
    data: dict[str, Any] = {
        "chain": payment_chain,
        "evm": evm,
        "solana": solana,
        "source": wallet.source,
        "keyFile": None if wallet.source in KEY_GIVEN_BY else str(key_file),
        "hasMnemonic": wallet.has_mnemonic,
        "spentToday": read_summary(ctx.home, since=days_ago(1)).to_json(),
    }
    lines = []
    if wallet.source == "generated":
        lines += [
            "**NEW WALLET GENERATED: back it up now** with `pyclawrouter wallet export`.",
            "",
        ]
    lines += [
        "**pyclawrouter wallet**",
        f"**Payment chain:** {PAYMENT_CHAIN_LABEL[payment_chain]}",
        "",
        "**Base (EVM):**",
        f"  Address: `{wallet.evm_address}`",
        _balance_line(evm),
        f"  Fund (USDC on Base only): {evm['fundUrl']}",
    ]
    if solana is not None:
        lines += [
            "",
            "**Solana:**",
            f"  Address: `{solana['address']}`",
            _balance_line(solana),
            f"  Fund (USDC on Solana only): {solana['fundUrl']}",
        ]
    lines += ["", _spend_line(data["spentToday"])]
    given_by = KEY_GIVEN_BY.get(wallet.source)
    lines += ["", f"**Key:** from {given_by}" if given_by else f"**Key file:** `{key_file}`"]
    lines += ["", "**Commands:**", "• `/wallet export`: back up the private key and mnemonic"]
    if payment_chain == "base":
        lines.append("• `/wallet chain solana`: pay with USDC on Solana" + ("" if solana else " (creates a key)"))
    else:
        lines.append("• `/wallet chain base`: pay with USDC on Base")
    return CommandReply(text="\n".join(lines), data=data)


def export(ctx: CommandContext, env: Mapping[str, str] | None = None) -> CommandReply:
    if not ctx.is_owner:
        return CommandReply(
            text="Only the owner can export the wallet. Run `pyclawrouter wallet export` on the machine instead.",
            data={"error": "not_owner"},
            is_error=True,
        )
    env = _env() if env is None else env
    wallet = load_wallet(ctx.home, env, configured_wallet_key(config_in_force(ctx.home, env)))
    phrase = read_mnemonic(ctx.home)
    key = wallet.private_key_hex()
    lines = [
        "**pyclawrouter wallet export**",
        "Anyone with these can spend your USDC. Store them offline; never paste them into a chat or a website.",
        "",
        "**EVM (Base):**",
        f"  Address: `{wallet.evm_address}`",
        f"  Private key: `{key}`",
    ]
    if phrase and wallet.solana_address:
        lines += [
            "",
            "**Solana:**",
            f"  Address: `{wallet.solana_address}`",
            "",
            "**Mnemonic (24 words):**",
            f"`{phrase}`",
        ]
    lines += [
        "",
        "**Restore:** `export BLOCKRUN_WALLET_KEY=<private key>`, or write the key to "
        f"`{wallet_key_file(ctx.home)}` (and the words to `{mnemonic_file(ctx.home)}`) with mode 600.",
    ]
    data = {
        "evm": {"address": wallet.evm_address, "privateKey": key},
        "solana": {"address": wallet.solana_address} if wallet.solana_address else None,
        "mnemonic": phrase,
    }
    return CommandReply(text="\n".join(lines), data=data)


def switch_payment_chain(ctx: CommandContext, name: str, env: Mapping[str, str] | None = None) -> CommandReply:
    env = _env() if env is None else env
    payment_chain = parse_payment_chain(name)
    if payment_chain is None:
        raise UsageError("say which chain: /wallet chain base or /wallet chain solana")
    created = False
    config = config_in_force(ctx.home, env)
    given = configured_wallet_key(config)
    wallet = load_wallet(ctx.home, env, given)
    if payment_chain == "solana" and not wallet.has_mnemonic:
        wallet, created = setup_solana(ctx.home, env, given)
    set_payment_chain(ctx.home, payment_chain)
    lines = [f"Payment chain set to {PAYMENT_CHAIN_LABEL[payment_chain]}. {RESTART}"]
    override = env.get("CLAWROUTER_PAYMENT_CHAIN", "").strip().lower()
    configured = None if override else _configured_chain(config)
    if override and override != payment_chain:
        lines.append(f"Note: CLAWROUTER_PAYMENT_CHAIN={override} is set and takes precedence over this choice.")
    elif configured is not None and configured != payment_chain:
        lines.append(f"Note: the config sets `chain: {configured}`, which takes precedence over this choice.")
    if payment_chain == "solana":
        if created:
            lines += [
                "",
                "**Solana key set up.** A new mnemonic was saved to "
                f"`{mnemonic_file(ctx.home)}`; your EVM wallet is unchanged. Back it up with `/wallet export`.",
            ]
        lines += [
            "",
            f"Address: `{wallet.solana_address}`",
            f"Fund (USDC on Solana only): {solscan(str(wallet.solana_address))}",
        ]
    else:
        lines += ["", f"Address: `{wallet.evm_address}`", f"Fund (USDC on Base only): {basescan(wallet.evm_address)}"]
    data = {"chain": payment_chain, "solanaKeyCreated": created, "evm": wallet.evm_address,
            "solana": wallet.solana_address}
    return CommandReply(text="\n".join(lines), data=data)


def recover(ctx: CommandContext) -> CommandReply:
    wallet = recover_wallet(ctx.home)
    text = (
        f"Recovered `{wallet_key_file(ctx.home)}` from the mnemonic.\n"
        f"EVM address: `{wallet.evm_address}`\nSolana address: `{wallet.solana_address}`"
    )
    return CommandReply(text=text, data={"evm": wallet.evm_address, "solana": wallet.solana_address})
