from __future__ import annotations

from pathlib import Path

import pytest

from pyclawrouter.commands import CommandContext


@pytest.fixture
def ctx(isolated_state_dir: Path) -> CommandContext:
    return CommandContext(home=isolated_state_dir, is_owner=True, channel="test", proxy_url="http://127.0.0.1:1")
