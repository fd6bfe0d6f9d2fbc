"""The shared building blocks: state directory resolution and crash-safe writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pyclawrouter.cli import main
from pyclawrouter.fsutil import atomic_write, ensure_private_dir
from pyclawrouter.paths import state_dir


def test_state_dir_honours_override(tmp_path: Path) -> None:
    assert state_dir({"PYCLAWROUTER_HOME": str(tmp_path)}) == tmp_path


def test_state_dir_defaults_to_clawrouter_location() -> None:
    assert state_dir({}) == Path.home() / ".openclaw" / "blockrun"


def test_atomic_write_sets_mode_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "secret"
    atomic_write(target, "hello", mode=0o600)
    assert target.read_text() == "hello"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["secret"]


def test_exclusive_write_never_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "wallet.key"
    atomic_write(target, "first", mode=0o600, exclusive=True)
    with pytest.raises(FileExistsError):
        atomic_write(target, "second", mode=0o600, exclusive=True)
    assert target.read_text() == "first"
    assert os.listdir(tmp_path) == ["wallet.key"]


def test_private_dir_is_0700(tmp_path: Path) -> None:
    d = tmp_path / "a" / "b"
    ensure_private_dir(d)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700


def test_cli_without_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err.lower()
