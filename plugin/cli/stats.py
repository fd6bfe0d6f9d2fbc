"""``pyclawrouter stats [--days N] [--json]`` and ``pyclawrouter stats clear``: the same as ``/stats``."""

from __future__ import annotations

import argparse
from typing import Any


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="requests, spend and savings from the usage log",
        description="Show usage statistics (the same as /stats in chat).",
    )
    parser.add_argument("action", nargs="?", choices=("clear",), help="clear: delete the usage logs")
    parser.add_argument("--days", type=_positive, default=7, help="how many days back, 1-30 (default 7)")
    parser.add_argument("--json", action="store_true", help="print the aggregated numbers as JSON")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from pyclawrouter.commands.cli_bridge import run_command

    return run_command("stats", "clear" if args.action == "clear" else str(args.days), as_json=args.json)
