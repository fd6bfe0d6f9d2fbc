"""The EVM key the payer signs with: same address and signatures as eth-account, no key in its repr."""

from __future__ import annotations

import os
import pickle

import pytest
from eth_account import Account

from pyclawrouter.wallet.evm_key import EvmKey, is_address, to_checksum_address

KEY = "0x" + "11" * 32


def test_address_and_signatures_match_eth_account() -> None:
    for _ in range(20):
        secret, digest = os.urandom(32), os.urandom(32)
        ours, reference = EvmKey(secret), Account.from_key(secret)
        assert ours.address == reference.address
        assert ours.sign_hash(digest) == bytes(reference.unsafe_sign_hash(digest).signature)


def test_signatures_carry_v_27_or_28() -> None:
    key = EvmKey.from_hex(KEY)
    assert {key.sign_hash(os.urandom(32))[64] for _ in range(40)} == {27, 28}


def test_rejects_keys_outside_the_curve_order_and_short_digests() -> None:
    with pytest.raises(ValueError):
        EvmKey(bytes(32))
    with pytest.raises(ValueError):
        EvmKey(b"\xff" * 32)
    with pytest.raises(ValueError):
        EvmKey.from_hex(KEY).sign_hash(b"\x00" * 31)


def test_key_never_shown_or_pickled() -> None:
    key = EvmKey.from_hex(KEY)
    assert "11" * 8 not in repr(key) and key.address in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_checksum_addresses() -> None:
    address = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
    assert to_checksum_address(address.lower()) == address
    assert is_address(address) and is_address(address.lower()) and is_address("0x" + address[2:].upper())
    assert not is_address(address.replace("fCD6", "fcD6"))  # mixed case with a broken EIP-55 checksum
    assert not is_address(address[:-1]) and not is_address(address[2:]) and not is_address(None)
