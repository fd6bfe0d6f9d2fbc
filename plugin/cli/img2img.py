"""``pyclawrouter img2img --image PATH|URL [--mask PATH|URL] PROMPT...``: the same as ``/img2img``."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "img2img",
        help="edit an image through the proxy (paid)",
        description="Edit an image (the same as /img2img in chat). The proxy must be running.",
    )
    parser.add_argument("prompt", nargs="+", help="what to change")
    parser.add_argument("--image", required=True, help="the image: a local file or an http(s) URL")
    parser.add_argument("--mask", help="optional mask: a local file or an http(s) URL")
    parser.add_argument("--model", help="image model or alias (default openai/gpt-image-1)")
    parser.add_argument("--size", help="WxH, e.g. 1024x1024")
    parser.add_argument("--json", action="store_true", help="print urls, model, size and price as JSON")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from pyclawrouter.commands.cli_bridge import flag_words, join_args, run_command

    words = flag_words(args, ("image", "mask", "model", "size"))
    return run_command("img2img", join_args([*words, *args.prompt]), as_json=args.json)
