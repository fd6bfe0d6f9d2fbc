"""Round trips per paid request: probe then pay, and nothing signed above a fresh quote.

Each paid request costs exactly the unpaid probe and the paid resend (on Solana, when the 402 carries no
blockhash, one RPC read as well, made while the probe is in flight), and each signed amount is the quote for
that very body, also when the same model was paid a moment before at another price.
``benchmarks/payment_round_trips.py`` counts the same exchanges with a delay per exchange.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from pyclawrouter.routing.catalog import default_catalog
from tests.proxy.conftest import Proxy, ProxyFactory
from tests.support.backends import StubEvmBackend, StubSolanaBackend
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import asgi_client

MODEL = "anthropic/claude-sonnet-4.6"
DELAY_MS = 200  # per exchange, in the stand-in


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> FakeBlockRun:
    param = getattr(request, "param", "base")
    if param in ("solana", "solana, delayed"):
        fake = FakeBlockRun(StubSolanaBackend(default_balance=50_000_000), max_hang_s=10.0,
                            delay_ms=DELAY_MS if param == "solana, delayed" else 0.0)
        fake.include_blockhash = False  # as the gateway does: the client reads a blockhash from its RPC proxy
        return fake
    return FakeBlockRun(StubEvmBackend(), max_hang_s=10.0)


def _chat(proxy: Proxy, content: str, model: str = MODEL) -> httpx.Response:
    return httpx.post(f"{proxy.url}/v1/chat/completions", headers=proxy.auth, timeout=30,
                      json={"model": model, "max_tokens": 4096, "messages": [{"role": "user", "content": content}]})


def _exchanges_of(fake: FakeBlockRun, start: int) -> list[tuple[str, bool, int]]:
    kinds = []
    for e in fake.exchanges[start:]:
        kind = "chat" if e.path.endswith("/chat/completions") else "rpc" if e.path.endswith("/rpc") else e.path
        kinds.append((kind, e.paid, e.status))
    return kinds


@pytest.mark.parametrize("fake", ["base", "solana"], indirect=True)
def test_each_paid_request_probes_then_pays_its_own_fresh_quote(start_proxy: ProxyFactory, fake: FakeBlockRun,
                                                                request: pytest.FixtureRequest) -> None:
    solana = request.node.callspec.params["fake"] == "solana"
    proxy = start_proxy(**({"fund": 0, "config": {"chain": "solana"}} if solana else {}))
    expected = ([("chat", False, 402), ("rpc", False, 200), ("chat", True, 200)] if solana
                else [("chat", False, 402), ("chat", True, 200)])
    _chat(proxy, "warm up: the first request may also read the balance")
    amounts: list[int] = []
    for content in ("short question?", "a much longer question " * 40, "short again?"):
        start, paid_before = len(fake.exchanges), len(fake.settled)
        response = _chat(proxy, content)
        assert response.status_code == 200, response.text
        assert _exchanges_of(fake, start) == expected
        settled = fake.settled[paid_before:]
        quote = fake.price("/api/v1/chat/completions", fake.requests[-1].body)
        assert [p.amount for p in settled] == [quote]
        amounts.append(quote)
    assert amounts[0] < amounts[1] > amounts[2]  # three prices for one model: none was signed from a cache
    assert fake.rejected == []


@pytest.mark.parametrize("fake", ["solana, delayed"], indirect=True)
def test_on_solana_the_blockhash_is_read_while_the_probe_is_in_flight(start_proxy: ProxyFactory,
                                                                      fake: FakeBlockRun) -> None:
    proxy = start_proxy(fund=0, config={"chain": "solana"})
    _chat(proxy, "warm up: the first request may also read the balance")
    for content in ("short question?", "a much longer question " * 40):
        start, paid_before, calls_before = len(fake.exchanges), len(fake.settled), len(fake.rpc_calls)
        response = _chat(proxy, content)
        assert response.status_code == 200, response.text
        window = fake.exchanges[start:]
        assert sorted(_exchanges_of(fake, start)) == [("chat", False, 402), ("chat", True, 200), ("rpc", False, 200)]
        assert [method for _, method in fake.rpc_calls[calls_before:]] == ["getLatestBlockhash"]
        probe, paid = (next(e for e in window if e.path.endswith("/chat/completions") and e.paid is p)
                       for p in (False, True))
        rpc = next(e for e in window if e.path.endswith("/rpc"))
        # The stand-in answers each exchange delay_s after it arrives: the read reached it before the probe's
        # 402 left, so the two overlapped; the paid resend came only after that 402.
        assert rpc.started < probe.started + fake.delay_s
        assert paid.started >= probe.started + fake.delay_s
        assert paid.started >= rpc.started + fake.delay_s  # and after the read's answer
        settled = fake.settled[paid_before:]
        assert [p.amount for p in settled] == [fake.price("/api/v1/chat/completions", fake.requests[-1].body)]
    assert fake.rejected == []


@pytest.mark.parametrize("fake", ["solana"], indirect=True)
def test_a_free_model_on_solana_reads_no_blockhash(start_proxy: ProxyFactory, fake: FakeBlockRun) -> None:
    proxy = start_proxy(fund=0, config={"chain": "solana"})
    free = default_catalog().free_model
    for _ in range(3):
        response = _chat(proxy, "free question", model=free)
        assert response.status_code == 200, response.text
    assert [e for e in fake.exchanges if e.paid] == []
    assert ("/api/v1/solana/rpc", "getLatestBlockhash") not in fake.rpc_calls


def test_the_stand_in_adds_its_delay_to_every_exchange_and_records_it() -> None:
    fake = FakeBlockRun(StubEvmBackend(), delay_ms=60)

    async def go() -> list[httpx.Response]:
        async with asgi_client(fake) as client:
            return [await client.get("/health"),
                    await client.post("/api/v1/chat/completions", json={"model": MODEL, "messages": []})]

    started = time.perf_counter()
    answers = asyncio.run(go())
    elapsed = time.perf_counter() - started
    assert [a.status_code for a in answers] == [200, 402]
    assert elapsed >= 0.12
    assert [(e.method, e.path, e.paid, e.status) for e in fake.exchanges] == [
        ("GET", "/health", False, 200), ("POST", "/api/v1/chat/completions", False, 402)]
