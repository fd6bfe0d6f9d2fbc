"""The stand-in's x402 side: the 402 it sends, and the official SDK's verify and settle of what comes back.

A mixin of :class:`tests.support.fake_blockrun.FakeBlockRun` (it shares the fake's back end, SDK server and
records): the challenge in BlockRun's v2 header form (or the v1 JSON body), BlockRun's error bodies for a
payment that does not verify or settle, and one :class:`PaymentRecord` per payment seen.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Literal

from starlette.responses import JSONResponse, Response
from x402 import x402ResourceServer
from x402.http.utils import decode_payment_signature_header, encode_payment_required_header
from x402.schemas import PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo, SettleResponse
from x402.schemas.v1 import PaymentPayloadV1, PaymentRequiredV1, PaymentRequirementsV1

from tests.support.backends import PaymentBackend
from tests.support.fake_records import PaymentErrorKind, PaymentRecord


class X402Side:
    backend: PaymentBackend
    server: x402ResourceServer
    challenge_version: int
    max_timeout_seconds: int
    include_blockhash: bool
    challenge_extensions: dict[str, Any] | None
    payments: list[PaymentRecord]
    _lock: threading.Lock

    @property
    def settled(self) -> list[PaymentRecord]:
        return [p for p in self.payments if p.outcome == "settled"]

    @property
    def rejected(self) -> list[PaymentRecord]:
        return [p for p in self.payments if p.outcome == "rejected"]

    def authorization_used(self, authorizer: str, nonce_hex: str) -> bool:
        """EIP-3009 ``authorizationState``: whether a nonce of ``authorizer`` was settled (stub back end)."""
        ledger = getattr(self.backend, "ledger", None)
        used = getattr(ledger, "used_nonces", set())
        return (authorizer.lower(), nonce_hex.lower().removeprefix("0x")) in used

    def _extra(self) -> dict[str, Any]:
        extra = dict(self.backend.requirement_extra())
        if not self.include_blockhash:
            extra.pop("recentBlockhash", None)
        return extra

    def _requirements(self, amount: int) -> PaymentRequirements:
        return PaymentRequirements(
            scheme="exact",
            network=self.backend.network,
            asset=self.backend.asset,
            amount=str(amount),
            pay_to=self.backend.pay_to,
            max_timeout_seconds=self.max_timeout_seconds,
            extra=self._extra(),
        )

    def _requirements_v1(self, amount: int, url: str) -> PaymentRequirementsV1:
        return PaymentRequirementsV1(
            scheme="exact",
            network=self.backend.v1_network,
            max_amount_required=str(amount),
            resource=url,
            description="BlockRun AI API call",
            mime_type="application/json",
            pay_to=self.backend.pay_to,
            max_timeout_seconds=self.max_timeout_seconds,
            asset=self.backend.asset,
            extra=self.backend.requirement_extra(),
        )

    def _challenge(self, amount: int, url: str) -> Response:
        if self.challenge_version == 1:
            document = PaymentRequiredV1(error="Payment Required", accepts=[self._requirements_v1(amount, url)])
            return JSONResponse(document.model_dump(by_alias=True, exclude_none=True), status_code=402)
        required = PaymentRequired(
            error="Payment Required",
            resource=ResourceInfo(url=url, description="BlockRun AI API call", mime_type="application/json"),
            accepts=[self._requirements(amount)],
            extensions=self.challenge_extensions,
        )
        encoded = encode_payment_required_header(required)
        headers = {"PAYMENT-REQUIRED": encoded, "WWW-Authenticate": f'X402 requirements="{encoded}"'}
        return JSONResponse({"error": "Payment Required"}, status_code=402, headers=headers)

    def _verification_failed(self, reason: str, message: str | None, payer: str | None) -> Response:
        if self.backend.chain == "solana":
            body: dict[str, Any] = {
                "error": "Payment verification failed",
                "code": "PAYMENT_INVALID",
                "debug": reason + (f": {message}" if message else ""),
                "payer": payer,
            }
        else:
            inner = json.dumps({"invalidReason": reason, "invalidMessage": message or reason, "payer": payer})
            body = {"error": "Payment verification failed", "details": f"Verification failed: {inner}\n"}
        return JSONResponse(body, status_code=402)

    def _payment_error_body(self, kind: PaymentErrorKind, amount: int, payer: str | None) -> dict[str, Any]:
        if kind == "settlement_failed":
            if self.backend.chain == "solana":
                return {"error": "Payment settlement failed", "code": "SETTLEMENT_FAILED", "debug": "send failed"}
            return {"error": "Payment settlement failed", "details": "Settlement failed: transaction reverted"}
        # Both refused before verify or before anything is served, with the gateway's codes (either chain).
        if kind == "underpaid":
            return {"error": "Payment below quoted price", "code": "PAYMENT_UNDERPAID",
                    "message": "Re-fetch the 402 quote and sign the amount it specifies."}
        if kind == "replay":
            return {"error": "Payment authorization already used", "code": "PAYMENT_REPLAY",
                    "message": "Sign a new payment for each request."}
        reasons = {
            "insufficient_funds": "insufficient_funds",
            "invalid_payload": "invalid_payload",
            "simulation_failed": "transaction_simulation_failed",
            "expired": "expired"
            if self.backend.chain == "solana"
            else "invalid_exact_evm_payload_authorization_valid_before",
        }
        if self.backend.chain == "solana":
            return {
                "error": "Payment verification failed",
                "code": "PAYMENT_UNFUNDED" if kind == "insufficient_funds" else "PAYMENT_INVALID",
                "debug": reasons[kind],
                "payer": payer,
            }
        message = f"insufficient balance: 251 < {amount}" if kind == "insufficient_funds" else reasons[kind]
        inner = json.dumps({"invalidReason": reasons[kind], "invalidMessage": message, "payer": payer})
        return {"error": "Payment verification failed", "details": f"Verification failed: {inner}\n"}

    async def _check_payment(
        self, header: str, amount: int, url: str, path: str, model: str | None
    ) -> tuple[Any, Any, str | None] | Response:
        """(payload, requirements, payer) when the SDK says the payment is valid, else the 402 to send."""
        try:
            payload = decode_payment_signature_header(header)
        except Exception as exc:
            self._record("rejected", 0, None, amount, path, model, f"undecodable header: {exc}", header=header)
            return self._verification_failed("invalid_payload", "payment header is not valid x402", None)
        requirements: PaymentRequirements | PaymentRequirementsV1 | None
        if isinstance(payload, PaymentPayloadV1):
            candidate = self._requirements_v1(amount, url)
            same = payload.scheme == candidate.scheme and payload.network == candidate.network
            requirements = candidate if same and self.challenge_version == 1 else None
            version = 1
        else:
            assert isinstance(payload, PaymentPayload)
            requirements = self.server.find_matching_requirements([self._requirements(amount)], payload)
            version = 2
        if requirements is None:
            self._record("rejected", version, None, amount, path, model, "no_matching_requirements", header=header)
            return self._verification_failed(
                "invalid_payload", "payment does not match this request's price or terms", None
            )
        result = await self.server.verify_payment(payload, requirements)
        if not result.is_valid:
            reason = result.invalid_reason or "invalid_payload"
            self._record("rejected", version, result.payer, amount, path, model, reason, header=header)
            return self._verification_failed(reason, result.invalid_message, result.payer)
        return payload, requirements, result.payer

    async def _settle(
        self, payload: Any, requirements: Any, payer: str | None, amount: int, path: str, model: str | None
    ) -> SettleResponse:
        result = await self.server.settle_payment(payload, requirements)
        outcome: Literal["settled", "rejected"] = "settled" if result.success else "rejected"
        self._record(
            outcome,
            payload.x402_version,
            payer or result.payer,
            amount,
            path,
            model,
            None if result.success else result.error_reason,
            result.transaction,
        )
        return result

    def _record(
        self,
        outcome: Literal["settled", "verified", "rejected"],
        version: int,
        payer: str | None,
        amount: int,
        path: str,
        model: str | None,
        reason: str | None = None,
        transaction: str | None = None,
        header: str | None = None,
    ) -> None:
        with self._lock:
            self.payments.append(
                PaymentRecord(
                    outcome,
                    version,
                    self.backend.network,
                    amount,
                    self.backend.pay_to,
                    payer,
                    model,
                    path,
                    reason,
                    transaction or None,
                    header,
                )
            )
