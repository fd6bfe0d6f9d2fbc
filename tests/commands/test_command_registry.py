"""dispatch() answers every input with a reply: usage help for bad input, never an exception."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pyclawrouter.commands import CommandContext, CommandReply
from pyclawrouter.commands.registry import COMMANDS, command_names, dispatch


def run(name: str, args: str, ctx: CommandContext) -> CommandReply:
    return asyncio.run(dispatch(name, args, ctx))


def test_the_chat_commands_are_registered() -> None:
    assert set(command_names()) == {"wallet", "stats", "img", "img2img", "exclude"}
    for spec in COMMANDS.values():
        assert spec.description and spec.usage.startswith(f"/{spec.name}")


def test_unknown_command_lists_the_real_ones(ctx: CommandContext) -> None:
    reply = run("walet", "", ctx)
    assert reply.is_error and "/walet is not a pyclawrouter command" in reply.text and "/wallet" in reply.text


@pytest.mark.parametrize(
    ("name", "args", "problem"),
    [
        ("img", "", "/img needs a prompt"),
        ("img", "--size big a cat", "--size must look like 1024x1024"),
        ("img", "--colour red a cat", "unknown option --colour"),
        ("img", '"unclosed a cat', "cannot read the arguments"),
        ("img2img", "make it blue", "needs --image"),
        ("img2img", "--image /no/such/file.png make it blue", "is not a readable PNG, JPEG, WebP or GIF image"),
        ("img2img", "--image http://x/y.png", "needs a prompt"),
        ("stats", "lots", "'lots' is not a number of days"),
        ("stats", "0", "at least 1"),
        ("exclude", "add", "takes exactly one model id"),
        ("exclude", "frobnicate x", "unknown /exclude action"),
    ],
)
def test_bad_arguments_get_usage_help(ctx: CommandContext, name: str, args: str, problem: str) -> None:
    reply = run(name, args, ctx)
    assert reply.is_error
    assert problem in reply.text
    assert f"Usage:\n/{name}" in reply.text


def test_a_crashing_command_is_a_reply_not_a_traceback(ctx: CommandContext, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(args: str, ctx: CommandContext) -> CommandReply:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("pyclawrouter.commands.exclude.exclude", boom)
    reply = run("exclude", "", ctx)
    assert reply.is_error and "failed unexpectedly (RuntimeError)" in reply.text
    assert "secret internals" not in reply.text


def test_exclude_add_list_remove_clear_round_trip(ctx: CommandContext, isolated_state_dir: Path) -> None:
    file = isolated_state_dir / "exclude-models.json"
    assert "No models excluded" in run("exclude", "", ctx).text
    reply = run("exclude", "add openai/gpt-5.2", ctx)
    run("exclude", "add sonnet-4.6", ctx)  # alias -> id
    assert "Excluded: openai/gpt-5.2" in reply.text
    assert json.loads(file.read_text()) == [
        "anthropic/claude-sonnet-4.6",
        "openai/gpt-5.2",
    ]  # ClawRouter's sorted array
    assert file.read_text().endswith("]\n")
    listing = run("exclude", "list", ctx)
    assert "Excluded models (2)" in listing.text and listing.data["excluded"] == [
        "anthropic/claude-sonnet-4.6",
        "openai/gpt-5.2",
    ]
    missing = run("exclude", "remove nope/x", ctx)
    assert missing.is_error and "nope/x was not excluded" in missing.text
    assert run("exclude", "remove openai/gpt-5.2", ctx).data["excluded"] == ["anthropic/claude-sonnet-4.6"]
    assert "cleared" in run("exclude", "clear", ctx).text
    assert json.loads(file.read_text()) == []


def test_exclude_survives_a_corrupt_file(ctx: CommandContext, isolated_state_dir: Path) -> None:
    (isolated_state_dir / "exclude-models.json").write_text("{not json")
    assert "No models excluded" in run("exclude", "", ctx).text
    assert run("exclude", "add openai/gpt-5.2", ctx).data["excluded"] == ["openai/gpt-5.2"]


def test_exclude_rejects_unknown_models_and_profiles(ctx: CommandContext, isolated_state_dir: Path) -> None:
    unknown = run("exclude", "add openai/gpt-5.2x", ctx)
    assert unknown.is_error and "'openai/gpt-5.2x' names nothing in the catalog" in unknown.text
    assert "openai/gpt-5.2" in unknown.text
    profile = run("exclude", "add auto", ctx)
    assert profile.is_error and "routing profile" in profile.text
    assert not (isolated_state_dir / "exclude-models.json").exists()
