"""Paying the fake BlockRun (offline stub facilitator): every payment is judged by the official x402 SDK."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from pyclawrouter.payments import (
    Payer,
    PaymentChallengeError,
    PaymentPolicy,
    PaymentRefused,
    PaymentRpcError,
    classify_payment_failure,
    settlement,
)
from pyclawrouter.wallet import Wallet
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import CHAT, asgi_client, chat_body, pay_and_retry

T = TypeVar("T")
FUNDS = 5_000_000


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def decoded(header_value: str) -> dict[str, Any]:
    return json.loads(base64.b64decode(header_value))  # type: ignore[no-any-return]


def encoded(document: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def address(wallet: Wallet, fake: FakeBlockRun) -> str:
    return wallet.evm_address if fake.backend.chain == "base" else str(wallet.solana_address)


@pytest.mark.parametrize("fixture", ["fake_blockrun", "fake_blockrun_v1", "fake_blockrun_solana"])
def test_happy_path_pays_exactly_the_quote(fixture: str, new_wallet: Wallet, request: pytest.FixtureRequest) -> None:
    fake: FakeBlockRun = request.getfixturevalue(fixture)
    fake.backend.fund(address(new_wallet, fake), FUNDS)
    payer = Payer(new_wallet, payment_chain=fake.backend.chain)  # type: ignore[arg-type]
    body = chat_body("what is 2+2?")

    async def go() -> None:
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, payer, body)
        assert exchange.response.status_code == 200, exchange.response.text
        assert exchange.response.json()["choices"][0]["message"]["content"]
        quote = fake.price(CHAT, body)
        assert exchange.attempt.amount_atomic == quote
        assert exchange.attempt.pay_to == fake.backend.pay_to
        assert [p.outcome for p in fake.payments] == ["settled"]
        assert fake.payments[0].amount == quote and fake.payments[0].payer == address(new_wallet, fake)
        assert fake.backend.balance(address(new_wallet, fake)) == FUNDS - quote
        assert fake.backend.balance(fake.backend.pay_to) == quote
        receipt = settlement(exchange.response.headers)
        assert receipt is not None and receipt.success and receipt.transaction

        header_name = "X-PAYMENT" if fake.challenge_version == 1 else "PAYMENT-SIGNATURE"
        assert list(exchange.attempt.headers) == [header_name]
        payment = decoded(exchange.attempt.headers[header_name])
        if fake.challenge_version == 2:
            challenge = decoded(exchange.challenge.headers["payment-required"])
            assert payment["accepted"] == challenge["accepts"][0]
            assert payment["resource"] == challenge["resource"]
        else:
            assert set(payment) == {"x402Version", "scheme", "network", "payload"}

    run(go())


def test_evm_window_and_fresh_nonces(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, FUNDS)
    payer = Payer(new_wallet, payment_chain="base")

    async def go() -> None:
        nonces = set()
        async with asgi_client(fake_blockrun) as client:
            for i in range(3):
                exchange = await pay_and_retry(client, payer, chat_body(f"question {i}"))
                assert exchange.response.status_code == 200
                auth = decoded(exchange.attempt.headers["PAYMENT-SIGNATURE"])["payload"]["authorization"]
                now = int(time.time())
                assert int(auth["validAfter"]) <= now < int(auth["validBefore"]) <= now + 300
                nonces.add(auth["nonce"])
        assert len(nonces) == 3

    run(go())


def test_accepted_echoes_unknown_fields_verbatim(new_wallet: Wallet) -> None:
    challenge = {
        "x402Version": 2,
        "accepts": [
            {
                "scheme": "exact",
                "network": "eip155:8453",
                "asset": "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913",  # lower case stays lower case
                "amount": "1234",
                "payTo": "0xe9030014F5DAe217d0A152f02A043567b16c1aBf",
                "maxTimeoutSeconds": 60,
                "extra": {"name": "USD Coin", "version": "2", "future": {"x": [1, 2]}},
                "somethingNew": True,
            }
        ],
    }
    payer = Payer(new_wallet, payment_chain="base")
    attempt = run(
        payer.pay(
            url="http://x/v1/chat/completions",
            status=402,
            headers={"PAYMENT-REQUIRED": encoded(challenge)},
            body=b"",
            estimate_usd=0.001,
            model=None,
        )
    )
    payment = decoded(attempt.headers["PAYMENT-SIGNATURE"])
    assert payment["accepted"] == challenge["accepts"][0]  # type: ignore[index]
    assert "resource" not in payment


def test_www_authenticate_is_enough(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, FUNDS)
    payer = Payer(new_wallet, payment_chain="base")

    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            first = await client.post(CHAT, json=chat_body())
            headers = {"www-authenticate": first.headers["www-authenticate"]}
            attempt = await payer.pay(
                url=str(first.url), status=402, headers=headers, body=b"", estimate_usd=0.01, model=None
            )
            second = await client.post(CHAT, json=chat_body(), headers=attempt.headers)
            assert second.status_code == 200

    run(go())


def test_streaming_with_and_without_settlement_header(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, FUNDS)
    payer = Payer(new_wallet, payment_chain="base")

    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            exchange = await pay_and_retry(client, payer, chat_body("stream please", stream=True))
            assert exchange.response.status_code == 200
            assert exchange.response.headers["content-type"].startswith("text/event-stream")
            events = [line[6:] for line in exchange.response.text.splitlines() if line.startswith("data: ")]
            assert events[-1] == "[DONE]"
            assert json.loads(events[-2])["usage"]["total_tokens"] > 0
            assert settlement(exchange.response.headers) is not None

            fake_blockrun.settle_header_on_stream = False
            exchange = await pay_and_retry(client, payer, chat_body("again", stream=True))
            assert exchange.response.status_code == 200
            assert settlement(exchange.response.headers) is None
        assert [p.outcome for p in fake_blockrun.payments] == ["settled", "settled"]

    run(go())


# ------------------------------------------------------------------------------------------- rejections


def _tamper(header: str, change: Any) -> str:
    document = decoded(header)
    change(document)
    return encoded(document)


@pytest.mark.parametrize(
    ("name", "change", "reason"),
    [
        ("amount", lambda d: d["payload"]["authorization"].update(value="1"), "value_mismatch"),
        (
            "accepted amount",
            lambda d: (d["accepted"].update(amount="1"), d["payload"]["authorization"].update(value="1")),
            "no_matching_requirements",
        ),
        (
            "payTo",
            lambda d: d["payload"]["authorization"].update(to="0x000000000000000000000000000000000000dEaD"),
            "recipient_mismatch",
        ),
        (
            "signature",
            lambda d: d["payload"].update(signature=d["payload"]["signature"][:-4] + "ffff"),
            "signature",
        ),
    ],
)
def test_tampered_payments_are_rejected_by_the_sdk(
    fake_blockrun: FakeBlockRun, new_wallet: Wallet, name: str, change: Any, reason: str
) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, FUNDS)
    payer = Payer(new_wallet, payment_chain="base")

    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            first = await client.post(CHAT, json=chat_body())
            attempt = await payer.pay(
                url=str(first.url), status=402, headers=first.headers, body=first.content, estimate_usd=0.01, model=None
            )
            bad = _tamper(attempt.headers["PAYMENT-SIGNATURE"], change)
            second = await client.post(CHAT, json=chat_body(), headers={"PAYMENT-SIGNATURE": bad})
            assert second.status_code == 402
            assert "payment-required" not in second.headers  # an error, not a fresh challenge
            failure = classify_payment_failure(second.status_code, second.content)
            assert failure is not None and failure.kind in ("invalid_payload", "payment_invalid")
        assert fake_blockrun.settled == []
        assert reason in str(fake_blockrun.rejected[0].reason)
        assert fake_blockrun.backend.balance(new_wallet.evm_address) == FUNDS

    run(go())


def test_expired_window_is_rejected(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, FUNDS)
    payer = Payer(new_wallet, payment_chain="base", clock=lambda: time.time() - 3600)  # a clock an hour behind

    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            exchange = await pay_and_retry(client, payer, chat_body())
        assert exchange.response.status_code == 402
        failure = classify_payment_failure(402, exchange.response.content)
        assert failure is not None and failure.kind == "expired"
        assert "valid_before" in str(fake_blockrun.rejected[0].reason)

    run(go())


def test_replayed_payment_is_rejected(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, FUNDS)
    payer = Payer(new_wallet, payment_chain="base")

    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            exchange = await pay_and_retry(client, payer, chat_body())
            assert exchange.response.status_code == 200
            replay = await client.post(CHAT, json=chat_body(), headers=exchange.attempt.headers)
        assert replay.status_code == 402
        failure = classify_payment_failure(402, replay.content)
        assert failure is not None and failure.kind == "replayed"
        assert fake_blockrun.backend.balance(new_wallet.evm_address) == FUNDS - exchange.attempt.amount_atomic

    run(go())


def test_replayed_solana_payment_is_rejected(fake_blockrun_solana: FakeBlockRun, new_wallet: Wallet) -> None:
    fake = fake_blockrun_solana
    fake.backend.fund(str(new_wallet.solana_address), FUNDS)
    payer = Payer(new_wallet, payment_chain="solana")

    async def go() -> None:
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, payer, chat_body())
            assert exchange.response.status_code == 200
            replay = await client.post(CHAT, json=chat_body(), headers=exchange.attempt.headers)
        assert replay.status_code == 402
        assert len(fake.settled) == 1

    run(go())


@pytest.mark.parametrize("fixture", ["fake_blockrun", "fake_blockrun_solana"])
def test_empty_wallet_is_rejected_as_insufficient_funds(
    fixture: str, new_wallet: Wallet, request: pytest.FixtureRequest
) -> None:
    fake: FakeBlockRun = request.getfixturevalue(fixture)
    payer = Payer(new_wallet, payment_chain=fake.backend.chain)  # type: ignore[arg-type]

    async def go() -> None:
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, payer, chat_body())
        assert exchange.response.status_code == 402
        failure = classify_payment_failure(402, exchange.response.content)
        assert failure is not None
        assert failure.kind == "insufficient_funds"
        assert failure.payment_chain == fake.backend.chain
        assert fake.settled == []

    run(go())


def test_wrong_chain_is_refused_before_signing(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    payer = Payer(new_wallet, payment_chain="solana")

    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            first = await client.post(CHAT, json=chat_body())
        with pytest.raises(PaymentRefused, match="eip155:8453") as info:
            await payer.pay(
                url=str(first.url), status=402, headers=first.headers, body=first.content, estimate_usd=1, model=None
            )
        assert info.value.reason == "wrong_network"

    run(go())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"network": "eip155:84532"}, "wrong_network"),
        ({"network": "eip155:1"}, "wrong_network"),
        ({"asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e"}, "wrong_asset"),
        ({"scheme": "upto"}, "unsupported_scheme"),
    ],
)
def test_other_networks_assets_and_schemes_are_refused(new_wallet: Wallet, change: dict[str, str], reason: str) -> None:
    requirement = {
        "scheme": "exact",
        "network": "eip155:8453",
        "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
        "amount": "1000",
        "payTo": "0xe9030014F5DAe217d0A152f02A043567b16c1aBf",
        "maxTimeoutSeconds": 300,
        "extra": {"name": "USD Coin", "version": "2"},
        **change,
    }
    header = encoded({"x402Version": 2, "accepts": [requirement]})
    with pytest.raises(PaymentRefused) as info:
        run(
            Payer(new_wallet, payment_chain="base").pay(
                url="http://x/v1/chat/completions",
                status=402,
                headers={"payment-required": header},
                body=b"",
                estimate_usd=0.01,
                model=None,
            )
        )
    assert info.value.reason == reason
    assert "1000 atomic units" in str(info.value)


def test_over_ceiling_demand_is_refused_and_nothing_is_signed(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, FUNDS)
    # the quote prices a tenth of max_tokens: 10 tokens * $10000/M = $0.1, +5 % = $0.105
    fake_blockrun.model_prices["openai/gpt-4o-mini"] = (1.0, 10000.0)
    payer = Payer(new_wallet, payment_chain="base")

    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            first = await client.post(CHAT, json=chat_body())
        with pytest.raises(PaymentRefused) as info:
            await payer.pay(
                url=str(first.url),
                status=402,
                headers=first.headers,
                body=first.content,
                estimate_usd=0.001,
                model=None,
            )
        assert info.value.reason == "over_ceiling"
        assert "$0.105" in str(info.value) and "ceiling is $0.010000" in str(info.value)

    run(go())
    assert fake_blockrun.payments == []


def test_hard_cap_applies_even_with_a_large_estimate(new_wallet: Wallet) -> None:
    requirement = {
        "scheme": "exact",
        "network": "eip155:8453",
        "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
        "amount": "1000001",
        "payTo": "0xe9030014F5DAe217d0A152f02A043567b16c1aBf",
        "maxTimeoutSeconds": 300,
        "extra": {"name": "USD Coin", "version": "2"},
    }
    header = encoded({"x402Version": 2, "accepts": [requirement]})
    for policy in (PaymentPolicy(), PaymentPolicy(max_per_request_usd=5.0)):
        with pytest.raises(PaymentRefused, match="hard cap"):
            run(
                Payer(new_wallet, payment_chain="base", policy=policy).pay(
                    url="http://x/v1/chat/completions",
                    status=402,
                    headers={"payment-required": header},
                    body=b"",
                    estimate_usd=10.0,
                    model=None,
                )
            )


def test_policy_ceiling() -> None:
    policy = PaymentPolicy()
    assert policy.ceiling_for(0.0) == 0.01  # the floor lets flat fees through
    assert policy.ceiling_for(0.05) == pytest.approx(0.2)
    assert policy.ceiling_for(5.0) == 1.0
    assert policy.ceiling_for(float("inf")) == 1.0
    assert policy.ceiling_for(float("nan")) == 0.01
    assert policy.ceiling_for(-1) == 0.01
    assert PaymentPolicy(max_per_request_usd=0.05).ceiling_for(0.0) == 0.05
    assert PaymentPolicy(max_per_request_usd=3.0, hard_cap_usd=2.0).ceiling_for(0.0) == 2.0


def test_pay_to_change_is_refused(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, FUNDS)
    payer = Payer(new_wallet, payment_chain="base")

    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            assert (await pay_and_retry(client, payer, chat_body())).response.status_code == 200
            fake_blockrun.backend.pay_to = "0x000000000000000000000000000000000000bEEF"
            with pytest.raises(PaymentRefused, match="changed from 0xe903") as info:
                await pay_and_retry(client, payer, chat_body())
            assert info.value.reason == "pay_to_changed"

    run(go())


def test_expected_pay_to_is_enforced(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    payer = Payer(new_wallet, payment_chain="base", expected_pay_to="0x000000000000000000000000000000000000bEEF")

    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            with pytest.raises(PaymentRefused, match="not the configured payTo") as info:
                await pay_and_retry(client, payer, chat_body())
        assert info.value.reason == "pay_to_mismatch"

    run(go())
    lower = Payer(new_wallet, payment_chain="base", expected_pay_to=fake_blockrun.backend.pay_to.lower())
    fake_blockrun.backend.fund(new_wallet.evm_address, FUNDS)

    async def ok() -> None:
        async with asgi_client(fake_blockrun) as client:
            assert (await pay_and_retry(client, lower, chat_body())).response.status_code == 200

    run(ok())


def test_solana_fee_payer_must_not_be_us(new_wallet: Wallet) -> None:
    requirement = {
        "scheme": "exact",
        "network": "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
        "asset": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
        "amount": "1000",
        "payTo": "3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx",
        "maxTimeoutSeconds": 60,
        "extra": {"feePayer": new_wallet.solana_address, "recentBlockhash": "11111111111111111111111111111111"},
    }
    header = encoded({"x402Version": 2, "accepts": [requirement]})
    with pytest.raises(PaymentRefused, match="fee payer"):
        run(
            Payer(new_wallet, payment_chain="solana").pay(
                url="http://x",
                status=402,
                headers={"payment-required": header},
                body=b"",
                estimate_usd=0.01,
                model=None,
            )
        )


def test_solana_blockhash_from_rpc_when_not_in_extra(fake_blockrun_solana: FakeBlockRun, new_wallet: Wallet) -> None:
    """Without ``extra.recentBlockhash`` the payer asks the configured RPC (here the fake's /rpc)."""
    import httpx

    from tests.support.server import serve

    fake = fake_blockrun_solana
    fake.include_blockhash = False
    fake.backend.fund(str(new_wallet.solana_address), FUNDS)
    with serve(fake.app) as url:

        async def go() -> None:
            payer = Payer(new_wallet, payment_chain="solana", solana_rpc_url=f"{url}/rpc")
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                exchange = await pay_and_retry(client, payer, chat_body())
            assert "recentBlockhash" not in json.dumps(decoded(exchange.challenge.headers["payment-required"]))
            assert exchange.response.status_code == 200, exchange.response.text

        asyncio.run(go())

    payer = Payer(new_wallet, payment_chain="solana", solana_rpc_url="http://127.0.0.1:9/rpc")  # nothing listens there

    async def unreachable() -> None:
        async with asgi_client(fake) as client:
            first = await client.post(CHAT, json=chat_body())
        with pytest.raises(PaymentRpcError, match="blockhash"):
            await payer.pay(
                url=str(first.url), status=402, headers=first.headers, body=first.content, estimate_usd=0.01, model=None
            )

    asyncio.run(unreachable())


# ------------------------------------------------------------------------------------------- challenge errors


@pytest.mark.parametrize(
    ("headers", "body", "match"),
    [
        ({}, b'{"error":"Payment Required"}', "without an x402 payment challenge"),
        ({}, b"", "without an x402 payment challenge"),
        ({"payment-required": "%%%not base64"}, b"", "not base64"),
        ({"payment-required": base64.b64encode(b"[1,2]").decode()}, b"", "not a JSON object"),
        ({"payment-required": encoded({"x402Version": 2, "accepts": []})}, b"", "empty accepts"),
        ({"payment-required": encoded({"x402Version": 3, "accepts": []})}, b"", "Unsupported x402 version"),
        ({"payment-required": encoded({"x402Version": 2, "accepts": [{"scheme": "exact"}]})}, b"", "malformed"),
    ],
)
def test_unusable_challenges(new_wallet: Wallet, headers: dict[str, str], body: bytes, match: str) -> None:
    with pytest.raises(PaymentChallengeError, match=match):
        run(
            Payer(new_wallet, payment_chain="base").pay(
                url="http://x", status=402, headers=headers, body=body, estimate_usd=0.01, model=None
            )
        )


def test_payment_error_body_instead_of_a_challenge_is_classified(new_wallet: Wallet) -> None:
    body = b'{"error":"Payment verification failed","code":"PAYMENT_INVALID","debug":"expired","payer":"x"}'
    with pytest.raises(PaymentChallengeError) as info:
        run(
            Payer(new_wallet, payment_chain="base").pay(
                url="http://x", status=402, headers={}, body=body, estimate_usd=0.01, model=None
            )
        )
    assert info.value.failure is not None and info.value.failure.kind == "expired"


def test_non_402_is_not_a_challenge(new_wallet: Wallet) -> None:
    with pytest.raises(PaymentChallengeError, match="HTTP 500"):
        run(
            Payer(new_wallet, payment_chain="base").pay(
                url="http://x", status=500, headers={}, body=b"", estimate_usd=0, model=None
            )
        )


def test_solana_chain_needs_a_solana_key(tmp_path: Any) -> None:
    from pyclawrouter.wallet.evm_key import EvmKey

    account = EvmKey.from_hex("0x" + "11" * 32)
    with pytest.raises(PaymentRefused, match="no Solana key"):
        Payer(Wallet(account.address, None, account, None, False), payment_chain="solana")


def test_picks_our_usdc_among_several_offers(new_wallet: Wallet) -> None:
    base = {
        "scheme": "exact", "network": "eip155:8453", "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
        "payTo": "0xe9030014F5DAe217d0A152f02A043567b16c1aBf", "maxTimeoutSeconds": 300,
        "extra": {"name": "USD Coin", "version": "2"},
    }  # fmt: skip
    offers = [
        {**base, "network": "eip155:84532", "amount": "10"},  # cheaper, but testnet
        {**base, "asset": "0x4200000000000000000000000000000000000006", "amount": "20"},  # cheaper, not USDC
        {**base, "amount": "3000"},
        {**base, "amount": "2000"},
    ]
    header = encoded({"x402Version": 2, "accepts": offers})
    attempt = run(
        Payer(new_wallet, payment_chain="base").pay(
            url="http://x", status=402, headers={"payment-required": header}, body=b"", estimate_usd=0.01, model=None
        )
    )
    assert attempt.amount_atomic == 2000
    assert decoded(attempt.headers["PAYMENT-SIGNATURE"])["accepted"] == offers[3]
