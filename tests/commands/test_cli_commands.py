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
    assert main(["exclude", "add", "sonnet"]) == 0
    assert "Excluded: anthropic/claude-sonnet-4.6" in capsys.readouterr().out
    assert main(["exclude", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"excluded": ["anthropic/claude-sonnet-4.6"]}
    assert main(["exclude", "add", "no-such-model"]) == 1
    assert "Unknown model 'no-such-model'" in capsys.readouterr().err


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
    assert main(["img", "--model", "flux", "a", "fox"]) == 0
    assert [(name, shlex.split(args)) for name, args in sent] == [
        ("img2img", ["--image", "/tmp/my pic.png", "--size", "512x512", "make", "it", "blue"]),
        ("img", ["--model", "flux", "a", "fox"]),
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
