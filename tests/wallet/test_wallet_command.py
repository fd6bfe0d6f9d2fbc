"""``/wallet`` and ``pyclawrouter wallet``: status (with and without a reachable RPC), export, chain, recover."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pyclawrouter.cli import main
from pyclawrouter.commands import CommandContext
from pyclawrouter.commands.wallet import wallet as wallet_command
from pyclawrouter.wallet import keys, load_wallet
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.server import serve

ABANDON_ART = " ".join(["abandon"] * 23 + ["art"])
DEAD = "http://127.0.0.1:9"


@pytest.fixture
def clawrouter_home(isolated_state_dir: Path) -> Path:
    home = isolated_state_dir
    (home / "wallet.key").write_text(keys.evm_key_from_mnemonic(ABANDON_ART) + "\n")
    (home / "mnemonic").write_text(ABANDON_ART + "\n")
    return home


def run(args: str, home: Path, *, owner: bool = True, channel: str = "chat"):  # type: ignore[no-untyped-def]
    return asyncio.run(wallet_command(args, CommandContext(home=home, is_owner=owner, channel=channel)))


def test_status_with_balances_from_rpc(
    clawrouter_home: Path,
    fake_blockrun: FakeBlockRun,
    fake_blockrun_solana: FakeBlockRun,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_blockrun.backend.fund("0xF278cF59F82eDcf871d630F28EcC8056f25C1cdb", 12_340_000)
    fake_blockrun_solana.backend.fund("3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx", 500_000)
    with serve(fake_blockrun.app) as base, serve(fake_blockrun_solana.app) as sol:
        monkeypatch.setenv("BLOCKRUN_BASE_RPC_URL", base + "/rpc")
        monkeypatch.setenv("CLAWROUTER_SOLANA_RPC_URL", sol + "/rpc")
        reply = run("", clawrouter_home)
    assert not reply.is_error
    assert reply.data["evm"]["address"] == "0xF278cF59F82eDcf871d630F28EcC8056f25C1cdb"
    assert reply.data["evm"]["balanceUsd"] == "12.34"
    assert reply.data["solana"]["address"] == "3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx"
    assert reply.data["solana"]["balanceUsd"] == "0.5" and reply.data["solana"]["isLow"]
    assert "$12.34" in reply.text and "$0.50 (low)" in reply.text and "basescan.org" in reply.text
    assert reply.data["chain"] == "base" and reply.data["source"] == "saved"


def test_cli_status_with_unreachable_rpc_still_shows_addresses(
    clawrouter_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BLOCKRUN_BASE_RPC_URL", DEAD)
    monkeypatch.setenv("CLAWROUTER_SOLANA_RPC_URL", DEAD)
    assert main(["wallet", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["evm"]["address"] == "0xF278cF59F82eDcf871d630F28EcC8056f25C1cdb"
    assert data["evm"]["balanceUsd"] is None and "RPC error" in data["evm"]["balanceError"]
    assert data["solana"]["balanceUsd"] is None and data["solana"]["balanceError"]
    assert main(["wallet"]) == 0
    out = capsys.readouterr().out
    assert "Balance: could not be read" in out and "3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx" in out


def test_cli_creates_a_wallet_but_chat_does_not(isolated_state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKRUN_BASE_RPC_URL", DEAD)
    monkeypatch.setenv("CLAWROUTER_SOLANA_RPC_URL", DEAD)
    home = isolated_state_dir
    with pytest.raises(Exception, match="No wallet found"):
        run("", home)
    assert not (home / "wallet.key").exists()
    reply = run("status", home, channel="cli")
    assert reply.data["source"] == "generated" and "NEW WALLET GENERATED" in reply.text
    assert (home / "wallet.key").exists() and (home / "mnemonic").exists()


def test_export_is_owner_only_and_complete(clawrouter_home: Path) -> None:
    denied = run("export", clawrouter_home, owner=False)
    assert denied.is_error
    assert keys.evm_key_from_mnemonic(ABANDON_ART)[2:] not in denied.text + json.dumps(denied.data)
    reply = run("export", clawrouter_home)
    assert keys.evm_key_from_mnemonic(ABANDON_ART) in reply.text and ABANDON_ART in reply.text
    assert reply.data["evm"]["privateKey"] == keys.evm_key_from_mnemonic(ABANDON_ART)
    assert reply.data["mnemonic"] == ABANDON_ART


def test_chain_switch_and_clawrouter_aliases(clawrouter_home: Path) -> None:
    reply = run("chain solana", clawrouter_home)
    assert not reply.is_error and "Restart" in reply.text
    assert (clawrouter_home / "payment-chain").read_text() == "solana\n"
    run("base", clawrouter_home)
    assert (clawrouter_home / "payment-chain").read_text() == "base\n"
    run("SOLANA", clawrouter_home)
    assert (clawrouter_home / "payment-chain").read_text() == "solana\n"


def test_chain_switch_says_when_the_config_or_environment_keeps_another_chain(
    clawrouter_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENCLAW_CONFIG_PATH", str(tmp_path / "none.json"))
    assert "precedence" not in run("chain solana", clawrouter_home).text
    (clawrouter_home / "config.yaml").write_text("chain: base\n")
    reply = run("chain solana", clawrouter_home)
    assert not reply.is_error and (clawrouter_home / "payment-chain").read_text() == "solana\n"
    assert "Note: the config sets `chain: base`, which takes precedence over this choice." in reply.text
    assert "precedence" not in run("chain base", clawrouter_home).text
    monkeypatch.setenv("CLAWROUTER_PAYMENT_CHAIN", "base")
    reply = run("chain solana", clawrouter_home)
    assert "Note: CLAWROUTER_PAYMENT_CHAIN=base is set and takes precedence over this choice." in reply.text
    assert "the config sets" not in reply.text


def test_chain_solana_sets_up_a_key_for_an_evm_only_wallet(isolated_state_dir: Path) -> None:
    home = isolated_state_dir
    (home / "wallet.key").write_text("0x" + "11" * 32 + "\n")
    reply = run("chain solana", home)
    assert reply.data["solanaKeyCreated"] and "Solana key set up" in reply.text
    wallet = load_wallet(home, {})
    assert wallet.evm_address == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
    assert wallet.solana_address == reply.data["solana"]


def test_recover_through_the_cli(isolated_state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = isolated_state_dir
    (home / "mnemonic").write_text(ABANDON_ART + "\n")
    assert main(["wallet", "recover"]) == 0
    assert "0xF278cF59F82eDcf871d630F28EcC8056f25C1cdb" in capsys.readouterr().out
    assert main(["wallet", "recover"]) == 1
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["wallet", "chain"], ["wallet", "chain", "eth"], ["wallet", "export", "base"], ["wallet", "nope"]]
)
def test_cli_usage_errors(isolated_state_dir: Path, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_chat_usage_errors(clawrouter_home: Path) -> None:
    from pyclawrouter.commands.args import UsageError

    for args in ("chain", "chain eth", "export now", "frobnicate"):
        with pytest.raises(UsageError):
            run(args, clawrouter_home)


def test_dispatch_routes_to_wallet(clawrouter_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyclawrouter.commands.registry import dispatch

    reply = asyncio.run(dispatch("wallet", "chain base", CommandContext(home=clawrouter_home, is_owner=True)))
    assert not reply.is_error and reply.data["chain"] == "base"
    bad = asyncio.run(dispatch("wallet", "chain eth", CommandContext(home=clawrouter_home, is_owner=True)))
    assert bad.is_error and "Usage" in bad.text


def test_wallet_answers_when_the_rpc_never_does(clawrouter_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An RPC that accepts the connection and then says nothing must not hold /wallet past its bound."""
    import socket

    from pyclawrouter.commands.wallet import WALLET_REPLY_S

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts (the kernel completes the handshake) and never reads or answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/rpc"
    monkeypatch.setenv("BLOCKRUN_BASE_RPC_URL", url)
    monkeypatch.setenv("CLAWROUTER_SOLANA_RPC_URL", url)

    async def bounded():  # type: ignore[no-untyped-def]
        # The command's own bound: if the balance reads were not cut off, this raises TimeoutError.
        return await asyncio.wait_for(
            wallet_command("", CommandContext(home=clawrouter_home, is_owner=True, channel="chat")), WALLET_REPLY_S
        )

    try:
        reply = asyncio.run(bounded())
    finally:
        silent.close()
    assert not reply.is_error
    assert reply.data["evm"]["balanceUsd"] is None and reply.data["solana"]["balanceUsd"] is None
    assert reply.text.count("Balance: could not be read (no answer from the RPC") == 2
    assert "0xF278cF59F82eDcf871d630F28EcC8056f25C1cdb" in reply.text


def test_the_plugin_configs_wallet_key_is_the_wallet_of_the_proxy_and_every_command(
    isolated_state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pyclawrouter.commands.doctor import check_wallet
    from pyclawrouter.config_schema import load_effective_config
    from pyclawrouter.proxy.runtime import load_deps
    from pyclawrouter.settings import Settings

    home = isolated_state_dir
    key = "0x" + "11" * 32
    address = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
    openclaw_json = tmp_path / "openclaw.json"
    openclaw_json.write_text(json.dumps({"plugins": {"entries": {"pyclawrouter": {"config": {"walletKey": key}}}}}))
    monkeypatch.setenv("OPENCLAW_CONFIG_PATH", str(openclaw_json))
    monkeypatch.setenv("BLOCKRUN_BASE_RPC_URL", DEAD)
    monkeypatch.setenv("CLAWROUTER_SOLANA_RPC_URL", DEAD)

    env = {"OPENCLAW_CONFIG_PATH": str(openclaw_json), "PYCLAWROUTER_HOME": str(home)}
    settings = Settings.from_config(load_effective_config(home, env), env, home=home)
    assert key not in repr(settings)
    assert load_deps(settings).wallet_address == address  # what the proxy pays from
    assert main(["wallet", "status", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["evm"]["address"] == address and shown["source"] == "config"
    assert shown["keyFile"] is None and key not in json.dumps(shown)
    assert not (home / "wallet.key").exists()  # the CLI made no other wallet
    assert "walletKey in the plugin config" in run("", home).text
    # A broken edit elsewhere in the config: the commands follow the last good config, as the proxy does,
    # instead of making a new wallet nobody funded.
    (home / "config.yaml").write_text("maxCostPerRun: lots\n")
    assert address in check_wallet(home, env).detail
    assert run("", home, channel="cli").data["evm"]["address"] == address
    assert not (home / "wallet.key").exists()
