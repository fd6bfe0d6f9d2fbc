"""The layers import downwards only: the routing core knows no I/O layer, the ledger and the upstream layer
know nothing of the proxy that drives them. A module that reaches up is caught here, before it becomes a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "plugin"
# package -> the packages of ours it must never import (type-checking imports included)
FORBIDDEN = {
    "routing": ("proxy", "upstream", "ledger", "payments", "wallet", "usage", "dashboard"),
    "ledger": ("proxy", "upstream"),
    "upstream": ("proxy",),
    "payments": ("proxy", "upstream", "ledger"),
}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def reaches_up(package: str, root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted((root / package).glob("*.py")):
        for name in sorted(imported(path)):
            parts = name.split(".")
            if parts[0] == "pyclawrouter" and len(parts) > 1 and parts[1] in FORBIDDEN[package]:
                found.append(f"{package}/{path.name} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(package: str) -> None:
    assert reaches_up(package) == []


def test_an_upward_import_is_reported_even_under_type_checking(tmp_path: Path) -> None:
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "m.py").write_text(
        "from typing import TYPE_CHECKING\nimport pyclawrouter.upstream.client\n"
        "if TYPE_CHECKING:\n    from pyclawrouter.proxy import context\n"
    )
    assert reaches_up("ledger", tmp_path) == [
        "ledger/m.py imports pyclawrouter.proxy",
        "ledger/m.py imports pyclawrouter.proxy.context",
        "ledger/m.py imports pyclawrouter.upstream.client",
    ]
