"""``pyclawrouter stats [N | --days N] [--json]`` and ``pyclawrouter stats clear``: the same as ``/stats``.

It takes the chat command's own arguments (``pyclawrouter stats 7`` is ``/stats 7``) as well as ``--days``."""

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
    parser.add_argument("what", nargs="?", metavar="DAYS|clear",
                        help="how many days back, as in /stats 7 (default 7); clear: delete the usage logs")
    parser.add_argument("--days", type=_positive, default=None, help="how many days back, 1-30 (default 7)")
    parser.add_argument("--json", action="store_true", help="print the aggregated numbers as JSON")
    parser.set_defaults(handler=_handle, _parser=parser)


def _handle(args: argparse.Namespace) -> int:
    from pyclawrouter.commands.cli_bridge import run_command

    what = args.what
    if what is not None and what != "clear":
        try:
            days = _positive(what)
        except argparse.ArgumentTypeError as exc:
            args._parser.error(f"DAYS: {exc}; give a number of days or 'clear'")
        if args.days is not None and args.days != days:
            args._parser.error(f"two different day counts: {days} and --days {args.days}")
        return run_command("stats", str(days), as_json=args.json)
    if what == "clear":
        if args.days is not None:
            args._parser.error("'clear' takes no --days")
        return run_command("stats", "clear", as_json=args.json)
    return run_command("stats", str(args.days or 7), as_json=args.json)
