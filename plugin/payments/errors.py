"""Payment errors: ours (refusing to sign, an unreadable challenge) and BlockRun's (its 402/500 error bodies).

Every message says what was asked and why it was refused, and never carries key material.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pyclawrouter.errors import UserFacingError


class PaymentError(UserFacingError):
    """Base of every payment error the proxy may see from :class:`~pyclawrouter.payments.Payer`."""

    code = "payment_error"
    http_status = 402
    error_type = "payment_error"


class PaymentRefused(PaymentError):
    """We refused to sign: over the ceiling, not our USDC/network, an unexpected ``payTo``..."""

    code = "payment_refused"

    def __init__(self, message: str, *, reason: str = "refused") -> None:
        super().__init__(message)
        self.reason = reason


class PaymentChallengeError(PaymentError):
    """The upstream's 402 carried no usable x402 challenge (missing, not base64/JSON, wrong shape)."""

    code = "payment_challenge_invalid"
    http_status = 502
    error_type = "upstream_error"

    def __init__(self, message: str, *, failure: PaymentFailure | None = None) -> None:
        super().__init__(message)
        self.failure = failure


class PaymentRpcError(PaymentError):
    """A chain RPC needed to sign (Solana's recent blockhash) did not answer."""

    code = "payment_rpc_error"
    http_status = 502
    error_type = "upstream_error"


class PaymentFailedError(PaymentError):
    """BlockRun rejected a payment we made (see :class:`PaymentFailure`)."""

    code = "payment_failed"

    def __init__(self, failure: PaymentFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.error_type = failure.kind

    def to_openai_error(self) -> dict[str, object]:
        return self.failure.to_openai_error()


@dataclass(frozen=True)
class PaymentFailure:
    """A payment error body from BlockRun, understood.

    ``kind`` is one of ``insufficient_funds``, ``invalid_payload``, ``simulation_failed``, ``expired``,
    ``replayed``, ``settlement_failed``, ``payment_invalid`` (any other verification failure).
    """

    kind: str
    message: str
    payment_chain: str
    """``"base"`` for the EVM form, ``"solana"`` for the ``code``/``debug`` form."""
    reason: str | None = None
    """BlockRun's (or the facilitator's) own reason code, e.g. ``insufficient_funds``."""
    payer: str | None = None
    current_usd: float | None = None
    required_usd: float | None = None
    help: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def to_openai_error(self) -> dict[str, object]:
        error: dict[str, object] = {"message": self.message, "type": self.kind, "code": self.reason or self.kind}
        if self.help:
            error["help"] = self.help
        if self.payer:
            error["wallet"] = self.payer
        if self.current_usd is not None:
            error["current_balance_usd"] = self.current_usd
        if self.required_usd is not None:
            error["required_usd"] = self.required_usd
        return {"error": error}

    def as_error(self) -> PaymentFailedError:
        return PaymentFailedError(self)


_BALANCE_RE = re.compile(r"insufficient balance:\s*(\d+)\s*<\s*(\d+)", re.IGNORECASE)
_VERIFY = "payment verification failed"
_SETTLE = ("payment settlement failed", "settlement failed")


def _load(body: bytes | str) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _embedded_json(text: str) -> dict[str, Any]:
    start = text.find("{")
    if start < 0:
        return {}
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _kind_for(reason: str) -> str:
    text = reason.lower()
    if "insufficient" in text:
        return "insufficient_funds"
    if "simulation" in text:
        return "simulation_failed"
    if "expired" in text or "valid_before" in text or "valid_after" in text or "blockhash" in text:
        return "expired"
    if "nonce" in text and ("used" in text or "replay" in text):
        return "replayed"
    if "settle" in text:
        return "settlement_failed"
    if "invalid_payload" in text or "signature" in text or "invalid_exact" in text:
        return "invalid_payload"
    return "payment_invalid"


def _short(address: str | None) -> str:
    if not address:
        return "your wallet"
    return f"{address[:6]}...{address[-4:]}" if len(address) > 12 else address


_MESSAGES: dict[tuple[str, str], str] = {
    ("invalid_payload", "base"): "Payment signature invalid: BlockRun rejected the signed USDC authorization.",
    ("invalid_payload", "solana"): "Solana payment signature invalid.",
    ("simulation_failed", "base"): "Payment simulation failed on Base. Retrying with a different model.",
    ("simulation_failed", "solana"): "Solana payment simulation failed. Retrying with a different model.",
    ("expired", "base"): "Payment authorization expired before BlockRun checked it. Retrying.",
    ("expired", "solana"): "Solana payment expired. Retrying.",
    ("replayed", "base"): "Payment rejected: this authorization was already used.",
    ("replayed", "solana"): "Payment rejected: this Solana transaction was already used.",
}


def classify_payment_failure(
    status: int, body: bytes | str, *, payment_chain: str | None = None
) -> PaymentFailure | None:
    """Recognise BlockRun's payment error bodies (EVM ``details`` form and Solana ``code``/``debug`` form).

    Returns ``None`` for anything else, including a plain 402 challenge (``{"error": "Payment Required"}``).
    ``payment_chain`` (the payer's) decides ``PaymentFailure.payment_chain`` where the body does not say.
    """
    if status < 400:
        return None
    data = _load(body)
    if data is None:
        return None
    error = data.get("error")
    error_text = error if isinstance(error, str) else ""
    details = data.get("details") if isinstance(data.get("details"), str) else ""
    assert isinstance(details, str)
    lowered = error_text.lower()

    if lowered in _SETTLE or any(s in details.lower() for s in _SETTLE):
        congested = "gas" in details.lower() or "estimat" in details.lower()
        message = (
            "Payment failed: network congestion or gas issue. Try again."
            if congested
            else "Payment settlement failed on chain. Try again."
        )
        settle_chain = "solana" if "code" in data or "debug" in data else (payment_chain or "base")
        return PaymentFailure("settlement_failed", message, settle_chain, raw=data)

    if lowered != _VERIFY:
        return None

    if "code" in data or "debug" in data:  # Solana form
        debug = str(data.get("debug") or "")
        payer = data.get("payer") if isinstance(data.get("payer"), str) else None
        kind = _kind_for(debug)
        if kind == "insufficient_funds":
            message = "Insufficient Solana USDC balance."
            help_text = f"Fund {_short(payer)} with USDC on Solana, or use the free model: /model free"
            return PaymentFailure(kind, message, "solana", debug or None, payer, help=help_text, raw=data)
        message = _MESSAGES.get((kind, "solana"), f"Solana payment verification failed: {debug[:200]}")
        return PaymentFailure(kind, message, "solana", debug or None, payer, raw=data)

    inner = _embedded_json(details)
    reason = str(inner.get("invalidReason") or inner.get("errorReason") or details.strip() or "unknown")
    invalid_message = str(inner.get("invalidMessage") or inner.get("errorMessage") or "")
    payer = inner.get("payer") if isinstance(inner.get("payer"), str) else None
    kind = _kind_for(reason)
    if kind == "insufficient_funds":
        current = required = None
        match = _BALANCE_RE.search(invalid_message)
        if match:
            current, required = int(match.group(1)) / 1e6, int(match.group(2)) / 1e6
        amounts = f" Current: ${current:.6f}, Required: ~${required:.6f}" if current is not None else ""
        message = f"Insufficient USDC balance.{amounts}"
        help_text = f"Fund wallet {_short(payer)} with USDC on Base, or use the free model: /model free"
        return PaymentFailure(kind, message, "base", reason, payer, current, required, help_text, data)
    message = _MESSAGES.get((kind, "base"), f"Payment verification failed: {reason[:200]}")
    return PaymentFailure(kind, message, "base", reason, payer, raw=data)


# Solana gateway codes that prove a payment was refused before anything was broadcast, so signing a fresh one
# cannot pay twice: PAYMENT_INVALID (the facilitator's verify refused it) and PAYMENT_UNDERPAID (signed below
# the quote, refused before verify). Never re-signed: SETTLEMENT_FAILED (a transfer may have been sent),
# PAYMENT_REPLAY (this payment already served an earlier request) and PAYMENT_UNFUNDED (no funds).
RESIGNABLE_SOLANA_CODES = frozenset({"PAYMENT_INVALID", "PAYMENT_UNDERPAID"})
# Verify-phase causes that no fresh signature cures (no USDC, a bad key or payload, a denied payer, no token
# account), compared with separators stripped: "InvalidAccountData" and "invalid_account_data" alike.
_TERMINAL_CAUSES = ("insufficient", "invalidsignature", "invalidpayload", "denied", "invalidaccountdata",
                    "accountnotfound", "couldnotfindaccount")


def resignable_solana_rejection(body: bytes | str) -> bool:
    """Whether a Solana gateway's refusal of a paid request may be answered with a freshly signed payment."""
    data = _load(body)
    if data is None:
        return False
    code = str(data.get("code") or "").upper()
    title = str(data.get("error") or "").lower()
    if code not in RESIGNABLE_SOLANA_CODES or any(title.startswith(s) for s in _SETTLE):
        return False
    cause = re.sub(r"[^a-z0-9]", "", " ".join(str(data.get(k) or "") for k in ("reason", "debug", "message")).lower())
    return not any(term in cause for term in _TERMINAL_CAUSES)
