"""EVM ``exact`` scheme: an EIP-3009 ``TransferWithAuthorization`` signed with EIP-712.

Written by hand on eth-account (not the SDK's client scheme) for two reasons: the SDK's v2 client picks
``validAfter = 0`` and a one-hour default window, where we keep ClawRouter's ``now - 600`` /
``now + maxTimeoutSeconds`` (capped); and the golden-vector test needs the nonce and clock injected.
"""

from __future__ import annotations

import os
from typing import Any

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.address import is_address, to_checksum_address

from pyclawrouter.payments.challenge import Requirement
from pyclawrouter.payments.errors import PaymentChallengeError

VALID_AFTER_SKEW_S = 600
"""``validAfter`` is backdated this much so a clock a few minutes ahead of the chain does not fail."""
MAX_WINDOW_S = 3600
"""Never sign an authorization usable for longer than this, whatever the server's ``maxTimeoutSeconds``."""

_V1_CHAIN_IDS = {"base": 8453, "base-sepolia": 84532}

TRANSFER_WITH_AUTHORIZATION_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "TransferWithAuthorization": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "validAfter", "type": "uint256"},
        {"name": "validBefore", "type": "uint256"},
        {"name": "nonce", "type": "bytes32"},
    ],
}


def chain_id_for(network: str) -> int:
    if network.startswith("eip155:"):
        try:
            return int(network.split(":", 1)[1])
        except ValueError:
            pass
    elif network in _V1_CHAIN_IDS:
        return _V1_CHAIN_IDS[network]
    raise PaymentChallengeError(f"Unknown EVM network {network!r:.40}.")


def typed_data(
    *, requirement: Requirement, payer: str, valid_after: int, valid_before: int, nonce: bytes
) -> dict[str, Any]:
    """The full EIP-712 message for one authorization (domain from ``extra`` and the network)."""
    name, version = requirement.extra.get("name"), requirement.extra.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        raise PaymentChallengeError("The upstream's EVM requirement lacks extra.name/extra.version (EIP-712 domain).")
    if not is_address(requirement.pay_to) or not is_address(requirement.asset):
        raise PaymentChallengeError("The upstream's EVM requirement has an invalid payTo or asset address.")
    if len(nonce) != 32:
        raise ValueError("EIP-3009 nonces are 32 bytes")
    return {
        "types": TRANSFER_WITH_AUTHORIZATION_TYPES,
        "primaryType": "TransferWithAuthorization",
        "domain": {
            "name": name,
            "version": version,
            "chainId": chain_id_for(requirement.network),
            "verifyingContract": to_checksum_address(requirement.asset),
        },
        "message": {
            "from": to_checksum_address(payer),
            "to": to_checksum_address(requirement.pay_to),
            "value": requirement.amount,
            "validAfter": valid_after,
            "validBefore": valid_before,
            "nonce": nonce,
        },
    }


def sign_authorization(
    account: LocalAccount, requirement: Requirement, *, now: int, nonce: bytes | None = None
) -> dict[str, Any]:
    """The scheme payload ``{"signature", "authorization"}`` (all authorization values as strings)."""
    nonce = os.urandom(32) if nonce is None else nonce
    window = max(0, min(requirement.max_timeout_seconds, MAX_WINDOW_S))
    valid_after, valid_before = now - VALID_AFTER_SKEW_S, now + window
    data = typed_data(
        requirement=requirement, payer=account.address, valid_after=valid_after, valid_before=valid_before, nonce=nonce
    )
    signed = account.sign_message(encode_typed_data(full_message=data))
    message = data["message"]
    return {
        "signature": "0x" + bytes(signed.signature).hex(),
        "authorization": {
            "from": message["from"],
            "to": message["to"],
            "value": str(requirement.amount),
            "validAfter": str(valid_after),
            "validBefore": str(valid_before),
            "nonce": "0x" + nonce.hex(),
        },
    }
