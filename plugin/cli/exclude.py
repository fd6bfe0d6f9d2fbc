"""``pyclawrouter exclude [list|add MODEL|remove MODEL|clear]``: the same as ``/exclude``."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "exclude",
        help="keep models out of routing",
        description="List, add or remove excluded models (the same as /exclude in chat).",
    )
    parser.add_argument("action", nargs="?", default="list", choices=("list", "add", "remove", "clear"))
    parser.add_argument("model", nargs="?", help="model id or alias (for add and remove)")
    parser.add_argument("--json", action="store_true", help="print the exclusion list as JSON")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from pyclawrouter.commands.cli_bridge import join_args, run_command

    words = [args.action] + ([args.model] if args.model else [])
    return run_command("exclude", join_args(words), as_json=args.json)
