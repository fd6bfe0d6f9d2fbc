"""Reading an upstream 402: the x402 challenge (v2 header or v1 body) and picking the requirement we can pay.

The v2 challenge comes from the ``PAYMENT-REQUIRED`` header (or, failing that, BlockRun's identical
``WWW-Authenticate: X402 requirements="..."``); a v1 challenge is the JSON body with ``x402Version: 1``.
Shapes are checked here against the protocol's field list (:func:`_shape_problems`; a test holds it to the
official SDK's models, which would cost the proxy ~0.14 s and ~9 MB to load); the requirement itself is
kept as the raw JSON object so that it can be echoed in ``accepted`` exactly as the server sent it (the
server matches it field by field).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyclawrouter.payments.errors import PaymentChallengeError, PaymentRefused, classify_payment_failure
from pyclawrouter.payments.headers import PAYMENT_REQUIRED_HEADER
from pyclawrouter.payments.networks import UsdcConfig, atomic_to_usd

_WWW_AUTH_RE = re.compile(r'x402\s+requirements="([^"]+)"', re.IGNORECASE)
_DIGITS_RE = re.compile(r"^[0-9]{1,30}$")


@dataclass(frozen=True)
class Requirement:
    """One entry of ``accepts``: parsed fields for our checks plus the verbatim JSON object."""

    version: int
    raw: dict[str, Any]
    scheme: str
    network: str
    asset: str
    amount: int
    pay_to: str
    max_timeout_seconds: int
    extra: dict[str, Any]

    @property
    def amount_usd(self) -> float:
        return atomic_to_usd(self.amount)

    def describe(self) -> str:
        return f"{self.amount} atomic units (${self.amount_usd:.6f}) of {self.asset} on {self.network} to {self.pay_to}"


@dataclass(frozen=True)
class Challenge:
    version: int
    requirements: tuple[Requirement, ...]
    resource: dict[str, Any] | None
    """v2's top-level ``resource`` object, echoed in the payload."""
    error: str | None = None
    extensions: dict[str, Any] | None = None
    """v2's top-level ``extensions`` (e.g. an app's ``builder-code``), merged into the payload's own."""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _decode_b64_json(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.b64decode(text.strip(), validate=False))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise PaymentChallengeError(f"The upstream's {where} is not base64-encoded JSON.") from None
    if not isinstance(data, dict):
        raise PaymentChallengeError(f"The upstream's {where} is not a JSON object.")
    return data


def _requirement(version: int, raw: dict[str, Any]) -> Requirement:
    amount_text = raw.get("amount") if version == 2 else raw.get("maxAmountRequired")
    if not isinstance(amount_text, str) or not _DIGITS_RE.fullmatch(amount_text) or int(amount_text) <= 0:
        raise PaymentChallengeError(f"The upstream's payment requirement has an invalid amount: {amount_text!r:.40}")
    extra = raw.get("extra")
    return Requirement(
        version=version,
        raw=raw,
        scheme=str(raw["scheme"]),
        network=str(raw["network"]),
        asset=str(raw["asset"]),
        amount=int(amount_text),
        pay_to=str(raw["payTo"]),
        max_timeout_seconds=int(raw["maxTimeoutSeconds"]),
        extra=dict(extra) if isinstance(extra, dict) else {},
    )


# Each version's required and optional fields of a challenge and of one ``accepts`` entry, with their JSON
# types: ``str``, ``int`` (a JSON integer, or a string of digits), ``dict``, ``list``, ``strs`` (a list of
# strings); ``?`` marks an optional
# field that may also be null (v2's ``extra`` may be left out but not be null).
_CHALLENGE_FIELDS: dict[int, tuple[dict[str, str], dict[str, str]]] = {
    2: ({"accepts": "list"}, {"error": "str?", "resource": "dict?", "extensions": "dict?"}),
    1: ({"accepts": "list"}, {"error": "str?"}),
}
_REQUIREMENT_FIELDS: dict[int, tuple[dict[str, str], dict[str, str]]] = {
    2: ({"scheme": "str", "network": "str", "asset": "str", "amount": "str", "payTo": "str",
         "maxTimeoutSeconds": "int"}, {"extra": "dict"}),
    1: ({"scheme": "str", "network": "str", "maxAmountRequired": "str", "resource": "str", "payTo": "str",
         "maxTimeoutSeconds": "int", "asset": "str"},
        {"description": "str?", "mimeType": "str?", "outputSchema": "dict?", "extra": "dict?"}),
}
_RESOURCE_FIELDS = ({"url": "str"}, {"description": "str?", "mimeType": "str?", "serviceName": "str?",
                                     "tags": "strs?", "iconUrl": "str?"})


def _is(value: Any, kind: str) -> bool:
    if kind == "int":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.isascii() and value.isdigit())
    if kind == "strs":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, {"str": str, "dict": dict, "list": list}[kind])


def _fields(obj: Any, where: str, fields: tuple[dict[str, str], dict[str, str]]) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{where}: not an object"]
    required, optional = fields
    problems = [f"{where}.{name}: missing" for name in required if name not in obj]
    for name, kind in {**required, **optional}.items():
        if name not in obj or (obj[name] is None and kind.endswith("?")):
            continue
        if not _is(obj[name], kind.rstrip("?")):
            problems.append(f"{where}.{name}: expected {kind.rstrip('?')}")
    return problems


def _shape_problems(version: int, data: dict[str, Any]) -> list[str]:
    """What is wrong with a challenge's shape (empty when it is well formed), in the order fields are read."""
    problems = _fields(data, "challenge", _CHALLENGE_FIELDS[version])
    if version == 2 and data.get("resource") is not None:
        problems += _fields(data["resource"], "resource", _RESOURCE_FIELDS)
    accepts = data.get("accepts")
    if isinstance(accepts, list):
        for index, entry in enumerate(accepts):
            problems += _fields(entry, f"accepts.{index}", _REQUIREMENT_FIELDS[version])
    return problems


def _from_document(data: dict[str, Any]) -> Challenge:
    version = data.get("x402Version")
    if version not in (1, 2) or isinstance(version, bool):
        raise PaymentChallengeError(f"Unsupported x402 version {version!r:.20}.")
    problems = _shape_problems(version, data)
    if problems:
        raise PaymentChallengeError(f"The upstream's x402 challenge is malformed ({'; '.join(problems[:3])}).")
    accepts = data["accepts"]
    if not accepts:
        raise PaymentChallengeError("The upstream's x402 challenge offers no way to pay (empty accepts).")
    resource = data.get("resource") if isinstance(data.get("resource"), dict) else None
    error = data.get("error") if isinstance(data.get("error"), str) else None
    extensions = data.get("extensions") if isinstance(data.get("extensions"), dict) else None
    return Challenge(int(version), tuple(_requirement(int(version), dict(r)) for r in accepts), resource, error,
                     extensions)


def parse_challenge(headers: Mapping[str, str], body: bytes) -> Challenge:
    """The x402 challenge of a 402 response: v2 header first, then ``WWW-Authenticate``, then a JSON body."""
    header = _header(headers, PAYMENT_REQUIRED_HEADER)
    if header:
        return _from_document(_decode_b64_json(header, PAYMENT_REQUIRED_HEADER + " header"))
    auth = _header(headers, "www-authenticate")
    match = _WWW_AUTH_RE.search(auth or "")
    if match:
        return _from_document(_decode_b64_json(match.group(1), "WWW-Authenticate header"))
    try:
        data = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict) and data.get("x402Version") in (1, 2) and "accepts" in data:
        return _from_document(data)
    failure = classify_payment_failure(402, body)
    if failure is not None:
        raise PaymentChallengeError(f"The upstream rejected the payment: {failure.message}", failure=failure)
    snippet = body[:120].decode("utf-8", "replace") if body else "(empty body)"
    raise PaymentChallengeError(f"The upstream answered 402 without an x402 payment challenge: {snippet}")


def choose_requirement(challenge: Challenge, usdc: UsdcConfig) -> Requirement:
    """The cheapest ``exact`` USDC requirement on our chain, or :class:`PaymentRefused` saying what was offered."""
    usable = [
        r
        for r in challenge.requirements
        if r.scheme == "exact" and usdc.accepts_network(r.network) and usdc.accepts_asset(r.asset)
    ]
    if usable:
        return min(usable, key=lambda r: r.amount)
    offered = "; ".join(r.describe() + f" (scheme {r.scheme})" for r in challenge.requirements[:4])
    if not any(usdc.accepts_network(r.network) for r in challenge.requirements):
        why = f"this wallet pays on {usdc.payment_chain} ({usdc.network}) and none of the offers is on that network"
        reason = "wrong_network"
    elif not any(usdc.accepts_asset(r.asset) for r in challenge.requirements if usdc.accepts_network(r.network)):
        why = f"only USDC ({usdc.asset}) is paid and the asset asked for is something else"
        reason = "wrong_asset"
    else:
        why = "only the x402 'exact' scheme is supported"
        reason = "unsupported_scheme"
    raise PaymentRefused(f"Refused to pay: the upstream asked for {offered}; {why}.", reason=reason)
