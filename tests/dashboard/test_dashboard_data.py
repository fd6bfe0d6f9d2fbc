"""Aggregation of usage-log lines into what the dashboard shows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pyclawrouter.dashboard import data, log_cache
from pyclawrouter.dashboard.log_cache import DashboardSource
from pyclawrouter.dashboard.session_spend import session_spend

TODAY = date(2026, 12, 2)


def line(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"timestamp": "2026-12-02T10:00:00.000Z", "model": "m/a", "tier": "SIMPLE",
                            "cost": 0.0, "baselineCost": 0.0, "latencyMs": 100, "status": 200, "paid": 0.0}
    return {**base, **fields}


def test_totals_per_day_model_and_tier() -> None:
    days = [
        ("2026-11-30", [line(timestamp="2026-11-30T09:00:00.000Z", cost=0.002, paid=0.002, baselineCost=0.02)]),
        ("2026-12-02", [
            line(cost=0.001, paid=0.001, baselineCost=0.01, latencyMs=100),
            line(model="m/b", tier="REASONING", cost=0.005, paid=0.005, baselineCost=0.05, latencyMs=300),
            line(model="m/b", tier="REASONING", status=502, latencyMs=900, error="All 5 models failed"),
        ]),
    ]
    result = data.build(days, days=3, today=TODAY, max_cost_per_run=None)
    assert result.totals.requests == 4 and result.totals.failed == 1
    assert result.totals.spent == pytest.approx(0.008)
    assert result.totals.saved == pytest.approx(0.08 - 0.008)
    assert [d for d, _ in result.daily] == ["2026-11-30", "2026-12-01", "2026-12-02"]  # the gap day is kept
    assert [t.spent for _, t in result.daily] == pytest.approx([0.002, 0.0, 0.006])
    by_model = {m.model: m for m in result.by_model}
    assert by_model["m/b"].totals.error_rate == pytest.approx(0.5)
    assert by_model["m/b"].totals.avg_latency_ms == pytest.approx(600)
    assert by_model["m/b"].p95_latency_ms == 900
    assert by_model["m/a"].totals.error_rate == 0
    assert [tier for tier, _ in result.by_tier] == ["SIMPLE", "REASONING"]
    assert result.recent[0].status == 502 and result.recent[0].reason == "All 5 models failed"
    assert result.recent[-1].timestamp.startswith("2026-11-30")


def test_recent_shows_the_routing_reason_and_what_was_paid() -> None:
    result = data.build([("2026-12-02", [line(reasoning="short greeting", paid=0.0012, cost=0.0012)])],
                        days=1, today=TODAY, max_cost_per_run=0.5)
    (only,) = result.recent
    assert (only.reason, only.paid, only.tier, only.model) == ("short greeting", 0.0012, "SIMPLE", "m/a")


def test_session_spend_sums_what_was_paid_newest_session_first() -> None:
    lines = [
        line(session="s1", paid=0.01, timestamp="2026-12-02T10:00:00.000Z"),
        line(session="s2", paid=0.02, timestamp="2026-12-02T10:01:00.000Z"),
        line(session="s1", paid=0.03, timestamp="2026-12-02T10:02:00.000Z"),
        line(session="s1", paid=0.0, cost=0.5, timestamp="2026-12-02T10:03:00.000Z"),  # free model: not paid
        line(timestamp="2026-12-02T09:00:00.000Z", paid=0.004),
    ]
    spend = session_spend(lines)
    assert [s.session for s in spend] == ["s1", "s2", ""]
    assert spend[0].spent == pytest.approx(0.04) and spend[0].requests == 3
    assert spend[0].first_seen == "2026-12-02T10:00:00.000Z" and spend[0].last_seen == "2026-12-02T10:03:00.000Z"


def test_load_reads_the_log_files_and_skips_damaged_lines(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "usage-2026-12-02.jsonl").write_text(
        json.dumps(line(paid=0.001, cost=0.001)) + "\n{not json\n" + json.dumps([1, 2]) + "\n"
        + json.dumps(line(cost="lots", latencyMs=None)) + "\n")
    (logs / "usage-2026-11-01.jsonl").write_text(json.dumps(line(paid=9.0)) + "\n")  # outside 7 days
    result = DashboardSource().load(tmp_path, 7, today=TODAY, max_cost_per_run=None)
    assert result.totals.requests == 2
    assert result.totals.spent == pytest.approx(0.001)
    assert result.to_json()["totals"]["spent"] == 0.001


def test_json_is_plain_data() -> None:
    result = data.build([("2026-12-02", [line(session="s", paid=0.002, cost=0.002)])], days=1, today=TODAY,
                        max_cost_per_run=0.25, cap_mode="strict")
    payload = json.loads(json.dumps(result.to_json()))
    assert payload["cap"] == {"maxCostPerRun": 0.25, "mode": "strict"}
    assert payload["sessions"][0]["session"] == "s" and payload["sessions"][0]["spent"] == 0.002


def test_source_parses_a_file_again_only_when_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    today_file, old_file = logs / "usage-2026-12-02.jsonl", logs / "usage-2026-12-01.jsonl"
    today_file.write_text(json.dumps(line(paid=0.001, cost=0.001)) + "\n")
    old_file.write_text(json.dumps(line(timestamp="2026-12-01T10:00:00.000Z", paid=0.002, cost=0.002)) + "\n")
    parsed: list[str] = []
    real_read_day = log_cache.read_day
    monkeypatch.setattr(log_cache, "read_day", lambda path: parsed.append(path.name) or real_read_day(path))
    source = DashboardSource()
    first = source.load(tmp_path, 7, today=TODAY, max_cost_per_run=None)
    assert first.totals.requests == 2 and sorted(parsed) == [old_file.name, today_file.name]
    first.balance_usd = 1.0  # the caller fills in the balance on its own copy
    again = source.load(tmp_path, 7, today=TODAY, max_cost_per_run=None)
    assert again.totals.requests == 2 and again.balance_usd is None and len(parsed) == 2
    with today_file.open("a") as handle:
        handle.write(json.dumps(line(paid=0.004, cost=0.004)) + "\n")
    third = source.load(tmp_path, 7, today=TODAY, max_cost_per_run=None)
    assert third.totals.requests == 3 and third.totals.spent == pytest.approx(0.007)
    assert parsed[2:] == [today_file.name]  # the unchanged day was not read again
    assert source.load(tmp_path, 7, today=TODAY, max_cost_per_run=0.5).max_cost_per_run == 0.5
