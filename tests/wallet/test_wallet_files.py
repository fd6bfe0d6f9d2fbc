"""Wallet resolution, files and permissions; the user's existing wallet is never replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pyclawrouter.wallet import (
    NoWalletError,
    WalletError,
    WalletFileError,
    keys,
    load_or_create_wallet,
    load_wallet,
    recover_wallet,
    setup_solana,
    store,
)

ABANDON_ART = " ".join(["abandon"] * 23 + ["art"])
ABANDON_KEY = keys.evm_key_from_mnemonic(ABANDON_ART)
OTHER_KEY = "0x" + "11" * 32


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_generates_a_wallet_with_private_files(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    wallet = load_or_create_wallet(home, {})
    assert wallet.source == "generated" and wallet.has_mnemonic
    assert mode(home) == 0o700
    assert mode(home / "wallet.key") == 0o600 and mode(home / "mnemonic") == 0o600
    key_text = (home / "wallet.key").read_text()
    phrase = (home / "mnemonic").read_text()
    assert key_text.endswith("\n") and phrase.endswith("\n")
    assert keys.evm_key_from_mnemonic(phrase) == key_text.strip()
    assert wallet.evm_address == keys.evm_account(key_text.strip()).address
    assert wallet.solana_address == str(keys.solana_keypair_from_mnemonic(phrase).pubkey())
    assert sorted(os.listdir(home)) == ["mnemonic", "wallet.key"]  # no temp files left behind

    again = load_or_create_wallet(home, {})
    assert again.source == "saved"
    assert (again.evm_address, again.solana_address) == (wallet.evm_address, wallet.solana_address)


def test_clawrouter_created_files_load_unchanged(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    home.mkdir(mode=0o700)
    (home / "wallet.key").write_text(ABANDON_KEY + "\n")
    (home / "mnemonic").write_text(ABANDON_ART + "\n")
    (home / "payment-chain").write_text("solana\n")
    for name in ("wallet.key", "mnemonic", "payment-chain"):
        (home / name).chmod(0o600)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in home.iterdir()}

    wallet = load_or_create_wallet(home, {})
    assert wallet.source == "saved"
    assert wallet.evm_address == "0xF278cF59F82eDcf871d630F28EcC8056f25C1cdb"
    assert wallet.solana_address == "3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx"
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in home.iterdir()} == before


def test_clawrouter_evm_only_wallet_has_no_solana_key(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    home.mkdir()
    (home / "wallet.key").write_text(OTHER_KEY + "\n")
    wallet = load_wallet(home, {})
    assert wallet.evm_address == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
    assert wallet.solana_address is None and wallet.solana_keypair is None and not wallet.has_mnemonic


@pytest.mark.parametrize("content", ["", "0x1234\n", "not a key", "0x" + "zz" * 32, ABANDON_ART])
def test_malformed_key_file_is_an_error_naming_the_file_and_nothing_is_generated(tmp_path: Path, content: str) -> None:
    home = tmp_path / "blockrun"
    home.mkdir()
    (home / "wallet.key").write_text(content)
    with pytest.raises(WalletFileError) as info:
        load_or_create_wallet(home, {"BLOCKRUN_WALLET_KEY": OTHER_KEY})
    assert str(home / "wallet.key") in str(info.value)
    if content.strip():
        assert content.strip() not in str(info.value)
    assert sorted(os.listdir(home)) == ["wallet.key"]
    assert (home / "wallet.key").read_text() == content


def test_unreadable_key_file_is_an_error(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    (home / "wallet.key").mkdir(parents=True)  # a directory where the file should be
    with pytest.raises(WalletFileError, match=r"wallet\.key"):
        load_or_create_wallet(home, {})


def test_malformed_mnemonic_is_an_error_naming_the_file(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    home.mkdir()
    (home / "wallet.key").write_text(OTHER_KEY + "\n")
    (home / "mnemonic").write_text("abandon abandon oops\n")
    with pytest.raises(WalletFileError) as info:
        load_wallet(home, {})
    assert str(home / "mnemonic") in str(info.value) and "oops" not in str(info.value)


def test_mnemonic_without_key_asks_for_recover_instead_of_generating(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    home.mkdir()
    (home / "mnemonic").write_text(ABANDON_ART + "\n")
    os.utime(home / "mnemonic", (1_700_000_000, 1_700_000_000))  # an old file, not a wallet being created
    with pytest.raises(NoWalletError, match="recover"):
        load_or_create_wallet(home, {})
    assert sorted(os.listdir(home)) == ["mnemonic"]

    wallet = recover_wallet(home)
    assert wallet.source == "recovered"
    assert (home / "wallet.key").read_text() == ABANDON_KEY + "\n"
    assert mode(home / "wallet.key") == 0o600
    with pytest.raises(WalletError, match="already exists"):
        recover_wallet(home)


def test_recover_without_mnemonic_refuses(tmp_path: Path) -> None:
    with pytest.raises(WalletError, match="No mnemonic"):
        recover_wallet(tmp_path / "blockrun")


def test_environment_key_is_used_when_no_file_and_saved_file_wins(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    wallet = load_or_create_wallet(home, {"BLOCKRUN_WALLET_KEY": OTHER_KEY})
    assert wallet.source == "env" and wallet.evm_address == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
    assert not home.exists() or not (home / "wallet.key").exists()

    home.mkdir(exist_ok=True)
    (home / "wallet.key").write_text(ABANDON_KEY + "\n")
    wallet = load_or_create_wallet(home, {"BLOCKRUN_WALLET_KEY": OTHER_KEY})
    assert wallet.source == "saved" and wallet.evm_address == "0xF278cF59F82eDcf871d630F28EcC8056f25C1cdb"


def test_malformed_environment_key_is_an_error_not_a_new_wallet(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    with pytest.raises(WalletError, match="BLOCKRUN_WALLET_KEY") as info:
        load_or_create_wallet(home, {"BLOCKRUN_WALLET_KEY": "0xdeadbeef"})
    assert "deadbeef" not in str(info.value)
    assert not (home / "wallet.key").exists()


def test_load_wallet_never_generates(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    with pytest.raises(NoWalletError):
        load_wallet(home, {})
    assert not home.exists()


def test_secrets_are_never_overwritten(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    load_or_create_wallet(home, {})
    original_key, original_phrase = (home / "wallet.key").read_text(), (home / "mnemonic").read_text()
    with pytest.raises(WalletError, match="never overwrites"):
        store.save_private_key(home, OTHER_KEY)
    with pytest.raises(WalletError, match="never overwrites"):
        store.save_mnemonic(home, ABANDON_ART)
    assert (home / "wallet.key").read_text() == original_key
    assert (home / "mnemonic").read_text() == original_phrase


def test_group_readable_home_is_tightened_to_0700(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    load_or_create_wallet(home, {})
    assert mode(home) == 0o700


def test_setup_solana_adds_a_mnemonic_and_keeps_the_evm_key(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    home.mkdir()
    (home / "wallet.key").write_text(OTHER_KEY + "\n")
    wallet, created = setup_solana(home, {})
    assert created and wallet.has_mnemonic and wallet.solana_address
    assert wallet.evm_address == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
    assert (home / "wallet.key").read_text() == OTHER_KEY + "\n"
    assert mode(home / "mnemonic") == 0o600
    again, created_again = setup_solana(home, {})
    assert not created_again and again.solana_address == wallet.solana_address


def test_concurrent_first_start_ends_with_one_wallet(tmp_path: Path) -> None:
    import concurrent.futures

    home = tmp_path / "blockrun"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        wallets = list(pool.map(lambda _: load_or_create_wallet(home, {}), range(8)))
    assert len({w.evm_address for w in wallets}) == 1
    assert len({w.solana_address for w in wallets}) == 1
    assert sum(w.source == "generated" for w in wallets) == 1
    phrase = (home / "mnemonic").read_text()
    assert keys.evm_key_from_mnemonic(phrase) == (home / "wallet.key").read_text().strip()


def test_the_config_wallet_key_is_used_when_no_file_and_no_environment_and_never_saved(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    wallet = load_or_create_wallet(home, {}, OTHER_KEY)
    assert wallet.source == "config" and wallet.evm_address == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
    assert not (home / "wallet.key").exists() and not (home / "mnemonic").exists()
    # The environment beats the config, and a saved wallet beats both.
    assert load_wallet(home, {"BLOCKRUN_WALLET_KEY": ABANDON_KEY}, OTHER_KEY).source == "env"
    home.mkdir(exist_ok=True)
    (home / "wallet.key").write_text(ABANDON_KEY + "\n")
    wallet = load_or_create_wallet(home, {}, OTHER_KEY)
    assert wallet.source == "saved" and wallet.evm_address == "0xF278cF59F82eDcf871d630F28EcC8056f25C1cdb"


def test_an_unusable_config_wallet_key_is_an_error_not_a_new_wallet(tmp_path: Path) -> None:
    home = tmp_path / "blockrun"
    zero = "0x" + "00" * 32  # the right form, but no secp256k1 key
    with pytest.raises(WalletError, match="walletKey") as info:
        load_or_create_wallet(home, {}, zero)
    assert zero not in str(info.value)
    assert not (home / "wallet.key").exists()
