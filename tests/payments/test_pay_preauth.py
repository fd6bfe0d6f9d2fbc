"""Pre-authorization: only on Base, only when the cached quote covers the request's own estimate."""

from __future__ import annotations

import asyncio

from pyclawrouter.payments import Payer
from pyclawrouter.wallet import Wallet
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import CHAT, asgi_client, chat_body, pay_and_retry

FUNDS = 5_000_000


def test_preauth_reuses_the_cached_quote_and_saves_a_round_trip(
    fake_blockrun: FakeBlockRun, new_wallet: Wallet
) -> None:
    fake = fake_blockrun
    fake.backend.fund(new_wallet.evm_address, FUNDS)
    payer = Payer(new_wallet, chain="base")
    body = chat_body("same size")

    async def go() -> None:
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, payer, body)
            url = str(exchange.challenge.url)
            quote_usd = exchange.attempt.amount_usd
            assert payer.preauthorize(url=url, model=body["model"], estimate_usd=quote_usd * 2) is None  # not covered
            attempt = payer.preauthorize(url=url, model=body["model"], estimate_usd=quote_usd / 2)
            assert attempt is not None and attempt.preauth
            assert attempt.headers != exchange.attempt.headers  # a fresh signature and nonce
            requests_before = len(fake.requests)
            response = await client.post(CHAT, json=chat_body("same size"), headers=attempt.headers)
            assert response.status_code == 200
            assert len(fake.requests) == requests_before + 1
            assert payer.preauthorize(url=url, model="another/model", estimate_usd=0.0) is None
            payer.forget_preauth(url=url, model=body["model"])
            assert payer.preauthorize(url=url, model=body["model"], estimate_usd=0.0) is None
        assert len(fake.settled) == 2

    asyncio.run(go())


def test_rejected_preauth_falls_back_to_a_fresh_challenge(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    """A larger request priced above the cached quote: the pre-auth is rejected (no fresh challenge in that
    402), the entry is dropped, and the fresh quote is paid."""
    fake = fake_blockrun
    fake.backend.fund(new_wallet.evm_address, FUNDS)
    payer = Payer(new_wallet, chain="base")

    async def go() -> None:
        async with asgi_client(fake) as client:
            small = chat_body("short", max_tokens=10)
            exchange = await pay_and_retry(client, payer, small)
            url = str(exchange.challenge.url)
            big = chat_body("a much longer question " * 20, max_tokens=10)
            attempt = payer.preauthorize(url=url, model=big["model"], estimate_usd=0.0)  # a careless estimate
            assert attempt is not None
            rejected = await client.post(CHAT, json=big, headers=attempt.headers)
            assert rejected.status_code == 402 and "payment-required" not in rejected.headers
            payer.forget_preauth(url=url, model=big["model"])
            fresh = await pay_and_retry(client, payer, big)
            assert fresh.response.status_code == 200
            assert fresh.attempt.amount_atomic == fake.price(CHAT, big) > exchange.attempt.amount_atomic
        assert [p.outcome for p in fake.payments] == ["settled", "rejected", "settled"]
        assert fake.backend.balance(new_wallet.evm_address) == (
            FUNDS - exchange.attempt.amount_atomic - fresh.attempt.amount_atomic
        )

    asyncio.run(go())


def test_no_preauth_on_solana(fake_blockrun_solana: FakeBlockRun, new_wallet: Wallet) -> None:
    fake = fake_blockrun_solana
    fake.backend.fund(str(new_wallet.solana_address), FUNDS)
    payer = Payer(new_wallet, chain="solana")

    async def go() -> None:
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, payer, chat_body())
            assert exchange.response.status_code == 200
            url = str(exchange.challenge.url)
        assert payer.preauthorize(url=url, model="openai/gpt-4o-mini", estimate_usd=0.0) is None

    asyncio.run(go())


def test_preauth_expires(new_wallet: Wallet) -> None:
    from pyclawrouter.payments.challenge import parse_challenge
    from pyclawrouter.payments.preauth import PreauthCache
    from tests.support.fake_blockrun import FakeBlockRun as Fake

    now = [1000.0]
    cache = PreauthCache(ttl_s=10, clock=lambda: now[0])
    response = asyncio.run(_challenge(Fake()))
    challenge = parse_challenge(response.headers, response.content)
    cache.remember("http://h/api/v1/chat/completions?x=1", "m", challenge, challenge.requirements[0])
    assert cache.lookup("http://other/api/v1/chat/completions", "m") is not None  # keyed by path + model
    now[0] += 11
    assert cache.lookup("http://h/api/v1/chat/completions", "m") is None


async def _challenge(fake: FakeBlockRun):  # type: ignore[no-untyped-def]
    async with asgi_client(fake) as client:
        return await client.post(CHAT, json=chat_body())
