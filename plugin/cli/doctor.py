"""``pyclawrouter doctor``: check everything a working setup needs and print what to fix."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check config, wallet, balance, proxy, upstream and OpenClaw; say what to fix",
        description="Read-only health check: never creates a wallet, never pays, never edits a file.",
    )
    parser.add_argument("--offline", action="store_true", help="skip the upstream reachability check")
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from pyclawrouter.commands.doctor import as_json, format_checks, run_checks
    from pyclawrouter.paths import state_dir

    env = dict(os.environ)
    checks = run_checks(state_dir(env), env, offline=args.offline)
    print(json.dumps(as_json(checks), indent=2) if args.json else format_checks(checks))
    return 0 if all(c.ok for c in checks) else 1
