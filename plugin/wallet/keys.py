"""Key material: BIP-39 mnemonics and the two derivations ClawRouter uses.

* EVM: BIP-32 secp256k1 at ``m/44'/60'/0'/0/0`` (the MetaMask default), stored as ``0x`` + 64 hex.
* Solana: SLIP-10 ed25519 at ``m/44'/501'/0'/0'`` (Phantom/Solflare), the 32-byte result is the ed25519 seed.
  Its address (the base58 public key) comes from pycryptodome's ed25519, already loaded for Keccak; solders
  (a 40 MB native library, about 10 MB of RSS once imported) loads only to sign a Solana payment.

BIP-39 (checksummed 11-bit word indices, PBKDF2-HMAC-SHA512 seed), BIP-32 (HMAC-SHA512 plus a scalar
addition, public keys from libsecp256k1) and SLIP-10 are each a dozen lines of hashlib/hmac, written here so
the proxy never imports eth-account (see ``evm_key``). The wordlist is BIP-39's English list, shipped as
``data/bip39-english.txt`` (sha256 2f5eed53…dbda, the published file).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import unicodedata
from importlib import resources
from typing import TYPE_CHECKING

from coincurve import PrivateKey

from pyclawrouter.wallet.evm_key import SECP256K1_N, EvmKey

if TYPE_CHECKING:
    from solders.keypair import Keypair

SOLANA_PATH = (44, 501, 0, 0)  # all hardened: m/44'/501'/0'/0'
_HARDENED = 0x80000000
EVM_PATH = (44 | _HARDENED, 60 | _HARDENED, 0 | _HARDENED, 0, 0)  # m/44'/60'/0'/0/0
_PRIVATE_KEY_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
_SECP256K1_N = SECP256K1_N
_MNEMONIC_LENGTHS = (12, 15, 18, 21, 24)


@functools.cache
def _wordlist() -> tuple[str, ...]:
    words = tuple(resources.files("pyclawrouter").joinpath("data/bip39-english.txt").read_text("utf-8").split())
    if len(words) != 2048:
        raise RuntimeError("the BIP-39 wordlist is damaged")
    return words


@functools.cache
def _word_index() -> dict[str, int]:
    return {word: i for i, word in enumerate(_wordlist())}


def _entropy_to_mnemonic(entropy: bytes) -> str:
    bits = len(entropy) * 8
    checksum_bits = bits // 32
    checksum = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    number = (int.from_bytes(entropy, "big") << checksum_bits) | checksum
    count = (bits + checksum_bits) // 11
    words = _wordlist()
    return " ".join(words[(number >> (11 * (count - 1 - i))) & 0x7FF] for i in range(count))


def generate_mnemonic() -> str:
    """A fresh 24-word (256-bit) English BIP-39 phrase."""
    return _entropy_to_mnemonic(os.urandom(32))


def normalize_mnemonic(phrase: str) -> str:
    return " ".join(phrase.strip().lower().split())


def is_valid_mnemonic(phrase: str) -> bool:
    """An English BIP-39 phrase of 12–24 known words whose checksum bits match."""
    words = normalize_mnemonic(phrase).split(" ")
    index = _word_index()
    if len(words) not in _MNEMONIC_LENGTHS or any(word not in index for word in words):
        return False
    number = 0
    for word in words:
        number = (number << 11) | index[word]
    checksum_bits = len(words) * 11 // 33
    entropy = (number >> checksum_bits).to_bytes(checksum_bits * 4, "big")
    return _entropy_to_mnemonic(entropy) == " ".join(words)


def seed_from_mnemonic(phrase: str, passphrase: str = "") -> bytes:
    """The BIP-39 seed: PBKDF2-HMAC-SHA512, 2048 rounds, salt ``"mnemonic" + passphrase`` (both NFKD)."""
    words = unicodedata.normalize("NFKD", normalize_mnemonic(phrase)).encode()
    salt = ("mnemonic" + unicodedata.normalize("NFKD", passphrase)).encode()
    return hashlib.pbkdf2_hmac("sha512", words, salt, 2048)


def bip32_secp256k1(seed: bytes, path: tuple[int, ...]) -> bytes:
    """BIP-32 private derivation; indices at or above 2**31 are hardened."""
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain_code = digest[:32], digest[32:]
    for index in path:
        if index & _HARDENED:
            data = b"\x00" + key + index.to_bytes(4, "big")
        else:
            data = PrivateKey(key).public_key.format(compressed=True) + index.to_bytes(4, "big")
        digest = hmac.new(chain_code, data, hashlib.sha512).digest()
        tweak = int.from_bytes(digest[:32], "big")
        child = (tweak + int.from_bytes(key, "big")) % SECP256K1_N
        if tweak >= SECP256K1_N or child == 0:  # probability below 2**-127; BIP-32 says skip the index
            raise ValueError(f"BIP-32 index {index} gives no valid key")
        key, chain_code = child.to_bytes(32, "big"), digest[32:]
    return key


def is_valid_private_key(text: str) -> bool:
    """``0x`` + 64 hex digits and a usable secp256k1 scalar (0 < k < n)."""
    if not _PRIVATE_KEY_RE.fullmatch(text):
        return False
    return 0 < int(text, 16) < _SECP256K1_N


def evm_key_from_mnemonic(phrase: str) -> str:
    return "0x" + bip32_secp256k1(seed_from_mnemonic(phrase), EVM_PATH).hex()


def evm_account(private_key: str) -> EvmKey:
    return EvmKey.from_hex(private_key)


def slip10_ed25519(seed: bytes, path: tuple[int, ...]) -> bytes:
    """SLIP-10 ed25519 derivation (hardened indices only, as the standard requires)."""
    digest = hmac.new(b"ed25519 seed", seed, hashlib.sha512).digest()
    key, chain_code = digest[:32], digest[32:]
    for index in path:
        data = b"\x00" + key + (index | _HARDENED).to_bytes(4, "big")
        digest = hmac.new(chain_code, data, hashlib.sha512).digest()
        key, chain_code = digest[:32], digest[32:]
    return key


def solana_seed_from_mnemonic(phrase: str) -> bytes:
    return slip10_ed25519(seed_from_mnemonic(phrase), SOLANA_PATH)


def solana_address(seed: bytes) -> str:
    """The Solana address of an ed25519 seed: its public key in base58, as solders prints it."""
    from Crypto.PublicKey import ECC

    # The stub types every keyword of construct as str or int; seed is bytes, as the function documents.
    public = ECC.construct(curve="Ed25519", seed=seed).public_key().export_key(format="raw")  # type: ignore[arg-type]
    return base58(public)


def solana_keypair(seed: bytes) -> Keypair:
    from solders.keypair import Keypair

    return Keypair.from_seed(seed)


def solana_keypair_from_mnemonic(phrase: str) -> Keypair:
    return solana_keypair(solana_seed_from_mnemonic(phrase))


_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58(data: bytes) -> str:
    """Bitcoin's base58 alphabet, one leading ``1`` per leading zero byte (Solana's address encoding)."""
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, digit = divmod(number, 58)
        digits = _BASE58[digit] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits
