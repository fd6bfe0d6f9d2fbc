"""Per-session spend control (``maxCostPerRun``), counted from what was actually paid.

Before a paid request is sent, its estimate is *reserved* against the session's cap; a signed payment larger
than the reservation must be approved (``grow``) before it is sent; when the request ends the reservation is
replaced by the amount really paid. Everything here runs on the event loop without awaiting, so two
concurrent requests of one session can never both see the same remaining budget. Totals are written to
``spend-sessions.json`` in the state directory (atomically, in a worker thread, coalesced), so a restart does
not reset a run's budget as ClawRouter's in-memory counter did.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from pyclawrouter.fsutil import atomic_write

log = logging.getLogger(__name__)

FILE_NAME = "spend-sessions.json"
# A run that has been idle this long is forgotten; far beyond any real agent run.
RETENTION_S = 7 * 24 * 3600.0


@dataclass
class Reservation:
    session: str
    amount: float
    settled: bool = False


class SpendLedger:
    def __init__(self, home: Path, cap: float | None) -> None:
        self.path = home / FILE_NAME
        self.cap = cap
        self._spent: dict[str, float] = {}
        self._updated: dict[str, float] = {}
        self._reserved: dict[str, float] = {}
        self._dirty = False
        self._writer: asyncio.Task[None] | None = None
        self._load()

    def spent(self, session: str) -> float:
        return self._spent.get(session, 0.0)

    def remaining(self, session: str) -> float:
        if self.cap is None:
            return float("inf")
        return self.cap - self._spent.get(session, 0.0) - self._reserved.get(session, 0.0)

    def reserve(self, session: str, amount: float) -> Reservation | None:
        """Hold ``amount`` of the session's budget, or None if it does not fit."""
        amount = max(amount, 0.0)
        if self.cap is not None and amount > self.remaining(session) + 1e-12:
            return None
        self._reserved[session] = self._reserved.get(session, 0.0) + amount
        return Reservation(session, amount)

    def grow(self, reservation: Reservation, amount: float) -> bool:
        """Raise a reservation to ``amount`` (a payment asks for more than estimated), if the cap allows."""
        extra = amount - reservation.amount
        if extra <= 0:
            return True
        if self.cap is not None and extra > self.remaining(reservation.session) + 1e-12:
            return False
        self._reserved[reservation.session] = self._reserved.get(reservation.session, 0.0) + extra
        reservation.amount = amount
        return True

    def settle(self, reservation: Reservation, paid: float) -> None:
        """Release the reservation and count what was really paid (0 for a failed or free request)."""
        if reservation.settled:
            return
        reservation.settled = True
        session = reservation.session
        left = self._reserved.get(session, 0.0) - reservation.amount
        if left > 1e-12:
            self._reserved[session] = left
        else:
            self._reserved.pop(session, None)
        if paid > 0:
            self._spent[session] = self._spent.get(session, 0.0) + paid
            self._updated[session] = time.time()
            self._schedule_write()

    async def flush(self) -> None:
        while self._writer is not None and not self._writer.done():
            await self._writer
        if self._dirty:
            self._dirty = False
            await asyncio.to_thread(self._write, self._snapshot())

    def _schedule_write(self) -> None:
        self._dirty = True
        if self._writer is None or self._writer.done():
            try:
                self._writer = asyncio.get_running_loop().create_task(self._write_loop())
            except RuntimeError:  # no loop (tests calling synchronously): write now
                self._dirty = False
                self._write(self._snapshot())

    async def _write_loop(self) -> None:
        while self._dirty:
            self._dirty = False
            try:
                await asyncio.to_thread(self._write, self._snapshot())
            except OSError as exc:
                log.warning("could not save session spend: %s", exc)

    def _snapshot(self) -> str:
        sessions = {sid: {"spent": round(spent, 8), "updated": self._updated.get(sid, 0.0)}
                    for sid, spent in self._spent.items()}
        return json.dumps({"version": 1, "sessions": sessions}, indent=1)

    def _write(self, text: str) -> None:
        atomic_write(self.path, text, mode=0o600)

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)
            return
        cutoff = time.time() - RETENTION_S
        sessions = data.get("sessions") if isinstance(data, dict) else None
        for sid, entry in (sessions or {}).items():
            if not isinstance(entry, dict):
                continue
            spent, updated = entry.get("spent"), entry.get("updated", 0.0)
            if isinstance(spent, int | float) and isinstance(updated, int | float) and updated >= cutoff:
                self._spent[sid] = float(spent)
                self._updated[sid] = float(updated)
