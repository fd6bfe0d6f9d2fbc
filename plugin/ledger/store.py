"""Where signed payments are kept: SQLite (standard library) in WAL mode, one row per signed authorization.

Writes happen on the event loop, synchronously, before the request carrying the payment is sent: an insert
in WAL mode with ``synchronous=NORMAL`` costs tens of microseconds because it does not wait for fsync, and a
committed transaction survives the process being killed (the WAL is in the OS page cache); only a power loss
can lose the last commits, which is accepted here. Per-session totals are also kept in memory so the cap check
reads no disk.

``LedgerStore`` is the interface the rest of the proxy uses, so a shared store (several proxies, one wallet)
can replace the SQLite one later.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

log = logging.getLogger(__name__)

FILE_NAME = "spend-ledger.sqlite3"
LEGACY_FILE_NAME = "spend-sessions.json"
State = Literal["pending", "settled", "void"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    id INTEGER PRIMARY KEY,
    signed_at REAL NOT NULL,
    session TEXT NOT NULL,
    request_id TEXT NOT NULL,
    model TEXT NOT NULL,
    network TEXT NOT NULL,
    payer TEXT NOT NULL,
    pay_to TEXT NOT NULL,
    asset TEXT NOT NULL,
    amount_atomic INTEGER NOT NULL,
    amount_usd REAL NOT NULL,
    reference TEXT NOT NULL,
    valid_before INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'settled', 'void')),
    tx TEXT,
    resolved_at REAL
);
CREATE INDEX IF NOT EXISTS payments_by_session ON payments(session);
CREATE INDEX IF NOT EXISTS payments_pending ON payments(state) WHERE state = 'pending';
"""


@dataclass(frozen=True)
class SignedPayment:
    """What is recorded for one signed authorization, before it is sent."""

    session: str
    request_id: str
    model: str
    network: str
    payer: str
    pay_to: str
    asset: str
    amount_atomic: int
    amount_usd: float
    reference: str
    """EVM: the EIP-3009 nonce (0x-hex); Solana: the payer's transaction signature (base58)."""
    valid_before: int
    """Unix seconds after which the authorization can no longer be settled."""


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    payment: SignedPayment
    signed_at: float
    state: State
    tx: str | None


class LedgerStore(Protocol):
    def record(self, payment: SignedPayment) -> int: ...
    def settle(self, entry_id: int, tx: str | None) -> None: ...
    def void(self, entry_id: int) -> None: ...
    def spent(self, session: str) -> float: ...
    def total_spent(self, since: float = 0.0) -> float: ...
    def pending(self, limit: int) -> list[LedgerEntry]: ...
    def entries(self, *, session: str | None = None, limit: int = 100) -> list[LedgerEntry]: ...
    def close(self) -> None: ...


class SqliteLedgerStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # created 0600 before SQLite opens it
        os.close(fd)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.chmod(side, 0o600)
        self._by_session: dict[str, float] = {}
        for session, total in self._db.execute(
                "SELECT session, SUM(amount_usd) FROM payments WHERE state != 'void' GROUP BY session"):
            self._by_session[session] = float(total)

    def record(self, payment: SignedPayment) -> int:
        if not math.isfinite(payment.amount_usd) or payment.amount_usd < 0:
            raise ValueError(f"refusing to record a payment of {payment.amount_usd!r} USD")
        cursor = self._db.execute(
            "INSERT INTO payments (signed_at, session, request_id, model, network, payer, pay_to, asset, "
            "amount_atomic, amount_usd, reference, valid_before, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
            (time.time(), payment.session, payment.request_id, payment.model, payment.network, payment.payer,
             payment.pay_to, payment.asset, payment.amount_atomic, payment.amount_usd, payment.reference,
             payment.valid_before))
        self._by_session[payment.session] = self._by_session.get(payment.session, 0.0) + payment.amount_usd
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def settle(self, entry_id: int, tx: str | None) -> None:
        # A void entry is never revived by a late receipt: void is only ever decided from the chain itself.
        self._db.execute("UPDATE payments SET state = 'settled', tx = COALESCE(?, tx), resolved_at = ? "
                         "WHERE id = ? AND state != 'void'", (tx, time.time(), entry_id))

    def void(self, entry_id: int) -> None:
        row = self._db.execute("SELECT session, amount_usd FROM payments WHERE id = ? AND state = 'pending'",
                               (entry_id,)).fetchone()
        if row is None:
            return
        self._db.execute("UPDATE payments SET state = 'void', resolved_at = ? WHERE id = ?", (time.time(), entry_id))
        session, amount = row
        self._by_session[session] = max(0.0, self._by_session.get(session, 0.0) - float(amount))

    def spent(self, session: str) -> float:
        return self._by_session.get(session, 0.0)

    def total_spent(self, since: float = 0.0) -> float:
        row = self._db.execute("SELECT COALESCE(SUM(amount_usd), 0) FROM payments "
                               "WHERE state != 'void' AND signed_at >= ?", (since,)).fetchone()
        return float(row[0])

    def pending(self, limit: int) -> list[LedgerEntry]:
        return self._select("WHERE state = 'pending' ORDER BY id LIMIT ?", (limit,))

    def entries(self, *, session: str | None = None, limit: int = 100) -> list[LedgerEntry]:
        if session is None:
            return self._select("ORDER BY id DESC LIMIT ?", (limit,))
        return self._select("WHERE session = ? ORDER BY id DESC LIMIT ?", (session, limit))

    def close(self) -> None:
        self._db.close()

    def migrate_legacy(self, legacy: Path) -> int:
        """Carry ``spend-sessions.json`` totals over as settled entries, once, so an upgrade resets no cap."""
        try:
            data = json.loads(legacy.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return 0
        except (OSError, ValueError) as exc:
            log.warning("not migrating unreadable %s: %s", legacy, exc)
            return 0
        sessions = data.get("sessions") if isinstance(data, dict) else None
        migrated = 0
        for session, entry in (sessions or {}).items():
            spent = entry.get("spent") if isinstance(entry, dict) else None
            if isinstance(spent, int | float) and math.isfinite(spent) and spent > 0:
                entry_id = self.record(SignedPayment(
                    session=str(session), request_id="migrated", model="migrated", network="", payer="",
                    pay_to="", asset="", amount_atomic=round(spent * 1_000_000), amount_usd=float(spent),
                    reference=f"{LEGACY_FILE_NAME}:{session}", valid_before=0))
                self.settle(entry_id, None)
                migrated += 1
        legacy.rename(legacy.with_name(legacy.name + ".migrated"))
        return migrated

    def _select(self, clause: str, params: Iterable[object]) -> list[LedgerEntry]:
        rows = self._db.execute(
            "SELECT id, signed_at, session, request_id, model, network, payer, pay_to, asset, amount_atomic, "
            f"amount_usd, reference, valid_before, state, tx FROM payments {clause}", tuple(params)).fetchall()
        return [LedgerEntry(id=row[0], signed_at=row[1], state=row[13], tx=row[14],
                            payment=SignedPayment(*row[2:13])) for row in rows]


def open_store(home: Path) -> SqliteLedgerStore:
    store = SqliteLedgerStore(home / FILE_NAME)
    store.migrate_legacy(home / LEGACY_FILE_NAME)
    return store
