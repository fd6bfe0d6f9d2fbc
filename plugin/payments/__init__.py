"""pyclawrouter.payments: x402 challenge parsing, signing (Base, Solana), spend ceiling, pre-auth, errors.

See ``docs/payments.md`` for the API the proxy uses.
"""

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
from pyclawrouter.payments.settlement import Settlement, settlement

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
