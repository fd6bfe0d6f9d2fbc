"""``POST /plugin/command/{name}``: the slash commands OpenClaw forwards to the proxy.

Any local process can reach the proxy, and some commands reveal secrets (``/wallet export``), so each call
must carry the per-start token the proxy writes to ``<state dir>/command-token`` (0600): only a process that
can read the owner's state directory, i.e. the plugin shim, can call a command.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from dataclasses import replace
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from pyclawrouter.commands import CommandContext
from pyclawrouter.commands.registry import dispatch
from pyclawrouter.errors import BadRequestError, UserFacingError
from pyclawrouter.fsutil import atomic_write
from pyclawrouter.paths import command_token_file
from pyclawrouter.proxy.context import ProxyContext
from pyclawrouter.proxy.errors import UnauthorizedError
from pyclawrouter.proxy.request import parse_json_object, read_body
from pyclawrouter.proxy.responses import json_response

_MAX_COMMAND_BODY = 64 * 1024


def write_token(home: Path) -> str:
    token = secrets.token_urlsafe(32)
    atomic_write(command_token_file(home), token + "\n", mode=0o600)
    return token


def remove_token(home: Path, token: str | None) -> None:
    path = command_token_file(home)
    with contextlib.suppress(OSError):
        # Another proxy may have started since and written its own token: only remove ours.
        if token is not None and path.read_text(encoding="utf-8").strip() == token:
            path.unlink()


async def command(request: Request, ctx: ProxyContext) -> Response:
    check_token(request, ctx.command_token)
    name = request.path_params["name"]
    body = parse_json_object(await read_body(request, _MAX_COMMAND_BODY))
    args = body.get("args", "")
    if not isinstance(args, str):
        raise BadRequestError("'args' must be a string")
    command_ctx = CommandContext(home=ctx.settings.home, is_owner=body.get("senderIsOwner") is True,
                                 channel=str(body.get("channel") or "chat"),
                                 proxy_url=ctx.settings.public_base_url)
    reply = await dispatch(name, args, command_ctx)
    notes = [_first_run_notice(ctx.settings.home), ctx.provider.take_config_notice()]
    for note in notes:  # each said once, in the chat where the user is (doctor keeps saying the config one)
        if note is not None:
            reply = replace(reply, text=f"{note}\n\n{reply.text}")
    return json_response(reply.to_json())


def _first_run_notice(home: Path) -> str | None:
    import os

    from pyclawrouter.commands.welcome import MARKER, take_first_run_notice

    if (home / MARKER).exists():  # the common case: one stat, no openclaw.json read
        return None
    from pyclawrouter.config_schema import openclaw_config_path
    from pyclawrouter.config_schema.sources import read_openclaw_document
    from pyclawrouter.openclaw.document import current_primary

    env = dict(os.environ)
    try:
        primary = current_primary(read_openclaw_document(openclaw_config_path(env)))
    except UserFacingError:
        primary = None
    return take_first_run_notice(home, env, primary)


def check_token(request: Request, expected: str | None) -> None:
    """Every state-changing endpoint calls this: the caller must hold the per-start token."""
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    # Compared as bytes: compare_digest refuses non-ASCII str (TypeError), and a header may hold any byte
    # (Starlette decodes header values as Latin-1, so this encoding gives back the bytes that were sent).
    presented = token.strip().encode("latin-1", errors="replace")
    if expected is None or scheme.lower() != "bearer" or not hmac.compare_digest(presented, expected.encode()):
        raise UnauthorizedError("A valid command token is required (Authorization: Bearer <command-token>)")
