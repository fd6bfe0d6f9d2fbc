"""The table of slash commands and the one entry point that runs them: :func:`dispatch`.

The proxy's ``POST /plugin/command/{name}`` and the CLI both call :func:`dispatch`. It never raises: an
unknown command, bad arguments or a failure inside a command all come back as a :class:`CommandReply` with
``is_error`` set and text that says what to type instead. Command modules are imported on first use, so
``/exclude`` does not pay for importing the payment stack.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import cast

from pyclawrouter.commands import CommandContext, CommandReply
from pyclawrouter.commands.args import UsageError
from pyclawrouter.errors import UserFacingError

_log = logging.getLogger("pyclawrouter.commands")

Handler = Callable[[str, CommandContext], "Awaitable[CommandReply] | CommandReply"]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    usage: str
    target: str  # "module:function", imported on first use
    accepts_args: bool = True
    require_auth: bool = True
    # OpenClaw tells the command whether the sender is the owner (``/wallet export`` needs to know).
    exposes_owner: bool = False
    # How long the OpenClaw shim waits for the proxy's reply before saying the proxy is not answering.
    reply_timeout_s: float = 30.0


# A slow image model may take ~180 s until the gateway accepts the job (202), then up to 300 s of polling
# (proxy/image_jobs.py); the shim waits a little longer than both.
_IMAGE_REPLY_TIMEOUT_S = 540.0

# plugin/constants.js carries a generated copy of this table: after changing it, run
# `python -m pyclawrouter.openclaw.generate` (tests/plugin/test_generated_files.py fails until then).
COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec(
            "wallet",
            "Show wallet address, balance and how to fund it",
            "/wallet                 address(es), chain, balance, how to fund\n"
            "/wallet export          private key and mnemonic (owner only)\n"
            "/wallet chain base|solana   switch the payment chain",
            "pyclawrouter.commands.wallet:wallet",
            exposes_owner=True,
        ),
        CommandSpec(
            "stats",
            "Show usage statistics: requests, spend, savings",
            "/stats [days]           requests, spend and savings (default 7 days, at most 30)\n"
            "/stats clear            delete the usage logs",
            "pyclawrouter.commands.stats:stats",
            require_auth=False,
        ),
        CommandSpec(
            "img",
            "Generate an image: /img [--model M] [--size WxH] <prompt>",
            "/img [--model M] [--size WxH] <prompt>\n  e.g. /img --size 1024x1024 a lighthouse at dawn, watercolor",
            "pyclawrouter.commands.images:img",
            reply_timeout_s=_IMAGE_REPLY_TIMEOUT_S,
        ),
        CommandSpec(
            "img2img",
            "Edit an image: /img2img --image PATH|URL [--mask PATH] <prompt>",
            "/img2img --image PATH|URL [--mask PATH|URL] [--model M] [--size WxH] <prompt>\n"
            "  e.g. /img2img --image ~/cat.png give the cat a red scarf",
            "pyclawrouter.commands.images:img2img",
            reply_timeout_s=_IMAGE_REPLY_TIMEOUT_S,
        ),
        CommandSpec(
            "exclude",
            "Keep models out of routing: /exclude [add|remove|clear] <model>",
            "/exclude                  list excluded models\n"
            "/exclude add <model>      never route to <model>\n"
            "/exclude remove <model>   route to <model> again\n"
            "/exclude clear            remove every exclusion",
            "pyclawrouter.commands.exclude:exclude",
        ),
    )
}


def command_names() -> list[str]:
    return list(COMMANDS)


def own_words(name: str, text: str) -> str:
    """An error reply that starts with the command's own name (``/exclude: ...``).

    Chat hosts read error texts for their own failure phrases: OpenClaw rewrites a reply that starts with
    "Error", "Failed", "Request failed" and the like, or that says "unknown model", as one of its own provider
    warnings. Naming the command first keeps the reply recognisably ours."""
    prefix = f"/{name}"
    return text if text.startswith(prefix) else f"{prefix}: {text}"


def usage_reply(name: str, problem: str | None = None) -> CommandReply:
    spec = COMMANDS[name]
    text = f"Usage:\n{spec.usage}"
    if problem:
        text = f"{own_words(name, problem)}\n\n{text}"
    return CommandReply(text=text, data={"usage": spec.usage, "error": problem}, is_error=problem is not None)


def _unknown(name: str) -> CommandReply:
    listing = "\n".join(f"/{spec.name} — {spec.description}" for spec in COMMANDS.values())
    return CommandReply(text=f"/{name} is not a pyclawrouter command. Commands:\n{listing}", is_error=True)


def _load(spec: CommandSpec) -> Handler:
    module_name, _, attr = spec.target.partition(":")
    module = importlib.import_module(module_name)
    return cast(Handler, getattr(module, attr))


async def dispatch(name: str, args: str, ctx: CommandContext) -> CommandReply:
    """Run command ``name`` with the raw argument string ``args``; always returns a reply."""
    spec = COMMANDS.get(name.strip().lstrip("/").lower())
    if spec is None:
        return _unknown(name)
    try:
        handler = _load(spec)
        result = handler(args.strip(), ctx)
        reply = await result if inspect.isawaitable(result) else result
        if reply.is_error:
            reply = replace(reply, text=own_words(spec.name, reply.text))
        return reply
    except UsageError as exc:
        return usage_reply(spec.name, str(exc))
    except UserFacingError as exc:
        return CommandReply(text=own_words(spec.name, exc.message), data={"error": exc.code}, is_error=True)
    except Exception as exc:  # a command must never turn into a stack trace in chat
        _log.exception("/%s failed", spec.name)
        return CommandReply(
            text=f"/{spec.name} failed unexpectedly ({type(exc).__name__}); the proxy log has the details.",
            data={"error": "internal_error"},
            is_error=True,
        )
