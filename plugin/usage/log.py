"""Append-only usage log: ``logs/usage-YYYY-MM-DD.jsonl``, one JSON object per request.

Field names follow ClawRouter's log (timestamp, model, tier, cost, baselineCost, savings, latencyMs,
inputTokens, outputTokens) so existing tooling keeps reading it; we add requestId, session, profile, status,
paid (USD signed through x402 for this request, every attempt included), payments (each signed payment),
chain (the payment chain; ``payment_chain`` in Python), shadow (what ``routing.shadow`` would have picked
and cost, when configured) and, when the caller gives it, reasoning (the routing decision's explanation).
``cost`` is what the request cost the user: the x402 amount when a payment was made, otherwise the price-table
cost of the tokens used.

Writes happen in one background task that drains a queue and appends in a worker thread, so a slow disk
never stalls the event loop, and lines from concurrent requests are never interleaved or lost (``close()``
drains what is queued before returning).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyclawrouter import paths
from pyclawrouter.fsutil import ensure_private_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UsageRecord:
    request_id: str
    model: str
    tier: str
    status: int
    latency_ms: int
    cost: float = 0.0
    baseline_cost: float = 0.0
    paid: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    session: str | None = None
    profile: str | None = None
    payment_chain: str | None = None
    error: str | None = None
    cache: str | None = None  # "hit" (response cache) or "dedup" (shared an identical in-flight request)
    reasoning: str | None = None  # why the router picked this tier/model (the dashboard shows it)
    timestamp: datetime | None = None
    payments: tuple[dict[str, Any], ...] = ()
    ceiling: float | None = None
    priced_by: str | None = None
    demoted: tuple[dict[str, str], ...] = ()
    """Models moved to the back of the chain: ``{"model", "reason": "outcomes"|"health"}``."""
    shadow: dict[str, Any] | None = None
    """``routing.shadow``'s pick for this request and what it would have cost: ``{"model", "cost"}``."""
    """Which catalog view priced the request: ``live <time>`` or ``snapshot <date>``."""
    """The most this request was allowed to pay across all its attempts (None: it could not pay)."""
    """Every payment the request signed: ``{"model", "usd", "state": "pending"|"settled", "tx"?}``."""

    def to_json(self) -> dict[str, Any]:
        when = self.timestamp or datetime.now(UTC)
        savings = (self.baseline_cost - self.cost) / self.baseline_cost if self.baseline_cost > 0 else 0.0
        line: dict[str, Any] = {
            "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "model": self.model,
            "tier": self.tier,
            "cost": round(self.cost, 8),
            "baselineCost": round(self.baseline_cost, 8),
            "savings": round(max(savings, 0.0), 4),
            "latencyMs": self.latency_ms,
        }
        if self.input_tokens is not None:
            line["inputTokens"] = self.input_tokens
        if self.output_tokens is not None:
            line["outputTokens"] = self.output_tokens
        line.update(requestId=self.request_id, session=self.session, profile=self.profile,
                    status=self.status, paid=round(self.paid, 8), chain=self.payment_chain)
        if self.error:
            line["error"] = self.error
        if self.cache:
            line["cache"] = self.cache
        if self.payments:
            line["payments"] = list(self.payments)
        if self.ceiling is not None:
            line["ceiling"] = round(self.ceiling, 8)
        if self.priced_by:
            line["pricedBy"] = self.priced_by
        if self.demoted:
            line["demoted"] = list(self.demoted)
        if self.shadow:
            line["shadow"] = self.shadow
        if self.reasoning:
            line["reasoning"] = self.reasoning[:300]
        return line


def log_file(home: Path, day: str) -> Path:
    return paths.logs_dir(home) / f"usage-{day}.jsonl"


def append_lines(home: Path, records: list[dict[str, Any]]) -> None:
    """Append records to the file of their own UTC day (blocking; called from a worker thread)."""
    by_day: dict[str, list[str]] = {}
    for record in records:
        by_day.setdefault(str(record["timestamp"])[:10], []).append(json.dumps(record, ensure_ascii=False))
    directory = paths.logs_dir(home)
    ensure_private_dir(home)
    ensure_private_dir(directory)
    for day, lines in by_day.items():
        # O_APPEND + one write() per batch: another process appending at the same time cannot split a line.
        fd = os.open(log_file(home, day), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, ("\n".join(lines) + "\n").encode("utf-8"))
        finally:
            os.close(fd)


class UsageWriter:
    """Queue usage records from the request path; one task writes them in order."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="usage-writer")

    def write(self, record: UsageRecord) -> None:
        """Never blocks and never raises: the request is done, its log line must not hurt it."""
        self._queue.put_nowait(record.to_json())
        if self._task is None:
            with contextlib.suppress(RuntimeError):
                self.start()

    async def flush(self) -> None:
        """Wait until everything queued so far is on disk (tests and shutdown)."""
        await self._queue.join()

    async def close(self) -> None:
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            records = [r for r in batch if r is not None]
            try:
                if records:
                    await asyncio.to_thread(append_lines, self._home, records)
            except OSError as exc:
                log.warning("could not write the usage log: %s", exc)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if any(r is None for r in batch):
                return
