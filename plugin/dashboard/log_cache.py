"""The usage log as the dashboard polls it: each day's file is read and aggregated again only when it changed.

The page refreshes every few seconds and a month of log can be tens of thousands of lines; parsing and
aggregating them all on every poll took over a second of CPU each time, in the proxy's own process
(benchmarks/dashboard_poll.py). A file whose size and modification time are unchanged keeps its
:class:`~pyclawrouter.dashboard.data.DayAggregate` (the log is append-only: a new line changes both), so a
poll after a new request re-reads today's file only, and one with nothing new returns the previous view.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from pyclawrouter.dashboard import data
from pyclawrouter.dashboard.data import DashboardData, DayAggregate
from pyclawrouter.usage.log import log_file
from pyclawrouter.usage.stats import MAX_DAYS, read_day

Signature = tuple[tuple[str, int, int], ...]


class LogCache:
    def __init__(self) -> None:
        self._files: dict[Path, tuple[int, int, DayAggregate]] = {}
        self._lock = threading.Lock()

    def read_days(self, home: Path, days: int, today: date) -> tuple[Signature, list[tuple[str, DayAggregate]]]:
        """Each day's aggregate (oldest first, days without a file left out), plus a signature that changes
        whenever any of the files does."""
        days = max(1, min(int(days), MAX_DAYS))
        found: list[tuple[str, DayAggregate]] = []
        signature: list[tuple[str, int, int]] = []
        keep: set[Path] = set()
        with self._lock:
            for offset in range(days - 1, -1, -1):
                day = (today - timedelta(days=offset)).isoformat()
                path = log_file(home, day)
                try:
                    stat = path.stat()
                except OSError:
                    continue
                key = (stat.st_mtime_ns, stat.st_size)
                cached = self._files.get(path)
                if cached is None or cached[:2] != key:
                    cached = (*key, data.aggregate_day(read_day(path)))
                    self._files[path] = cached
                keep.add(path)
                signature.append((day, *key))
                if cached[2].totals.requests:
                    found.append((day, cached[2]))
            # Forget days that left every period asked for lately (a 30-day view keeps up to 30 files).
            if len(self._files) > MAX_DAYS:
                self._files = {p: v for p, v in self._files.items() if p in keep}
        return tuple(signature), found


class DashboardSource:
    """:class:`~pyclawrouter.dashboard.data.DashboardData` for a period, rebuilt only when the log changed."""

    def __init__(self) -> None:
        self.log = LogCache()
        self._last: dict[int, tuple[object, DashboardData]] = {}
        self._lock = threading.Lock()

    def load(self, home: Path, days: int, *, today: date, max_cost_per_run: float | None,
             cap_mode: str = "graceful") -> DashboardData:
        """A fresh copy each call (blocking: run it in a thread); the caller may fill in the balance."""
        days = max(1, min(int(days), MAX_DAYS))
        signature, found = self.log.read_days(home, days, today)
        key = (home, today, signature, max_cost_per_run, cap_mode)
        with self._lock:
            hit = self._last.get(days)
        if hit is None or hit[0] != key:
            hit = (key, data.merge(found, days=days, today=today, max_cost_per_run=max_cost_per_run,
                                   cap_mode=cap_mode))
            with self._lock:
                self._last[days] = hit
        return replace(hit[1])
