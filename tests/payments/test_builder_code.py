"""The builder-code extension: BlockRun's SDK tags every Base payment with its service code, merged with what
the 402 declared. We send the same extensions the SDK computes, and the official x402 SDK accepts the payment."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from blockrun_llm.x402 import with_builder_code_service_code

from pyclawrouter.payments import Payer
from pyclawrouter.wallet import Wallet
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import asgi_client, chat_body, pay_and_retry

APP_EXTENSIONS: dict[str, Any] = {"builder-code": {"info": {"a": ["someapp"]}}, "bazaar": {"info": {"x": 1}}}


def _sent(fake: FakeBlockRun, wallet: Wallet, chain: str) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, Payer(wallet, payment_chain=chain), chat_body())  # type: ignore[arg-type]
        assert exchange.response.status_code == 200, exchange.response.text
        return json.loads(base64.b64decode(exchange.attempt.headers["PAYMENT-SIGNATURE"]))  # type: ignore[no-any-return]

    return asyncio.run(go())


def test_base_payments_carry_the_sdk_builder_code(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, 1_000_000)
    sent = _sent(fake_blockrun, new_wallet, "base")
    assert sent["extensions"] == with_builder_code_service_code(None) == {"builder-code": {"info": {"s": ["blockrun"]}}}
    assert len(fake_blockrun.settled) == 1


def test_the_builder_code_is_merged_with_what_the_402_declared(fake_blockrun: FakeBlockRun,
                                                                new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, 1_000_000)
    fake_blockrun.challenge_extensions = APP_EXTENSIONS
    sent = _sent(fake_blockrun, new_wallet, "base")
    assert sent["extensions"] == with_builder_code_service_code(APP_EXTENSIONS)
    assert sent["extensions"]["builder-code"]["info"] == {"a": ["someapp"], "s": ["blockrun"]}
    assert len(fake_blockrun.settled) == 1


def test_solana_payments_echo_the_402_extensions_without_a_builder_code(fake_blockrun_solana: FakeBlockRun,
                                                                         new_wallet: Wallet) -> None:
    assert new_wallet.solana_address is not None
    fake_blockrun_solana.backend.fund(new_wallet.solana_address, 1_000_000)
    assert "extensions" not in _sent(fake_blockrun_solana, new_wallet, "solana")
    fake_blockrun_solana.challenge_extensions = {"bazaar": {"info": {"x": 1}}}
    assert _sent(fake_blockrun_solana, new_wallet, "solana")["extensions"] == {"bazaar": {"info": {"x": 1}}}
    assert len(fake_blockrun_solana.settled) == 2
