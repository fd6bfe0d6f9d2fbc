"""The Solana blockhash read started with the probe: used when the 402 has none, dropped when it has one or
when it is too old, and failing exactly like a read made after the 402."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import httpx
import pytest
from solders.hash import Hash

from pyclawrouter.payments import PaymentRpcError, solana
from pyclawrouter.payments.blockhash import MAX_AGE_S, BlockhashPrefetch
from pyclawrouter.payments.flow import PaymentState, drive, x402_flow
from pyclawrouter.payments.payer import Payer
from pyclawrouter.routing.catalog import default_catalog
from pyclawrouter.wallet import Wallet
from tests.support.backends import StubSolanaBackend
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import CHAT, chat_body
from tests.support.server import serve

UNREACHABLE_RPC = "http://127.0.0.1:9/rpc"  # nothing listens there


async def _pay(client: httpx.AsyncClient, payer: Payer, body: dict[str, Any], *,
               estimate_usd: float = 0.05) -> httpx.Response:
    request = client.build_request("POST", CHAT, json=body)
    flow = x402_flow(payer, request, model=str(body["model"]), estimate_usd=estimate_usd, hook=None,
                     state=PaymentState())
    response = await drive(flow, lambda r: client.send(r, stream=True))
    await response.aread()
    await response.aclose()
    return response


def _blockhash_reads(fake: FakeBlockRun) -> int:
    return sum(1 for _, method in fake.rpc_calls if method == "getLatestBlockhash")


def test_a_blockhash_in_the_402_wins_and_then_none_is_prefetched(new_wallet: Wallet) -> None:
    fake = FakeBlockRun(StubSolanaBackend(default_balance=5_000_000))
    with serve(fake.app) as url:

        async def go() -> None:
            payer = Payer(new_wallet, payment_chain="solana", solana_rpc_url=f"{url}/rpc")
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                assert (await _pay(client, payer, chat_body())).status_code == 200
                first = _blockhash_reads(fake)
                assert first <= 1  # the first request's read may reach the stand-in before it is cancelled
                for _ in range(2):
                    assert (await _pay(client, payer, chat_body())).status_code == 200
                assert _blockhash_reads(fake) == first
                # The gateway stops sending one: that 402's payment reads it after the 402, later ones before.
                fake.include_blockhash = False
                assert (await _pay(client, payer, chat_body())).status_code == 200
                assert _blockhash_reads(fake) == first + 1
                prefetch = payer.prefetch_blockhash()
                assert prefetch is not None
                prefetch.cancel()
            assert len(fake.settled) == 4 and fake.rejected == []

        asyncio.run(go())


@pytest.mark.parametrize(("age_s", "fresh"), [(MAX_AGE_S - 1, False), (MAX_AGE_S + 1, True)])
def test_a_prefetched_blockhash_older_than_the_limit_is_read_again(monkeypatch: pytest.MonkeyPatch,
                                                                   age_s: float, fresh: bool) -> None:
    reads: list[Hash] = []

    async def fetch(rpc_url: str, *, timeout_s: float = 10.0, client: httpx.AsyncClient | None = None) -> Hash:
        reads.append(Hash.new_unique())
        return reads[-1]

    monkeypatch.setattr(solana, "fetch_latest_blockhash", fetch)
    now = [1000.0]

    async def go() -> Hash:
        prefetch = BlockhashPrefetch("http://rpc.test", clock=lambda: now[0])
        await asyncio.sleep(0.01)  # the read is done
        assert len(reads) == 1
        now[0] += age_s
        return await prefetch.get()

    blockhash = asyncio.run(go())
    assert len(reads) == (2 if fresh else 1)
    assert blockhash == reads[-1]


def test_a_failed_prefetch_fails_the_payment_as_a_read_after_the_402_does(new_wallet: Wallet) -> None:
    fake = FakeBlockRun(StubSolanaBackend(default_balance=5_000_000))
    fake.include_blockhash = False
    with serve(fake.app) as url:

        async def go() -> None:
            payer = Payer(new_wallet, payment_chain="solana", solana_rpc_url=UNREACHABLE_RPC)
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                with pytest.raises(PaymentRpcError, match="Could not get a recent Solana blockhash"):
                    await _pay(client, payer, chat_body())

        asyncio.run(go())
    assert [e for e in fake.exchanges if e.paid] == []


def test_a_prefetch_nobody_needs_is_dropped_silently(new_wallet: Wallet) -> None:
    """The probe is answered without a 402 (a free model) after the read failed: no error, nothing logged."""
    fake = FakeBlockRun(StubSolanaBackend(default_balance=5_000_000), delay_ms=100)
    fake.include_blockhash = False
    free = default_catalog().free_model
    with serve(fake.app) as url:

        async def go() -> list[dict[str, Any]]:
            unhandled: list[dict[str, Any]] = []
            asyncio.get_running_loop().set_exception_handler(lambda loop, context: unhandled.append(context))
            payer = Payer(new_wallet, payment_chain="solana", solana_rpc_url=UNREACHABLE_RPC)
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                response = await _pay(client, payer, chat_body(model=free))
            assert response.status_code == 200, response.text
            gc.collect()
            return unhandled

        assert asyncio.run(go()) == []
