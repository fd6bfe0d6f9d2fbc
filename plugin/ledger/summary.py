"""What the ledger says about spend, for ``/stats``, ``/wallet`` and the CLI: read-only, from any process.

The proxy writes the ledger; commands may run in another process (the CLI), so they open the SQLite file
read-only rather than asking the proxy. A missing file means nothing was ever signed.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyclawrouter.ledger.store import FILE_NAME

DAY_S = 86400.0


@dataclass(frozen=True)
class LedgerSummary:
    spent_usd: float
    """Signed and not void since ``since``: what counts against caps and is shown as spend."""
    pending_usd: float
    pending_count: int
    settled_usd: float
    void_usd: float
    payments: int

    def to_json(self) -> dict[str, Any]:
        return {"spentUsd": round(self.spent_usd, 8), "pendingUsd": round(self.pending_usd, 8),
                "pendingCount": self.pending_count, "settledUsd": round(self.settled_usd, 8),
                "voidUsd": round(self.void_usd, 8), "payments": self.payments}


def read_summary(home: Path, *, since: float = 0.0) -> LedgerSummary:
    path = home / FILE_NAME
    if not path.exists():
        return LedgerSummary(0.0, 0.0, 0, 0.0, 0.0, 0)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT state, COUNT(*), COALESCE(SUM(amount_usd), 0) FROM payments "
                          "WHERE signed_at >= ? GROUP BY state", (since,)).fetchall()
    except sqlite3.Error:
        return LedgerSummary(0.0, 0.0, 0, 0.0, 0.0, 0)
    finally:
        db.close()
    by_state = {state: (int(count), float(total)) for state, count, total in rows}
    pending, settled, void = (by_state.get(s, (0, 0.0)) for s in ("pending", "settled", "void"))
    return LedgerSummary(spent_usd=pending[1] + settled[1], pending_usd=pending[1], pending_count=pending[0],
                         settled_usd=settled[1], void_usd=void[1],
                         payments=pending[0] + settled[0] + void[0])


def days_ago(days: int) -> float:
    return time.time() - days * DAY_S


def utc_day_start(now: float | None = None) -> float:
    """Midnight UTC of the day ``now`` falls in (OpenClaw's usage surfaces count days in UTC too)."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


@dataclass(frozen=True)
class SessionTotal:
    """One session's (one run's) payments: what ``maxCostPerRun`` is checked against."""

    session: str
    spent_usd: float
    """Signed and not void, whenever signed: the figure the proxy's cap check uses."""
    payments: int
    last_signed_at: float

    def to_json(self) -> dict[str, Any]:
        return {"session": self.session, "spentUsd": round(self.spent_usd, 8), "payments": self.payments,
                "lastSignedAt": self.last_signed_at}


def read_latest_session(home: Path) -> SessionTotal | None:
    """The session that signed the most recent payment, with its total; None when nothing was ever signed."""
    path = home / FILE_NAME
    if not path.exists():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = db.execute(
            "SELECT session, COALESCE(SUM(CASE WHEN state != 'void' THEN amount_usd END), 0), "
            "COUNT(CASE WHEN state != 'void' THEN 1 END), MAX(signed_at) FROM payments "
            "WHERE session = (SELECT session FROM payments ORDER BY signed_at DESC, id DESC LIMIT 1) "
            "GROUP BY session").fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    if row is None:
        return None
    return SessionTotal(session=str(row[0]), spent_usd=float(row[1]), payments=int(row[2]),
                        last_signed_at=float(row[3]))
