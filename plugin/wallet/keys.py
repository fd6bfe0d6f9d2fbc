"""Key material: BIP-39 mnemonics and the two derivations ClawRouter uses.

* EVM: BIP-32 secp256k1 at ``m/44'/60'/0'/0/0`` (the MetaMask default), stored as ``0x`` + 64 hex.
* Solana: SLIP-10 ed25519 at ``m/44'/501'/0'/0'`` (Phantom/Solflare), the 32-byte result is the ed25519 seed.

BIP-39 wordlist handling, seed stretching and BIP-32 come from eth-account; SLIP-10 for ed25519 is a dozen
lines of HMAC-SHA512 (eth-account has no ed25519) and is written here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import cast

from eth_account import Account
from eth_account.hdaccount import ETHEREUM_DEFAULT_PATH, key_from_seed, seed_from_mnemonic
from eth_account.hdaccount.mnemonic import Mnemonic
from eth_account.signers.local import LocalAccount
from eth_account.types import Language
from solders.keypair import Keypair

SOLANA_PATH = (44, 501, 0, 0)  # all hardened: m/44'/501'/0'/0'
_HARDENED = 0x80000000
_PRIVATE_KEY_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def generate_mnemonic() -> str:
    """A fresh 24-word (256-bit) English BIP-39 phrase."""
    return Mnemonic(Language.ENGLISH).generate(num_words=24)


def normalize_mnemonic(phrase: str) -> str:
    return " ".join(phrase.strip().lower().split())


def is_valid_mnemonic(phrase: str) -> bool:
    try:
        return bool(Mnemonic(Language.ENGLISH).is_mnemonic_valid(normalize_mnemonic(phrase)))
    except Exception:  # the checker raises on unknown words in some versions
        return False


def is_valid_private_key(text: str) -> bool:
    """``0x`` + 64 hex digits and a usable secp256k1 scalar (0 < k < n)."""
    if not _PRIVATE_KEY_RE.match(text):
        return False
    return 0 < int(text, 16) < _SECP256K1_N


def evm_key_from_mnemonic(phrase: str) -> str:
    seed = seed_from_mnemonic(normalize_mnemonic(phrase), "")
    return "0x" + bytes(key_from_seed(seed, ETHEREUM_DEFAULT_PATH)).hex()


def evm_account(private_key: str) -> LocalAccount:
    return cast(LocalAccount, Account.from_key(private_key))


def slip10_ed25519(seed: bytes, path: tuple[int, ...]) -> bytes:
    """SLIP-10 ed25519 derivation (hardened indices only, as the standard requires)."""
    digest = hmac.new(b"ed25519 seed", seed, hashlib.sha512).digest()
    key, chain_code = digest[:32], digest[32:]
    for index in path:
        data = b"\x00" + key + (index | _HARDENED).to_bytes(4, "big")
        digest = hmac.new(chain_code, data, hashlib.sha512).digest()
        key, chain_code = digest[:32], digest[32:]
    return key


def solana_keypair_from_mnemonic(phrase: str) -> Keypair:
    seed = seed_from_mnemonic(normalize_mnemonic(phrase), "")
    return Keypair.from_seed(slip10_ed25519(bytes(seed), SOLANA_PATH))
