"""Payment chain: CLAWROUTER_PAYMENT_CHAIN, then the config's chain, then the saved file, then Base."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pyclawrouter.wallet import WalletError, resolve_payment_chain, set_payment_chain


def test_default_is_base(tmp_path: Path) -> None:
    assert resolve_payment_chain(tmp_path, {}) == "base"


def test_saved_choice_then_environment_override(tmp_path: Path) -> None:
    assert set_payment_chain(tmp_path, "Solana") == "solana"
    assert (tmp_path / "payment-chain").read_text() == "solana\n"
    assert stat.S_IMODE((tmp_path / "payment-chain").stat().st_mode) == 0o600
    assert resolve_payment_chain(tmp_path, {}) == "solana"
    assert resolve_payment_chain(tmp_path, {"CLAWROUTER_PAYMENT_CHAIN": "base"}) == "base"
    set_payment_chain(tmp_path, "base")
    assert resolve_payment_chain(tmp_path, {"CLAWROUTER_PAYMENT_CHAIN": " SOLANA "}) == "solana"


def test_clawrouter_file_with_unknown_value_means_base(tmp_path: Path) -> None:
    (tmp_path / "payment-chain").write_text("ethereum\n")
    assert resolve_payment_chain(tmp_path, {}) == "base"


def test_bad_values_are_errors(tmp_path: Path) -> None:
    with pytest.raises(WalletError, match="CLAWROUTER_PAYMENT_CHAIN"):
        resolve_payment_chain(tmp_path, {"CLAWROUTER_PAYMENT_CHAIN": "eth"})
    with pytest.raises(WalletError, match="base"):
        set_payment_chain(tmp_path, "polygon")
    assert not (tmp_path / "payment-chain").exists()


def test_config_chain_beats_the_saved_file_and_the_environment_beats_both(tmp_path: Path) -> None:
    set_payment_chain(tmp_path, "base")
    assert resolve_payment_chain(tmp_path, {}, "solana") == "solana"
    assert resolve_payment_chain(tmp_path, {"CLAWROUTER_PAYMENT_CHAIN": "base"}, "solana") == "base"
    assert resolve_payment_chain(tmp_path, {}, None) == "base"


@pytest.mark.parametrize("configured", ["ethereum", "", 8453])
def test_a_configured_chain_that_names_no_chain_is_refused(tmp_path: Path, configured: object) -> None:
    set_payment_chain(tmp_path, "solana")
    with pytest.raises(WalletError, match=r"config key 'chain' must be 'base' or 'solana', not "):
        resolve_payment_chain(tmp_path, {}, configured)


def test_serve_and_wallet_refuse_a_payment_chain_variable_that_names_no_chain_with_one_message(
    isolated_state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pyclawrouter.cli import main

    monkeypatch.setenv("OPENCLAW_CONFIG_PATH", str(tmp_path / "none.json"))
    monkeypatch.setenv("CLAWROUTER_PAYMENT_CHAIN", "ethereum")
    refusal = "CLAWROUTER_PAYMENT_CHAIN must be 'base' or 'solana', not 'ethereum'."
    assert main(["serve", "--port", "42999"]) == 1  # refused before it binds: nothing pays on Base instead
    assert refusal in capsys.readouterr().err
    assert main(["wallet"]) == 1
    assert refusal in capsys.readouterr().err
