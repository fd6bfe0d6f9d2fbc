"""The wallet balance pre-check, bounded in time.

A balance read is an RPC call; it must never hold up a request (in ClawRouter a Solana RPC outage during the
pre-check failed the request with a 502). The monitor caches positive balances; here any answer (also "empty")
is reused for ``fresh_s``, at most one read runs at a time, a request waits for it at most ``wait_s``, and a
failed read is not retried for ``retry_after_s``. Unknown balance means "go ahead": the upstream's 402 and the
payment-error fallback still protect the request.

A balance that covered requests is served stale for up to ``stale_s`` while a read refreshes it in the
background, so no request waits for the monitor's periodic re-read. It can only be too high by what left the
wallet outside this proxy (our own payments are deducted as they are signed), and then the gateway refuses the
payment and the fallback answers. An empty or short balance is never served stale: a wallet just funded must
not be sent to the free models for longer than one read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyclawrouter.balance import BalanceInfo, BalanceMonitor

log = logging.getLogger(__name__)

# ClawRouter requires the estimate times 1.5 to be covered before sending a paid request.
SAFETY_FACTOR = 1.5


@dataclass(frozen=True)
class Verdict:
    sufficient: bool = True
    empty: bool = False
    low: bool = False
    usd: Decimal | None = None


class BalanceGate:
    def __init__(self, monitor: BalanceMonitor | None, *, wait_s: float = 0.3, retry_after_s: float = 15.0,
                 fresh_s: float = 5.0, stale_s: float = 600.0) -> None:
        self._monitor = monitor
        self._wait_s = wait_s
        self._retry_after_s = retry_after_s
        self._fresh_s = fresh_s
        self._stale_s = stale_s
        self._last: BalanceInfo | None = None
        self._last_at = 0.0
        self._task: asyncio.Task[BalanceInfo] | None = None
        self._failed_at = 0.0
        self._warned_low_at = 0.0

    async def check(self, estimate_usd: float) -> Verdict:
        info = await self._read()
        if info is None or info.usd is None:
            return Verdict()
        if info.is_empty:
            return Verdict(sufficient=False, empty=True, low=True, usd=info.usd)
        sufficient = float(info.usd) >= estimate_usd * SAFETY_FACTOR
        if info.is_low and time.monotonic() - self._warned_low_at > 300:
            self._warned_low_at = time.monotonic()
            log.warning("low wallet balance: $%.2f", float(info.usd))
        return Verdict(sufficient=sufficient, low=info.is_low, usd=info.usd)

    def spent(self, usd: float) -> None:
        if self._monitor is not None and usd > 0:
            with contextlib.suppress(Exception):
                self._monitor.deduct(Decimal(str(usd)))
            # The deducted balance, as old as the read it came from; None when the monitor holds none.
            self._last = self._monitor.peek()

    def invalidate(self) -> None:
        self._last = None
        if self._monitor is not None:
            self._monitor.invalidate()

    async def _read(self) -> BalanceInfo | None:
        if self._monitor is None:
            return None
        last = self._last
        if last is not None:
            age = time.monotonic() - self._last_at
            if age < self._fresh_s:
                return last  # no task, no await: the common case costs nothing
            if age < self._stale_s and not last.is_empty and not last.is_low:
                self._start_read()
                return last
        task = self._start_read()
        if task is None:
            return None
        try:
            info = await asyncio.wait_for(asyncio.shield(task), self._wait_s)
        except TimeoutError:
            return None  # the read goes on in the background and fills the monitor's cache
        except Exception:  # an RPC failure is a missing answer, not a failed request (logged by _keep)
            return None
        return info

    def _start_read(self) -> asyncio.Task[BalanceInfo] | None:
        """The read under way, or a new one; None while a failed read is in its back-off."""
        if self._task is not None and not self._task.done():
            return self._task
        if self._monitor is None or time.monotonic() - self._failed_at < self._retry_after_s:
            return None
        self._task = asyncio.ensure_future(self._monitor.get())
        self._task.add_done_callback(self._keep)
        return self._task

    def _keep(self, task: asyncio.Task[BalanceInfo]) -> None:
        """Every finished read, waited for or not, becomes the balance in force (or starts the back-off)."""
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._failed_at = time.monotonic()
            log.info("balance check failed: %s", type(exc).__name__)
            return
        info = task.result()
        if info.usd is None:  # the monitor answered with an RPC error: don't ask again on every request
            self._failed_at = time.monotonic()
        else:
            self._last, self._last_at = info, time.monotonic()

    def prefetch(self) -> None:
        """Start a read at server start so the first request finds a cached balance."""
        if self._task is None:
            self._start_read()
