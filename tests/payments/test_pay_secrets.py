"""Private keys and mnemonics never show up in reprs, errors, logs or payment headers."""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
from pathlib import Path

import pytest

from pyclawrouter.payments import Payer, PaymentRefused
from pyclawrouter.wallet import Wallet, WalletFileError, load_or_create_wallet, load_wallet
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import asgi_client, chat_body, pay_and_retry


def secrets_of(home: Path, wallet: Wallet) -> list[str]:
    key = (home / "wallet.key").read_text().strip()
    phrase = (home / "mnemonic").read_text().strip()
    assert wallet.solana_keypair is not None
    solana_secret = bytes(wallet.solana_keypair)
    return [
        key,
        key[2:],
        key[2:].upper(),
        phrase,
        " ".join(phrase.split()[:6]),
        str(wallet.solana_keypair),  # base58 of the 64-byte secret
        solana_secret[:32].hex(),
        base64.b64encode(solana_secret).decode(),
    ]


def assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


def test_nothing_secret_in_repr_str_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, fake_blockrun: FakeBlockRun
) -> None:
    caplog.set_level(logging.DEBUG)
    home = tmp_path / "blockrun"
    wallet = load_or_create_wallet(home, {})
    secrets = secrets_of(home, wallet)
    fake_blockrun.backend.fund(wallet.evm_address, 5_000_000)
    payer = Payer(wallet, payment_chain="base")

    async def go() -> list[str]:
        async with asgi_client(fake_blockrun) as client:
            exchange = await pay_and_retry(client, payer, chat_body())
            assert exchange.response.status_code == 200
            with pytest.raises(PaymentRefused) as refused:
                fake_blockrun.model_prices["openai/gpt-4o-mini"] = (1.0, 100000.0)
                await pay_and_retry(client, payer, chat_body(), estimate_usd=0.0)
        return [str(refused.value), repr(refused.value), str(exchange.attempt), *exchange.attempt.headers.values()]

    texts = asyncio.run(go())
    decoded_headers = [base64.b64decode(h).decode() for h in list(texts)[3:]]
    texts += [repr(wallet), str(wallet), f"{wallet}", repr(payer.__dict__), caplog.text, *decoded_headers]
    for text in texts:
        assert_clean(text, secrets)
    assert wallet.evm_address in repr(wallet)
    with pytest.raises(TypeError):
        pickle.dumps(wallet)


def test_nothing_secret_in_wallet_errors(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    wallet = load_or_create_wallet(home, {})
    secrets = secrets_of(home, wallet)
    key = (home / "wallet.key").read_text()
    (home / "wallet.key").write_text(key.strip()[:-1] + "\n")  # one digit short: malformed
    with pytest.raises(WalletFileError) as info:
        load_wallet(home, {})
    assert_clean(str(info.value) + repr(info.value), [*secrets, key.strip()[:-1]])
