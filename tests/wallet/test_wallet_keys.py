"""Key derivation matches other wallets for the standard BIP-39 test mnemonic."""

from __future__ import annotations

from pyclawrouter.wallet import keys

ABANDON_ART = " ".join(["abandon"] * 23 + ["art"])


def test_abandon_art_gives_the_standard_evm_address() -> None:
    account = keys.evm_account(keys.evm_key_from_mnemonic(ABANDON_ART))
    assert account.address == "0xF278cF59F82eDcf871d630F28EcC8056f25C1cdb"


def test_abandon_art_gives_the_standard_solana_address() -> None:
    keypair = keys.solana_keypair_from_mnemonic(ABANDON_ART)
    assert str(keypair.pubkey()) == "3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx"


def test_the_address_without_solders_is_the_one_solders_signs_for() -> None:
    # The wallet shows the address from pycryptodome's ed25519 and signs with solders: they must agree.
    import os

    from solders.keypair import Keypair
    from solders.pubkey import Pubkey

    assert keys.solana_address(keys.solana_seed_from_mnemonic(ABANDON_ART)) == (
        "3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx")
    for _ in range(300):
        seed = os.urandom(32)
        assert keys.solana_address(seed) == str(Keypair.from_seed(seed).pubkey())
    for raw in (bytes(32), b"\0\0" + os.urandom(30), b"\0" + bytes([1]) * 31, bytes([255]) * 32):
        assert keys.base58(raw) == str(Pubkey(raw))  # leading zero bytes are leading 1s


def test_bip39_seed_matches_eth_account() -> None:
    from eth_account.hdaccount import seed_from_mnemonic

    assert keys.seed_from_mnemonic(ABANDON_ART) == bytes(seed_from_mnemonic(ABANDON_ART, ""))


def test_bip32_published_vector_1() -> None:
    # BIP-32 test vector 1, chain m/0'/1/2'/2/1000000000: hardened and normal steps both.
    seed = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    path = (0 | 0x80000000, 1, 2 | 0x80000000, 2, 1000000000)
    assert keys.bip32_secp256k1(seed, path).hex() == (
        "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8"
    )


def test_generated_and_checked_mnemonics_agree_with_eth_account() -> None:
    from eth_account.hdaccount.mnemonic import Mnemonic
    from eth_account.types import Language

    reference = Mnemonic(Language.ENGLISH)
    for words in (12, 15, 18, 21, 24):
        phrase = reference.generate(num_words=words)
        assert keys.is_valid_mnemonic(phrase)
        swapped = phrase.split()
        swapped[0], swapped[-1] = swapped[-1], swapped[0]
        assert keys.is_valid_mnemonic(" ".join(swapped)) == reference.is_mnemonic_valid(" ".join(swapped))
    for _ in range(5):
        assert reference.is_mnemonic_valid(keys.generate_mnemonic())


def test_slip10_seed_for_abandon_art() -> None:
    seed = keys.seed_from_mnemonic(ABANDON_ART)
    assert keys.slip10_ed25519(seed, keys.SOLANA_PATH).hex() == (
        "7c139e1a603ca04f5f7cff194e1bb6f6d1b9098470ea90695ab628488a9f921b"
    )


def test_slip10_published_vector_1() -> None:
    # SLIP-0010 test vector 1 for ed25519, chain m/0'/1'/2'/2'/1000000000'.
    seed = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    assert keys.slip10_ed25519(seed, (0, 1, 2, 2, 1000000000)).hex() == (
        "8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793"
    )


def test_generated_mnemonic_is_24_valid_words_and_derives() -> None:
    phrase = keys.generate_mnemonic()
    assert len(phrase.split()) == 24
    assert keys.is_valid_mnemonic(phrase)
    assert keys.is_valid_private_key(keys.evm_key_from_mnemonic(phrase))
    assert phrase != keys.generate_mnemonic()


def test_mnemonic_normalisation_and_rejection() -> None:
    assert keys.is_valid_mnemonic("  " + ABANDON_ART.upper().replace(" ", "   ") + "\n")
    assert not keys.is_valid_mnemonic(" ".join(["abandon"] * 24))  # bad checksum
    assert not keys.is_valid_mnemonic("not a mnemonic at all")
    assert not keys.is_valid_mnemonic(" ".join(["abandon"] * 11 + ["about"]) + " abandon")  # 13 words


def test_private_key_validation() -> None:
    assert keys.is_valid_private_key("0x" + "11" * 32)
    assert not keys.is_valid_private_key("11" * 32)
    assert not keys.is_valid_private_key("0x" + "11" * 31)
    assert not keys.is_valid_private_key("0x" + "00" * 32)  # zero is not a key
    assert not keys.is_valid_private_key("0x" + "ff" * 32)  # above the curve order
