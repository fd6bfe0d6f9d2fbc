"""Our own reading of x402 challenge shapes agrees with the official SDK's models (the independent party).

The proxy checks shapes itself so that the SDK and pydantic stay out of its process; these cases are the
ways a challenge can be well or badly formed, judged by both.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError
from x402.mechanisms.svm.constants import SOLANA_MAINNET_CAIP2, USDC_MAINNET_ADDRESS
from x402.schemas import PaymentRequired
from x402.schemas.v1 import PaymentRequiredV1

from pyclawrouter.payments.challenge import _shape_problems
from pyclawrouter.payments.networks import SOLANA_NETWORK, SOLANA_USDC

V2: dict[str, Any] = {
    "x402Version": 2,
    "error": "Payment required",
    "resource": {"url": "https://blockrun.ai/api/v1/chat/completions", "description": "chat",
                 "mimeType": "application/json", "tags": ["chat"]},
    "accepts": [{"scheme": "exact", "network": "eip155:8453", "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
                 "amount": "2000", "payTo": "0x" + "ab" * 20, "maxTimeoutSeconds": 300,
                 "extra": {"name": "USD Coin", "version": "2"}}],
    "extensions": {"builder-code": {"info": {"a": ["app"]}}},
}
V1: dict[str, Any] = {
    "x402Version": 1,
    "accepts": [{"scheme": "exact", "network": "base", "maxAmountRequired": "2000", "resource": "https://x/y",
                 "description": "chat", "mimeType": "application/json", "payTo": "0x" + "ab" * 20,
                 "maxTimeoutSeconds": 300, "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "extra": None}],
}


def _edit(document: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    edited = copy.deepcopy(document)
    target: Any = edited
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return edited


CASES = [
    (V2, ()), (V1, ()),
    *[(V2, (("accepts", 0, f), KeyError))
      for f in ("scheme", "network", "asset", "amount", "payTo", "maxTimeoutSeconds")],
    *[(V1, (("accepts", 0, f), KeyError)) for f in ("maxAmountRequired", "resource", "payTo", "asset")],
    (V2, (("accepts", 0, "amount"), 2000)),
    (V2, (("accepts", 0, "maxTimeoutSeconds"), "300")),
    (V2, (("accepts", 0, "maxTimeoutSeconds"), "five")),
    (V2, (("accepts", 0, "maxTimeoutSeconds"), None)),
    (V2, (("accepts", 0, "extra"), None)),
    (V2, (("accepts", 0, "extra"), [1])),
    (V2, (("accepts", 0), "exact")),
    (V2, (("accepts",), {"scheme": "exact"})),
    (V2, (("accepts",), KeyError)),
    (V2, (("resource",), None)),
    (V2, (("resource",), "https://x")),
    (V2, (("resource", "url"), KeyError)),
    (V2, (("resource", "tags"), "chat")),
    (V2, (("error",), 5)),
    (V2, (("extensions",), [])),
    (V1, (("accepts", 0, "description"), 3)),
    (V1, (("accepts", 0, "outputSchema"), {"input": {}})),
    (V1, (("accepts", 0, "mimeType"), None)),
    (V2, (("resource", "tags"), ["chat", 3])),
]


@pytest.mark.parametrize(("base", "change"), CASES)
def test_our_shape_check_agrees_with_the_sdk(base: dict[str, Any], change: tuple[Any, ...]) -> None:
    document = _edit(base, *change) if change else copy.deepcopy(base)
    model = PaymentRequired if document["x402Version"] == 2 else PaymentRequiredV1
    try:
        model.model_validate(document)
        sdk_accepts = True
    except ValidationError:
        sdk_accepts = False
    problems = _shape_problems(document["x402Version"], document)
    assert (not problems) == sdk_accepts, problems


def test_solana_ids_are_the_sdks() -> None:
    assert (SOLANA_NETWORK, SOLANA_USDC) == (SOLANA_MAINNET_CAIP2, USDC_MAINNET_ADDRESS)


@pytest.mark.parametrize("amount", ["2000\n", " 2000", "0", "-5", "2e3", "1" * 31])
def test_an_amount_that_is_not_plain_digits_is_refused_before_anything_is_signed(amount: str) -> None:
    import base64
    import json

    from pyclawrouter.payments.challenge import PaymentChallengeError, parse_challenge

    document = _edit(V2, ("accepts", 0, "amount"), amount)
    header = base64.b64encode(json.dumps(document).encode()).decode()
    with pytest.raises(PaymentChallengeError, match="invalid amount"):
        parse_challenge({"Payment-Required": header}, b"{}")
