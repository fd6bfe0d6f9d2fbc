"""``pyclawrouter openclaw install|uninstall|status``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "openclaw",
        help="install the plugin into OpenClaw, remove it, or show its state",
        description="Register pyclawrouter with the local OpenClaw: plugin files, provider block, default model.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--openclaw", metavar="PATH", help="the openclaw executable (default: found on PATH)")
    common.add_argument(
        "--openclaw-config",
        metavar="FILE",
        type=Path,
        help="OpenClaw's config file (default: OPENCLAW_CONFIG_PATH or ~/.openclaw/openclaw.json)",
    )
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    install = actions.add_parser("install", parents=[common], help="install or update the plugin (idempotent)")
    install.add_argument("--port", type=int, help="proxy port to record (default: the recorded one, else 8402)")
    install.add_argument("--python", metavar="PATH", help="interpreter the gateway runs (default: this one)")
    actions.add_parser("uninstall", parents=[common], help="remove what install added, and nothing else")
    actions.add_parser("status", parents=[common], help="show what is installed (fast: reads files only)")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from pyclawrouter.openclaw import cli_runner, installer, uninstall
    from pyclawrouter.openclaw.status import format_status, status
    from pyclawrouter.paths import state_dir

    env = dict(os.environ)
    home = state_dir(env)
    if args.action == "status":
        info = status(home=home, env=env, openclaw_config=args.openclaw_config)
        print(json.dumps(info, indent=2) if args.json else format_status(info))
        return 0
    if args.action == "install" and args.port is not None and not 0 < args.port < 65536:
        raise SystemExit("pyclawrouter openclaw install: error: --port must be 1-65535")
    run = cli_runner.subprocess_runner(cli_runner.find_openclaw(args.openclaw, env))

    def progress(line: str) -> None:  # on stderr, so --json output stays one document
        print(line, file=sys.stderr, flush=True)

    if args.action == "install":
        result = installer.install(
            run, home=home, env=env, port=args.port, python=args.python, openclaw_config=args.openclaw_config,
            progress=progress,
        )
        print(json.dumps(asdict(result), indent=2) if args.json else "\n".join(result.messages))
        return 0
    messages = uninstall.uninstall(run, home=home, env=env, openclaw_config=args.openclaw_config, progress=progress)
    print(json.dumps({"messages": messages}, indent=2) if args.json else "\n".join(messages))
    return 0
