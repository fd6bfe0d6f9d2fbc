"""``pyclawrouter key``: print the proxy's API key (only the key, so ``$(pyclawrouter key)`` works)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "key",
        help="print the proxy's API key for other OpenAI clients",
        description=(
            "Print the per-install API key that /v1/* requests must send as 'Authorization: Bearer <key>' "
            "(the api_key of an OpenAI client). Creates it in the state directory if there is none yet; "
            "it is never replaced."
        ),
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from pyclawrouter.api_key import load_or_create_api_key
    from pyclawrouter.paths import state_dir

    print(load_or_create_api_key(state_dir()))
    return 0
