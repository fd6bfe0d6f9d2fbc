"""Shared fixtures. Every test runs with its own state directory so nothing touches the real
``~/.openclaw/blockrun`` (a real wallet must never be read or written by the test suite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("pyclawrouter-home")
    monkeypatch.setenv("PYCLAWROUTER_HOME", str(home))
    for var in ("BLOCKRUN_WALLET_KEY", "CLAWROUTER_PAYMENT_CHAIN", "CLAWROUTER_DISABLED", "BLOCKRUN_API_BASE"):
        monkeypatch.delenv(var, raising=False)
    yield home
