"""An EVM key on libsecp256k1 (coincurve) and Keccak-256 (pycryptodome): its address and raw-hash signatures.

Written on these two directly rather than on eth-account: eth-account pulls in py-ecc, which raises the
interpreter's recursion limit to 100000 at import (deeply nested JSON then overflows the C stack instead of
raising ``RecursionError``), and together with eth-utils it costs a few hundred milliseconds of start-up.
libsecp256k1 produces low-s signatures (EIP-2), the form every EVM verifier accepts.
"""

from __future__ import annotations

import re

from coincurve import PrivateKey
from Crypto.Hash import keccak as _keccak

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")


def keccak256(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def to_checksum_address(address: str) -> str:
    """EIP-55 mixed-case form of a ``0x`` + 40 hex address (raises ``ValueError`` on anything else)."""
    if not _ADDRESS_RE.fullmatch(address):
        raise ValueError("not a 0x-prefixed 20-byte hex address")
    lower = address[2:].lower()
    hashed = keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if int(h, 16) >= 8 else c for c, h in zip(lower, hashed[:40], strict=True))


def is_address(value: object) -> bool:
    """``0x`` + 40 hex; a mixed-case address must carry a valid EIP-55 checksum (as eth-utils checks)."""
    if not isinstance(value, str) or not _ADDRESS_RE.fullmatch(value):
        return False
    body = value[2:]
    if body == body.lower() or body == body.upper():
        return True
    return to_checksum_address(value) == value


class EvmKey:
    """A secp256k1 private key with its checksummed address; the repr never shows the key."""

    __slots__ = ("_private", "address")

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32 or not 0 < int.from_bytes(secret, "big") < SECP256K1_N:
            raise ValueError("an EVM private key is 32 bytes, 0 < k < n")
        self._private = PrivateKey(secret)
        public = self._private.public_key.format(compressed=False)[1:]  # 64 bytes x || y
        self.address = to_checksum_address("0x" + keccak256(public)[-20:].hex())

    @classmethod
    def from_hex(cls, text: str) -> EvmKey:
        return cls(bytes.fromhex(text.removeprefix("0x")))

    @property
    def key(self) -> bytes:
        return bytes(self._private.secret)

    def sign_hash(self, digest: bytes) -> bytes:
        """65-byte ``r || s || v`` over a 32-byte digest, ``v`` in {27, 28} as Ethereum's ecrecover expects."""
        if len(digest) != 32:
            raise ValueError("sign_hash takes a 32-byte digest")
        signature = self._private.sign_recoverable(digest, hasher=None)
        return signature[:64] + bytes([27 + signature[64]])

    def __repr__(self) -> str:
        return f"EvmKey(address={self.address!r})"

    def __reduce__(self) -> str | tuple[object, ...]:  # pickling would copy key material into who knows where
        raise TypeError("EvmKey objects hold a private key and cannot be pickled")
