"""pyclawrouter.payments: x402 challenge parsing, signing (Base, Solana), the spend ceiling, the x402 flow, errors.

The names below load on first use: the payer pulls in coincurve, which the proxy imports in a worker thread
after it already answers ``/health``; solders loads with the first Solana payment (``payments/solana.py``).
See ``docs/payments.md`` for the API the proxy uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyclawrouter.payments.challenge import Challenge, Requirement, choose_requirement, parse_challenge
    from pyclawrouter.payments.errors import (
        PaymentChallengeError,
        PaymentError,
        PaymentFailedError,
        PaymentFailure,
        PaymentRefused,
        PaymentRpcError,
        classify_payment_failure,
    )
    from pyclawrouter.payments.payer import Payer, PaymentAttempt
    from pyclawrouter.payments.policy import PaymentPolicy
    from pyclawrouter.payments.receipt import Settlement, settlement

_HOME = {
    "Challenge": "challenge", "Requirement": "challenge", "choose_requirement": "challenge",
    "parse_challenge": "challenge", "PaymentChallengeError": "errors", "PaymentError": "errors",
    "PaymentFailedError": "errors", "PaymentFailure": "errors", "PaymentRefused": "errors",
    "PaymentRpcError": "errors", "classify_payment_failure": "errors", "Payer": "payer",
    "PaymentAttempt": "payer", "PaymentPolicy": "policy", "Settlement": "receipt", "settlement": "receipt",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "Challenge",
    "Payer",
    "PaymentAttempt",
    "PaymentChallengeError",
    "PaymentError",
    "PaymentFailedError",
    "PaymentFailure",
    "PaymentPolicy",
    "PaymentRefused",
    "PaymentRpcError",
    "Requirement",
    "Settlement",
    "choose_requirement",
    "classify_payment_failure",
    "parse_challenge",
    "settlement",
]
