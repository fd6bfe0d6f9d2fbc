"""/stats reads the usage log and lays it out for chat; /stats clear deletes it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from pyclawrouter.commands import CommandContext, CommandReply
from pyclawrouter.commands.registry import dispatch


def run(args: str, ctx: CommandContext) -> CommandReply:
    return asyncio.run(dispatch("stats", args, ctx))


def write_log(home: Path, entries: list[dict[str, object]]) -> Path:
    today = datetime.now(UTC).date().isoformat()
    path = home / "logs" / f"usage-{today}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"timestamp": f"{today}T12:00:00.000Z", **e}) + "\n" for e in entries))
    return path


def test_empty_log_says_so(ctx: CommandContext) -> None:
    reply = run("", ctx)
    assert not reply.is_error and "No requests in the last 7 days" in reply.text


def test_stats_shows_requests_spend_savings_tiers_and_models(ctx: CommandContext, isolated_state_dir: Path) -> None:
    write_log(
        isolated_state_dir,
        [
            {
                "model": "google/gemini-2.5-flash",
                "tier": "SIMPLE",
                "cost": 0.001,
                "baselineCost": 0.05,
                "latencyMs": 800,
            },
            {
                "model": "google/gemini-2.5-flash",
                "tier": "SIMPLE",
                "cost": 0.001,
                "baselineCost": 0.05,
                "latencyMs": 900,
            },
            {
                "model": "deepseek/deepseek-reasoner",
                "tier": "REASONING",
                "cost": 0.01,
                "baselineCost": 0.2,
                "latencyMs": 4000,
                "paid": 0.01,
            },
        ],
    )
    reply = run("3", ctx)
    assert reply.text.startswith("```\n")
    text = reply.text[: reply.text.index("\n```", 4) + 4]  # the stats block; the owner's dashboard link follows
    assert "pyclawrouter usage, last 3 days" in text
    assert "Requests     3" in text
    assert "Spent        $0.0120" in text
    assert "Baseline     $0.3000" in text
    assert "Saved        $0.2880  (96.0%)" in text
    assert "SIMPLE" in text and "REASONING" in text
    assert text.index("google/gemini-2.5-flash") < text.index("deepseek/deepseek-reasoner")
    assert reply.data["totalRequests"] == 3
    assert max(len(line) for line in text.splitlines()) <= 60  # fits a phone


def test_stats_clear_deletes_the_logs(ctx: CommandContext, isolated_state_dir: Path) -> None:
    path = write_log(isolated_state_dir, [{"model": "m", "tier": "SIMPLE", "cost": 0.001}])
    reply = run("clear", ctx)
    assert "Stats cleared: 1 usage log file(s) deleted" in reply.text
    assert not path.exists()
    assert "No requests" in run("", ctx).text


def test_spending_more_than_the_baseline_is_not_shown_as_negative_savings(
    ctx: CommandContext, isolated_state_dir: Path
) -> None:
    write_log(
        isolated_state_dir, [{"model": "openai/gpt-image-1", "tier": "IMAGE", "cost": 0.05, "baselineCost": 0.02}]
    )
    text = run("", ctx).text
    assert "Saved        nothing ($0.0300 over the baseline)" in text
    assert "$-" not in text
