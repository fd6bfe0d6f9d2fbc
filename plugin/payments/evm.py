"""EVM ``exact`` scheme: an EIP-3009 ``TransferWithAuthorization`` signed with EIP-712.

Written by hand (not the SDK's client scheme) for two reasons: the SDK's v2 client picks ``validAfter = 0``
and a one-hour default window, where we keep ClawRouter's ``now - 600`` / ``now + maxTimeoutSeconds``
(capped); and the golden-vector test needs the nonce and clock injected. The EIP-712 hash is written out for
this one fixed struct type (no general typed-data encoder, so no eth-account import in the proxy).
"""

from __future__ import annotations

import os
from typing import Any, Protocol

from pyclawrouter.payments.challenge import Requirement
from pyclawrouter.payments.errors import PaymentChallengeError
from pyclawrouter.wallet.evm_key import is_address, keccak256, to_checksum_address

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


def _type_string(name: str) -> bytes:
    fields = ",".join(f"{f['type']} {f['name']}" for f in TRANSFER_WITH_AUTHORIZATION_TYPES[name])
    return f"{name}({fields})".encode()


# Neither struct references another, so each type hash is keccak of its own signature string.
_DOMAIN_TYPEHASH = keccak256(_type_string("EIP712Domain"))
_TRANSFER_TYPEHASH = keccak256(_type_string("TransferWithAuthorization"))


class EvmSigner(Protocol):
    """What signing needs from a key: its address and a raw 32-byte-digest signature (``r || s || v``)."""

    @property
    def address(self) -> str: ...

    def sign_hash(self, digest: bytes) -> bytes: ...


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


def _uint256(value: int) -> bytes:
    if not 0 <= value < 2**256:
        raise ValueError(f"{value} does not fit a uint256")
    return value.to_bytes(32, "big")


def _address(value: str) -> bytes:
    return bytes(12) + bytes.fromhex(value[2:])


def digest(data: dict[str, Any]) -> bytes:
    """``keccak256(0x1901 || domainSeparator || hashStruct(message))`` for a ``typed_data`` result."""
    domain, message = data["domain"], data["message"]
    separator = keccak256(
        _DOMAIN_TYPEHASH
        + keccak256(domain["name"].encode())
        + keccak256(domain["version"].encode())
        + _uint256(domain["chainId"])
        + _address(domain["verifyingContract"])
    )
    struct = keccak256(
        _TRANSFER_TYPEHASH
        + _address(message["from"])
        + _address(message["to"])
        + _uint256(message["value"])
        + _uint256(message["validAfter"])
        + _uint256(message["validBefore"])
        + message["nonce"]
    )
    return keccak256(b"\x19\x01" + separator + struct)


def sign_authorization(
    account: EvmSigner, requirement: Requirement, *, now: int, nonce: bytes | None = None
) -> dict[str, Any]:
    """The scheme payload ``{"signature", "authorization"}`` (all authorization values as strings)."""
    nonce = os.urandom(32) if nonce is None else nonce
    window = max(0, min(requirement.max_timeout_seconds, MAX_WINDOW_S))
    valid_after, valid_before = now - VALID_AFTER_SKEW_S, now + window
    data = typed_data(
        requirement=requirement, payer=account.address, valid_after=valid_after, valid_before=valid_before, nonce=nonce
    )
    signature = account.sign_hash(digest(data))
    message = data["message"]
    return {
        "signature": "0x" + signature.hex(),
        "authorization": {
            "from": message["from"],
            "to": message["to"],
            "value": str(requirement.amount),
            "validAfter": str(valid_after),
            "validBefore": str(valid_before),
            "nonce": "0x" + nonce.hex(),
        },
    }
