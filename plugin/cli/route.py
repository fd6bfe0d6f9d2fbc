"""``pyclawrouter route``: print the routing decision for a prompt or a full request body, offline.

Imports only the routing core (inside the handler), so the command starts fast and works without a wallet.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pyclawrouter.errors import UserFacingError


class _BodyFileError(UserFacingError):
    code = "invalid_body_file"
    http_status = 400


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "route",
        help="show which model a request would be routed to (offline)",
        description="Classify a prompt (or a full chat-completions request body) and print the tier, model, "
        "fallback chain, estimated cost and savings. Nothing is sent anywhere.",
    )
    parser.add_argument("prompt", nargs="*", help="the user's message (quote it, or pass several words)")
    parser.add_argument("--body", metavar="FILE", help="a chat-completions request body as JSON ('-' for stdin)")
    parser.add_argument(
        "--profile", metavar="P", help="routing profile: auto, eco, premium or free (default: the body's model)"
    )
    parser.add_argument("--json", action="store_true", help="print the decision as JSON")
    parser.set_defaults(handler=_run, _parser=parser)


def _run(args: argparse.Namespace) -> int:
    from pyclawrouter.routing.router import route

    parser: argparse.ArgumentParser = args._parser
    if bool(args.prompt) == bool(args.body):
        parser.error("give either PROMPT words or --body FILE (exactly one)")
    body = (
        _read_body(args.body)
        if args.body
        else {"model": "auto", "messages": [{"role": "user", "content": " ".join(args.prompt)}]}
    )
    decision = route(body, profile=args.profile)
    if args.json:
        print(json.dumps(decision.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"tier        {decision.tier}  (confidence {decision.confidence:.2f})")
    print(f"model       {decision.model}  [profile: {decision.profile}]")
    print(f"chain       {' -> '.join(decision.chain)}")
    print(
        f"cost        ~${decision.cost_estimate:.6f} for ~{decision.input_tokens:,} tokens in, "
        f"up to {decision.max_output_tokens:,} out"
    )
    print(f"savings     {decision.savings:.0%} vs ${decision.baseline_cost:.6f} on the baseline model")
    print(f"reasoning   {decision.reasoning}")
    return 0


def _read_body(name: str) -> Any:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise _BodyFileError(f"cannot read --body file {name}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise _BodyFileError(f"--body file {name} is not UTF-8 text: {exc.reason}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BodyFileError(f"--body file {name} is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
