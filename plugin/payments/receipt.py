"""The settlement receipt a paid response may carry (``PAYMENT-RESPONSE`` or v1 ``X-PAYMENT-RESPONSE``).

Never required: BlockRun settles after the work and a streamed answer may come without one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from x402.http.constants import PAYMENT_RESPONSE_HEADER, X_PAYMENT_RESPONSE_HEADER
from x402.http.utils import decode_payment_response_header


@dataclass(frozen=True)
class Settlement:
    success: bool
    transaction: str
    network: str
    payer: str | None = None
    error_reason: str | None = None
    amount: str | None = None


def settlement(headers: Mapping[str, str]) -> Settlement | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in (PAYMENT_RESPONSE_HEADER, X_PAYMENT_RESPONSE_HEADER):
        value = lowered.get(name.lower())
        if not value:
            continue
        try:
            decoded = decode_payment_response_header(value)
        except Exception:  # a malformed receipt is ignored, never fatal
            continue
        return Settlement(
            success=decoded.success,
            transaction=decoded.transaction,
            network=decoded.network,
            payer=decoded.payer,
            error_reason=decoded.error_reason,
            amount=decoded.amount,
        )
    return None
