"""``pyclawrouter wallet [status|export|chain base|solana|recover] [--json]``: the same as ``/wallet``."""

from __future__ import annotations

import argparse
from typing import Any

ACTIONS = ("status", "export", "chain", "recover", "base", "solana")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "wallet",
        help="wallet addresses, balance, export, payment chain",
        description=(
            "Show the wallet (the same as /wallet in chat): EVM and Solana addresses, payment chain and USDC "
            "balances; creates a wallet if there is none. 'export' prints the private key and mnemonic, "
            "'chain base|solana' switches the payment chain, 'recover' rebuilds wallet.key from the mnemonic."
        ),
    )
    parser.add_argument("action", nargs="?", default="status", choices=ACTIONS, help="default: status")
    parser.add_argument("chain", nargs="?", choices=("base", "solana"), help="for 'chain': base or solana")
    parser.add_argument("--json", action="store_true", help="print the reply's data as JSON")
    parser.set_defaults(handler=_handle, _parser=parser)


def _handle(args: argparse.Namespace) -> int:
    from pyclawrouter.commands.cli_bridge import join_args, run_command

    if args.action == "chain" and args.chain is None:
        args._parser.error("'chain' needs base or solana")
    if args.action != "chain" and args.chain is not None:
        args._parser.error(f"'{args.action}' takes no chain argument")
    words = [args.action] + ([args.chain] if args.chain else [])
    return run_command("wallet", join_args(words), as_json=args.json)
