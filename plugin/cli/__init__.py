"""``pyclawrouter`` command line.

Each subcommand lives in its own module in this package and exposes ``register(subparsers)``, which adds its
parser and sets ``handler``: a function taking the parsed namespace and returning an exit code. Modules are
found by name so adding a command never means editing a central list, and they import their heavy
dependencies (x402, starlette, ...) inside the handler, so ``pyclawrouter route`` starts fast.

Exit codes: 0 ok, 1 runtime failure (a :class:`~pyclawrouter.errors.UserFacingError`), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from pyclawrouter import __version__
from pyclawrouter.errors import UserFacingError

# Commands listed first appear first in --help; any other module found in this package follows.
_ORDER = ("serve", "route", "key", "wallet", "stats", "dashboard", "img", "img2img", "openclaw", "doctor")


def _command_modules() -> list[str]:
    found = {m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")}
    ordered = [name for name in _ORDER if name in found]
    return ordered + sorted(found.difference(ordered))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyclawrouter",
        description="Route OpenClaw's LLM requests to the cheapest capable model and pay per request with x402.",
    )
    parser.add_argument("--version", action="version", version=f"pyclawrouter {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _command_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except UserFacingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
