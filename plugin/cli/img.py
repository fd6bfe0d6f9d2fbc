"""``pyclawrouter img [--model M] [--size WxH] PROMPT...``: the same as ``/img`` (needs the proxy running)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "img",
        help="generate an image through the proxy (paid)",
        description="Generate an image (the same as /img in chat). The proxy must be running.",
    )
    parser.add_argument("prompt", nargs="+", help="what to draw")
    parser.add_argument("--model", help="image model or alias (default google/nano-banana)")
    parser.add_argument("--size", help="WxH, e.g. 1024x1024")
    parser.add_argument("--json", action="store_true", help="print urls, model, size and price as JSON")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from pyclawrouter.commands.cli_bridge import flag_words, join_args, run_command

    words = flag_words(args, ("model", "size"))
    return run_command("img", join_args([*words, *args.prompt]), as_json=args.json)
