"""The spend ledger's store: what counts as spent, what survives a restart, what void and settle mean."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from pyclawrouter.ledger.store import SignedPayment, SqliteLedgerStore, open_store
from pyclawrouter.ledger.summary import read_summary


def payment(session: str = "s", usd: float = 0.002, reference: str = "0x01") -> SignedPayment:
    return SignedPayment(session=session, request_id="r", model="m", network="eip155:8453", payer="0xp",
                         pay_to="0xq", asset="0xa", amount_atomic=1000, amount_usd=usd,
                         reference=reference, valid_before=2_000_000_000)


def test_pending_counts_as_spent_and_survives_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    first = store.record(payment(usd=0.002))
    store.record(payment(usd=0.003))
    store.settle(first, "0xtx")
    assert store.spent("s") == pytest.approx(0.005)
    store.close()
    again = open_store(tmp_path)
    assert again.spent("s") == pytest.approx(0.005)
    assert [e.state for e in again.entries(session="s")] == ["pending", "settled"]
    assert again.entries(session="s")[1].tx == "0xtx"
    again.close()


def test_void_stops_counting_and_is_never_revived_by_a_late_receipt(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    entry = store.record(payment())
    store.void(entry)
    assert store.spent("s") == 0
    store.settle(entry, "0xlate")
    assert store.entries()[0].state == "void" and store.spent("s") == 0
    store.void(entry)  # twice is a no-op, not a negative total
    assert store.spent("s") == 0
    store.close()


def test_settled_entries_cannot_be_voided(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    entry = store.record(payment())
    store.settle(entry, None)
    store.void(entry)
    assert store.spent("s") == pytest.approx(0.002)
    store.close()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.01])
def test_a_non_finite_or_negative_amount_is_refused(tmp_path: Path, bad: float) -> None:
    store = open_store(tmp_path)
    with pytest.raises(ValueError):
        store.record(payment(usd=bad))
    assert store.spent("s") == 0
    store.close()


def test_the_file_is_private(tmp_path: Path) -> None:
    open_store(tmp_path / "state").close()
    assert stat.S_IMODE(os.stat(tmp_path / "state" / "spend-ledger.sqlite3").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "state").st_mode) == 0o700


def test_legacy_totals_are_migrated_once_and_unreadable_ones_left_alone(tmp_path: Path) -> None:
    legacy = tmp_path / "spend-sessions.json"
    legacy.write_text(json.dumps({"version": 1, "sessions": {"a": {"spent": 0.25, "updated": 1.0},
                                                             "b": {"spent": "x"}, "c": {"spent": float("nan")}}}))
    store = open_store(tmp_path)
    assert store.spent("a") == pytest.approx(0.25) and store.spent("b") == 0 and store.spent("c") == 0
    store.close()
    assert open_store(tmp_path).spent("a") == pytest.approx(0.25)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "spend-sessions.json").write_text("{not json")
    broken = open_store(tmp_path / "other")
    assert broken.spent("a") == 0 and (tmp_path / "other" / "spend-sessions.json").exists()
    broken.close()


def test_the_read_only_summary_sees_what_the_writer_committed(tmp_path: Path) -> None:
    assert read_summary(tmp_path).payments == 0  # no ledger yet
    store = SqliteLedgerStore(tmp_path / "spend-ledger.sqlite3")
    store.settle(store.record(payment(usd=0.004)), "0xt")
    store.record(payment(usd=0.001))
    store.void(store.record(payment(usd=0.5)))
    summary = read_summary(tmp_path)
    store.close()
    assert summary.spent_usd == pytest.approx(0.005)
    assert summary.pending_usd == pytest.approx(0.001) and summary.pending_count == 1
    assert summary.void_usd == pytest.approx(0.5) and summary.payments == 3


def test_the_latest_session_is_the_one_that_signed_last_and_void_does_not_count(tmp_path: Path) -> None:
    from pyclawrouter.ledger.summary import read_latest_session, utc_day_start

    assert read_latest_session(tmp_path) is None
    store = open_store(tmp_path)
    store.record(payment(session="old", usd=0.5))
    store.record(payment(session="new", usd=0.002))
    voided = store.record(payment(session="new", usd=0.003))
    store.void(voided)
    latest = read_latest_session(tmp_path)
    assert latest is not None and latest.session == "new" and latest.payments == 1
    assert latest.spent_usd == pytest.approx(store.spent("new")) == pytest.approx(0.002)
    store.close()
    assert utc_day_start(86400 * 3 + 5000) == 86400 * 3
