"""The money fault matrix: whatever goes wrong, the ledger never counts less than the upstream was paid.

The stand-in settles every verified payment even when it then fails the request (``settle_paid_faults``),
as the real gateway may: a signed authorization can be settled whatever HTTP status comes back. For each
fault the test checks, with the stand-in's own record of settled payments (verified by the x402 SDK):

- the ledger never counts less than the stand-in was paid;
- once pending entries are reconciled from the chain (the clock moved past ``validBefore`` for payments that
  never arrived), the two are equal;
- no client request paid more than its ceiling across all its attempts;
- the session's ``maxCostPerRun`` held.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from pyclawrouter.ledger.reconcile import Reconciler
from pyclawrouter.ledger.store import SqliteLedgerStore
from pyclawrouter.wallet import load_or_create_wallet
from tests.proxy.conftest import Proxy, ProxyFactory, read_api_key_file
from tests.support.fake_blockrun import FakeBlockRun

PROMPT = "Write a Python function that merges two sorted lists, with tests"
ONE_HOUR_AND_MORE = 3700.0  # past any validBefore we sign (at most an hour ahead)


def _body(i: int, *, stream: bool = False) -> dict[str, Any]:
    return {"model": "auto", "messages": [{"role": "user", "content": f"{PROMPT} (variant {i})"}],
            "max_tokens": 200, "stream": stream}


def _post(proxy_url: str, api_key: str, i: int, session: str, *, stream: bool = False,
          timeout: float = 30.0) -> int:
    try:
        response = httpx.post(f"{proxy_url}/v1/chat/completions", json=_body(i, stream=stream),
                              headers={"x-session-id": session, "authorization": f"Bearer {api_key}"},
                              timeout=timeout)
    except httpx.HTTPError:
        return 0
    return response.status_code


def _stand_in_paid(fake: FakeBlockRun) -> float:
    return sum(p.amount for p in fake.settled) / 1e6


def _reconcile(store: Any, fake_url: str, *, later_s: float = ONE_HOUR_AND_MORE) -> None:
    reconciler = Reconciler(store, base_rpc_url=f"{fake_url}/rpc", solana_rpc_url=f"{fake_url}/rpc",
                            clock=lambda: time.time() + later_s)
    asyncio.run(reconciler.run_once())


def _check_invariants(proxy: Proxy, fake_url: str, *, cap: float | None, session: str = "run") -> None:
    asyncio.run(_flush(proxy))
    _wait_until_quiet(proxy.fake)
    store = proxy.ctx.ledger.store
    paid = _stand_in_paid(proxy.fake)
    assert store.total_spent() >= paid - 1e-9, "the ledger counted less than the upstream was paid"
    lines = [line for line in proxy.usage_lines() if line.get("session") == session]
    for line in lines:
        assert line["paid"] <= line.get("ceiling", 0.0) + 1e-9, f"request paid above its ceiling: {line}"
        assert line["paid"] == pytest.approx(sum(p["usd"] for p in line.get("payments", [])))
    if cap is not None:
        assert store.spent(session) <= cap + 1e-9
        assert paid <= cap + 1e-9
    _reconcile(store, fake_url)
    assert store.total_spent() == pytest.approx(paid, abs=1e-9), "ledger and upstream disagree after reconciling"
    assert store.pending(1000) == []


async def _flush(proxy: Proxy) -> None:
    # The usage writer lives on the server's loop; lines are on disk shortly after each request ends.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and proxy.ctx.usage._queue.qsize():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)


@pytest.fixture
def paid_faults(fake: FakeBlockRun) -> FakeBlockRun:
    fake.settle_paid_faults = True
    return fake


FAULTS: dict[str, Callable[[FakeBlockRun], object]] = {
    "5xx after payment": lambda fake: fake.fail_status(500, times=None),
    "timeout after payment": lambda fake: fake.hang(5, times=None),
    "degraded 200": lambda fake: fake.degrade(times=None),
    "empty stop turn": lambda fake: setattr(fake, "reply", lambda body: {"role": "assistant", "content": ""}),
}


@pytest.mark.parametrize("mode", ["strict", "graceful"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_every_paid_attempt_is_counted_and_the_cap_holds(
        start_proxy: ProxyFactory, paid_faults: FakeBlockRun, fake_url: str, fault: str, mode: str) -> None:
    FAULTS[fault](paid_faults)
    cap = 0.05
    proxy = start_proxy(config={"maxCostPerRun": cap, "maxCostPerRunMode": mode}, attempt_timeout_s=1.0,
                        request_timeout_s=8.0)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: _post(proxy.url, proxy.api_key, i, "run"), range(20)))
    assert proxy.fake.payments, "the fault matrix must exercise paid attempts"
    _check_invariants(proxy, fake_url, cap=cap)


def test_a_degraded_answer_does_not_make_a_request_pay_its_whole_chain(
        start_proxy: ProxyFactory, paid_faults: FakeBlockRun, fake_url: str) -> None:
    paid_faults.degrade(times=None)
    proxy = start_proxy()
    status = _post(proxy.url, proxy.api_key, 1, "run")
    assert status in (200, 502)
    assert len(proxy.fake.settled) <= 2  # the degraded answer plus at most one more paid attempt
    _check_invariants(proxy, fake_url, cap=None)


@pytest.mark.parametrize("fault", ["mid-stream drop", "abort before first chunk", "abort after first chunk"])
def test_streams_that_break_are_still_counted(
        start_proxy: ProxyFactory, paid_faults: FakeBlockRun, fake_url: str, fault: str) -> None:
    proxy = start_proxy(config={"maxCostPerRun": 0.05})
    if fault == "mid-stream drop":
        paid_faults.drop_stream(after_chunks=1, times=None)
        for i in range(6):
            _post(proxy.url, proxy.api_key, i, "run", stream=True)
    else:
        if fault == "abort before first chunk":
            paid_faults.hang(3, times=None)  # settled, then silent: the client gives up first
        for i in range(6):
            with httpx.Client(timeout=httpx.Timeout(5.0, read=0.5)) as client:
                try:
                    with client.stream("POST", f"{proxy.url}/v1/chat/completions", json=_body(i, stream=True),
                                       headers={"x-session-id": "run", **proxy.auth}) as response:
                        for _ in response.iter_lines():
                            break  # after the first line (abort after first chunk) or on the read timeout
                except httpx.ReadTimeout:
                    pass
        time.sleep(0.5)  # the proxy notices the disconnects and finishes the bookkeeping
    assert proxy.fake.payments
    _check_invariants(proxy, fake_url, cap=0.05)


@pytest.mark.parametrize("mode", ["strict", "graceful"])
def test_150_concurrent_requests_in_one_session_cannot_pass_the_cap(
        start_proxy: ProxyFactory, fake: FakeBlockRun, fake_url: str, mode: str) -> None:
    cap = 0.02
    proxy = start_proxy(config={"maxCostPerRun": cap, "maxCostPerRunMode": mode})
    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda i: _post(proxy.url, proxy.api_key, i, "run", timeout=60.0), range(150)))
    assert statuses.count(0) == 0  # every request got an answer (200, or 429 once the cap was reached)
    assert 200 in statuses
    _check_invariants(proxy, fake_url, cap=cap)


def test_kill_9_with_requests_in_flight_loses_no_payment(
        paid_faults: FakeBlockRun, fake_url: str, isolated_state_dir: Path, unused_port: int) -> None:
    home = isolated_state_dir
    wallet = load_or_create_wallet(home, {})
    paid_faults.backend.fund(wallet.evm_address, 5_000_000)
    paid_faults.hang(10, times=None)  # every paid request is settled, then hangs until the proxy dies
    env = {**os.environ, "PYCLAWROUTER_HOME": str(home), "BLOCKRUN_API_BASE": f"{fake_url}/api",
           "BLOCKRUN_BASE_RPC_URL": f"{fake_url}/rpc", "BLOCKRUN_PROXY_PORT": str(unused_port)}
    process = subprocess.Popen([sys.executable, "-m", "pyclawrouter", "serve"], env=env, cwd=home,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{unused_port}"
    try:
        _wait_ready(url)
        api_key = read_api_key_file(home)
        with ThreadPoolExecutor(12) as pool:
            futures = [pool.submit(_post, url, api_key, i, "run", timeout=15.0) for i in range(12)]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(paid_faults.settled) < 6:
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            for future in futures:
                future.result()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    _wait_until_quiet(paid_faults)  # a settlement the stand-in had already begun finishes after the kill
    paid = _stand_in_paid(paid_faults)
    assert paid > 0
    store = SqliteLedgerStore(home / "spend-ledger.sqlite3")
    try:
        assert store.total_spent() >= paid - 1e-9
        _reconcile(store, fake_url)
        assert store.total_spent() == pytest.approx(paid, abs=1e-9)
    finally:
        store.close()


def _wait_until_quiet(fake: FakeBlockRun, quiet_s: float = 1.0) -> None:
    deadline = time.monotonic() + 15
    seen, since = len(fake.payments), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        time.sleep(0.05)
        if len(fake.payments) != seen:
            seen, since = len(fake.payments), time.monotonic()


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).json().get("ready"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the proxy did not become ready")


@pytest.fixture
def unused_port() -> Iterator[int]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    yield port


