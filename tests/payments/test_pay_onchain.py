"""Real settlement: anvil (TestUSDC at the Base USDC address, the SDK's FacilitatorWeb3Signer) and LiteSVM
(real SPL Token programs). Balances move by exactly the quoted amount; replays and empty wallets fail on chain."""

from __future__ import annotations

import asyncio

import pytest

from pyclawrouter.payments import Payer, classify_payment_failure, settlement
from pyclawrouter.wallet import Wallet
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import CHAT, asgi_client, chat_body, pay_and_retry

FUNDS = 5_000_000


@pytest.mark.parametrize("version", [2, 1])
def test_anvil_settles_and_moves_exactly_the_quote(
    fake_blockrun_anvil: FakeBlockRun, new_wallet: Wallet, version: int
) -> None:
    fake = fake_blockrun_anvil
    fake.challenge_version = version
    anvil = fake.backend.anvil  # type: ignore[attr-defined]
    fake.backend.fund(new_wallet.evm_address, FUNDS)
    payer_before, merchant_before = anvil.balance(new_wallet.evm_address), anvil.balance(fake.backend.pay_to)
    body = chat_body("pay me on chain", max_tokens=321)

    async def go() -> None:
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, Payer(new_wallet, payment_chain="base"), body)
            assert exchange.response.status_code == 200, exchange.response.text
            receipt = settlement(exchange.response.headers)
            assert receipt is not None and receipt.success and receipt.transaction.startswith("0x")
            quote = fake.price(CHAT, body)
            assert exchange.attempt.amount_atomic == quote
            assert anvil.balance(new_wallet.evm_address) == payer_before - quote
            assert anvil.balance(fake.backend.pay_to) == merchant_before + quote
            tx = anvil.rpc("eth_getTransactionReceipt", [receipt.transaction])
            assert int(tx["status"], 16) == 1

            replay = await client.post(CHAT, json=body, headers=exchange.attempt.headers)
            assert replay.status_code == 402
            assert anvil.balance(new_wallet.evm_address) == payer_before - quote

    asyncio.run(go())


def test_anvil_empty_wallet_is_insufficient_funds(fake_blockrun_anvil: FakeBlockRun, new_wallet: Wallet) -> None:
    async def go() -> None:
        async with asgi_client(fake_blockrun_anvil) as client:
            exchange = await pay_and_retry(client, Payer(new_wallet, payment_chain="base"), chat_body())
        assert exchange.response.status_code == 402
        failure = classify_payment_failure(402, exchange.response.content)
        assert failure is not None and failure.kind == "insufficient_funds"
        assert fake_blockrun_anvil.settled == []

    asyncio.run(go())


def test_anvil_rejects_a_signature_for_another_token_domain(
    fake_blockrun_anvil: FakeBlockRun, new_wallet: Wallet
) -> None:
    """Signed for name "USDC" (Base Sepolia's domain) instead of "USD Coin": rejected by EVM code too."""
    from pyclawrouter.payments import evm, parse_challenge
    from pyclawrouter.wallet.evm_key import EvmKey

    fake = fake_blockrun_anvil
    fake.backend.fund(new_wallet.evm_address, FUNDS)

    async def go() -> None:
        import base64
        import json
        import time

        async with asgi_client(fake) as client:
            first = await client.post(CHAT, json=chat_body())
            challenge = parse_challenge(first.headers, first.content)
            requirement = challenge.requirements[0]
            wrong = type(requirement)(**{**requirement.__dict__, "extra": {"name": "USDC", "version": "2"}})
            payload = evm.sign_authorization(
                EvmKey.from_hex(new_wallet.private_key_hex()), wrong, now=int(time.time())
            )
            document = {
                "x402Version": 2,
                "resource": challenge.resource,
                "accepted": requirement.raw,
                "payload": payload,
            }
            header = base64.b64encode(json.dumps(document).encode()).decode()
            second = await client.post(CHAT, json=chat_body(), headers={"PAYMENT-SIGNATURE": header})
        assert second.status_code == 402
        assert fake.settled == [] and fake.backend.balance(new_wallet.evm_address) == FUNDS

    asyncio.run(go())


@pytest.mark.parametrize("version", [2, 1])
def test_litesvm_settles_a_real_spl_transfer(
    fake_blockrun_litesvm: FakeBlockRun, new_wallet: Wallet, version: int
) -> None:
    fake = fake_blockrun_litesvm
    fake.challenge_version = version
    owner = str(new_wallet.solana_address)
    fake.backend.fund(owner, FUNDS)
    body = chat_body("pay me on solana", max_tokens=77, stream=True)

    async def go() -> None:
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, Payer(new_wallet, payment_chain="solana"), body)
            assert exchange.response.status_code == 200, exchange.response.text
            quote = fake.price(CHAT, body)
            assert exchange.attempt.amount_atomic == quote
            assert fake.backend.balance(owner) == FUNDS - quote
            assert fake.backend.balance(fake.backend.pay_to) == quote
            receipt = settlement(exchange.response.headers)
            assert receipt is not None and receipt.success

            replay = await client.post(CHAT, json=body, headers=exchange.attempt.headers)
            assert replay.status_code == 402
            assert fake.backend.balance(owner) == FUNDS - quote

    asyncio.run(go())


def test_litesvm_poor_wallet_fails_simulation(fake_blockrun_litesvm: FakeBlockRun, new_wallet: Wallet) -> None:
    fake = fake_blockrun_litesvm
    fake.backend.fund(str(new_wallet.solana_address), 10)  # far below any quote

    async def go() -> None:
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, Payer(new_wallet, payment_chain="solana"), chat_body())
        assert exchange.response.status_code == 402
        failure = classify_payment_failure(402, exchange.response.content)
        assert failure is not None and failure.payment_chain == "solana"
        assert failure.kind in ("simulation_failed", "insufficient_funds")
        assert fake.settled == []
        assert fake.backend.balance(str(new_wallet.solana_address)) == 10

    asyncio.run(go())
