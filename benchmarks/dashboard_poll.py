"""What one dashboard refresh costs the proxy's process: aggregating the usage log for a 30-day view.

Writes a synthetic log (``--days`` files of ``--lines`` lines, ClawRouter's fields plus ours) to a temporary
state directory, then times ``DashboardSource.load`` + rendering the page fragments in three cases: the first
poll (every file parsed), a poll after one new line today (one file parsed, everything aggregated), and a poll
with nothing new (the previous aggregate reused). Offline, no server.

    python benchmarks/dashboard_poll.py [--days 30] [--lines 2000] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pyclawrouter.dashboard import page
from pyclawrouter.dashboard.log_cache import DashboardSource


def write_log(home: Path, days: int, lines: int, today: date) -> Path:
    logs = home / "logs"
    logs.mkdir(parents=True)
    newest = logs
    for offset in range(days):
        day = (today - timedelta(days=offset)).isoformat()
        path = logs / f"usage-{day}.jsonl"
        with path.open("w") as handle:
            for i in range(lines):
                handle.write(json.dumps(line(day, i)) + "\n")
        if offset == 0:
            newest = path
    return newest


def line(day: str, i: int) -> dict[str, object]:
    return {"timestamp": f"{day}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
            "model": f"vendor/model-{i % 12}", "tier": ("SIMPLE", "MEDIUM", "COMPLEX", "REASONING")[i % 4],
            "cost": 0.0012, "baselineCost": 0.012, "savings": 0.9, "latencyMs": 400 + i % 900,
            "inputTokens": 900, "outputTokens": 300, "requestId": f"{i:016x}", "session": f"session-{i % 40}",
            "profile": "auto", "status": 500 if i % 25 == 0 else 200, "paid": 0.0012, "chain": "base"}


def timed(source: DashboardSource, home: Path, days: int, today: date) -> float:
    start = time.perf_counter()
    result = source.load(home, days, today=today, max_cost_per_run=0.5)
    page.fragments(result)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    today = datetime.now(UTC).date()
    cases: dict[str, list[float]] = {"first poll": [], "one new line": [], "nothing new": []}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        newest = write_log(home, args.days, args.lines, today)
        for i in range(args.repeat):
            source = DashboardSource()
            cases["first poll"].append(timed(source, home, args.days, today))
            with newest.open("a") as handle:
                handle.write(json.dumps(line(today.isoformat(), args.lines + i)) + "\n")
            cases["one new line"].append(timed(source, home, args.days, today))
            cases["nothing new"].append(timed(source, home, args.days, today))
    result = {name: round(statistics.median(ms), 2) for name, ms in cases.items()}
    if args.json:
        print(json.dumps({"days": args.days, "linesPerDay": args.lines, "medianMs": result}))
        return
    print(f"{args.days} days x {args.lines} lines, median of {args.repeat}")
    for name, ms in result.items():
        print(f"  {name:<14} {ms:>9.2f} ms")


if __name__ == "__main__":
    main()
