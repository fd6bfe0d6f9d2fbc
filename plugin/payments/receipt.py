"""The settlement receipt a paid response may carry (``PAYMENT-RESPONSE`` or v1 ``X-PAYMENT-RESPONSE``).

Never required: BlockRun settles after the work and a streamed answer may come without one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyclawrouter.payments.headers import PAYMENT_RESPONSE_HEADER, X_PAYMENT_RESPONSE_HEADER


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
        decoded = _decode(value)
        if decoded is not None:
            return decoded
    return None


def _decode(value: str) -> Settlement | None:
    """The header is base64 of a JSON object; a malformed receipt is ignored, never fatal."""
    try:
        obj: Any = json.loads(base64.b64decode(value))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(obj, dict):
        return None
    success, transaction, network = obj.get("success"), obj.get("transaction"), obj.get("network")
    if not isinstance(success, bool) or not isinstance(transaction, str) or not isinstance(network, str):
        return None
    optional = {key: obj.get(key) for key in ("payer", "errorReason", "amount")}
    if any(v is not None and not isinstance(v, str) for v in optional.values()):
        return None
    return Settlement(
        success=success,
        transaction=transaction,
        network=network,
        payer=optional["payer"],
        error_reason=optional["errorReason"],
        amount=optional["amount"],
    )
