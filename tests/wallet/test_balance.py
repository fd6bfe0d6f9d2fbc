"""Balance reads: Base through web3 (anvil and the fake's RPC), Solana getTokenAccountsByOwner (LiteSVM-backed
fake RPC); thresholds, cache, deduction; an unreachable RPC is an error, never an empty wallet."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from pyclawrouter.balance import BalanceMonitor
from pyclawrouter.payments import Payer
from pyclawrouter.wallet import PaymentChain, Wallet
from pyclawrouter.wallet.evm_key import EvmKey
from tests.support.anvil import AnvilChain
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import asgi_client, chat_body, pay_and_retry
from tests.support.server import free_port, serve

DEAD_RPC = "http://127.0.0.1:9/rpc?apikey=SECRET123"  # nothing listens on the discard port


def test_base_balance_on_anvil_moves_by_the_payment(fake_blockrun_anvil: FakeBlockRun, new_wallet: Wallet) -> None:
    anvil: AnvilChain = fake_blockrun_anvil.backend.anvil  # type: ignore[attr-defined]
    monitor = BalanceMonitor(new_wallet, payment_chain="base", base_rpc_url=anvil.url)

    async def go() -> None:
        empty = await monitor.get()
        assert (empty.usd, empty.error, empty.is_empty, empty.is_low) == (Decimal(0), None, True, True)
        fake_blockrun_anvil.backend.fund(new_wallet.evm_address, 2_500_000)
        funded = await monitor.get()  # zero was not cached
        assert funded.usd == Decimal("2.5") and not funded.is_low and not funded.is_empty
        assert funded.address == new_wallet.evm_address and funded.payment_chain == "base"
        async with asgi_client(fake_blockrun_anvil) as client:
            exchange = await pay_and_retry(client, Payer(new_wallet, payment_chain="base"), chat_body())
        assert exchange.response.status_code == 200
        cached = await monitor.get()
        assert cached.usd == Decimal("2.5")  # still the cached value
        monitor.deduct(exchange.attempt.amount_usd)
        after = await monitor.get()
        fresh = await monitor.get(force=True)
        assert after.usd == fresh.usd == Decimal("2.5") - Decimal(exchange.attempt.amount_atomic) / 1_000_000

    asyncio.run(go())


def test_solana_balance_through_rpc_backed_by_litesvm(fake_blockrun_litesvm: FakeBlockRun, new_wallet: Wallet) -> None:
    owner = str(new_wallet.solana_address)
    fake_blockrun_litesvm.backend.fund(owner, 750_000)
    with serve(fake_blockrun_litesvm.app) as url:
        monitor = BalanceMonitor(new_wallet, payment_chain="solana", solana_rpc_url=f"{url}/rpc", empty_retry_delay_s=0)
        info = asyncio.run(monitor.get())
    assert info.usd == Decimal("0.75") and info.is_low and not info.is_empty
    assert info.address == owner and info.payment_chain == "solana"


def test_base_balance_through_the_fake_rpc(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, 50)
    with serve(fake_blockrun.app) as url:
        info = asyncio.run(BalanceMonitor(new_wallet, payment_chain="base", base_rpc_url=f"{url}/rpc").get())
    assert info.usd == Decimal("0.00005") and info.is_empty


@pytest.mark.parametrize("chain", ["base", "solana"])
def test_unreachable_rpc_is_an_error_not_an_empty_wallet(new_wallet: Wallet, chain: PaymentChain) -> None:
    monitor = BalanceMonitor(
        new_wallet,
        payment_chain=chain,
        base_rpc_url=DEAD_RPC,
        solana_rpc_url=DEAD_RPC,
        timeout_s=2,
        retry_delays_s=(0.01,),
        empty_retry_delay_s=0,
    )
    info = asyncio.run(monitor.get())
    assert info.usd is None and not info.is_empty and not info.is_low
    assert info.error is not None and "RPC error" in info.error and "127.0.0.1" in info.error
    assert "SECRET123" not in info.error
    assert info.covers(0.01) is None and info.format() == "(could not check)"


def test_solana_rpc_error_answer_and_retry(new_wallet: Wallet) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    calls: list[int] = []

    async def rpc(request: Request) -> JSONResponse:
        calls.append(1)
        if len(calls) == 1:
            return JSONResponse({"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": "busy"}})
        if len(calls) == 2:
            return JSONResponse({"jsonrpc": "2.0", "id": 1, "result": {"value": []}})  # spurious empty list
        info = {"tokenAmount": {"amount": "3000000"}}
        value = [{"account": {"data": {"parsed": {"info": info}}}}, {"account": {"data": {"parsed": {"info": info}}}}]
        return JSONResponse({"jsonrpc": "2.0", "id": 1, "result": {"value": value}})

    app = Starlette(routes=[Route("/", rpc, methods=["POST"])])
    with serve(app, port=free_port()) as url:
        monitor = BalanceMonitor(
            new_wallet, payment_chain="solana", solana_rpc_url=url, retry_delays_s=(0.01, 0.01),
            empty_retry_delay_s=0.01,
        )
        info = asyncio.run(monitor.get())
    assert info.usd == Decimal(6) and len(calls) == 3


def test_cache_expires(new_wallet: Wallet, fake_blockrun: FakeBlockRun) -> None:
    now = [0.0]
    fake_blockrun.backend.fund(new_wallet.evm_address, 1_000_000)
    with serve(fake_blockrun.app) as url:
        monitor = BalanceMonitor(new_wallet, payment_chain="base", base_rpc_url=f"{url}/rpc", clock=lambda: now[0])

        async def go() -> list[Decimal | None]:
            first = (await monitor.get()).usd
            fake_blockrun.backend.fund(new_wallet.evm_address, 1_000_000)
            cached = (await monitor.get()).usd
            now[0] = 31
            expired = (await monitor.get()).usd
            fake_blockrun.backend.fund(new_wallet.evm_address, 1_000_000)
            monitor.invalidate()
            invalidated = (await monitor.get()).usd
            return [first, cached, expired, invalidated]

        assert asyncio.run(go()) == [Decimal(1), Decimal(1), Decimal(2), Decimal(3)]


def test_solana_monitor_needs_a_solana_key() -> None:
    account = EvmKey.from_hex("0x" + "11" * 32)
    with pytest.raises(ValueError, match="Solana key"):
        BalanceMonitor(Wallet(account.address, None, account, None, False), payment_chain="solana")
