"""Shared fixtures. Every test runs with its own state directory so nothing touches the real
``~/.openclaw/blockrun`` (a real wallet must never be read or written by the test suite).

``node`` is the path of node for tests that run the plugin's JavaScript: without node they skip, unless
``PYCLAWROUTER_REQUIRE_NODE=1`` (CI, which runs the JavaScript tests anyway), where they fail instead."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        message = "node is not installed (the plugin's JavaScript runs on node 20 or later)"
        if os.environ.get("PYCLAWROUTER_REQUIRE_NODE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found
