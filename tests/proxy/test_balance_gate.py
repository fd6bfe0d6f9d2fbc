"""The balance pre-check never makes a request wait for the periodic re-read, and never trusts an old empty one.

The monitor here is a stand-in whose reads the test releases by hand (the real monitor's RPC reads are tested
against anvil and the stand-in gateway in ``tests/wallet/test_balance.py``)."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from pyclawrouter.balance import LOW_BALANCE_USD, BalanceInfo
from pyclawrouter.proxy.balance_gate import BalanceGate


def _info(usd: Decimal | None) -> BalanceInfo:
    if usd is None:
        return BalanceInfo(None, "RPC error", False, False, "base", "0xabc")
    return BalanceInfo(usd, None, usd < LOW_BALANCE_USD, usd <= 0, "base", "0xabc")


class Monitor:
    """Answers each read with ``balance`` once the test sets ``release`` (set from the start unless ``held``)."""

    def __init__(self, usd: str | None, *, held: bool = False) -> None:
        self.balance = None if usd is None else Decimal(usd)
        self.reads = 0
        self.release = asyncio.Event()
        if not held:
            self.release.set()
        self._cached: Decimal | None = None

    async def get(self, force: bool = False) -> BalanceInfo:
        self.reads += 1
        await self.release.wait()
        self._cached = self.balance if self.balance and self.balance > 0 else None
        return _info(self.balance)

    def deduct(self, usd: Decimal) -> None:
        if self._cached is not None:
            self._cached -= usd

    def invalidate(self) -> None:
        self._cached = None

    def peek(self) -> BalanceInfo | None:
        return None if self._cached is None else _info(self._cached)


def _gate(monitor: Monitor, **kwargs: float) -> BalanceGate:
    return BalanceGate(monitor, **{"wait_s": 0.2, "fresh_s": 0.05, "stale_s": 60.0, **kwargs})  # type: ignore[arg-type]


def test_an_old_balance_that_covered_requests_answers_at_once_while_it_is_read_again() -> None:
    async def scenario() -> None:
        monitor = Monitor("25.00")
        gate = _gate(monitor)
        assert (await gate.check(0.01)).usd == Decimal("25.00")
        await asyncio.sleep(0.06)  # past fresh_s: the next check starts a read
        monitor.balance, monitor.release = Decimal("7.00"), asyncio.Event()
        started = time.monotonic()
        verdict = await gate.check(0.01)
        assert time.monotonic() - started < 0.05  # did not wait for the held read
        await asyncio.sleep(0)  # let the read start
        assert verdict.sufficient and verdict.usd == Decimal("25.00") and monitor.reads == 2
        monitor.release.set()
        await asyncio.sleep(0.01)
        assert (await gate.check(0.01)).usd == Decimal("7.00")  # the background read is now in force
        assert monitor.reads == 2

    asyncio.run(scenario())


def test_an_old_empty_balance_is_read_again_before_the_request_goes_on() -> None:
    async def scenario() -> None:
        monitor = Monitor("0")
        gate = _gate(monitor)
        assert (await gate.check(0.01)).empty
        await asyncio.sleep(0.06)
        monitor.balance = Decimal("10.00")  # the user funded the wallet
        verdict = await gate.check(0.01)
        assert verdict.sufficient and not verdict.empty and verdict.usd == Decimal("10.00")

    asyncio.run(scenario())


def test_a_payment_lowers_the_balance_in_force_without_a_read() -> None:
    async def scenario() -> None:
        monitor = Monitor("2.00")
        gate = _gate(monitor, fresh_s=30.0)
        assert (await gate.check(0.01)).usd == Decimal("2.00")
        gate.spent(1.5)
        verdict = await gate.check(0.01)
        assert verdict.usd == Decimal("0.50") and verdict.low and monitor.reads == 1

    asyncio.run(scenario())


def test_a_slow_read_holds_a_request_at_most_wait_s_and_a_failed_one_is_not_retried_at_once() -> None:
    async def scenario() -> None:
        monitor = Monitor("5.00", held=True)
        gate = _gate(monitor, wait_s=0.05)
        started = time.monotonic()
        assert (await gate.check(0.01)).usd is None  # unknown: the request goes ahead
        assert time.monotonic() - started < 0.2
        monitor.balance = None  # the RPC answers with an error
        monitor.release.set()
        await asyncio.sleep(0.01)
        assert (await gate.check(0.01)).usd is None
        assert monitor.reads == 1  # in the back-off: no read per request

    asyncio.run(scenario())


@pytest.mark.parametrize("usd", ["0.50", "0"])
def test_a_low_or_empty_balance_is_never_served_stale(usd: str) -> None:
    async def scenario() -> None:
        monitor = Monitor(usd)
        gate = _gate(monitor)
        await gate.check(0.01)
        await asyncio.sleep(0.06)
        monitor.release = asyncio.Event()
        monitor.balance = Decimal("3.00")
        pending = asyncio.ensure_future(gate.check(0.01))
        await asyncio.sleep(0.01)
        assert not pending.done()  # it waits for the read (up to wait_s)
        monitor.release.set()
        assert (await pending).usd == Decimal("3.00")

    asyncio.run(scenario())
