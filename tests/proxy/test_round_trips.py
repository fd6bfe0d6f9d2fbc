"""Round trips per paid request: probe then pay, and nothing signed above a fresh quote.

Each paid request costs exactly the unpaid probe and the paid resend (on Solana, when the 402 carries no
blockhash, one RPC read between them), and each signed amount is the quote for that very body, also when the
same model was paid a moment before at another price. ``benchmarks/payment_round_trips.py`` counts the same
exchanges with a delay per exchange.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.proxy.conftest import Proxy, ProxyFactory
from tests.support.backends import StubEvmBackend, StubSolanaBackend
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import asgi_client

MODEL = "anthropic/claude-sonnet-4.6"


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> FakeBlockRun:
    if getattr(request, "param", "base") == "solana":
        fake = FakeBlockRun(StubSolanaBackend(default_balance=50_000_000), max_hang_s=10.0)
        fake.include_blockhash = False  # as the gateway does: the client reads a blockhash from its RPC proxy
        return fake
    return FakeBlockRun(StubEvmBackend(), max_hang_s=10.0)


def _chat(proxy: Proxy, content: str) -> httpx.Response:
    return httpx.post(f"{proxy.url}/v1/chat/completions", headers=proxy.auth, timeout=30,
                      json={"model": MODEL, "max_tokens": 4096, "messages": [{"role": "user", "content": content}]})


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
