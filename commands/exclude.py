"""``/exclude [add|remove|clear] <model>``: models the router must never pick, kept in ``exclude-models.json``.

The file is ClawRouter's (a sorted JSON array), so an existing exclusion list carries over. Writes are atomic.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyclawrouter.commands import CommandContext, CommandReply
from pyclawrouter.commands.args import UsageError, split_words
from pyclawrouter.errors import UserFacingError
from pyclawrouter.fsutil import atomic_write
from pyclawrouter.paths import exclude_models_file


def read_excluded(home: Path) -> list[str]:
    """The saved exclusions; a missing or unreadable file means none (and is never fatal for routing)."""
    try:
        data = json.loads(exclude_models_file(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return sorted({str(item) for item in data if isinstance(item, str) and item.strip()})


def write_excluded(home: Path, models: list[str]) -> None:
    atomic_write(exclude_models_file(home), json.dumps(sorted(set(models)), indent=2) + "\n")


def _listing(models: list[str]) -> str:
    return "\n".join(f"  • {m}" for m in models) if models else "  (none)"


def _reply(text: str, models: list[str]) -> CommandReply:
    return CommandReply(text=text, data={"excluded": models})


def resolve_model(name: str) -> str:
    """The catalog id for a model id or alias; an unknown name or a routing profile is a usage error."""
    from pyclawrouter.routing.catalog import TABLE_PROFILES, default_catalog
    from pyclawrouter.routing.errors import UnknownModelError

    catalog = default_catalog()
    try:
        model_id = catalog.resolve(name)
    except UnknownModelError as exc:
        # Not the routing error's own text: that one is written for API clients ("Unknown model ..."), and
        # chat hosts mistake it for their provider's missing-model failure.
        hint = f" Did you mean {' or '.join(repr(s) for s in exc.suggestions)}?" if exc.suggestions else ""
        raise UsageError(f"{name!r} names nothing in the catalog.{hint} Give a model id such as "
                         "'google/gemini-2.5-flash' or an alias such as 'sonnet'.") from None
    if model_id in catalog.profiles or model_id in TABLE_PROFILES:
        raise UsageError(f"{name!r} is a routing profile, not a model; exclude the models it would pick instead")
    return model_id


def _resolve_loosely(name: str) -> str:
    try:
        return resolve_model(name)
    except (UsageError, UserFacingError):
        return name


def exclude(args: str, ctx: CommandContext) -> CommandReply:
    words = split_words(args)
    action = words[0].lower() if words else "list"
    rest = words[1:]
    models = read_excluded(ctx.home)
    if action == "list" and not rest:
        if not models:
            return _reply("No models excluded.\n\nUse /exclude add <model> to keep a model out of routing.", models)
        return _reply(
            f"Excluded models ({len(models)}):\n{_listing(models)}\n\nUse /exclude remove <model> to "
            "route to one again.",
            models,
        )
    if action == "clear" and not rest:
        write_excluded(ctx.home, [])
        return _reply("All model exclusions cleared.", [])
    if action in ("add", "remove"):
        if len(rest) != 1:
            raise UsageError(f"/exclude {action} takes exactly one model id, e.g. /exclude {action} openai/gpt-4o")
        if action == "add":
            model = resolve_model(rest[0])
            models = sorted({*models, model})
            write_excluded(ctx.home, models)
            return _reply(f"Excluded: {model}\n\nActive exclusions ({len(models)}):\n{_listing(models)}", models)
        target = rest[0]
        candidates = {target, _resolve_loosely(target)}
        if not candidates & set(models):
            return CommandReply(
                text=f"{target} was not excluded.\n\nExcluded models:\n{_listing(models)}",
                data={"excluded": models},
                is_error=True,
            )
        models = [m for m in models if m not in candidates]
        write_excluded(ctx.home, models)
        return _reply(f"Unblocked: {target}\n\nActive exclusions ({len(models)}):\n{_listing(models)}", models)
    raise UsageError(f"unknown /exclude action {action!r}")
