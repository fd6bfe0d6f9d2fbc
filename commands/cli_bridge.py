"""Run a chat command from the command line, so ``pyclawrouter stats`` says exactly what ``/stats`` says.

The CLI modules turn their argparse options back into the chat argument string and call :func:`run_command`,
which prints the reply (``--json``: its ``data``) and returns the exit code: 0, or 1 when the reply is an error.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import sys
from collections.abc import Iterable

from pyclawrouter.commands import CommandContext, CommandReply


def cli_context() -> CommandContext:
    """The CLI user owns the state directory; the proxy URL comes from the effective config's port."""
    from pyclawrouter.config_schema import ConfigError, load_effective_config
    from pyclawrouter.paths import DEFAULT_HOST, DEFAULT_PORT, state_dir

    env = dict(os.environ)
    home = state_dir(env)
    try:
        port = int(load_effective_config(home, env).get("port", DEFAULT_PORT))
    except ConfigError:
        port = DEFAULT_PORT  # the command itself will still work; serve/doctor report the config error
    return CommandContext(home=home, is_owner=True, channel="cli", proxy_url=f"http://{DEFAULT_HOST}:{port}",
                          progress=lambda line: print(line, file=sys.stderr, flush=True))


def join_args(words: Iterable[str]) -> str:
    return shlex.join(list(words))


def flag_words(values: object, flags: Iterable[str]) -> list[str]:
    """``--flag value`` words for each of ``flags`` set on an argparse namespace, in the chat command's syntax."""
    words: list[str] = []
    for flag in flags:
        value = getattr(values, flag, None)
        if value:
            words += [f"--{flag}", str(value)]
    return words


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")


def plain_text(text: str) -> str:
    """Chat Markdown as terminal text: no code fence around the whole reply, no ``**bold**``, no backticks.

    Commands write for chat; a terminal shows Markdown's markers literally, and backticks around an address
    or a key get copied along with it."""
    if text.startswith("```\n") and text.endswith("\n```"):
        text = text[4:-4]  # a code fence helps chat clients, not terminals
    return _CODE.sub(r"\1", _BOLD.sub(r"\1", text))


def print_reply(reply: CommandReply, *, as_json: bool) -> int:
    if as_json:
        payload = {**reply.data, "isError": reply.is_error} if reply.is_error else reply.data
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 1 if reply.is_error else 0
    print(plain_text(reply.text), file=sys.stderr if reply.is_error else sys.stdout)
    return 1 if reply.is_error else 0


def run_command(name: str, args: str, *, as_json: bool, ctx: CommandContext | None = None) -> int:
    from pyclawrouter.commands.registry import dispatch

    reply = asyncio.run(dispatch(name, args, ctx or cli_context()))
    return print_reply(reply, as_json=as_json)
