"""The CLI says what the chat says: `pyclawrouter stats|exclude|img|doctor` go through the same commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyclawrouter.cli import main
from pyclawrouter.commands.doctor import Check, run_checks


def test_stats_cli_prints_the_chat_text_without_code_fence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--days", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No requests in the last 2 days")
    assert "```" not in out


def test_stats_cli_json_and_bad_days(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totalRequests"] == 0
    with pytest.raises(SystemExit) as info:
        main(["stats", "--days", "0"])
    assert info.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_exclude_cli_round_trip(capsys: pytest.CaptureFixture[str], isolated_state_dir: Path) -> None:
    assert main(["exclude", "add", "sonnet-4.6"]) == 0
    assert "Excluded: anthropic/claude-sonnet-4.6" in capsys.readouterr().out
    assert main(["exclude", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"excluded": ["anthropic/claude-sonnet-4.6"]}
    assert main(["exclude", "add", "no-such-model"]) == 1
    assert "/exclude: 'no-such-model' names nothing in the catalog" in capsys.readouterr().err


def test_img_cli_without_a_proxy_fails_cleanly(capsys: pytest.CaptureFixture[str], isolated_state_dir: Path) -> None:
    (isolated_state_dir / "config.yaml").write_text("port: 1\n")  # nothing listens on port 1
    assert main(["img", "a", "red", "fox"]) == 1
    assert "Image generation failed: the proxy at http://127.0.0.1:1 did not answer" in capsys.readouterr().err


def test_img_clis_pass_their_flags_to_the_chat_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    from pyclawrouter.commands import cli_bridge

    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(cli_bridge, "run_command", lambda name, args, **_: sent.append((name, args)) or 0)
    assert main(["img2img", "--image", "/tmp/my pic.png", "--size", "512x512", "make", "it", "blue"]) == 0
    assert main(["img", "--model", "cogview", "a", "fox"]) == 0
    assert [(name, shlex.split(args)) for name, args in sent] == [
        ("img2img", ["--image", "/tmp/my pic.png", "--size", "512x512", "make", "it", "blue"]),
        ("img", ["--model", "cogview", "a", "fox"]),
    ]


def test_doctor_reports_problems_with_fixes_and_never_creates_a_wallet(
    isolated_state_dir: Path, tmp_path: Path
) -> None:
    env = {"HOME": str(tmp_path), "PYCLAWROUTER_HOME": str(isolated_state_dir)}
    (isolated_state_dir / "config.yaml").write_text("port: 1\nchain: eth\n")
    checks = run_checks(isolated_state_dir, env, upstream=lambda url: Check("upstream", True, url))
    by_name = {c.name: c for c in checks}
    assert not by_name["config"].ok and "chain: 'eth' is not allowed" in by_name["config"].detail
    assert not by_name["wallet"].ok and "pyclawrouter wallet" in by_name["wallet"].fix
    assert not by_name["proxy"].ok and not by_name["openclaw plugin"].ok
    assert not (isolated_state_dir / "wallet.key").exists()


@pytest.mark.parametrize(
    ("config", "env", "checked"),
    [
        ("", {}, "https://blockrun.ai/api"),
        ("chain: solana\n", {}, "https://sol.blockrun.ai/api"),
        ("", {"CLAWROUTER_PAYMENT_CHAIN": "solana"}, "https://sol.blockrun.ai/api"),
        ("apiBase: http://127.0.0.1:9/api/\n", {}, "http://127.0.0.1:9/api"),
    ],
)
def test_doctor_checks_the_upstream_the_proxy_would_call(
    isolated_state_dir: Path, tmp_path: Path, config: str, env: dict[str, str], checked: str
) -> None:
    env = {"HOME": str(tmp_path), "PYCLAWROUTER_HOME": str(isolated_state_dir), **env}
    (isolated_state_dir / "config.yaml").write_text(config or "port: 8402\n")
    checks = run_checks(isolated_state_dir, env, upstream=lambda url: Check("upstream", True, url))
    assert {c.name: c.detail for c in checks}["upstream"] == checked


def test_stats_cli_takes_the_chat_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "3"]) == 0  # the same as /stats 3
    assert capsys.readouterr().out.startswith("No requests in the last 3 days")
    assert main(["stats", "3", "--days", "3"]) == 0
    capsys.readouterr()
    for bad, message in ((["stats", "soon"], "give a number of days or 'clear'"),
                         (["stats", "2", "--days", "5"], "two different day counts"),
                         (["stats", "0"], "must be at least 1")):
        with pytest.raises(SystemExit) as info:
            main(bad)
        assert info.value.code == 2
        assert message in capsys.readouterr().err


def test_wallet_cli_prints_plain_text_not_chat_markdown(
    isolated_state_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BLOCKRUN_BASE_RPC_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CLAWROUTER_SOLANA_RPC_URL", "http://127.0.0.1:9")
    assert main(["wallet"]) == 0
    out = capsys.readouterr().out
    assert "**" not in out and "`" not in out
    assert "Payment chain: Base (EVM)" in out
    assert main(["wallet", "--json"]) == 0
    evm = json.loads(capsys.readouterr().out)["evm"]["address"]
    assert main(["wallet"]) == 0
    assert f"  Address: {evm}\n" in capsys.readouterr().out  # copyable as is, no backticks around it


def test_plain_text_keeps_words_and_drops_only_markup() -> None:
    from pyclawrouter.commands.cli_bridge import plain_text

    assert plain_text("**Key file:** `/a b/wallet.key`\n• `/wallet export`: back up") == (
        "Key file: /a b/wallet.key\n• /wallet export: back up"
    )
    assert plain_text("```\nRequests  3\n```") == "Requests  3"
    assert plain_text("2 * 3 ** 2 is not bold") == "2 * 3 ** 2 is not bold"
