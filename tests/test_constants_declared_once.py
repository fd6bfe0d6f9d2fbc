"""Each shared constant is declared in one module; every other module imports it. A second copy would drift
(a tier added in one place, a URL changed in another) without any test noticing."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for top in ("plugin", "commands", "config_schema") for p in (ROOT / top).rglob("*.py"))

# value -> the one module that may spell it
SINGLE_STRINGS = {
    "https://blockrun.ai/api": "plugin/endpoints.py",
    "https://sol.blockrun.ai/api": "plugin/endpoints.py",
    "https://mainnet.base.org": "plugin/endpoints.py",
    "https://api.mainnet-beta.solana.com": "plugin/endpoints.py",
    "command-token": "plugin/paths.py",
    "proxy-last-error.json": "plugin/paths.py",
    "payment-chain": "plugin/paths.py",
    "exclude-models.json": "plugin/paths.py",
    "wallet.key": "plugin/paths.py",
    "PYCLAWROUTER_HOME": "plugin/paths.py",
}
# A literal collection holding all of these is a copy of the list
SINGLE_LISTS = {
    "tiers": ({"SIMPLE", "MEDIUM", "COMPLEX", "REASONING"}, "plugin/routing/names.py"),
    "profiles": ({"auto", "eco", "premium", "free"}, "plugin/routing/names.py"),
}


def _trees() -> list[tuple[str, ast.Module]]:
    # plugin/commands and plugin/config_schema are symlinks to the top-level packages (for mypy): read each once.
    seen: set[Path] = set()
    trees = []
    for path in SOURCES:
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        trees.append((real.relative_to(ROOT).as_posix(), ast.parse(real.read_text(encoding="utf-8"))))
    return trees


TREES = _trees()


def _where(predicate: Callable[[ast.AST], bool], trees: list[tuple[str, ast.Module]] = TREES) -> list[str]:
    return sorted({name for name, tree in trees for node in ast.walk(tree) if predicate(node)})


def _spells(value: str) -> Callable[[ast.AST], bool]:
    return lambda node: isinstance(node, ast.Constant) and node.value == value


def _copies(members: set[str]) -> Callable[[ast.AST], bool]:
    def is_copy(node: ast.AST) -> bool:
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            return False
        return members <= {e.value for e in node.elts if isinstance(e, ast.Constant)}

    return is_copy


@pytest.mark.parametrize(("value", "home"), SINGLE_STRINGS.items())
def test_a_shared_string_is_spelled_in_one_module(value: str, home: str) -> None:
    found = _where(_spells(value))
    assert found == [home], f"{value!r} is spelled in {found}; import it from {home}"


@pytest.mark.parametrize("kind", SINGLE_LISTS)
def test_a_shared_list_is_declared_in_one_module(kind: str) -> None:
    members, home = SINGLE_LISTS[kind]
    assert _where(_copies(members)) == [home]


def test_a_second_copy_is_found() -> None:
    copy = ("plugin/copy.py", ast.parse('ORDER = ["SIMPLE", "MEDIUM", "COMPLEX", "REASONING", "IMAGE"]\n'
                                        'URL = "https://mainnet.base.org"\n'))
    trees = [*TREES, copy]
    assert _where(_copies(SINGLE_LISTS["tiers"][0]), trees) == ["plugin/copy.py", "plugin/routing/names.py"]
    assert _where(_spells("https://mainnet.base.org"), trees) == ["plugin/copy.py", "plugin/endpoints.py"]
