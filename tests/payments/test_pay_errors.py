"""BlockRun's payment error bodies (a 402 whose text names the payment problem), EVM and Solana forms, mapped to
structured errors."""

from __future__ import annotations

import json

import pytest

from pyclawrouter.errors import UserFacingError
from pyclawrouter.payments import PaymentFailedError, classify_payment_failure, settlement


def evm_body(reason: str, message: str = "", payer: str = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A") -> bytes:
    inner = json.dumps({"invalidReason": reason, "invalidMessage": message, "payer": payer})
    return json.dumps({"error": "Payment verification failed", "details": f"Verification failed: {inner}\n"}).encode()


def solana_body(debug: str) -> str:
    return json.dumps(
        {"error": "Payment verification failed", "code": "PAYMENT_INVALID", "debug": debug, "payer": "So1"}
    )


def test_insufficient_funds_evm_form_with_amounts() -> None:
    failure = classify_payment_failure(402, evm_body("insufficient_funds", "insufficient balance: 251 < 11463"))
    assert failure is not None
    assert (failure.kind, failure.payment_chain, failure.reason) == ("insufficient_funds", "base", "insufficient_funds")
    assert failure.current_usd == pytest.approx(0.000251) and failure.required_usd == pytest.approx(0.011463)
    assert failure.message == "Insufficient USDC balance. Current: $0.000251, Required: ~$0.011463"
    assert failure.help is not None and "0x19E7...ff2A" in failure.help and "/model free" in failure.help
    error = failure.to_openai_error()["error"]
    assert isinstance(error, dict)
    assert error["type"] == "insufficient_funds" and error["wallet"] == failure.payer
    assert error["current_balance_usd"] == pytest.approx(0.000251)


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("invalid_payload", "invalid_payload"),
        ("invalid_exact_evm_payload_signature", "invalid_payload"),
        ("invalid_exact_evm_insufficient_balance", "insufficient_funds"),
        ("transaction_simulation_failed", "simulation_failed"),
        ("invalid_exact_evm_payload_authorization_valid_before", "expired"),
        ("invalid_exact_evm_nonce_already_used", "replayed"),
        ("something_new", "payment_invalid"),
    ],
)
def test_evm_reasons(reason: str, kind: str) -> None:
    failure = classify_payment_failure(402, evm_body(reason))
    assert failure is not None and failure.kind == kind and failure.payment_chain == "base"


@pytest.mark.parametrize(
    ("debug", "kind", "message"),
    [
        ("insufficient_funds", "insufficient_funds", "Insufficient Solana USDC balance."),
        ("transaction_simulation_failed", "simulation_failed", "Solana payment simulation failed."),
        ("invalid_payload", "invalid_payload", "Solana payment signature invalid."),
        ("expired", "expired", "Solana payment expired."),
        ("blockhash not found", "expired", "Solana payment expired."),
        ("weird", "payment_invalid", "Solana payment verification failed: weird"),
    ],
)
def test_solana_form(debug: str, kind: str, message: str) -> None:
    failure = classify_payment_failure(402, solana_body(debug))
    assert failure is not None
    assert (failure.kind, failure.payment_chain) == (kind, "solana")
    assert failure.message.startswith(message)


def test_settlement_failed_forms() -> None:
    plain = classify_payment_failure(500, json.dumps({"error": "Payment settlement failed", "details": "reverted"}))
    assert plain is not None and plain.kind == "settlement_failed"
    gas = classify_payment_failure(402, json.dumps({"error": "Settlement failed", "details": "gas estimation failed"}))
    assert gas is not None and gas.kind == "settlement_failed" and "congestion" in gas.message
    inside = classify_payment_failure(
        402, json.dumps({"error": "Payment verification failed", "details": "Payment settlement failed: nonce"})
    )
    assert inside is not None and inside.kind == "settlement_failed"


@pytest.mark.parametrize(
    "body",
    [
        b'{"error":"Payment Required"}',
        b'{"error":{"message":"rate limited","type":"rate_limit"}}',
        b"not json",
        b"[1,2,3]",
        b"",
    ],
)
def test_other_bodies_are_not_payment_failures(body: bytes) -> None:
    assert classify_payment_failure(402, body) is None


def test_success_status_is_never_a_failure() -> None:
    assert classify_payment_failure(200, evm_body("insufficient_funds")) is None


def test_failure_as_user_facing_error() -> None:
    failure = classify_payment_failure(402, solana_body("expired"))
    assert failure is not None
    error = failure.as_error()
    assert isinstance(error, PaymentFailedError) and isinstance(error, UserFacingError)
    assert error.http_status == 402 and str(error) == failure.message
    assert error.to_openai_error()["error"]["type"] == "expired"  # type: ignore[index]


def test_settlement_header_is_optional_and_tolerant() -> None:
    from x402.http.utils import encode_payment_response_header
    from x402.schemas import SettleResponse

    encoded = encode_payment_response_header(
        SettleResponse(success=True, transaction="0xabc", network="eip155:8453", payer="0x1")
    )
    for name in ("PAYMENT-RESPONSE", "x-payment-response"):
        receipt = settlement({name: encoded})
        assert receipt is not None and receipt.success and receipt.transaction == "0xabc"
    assert settlement({}) is None
    assert settlement({"payment-response": "%%%garbage"}) is None
