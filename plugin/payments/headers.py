"""x402 HTTP header names, declared once here so the serve path reads them without importing the x402 SDK.

The SDK's ``x402.http`` package pulls its pydantic schemas in on import (about 0.1 s and several MB of RSS).
"""

from __future__ import annotations

PAYMENT_REQUIRED_HEADER = "PAYMENT-REQUIRED"
PAYMENT_SIGNATURE_HEADER = "PAYMENT-SIGNATURE"
PAYMENT_RESPONSE_HEADER = "PAYMENT-RESPONSE"
# Protocol v1 names.
X_PAYMENT_HEADER = "X-PAYMENT"
X_PAYMENT_RESPONSE_HEADER = "X-PAYMENT-RESPONSE"
