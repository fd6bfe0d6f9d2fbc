"""The usage log: ClawRouter's fields plus ours, nothing lost under concurrency; stats over calendar days."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

from pyclawrouter.usage import UsageRecord, UsageWriter, aggregate, clear


def _record(i: int, **kw: object) -> UsageRecord:
    fields: dict[str, object] = {"request_id": f"r{i}", "model": "google/gemini-2.5-flash", "tier": "SIMPLE",
                                 "status": 200, "latency_ms": 10, "cost": 0.001, "baseline_cost": 0.01,
                                 "paid": 0.001, "session": "s", "profile": "auto", "payment_chain": "base"}
    fields.update(kw)
    return UsageRecord(**fields)  # type: ignore[arg-type]


def test_line_has_clawrouter_fields_and_ours(tmp_path: Path) -> None:
    when = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    line = _record(1, input_tokens=812, output_tokens=240, timestamp=when).to_json()
    assert line["timestamp"] == "2026-03-20T12:00:00.000Z"
    for key in ("model", "tier", "cost", "baselineCost", "savings", "latencyMs", "inputTokens", "outputTokens",
                "requestId", "session", "profile", "status", "paid", "chain"):
        assert key in line
    assert line["savings"] == 0.9


def test_concurrent_writes_lose_nothing(tmp_path: Path) -> None:
    async def main() -> None:
        writer = UsageWriter(tmp_path)
        writer.start()

        async def burst(offset: int) -> None:
            for i in range(200):
                writer.write(_record(offset + i))
                if i % 17 == 0:
                    await asyncio.sleep(0)

        await asyncio.gather(*(burst(k * 1000) for k in range(10)))
        await writer.close()

    asyncio.run(main())
    lines = [json.loads(x) for f in (tmp_path / "logs").glob("usage-*.jsonl") for x in f.read_text().splitlines()]
    assert len(lines) == 2000 and len({x["requestId"] for x in lines}) == 2000


def test_aggregate_counts_calendar_days_and_failures(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    day = lambda d: datetime(2026, 3, d, 12, tzinfo=UTC)  # noqa: E731
    rows = [_record(1, timestamp=day(20)), _record(2, timestamp=day(20), tier="MEDIUM", model="x/y", cost=0.002),
            _record(3, timestamp=day(10)), _record(4, timestamp=day(19), status=502, cost=0.0, baseline_cost=0.0)]
    for row in rows:
        data = row.to_json()
        with (logs / f"usage-{data['timestamp'][:10]}.jsonl").open("a") as handle:
            handle.write(json.dumps(data) + "\n")
    (logs / "usage-2026-03-18.jsonl").write_text("not json\n")
    stats = aggregate(tmp_path, 7, today=date(2026, 3, 20))
    assert stats.totalRequests == 3 and stats.failedRequests == 1
    assert round(stats.totalCost, 6) == 0.003 and round(stats.totalPaid, 6) == 0.003
    assert list(stats.byTier) == ["SIMPLE", "MEDIUM"]
    assert [d.date for d in stats.dailyBreakdown] == ["2026-03-19", "2026-03-20"]
    assert aggregate(tmp_path, 30, today=date(2026, 3, 20)).totalRequests == 4
    assert aggregate(tmp_path, 1, today=date(2026, 3, 20)).period == "today"
    assert clear(tmp_path) == 4 and aggregate(tmp_path, 30).totalRequests == 0
