"""A golden vector for the x402 v2 exact scheme on Base: a fixed challenge, key, nonce and clock give exact bytes
(the EIP-3009 digest, the signature and the payment header)."""

from __future__ import annotations

import base64
import json

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from x402.mechanisms.evm.eip712 import hash_eip3009_authorization
from x402.mechanisms.evm.types import ExactEIP3009Authorization

from pyclawrouter.payments import Requirement, evm, parse_challenge
from pyclawrouter.payments.payer import Payer
from pyclawrouter.wallet import Wallet
from pyclawrouter.wallet.evm_key import EvmKey

CHALLENGE = (
    "eyJ4NDAyVmVyc2lvbiI6MiwiZXJyb3IiOiJQYXltZW50IFJlcXVpcmVkIiwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9ibG9ja3J1bi5haS"
    "9hcGkvdjEvY2hhdC9jb21wbGV0aW9ucyIsImRlc2NyaXB0aW9uIjoiQmxvY2tSdW4gQUkgQVBJIGNhbGwiLCJtaW1lVHlwZSI6ImFwcGxpY2F0"
    "aW9uL2pzb24ifSwiYWNjZXB0cyI6W3sic2NoZW1lIjoiZXhhY3QiLCJuZXR3b3JrIjoiZWlwMTU1Ojg0NTMiLCJhc3NldCI6IjB4ODMzNTg5Zk"
    "NENmVEYjZFMDhmNGM3QzMyRDRmNzFiNTRiZEEwMjkxMyIsImFtb3VudCI6IjEwMDAiLCJwYXlUbyI6IjB4ZTkwMzAwMTRGNURBZTIxN2QwQTE1"
    "MmYwMkEwNDM1NjdiMTZjMWFCZiIsIm1heFRpbWVvdXRTZWNvbmRzIjozMDAsImV4dHJhIjp7Im5hbWUiOiJVU0QgQ29pbiIsInZlcnNpb24iOi"
    "IyIn19XX0="
)
KEY = "0x" + "11" * 32
NONCE = bytes.fromhex("ab" * 32)
VALID_AFTER, VALID_BEFORE = 1740671489, 1740672389
NOW = VALID_AFTER + evm.VALID_AFTER_SKEW_S  # validAfter = now - 600, validBefore = now + 300
DIGEST = "38fe8d98261b189410c35e5d340c3ba3a8f5268a001d3b375af835cfd51de0a0"
SIGNATURE = (
    "0x33c94de3f999b792fe54190dbf2714d135e7d8a97fc65008f37a1b9f4cc4d752"
    "624da5c1c3a7a161d6a9f6477702fc844b11a50941ed2b9ec7234ce9c3b5561b1b"
)
GOLDEN_PAYMENT = {
    "x402Version": 2,
    "resource": {
        "url": "https://blockrun.ai/api/v1/chat/completions",
        "description": "BlockRun AI API call",
        "mimeType": "application/json",
    },
    "accepted": {
        "scheme": "exact",
        "network": "eip155:8453",
        "amount": "1000",
        "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
        "payTo": "0xe9030014F5DAe217d0A152f02A043567b16c1aBf",
        "maxTimeoutSeconds": 300,
        "extra": {"name": "USD Coin", "version": "2"},
    },
    "payload": {
        "signature": SIGNATURE,
        "authorization": {
            "from": "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A",
            "to": "0xe9030014F5DAe217d0A152f02A043567b16c1aBf",
            "value": "1000",
            "validAfter": str(VALID_AFTER),
            "validBefore": str(VALID_BEFORE),
            "nonce": "0x" + "ab" * 32,
        },
    },
}


def requirement() -> Requirement:
    return parse_challenge({"Payment-Required": CHALLENGE}, b'{"error":"Payment Required"}').requirements[0]


def test_digest_matches_golden_and_the_sdk() -> None:
    account = Account.from_key(KEY)
    data = evm.typed_data(
        requirement=requirement(),
        payer=account.address,
        valid_after=VALID_AFTER,
        valid_before=VALID_BEFORE,
        nonce=NONCE,
    )
    assert _hash_eip191_message(encode_typed_data(full_message=data)).hex() == DIGEST
    assert evm.digest(data).hex() == DIGEST  # the hand-written EIP-712 hash the payer signs
    sdk_digest = hash_eip3009_authorization(
        ExactEIP3009Authorization(
            from_address=account.address,
            to="0xe9030014F5DAe217d0A152f02A043567b16c1aBf",
            value="1000",
            valid_after=str(VALID_AFTER),
            valid_before=str(VALID_BEFORE),
            nonce="0x" + NONCE.hex(),
        ),
        8453,
        "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
        "USD Coin",
        "2",
    )
    assert sdk_digest.hex() == DIGEST


def test_signature_and_payload_match_golden() -> None:
    payload = evm.sign_authorization(EvmKey.from_hex(KEY), requirement(), now=NOW, nonce=NONCE)
    assert payload == GOLDEN_PAYMENT["payload"]
    assert payload["signature"].endswith("1b")  # v = 27


def test_payer_header_decodes_to_the_golden_payment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    account = EvmKey.from_hex(KEY)
    wallet = Wallet(account.address, None, account, None, False)
    payer = Payer(wallet, payment_chain="base", clock=lambda: float(NOW))
    monkeypatch.setattr("pyclawrouter.payments.evm.os.urandom", lambda n: NONCE[:n])
    import asyncio

    attempt = asyncio.run(
        payer.pay(
            url="https://blockrun.ai/api/v1/chat/completions",
            status=402,
            headers={"payment-required": CHALLENGE},
            body=b'{"error":"Payment Required"}',
            estimate_usd=0.001,
            model="openai/gpt-4o-mini",
        )
    )
    assert list(attempt.headers) == ["PAYMENT-SIGNATURE"]
    # BlockRun's SDK adds its builder code to every Base payment; the rest is the golden payment byte for byte.
    sent = json.loads(base64.b64decode(attempt.headers["PAYMENT-SIGNATURE"]))
    assert sent.pop("extensions") == {"builder-code": {"info": {"s": ["blockrun"]}}}
    assert sent == GOLDEN_PAYMENT
    assert (attempt.amount_atomic, attempt.amount_usd, attempt.version) == (1000, 0.001, 2)
    assert attempt.pay_to == "0xe9030014F5DAe217d0A152f02A043567b16c1aBf"
