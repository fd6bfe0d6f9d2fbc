"""docs/architecture.md lists every module of plugin/, commands/ and config_schema/, and nothing that is gone:
it is the map a newcomer reads first, so a module it does not name is one nobody will find."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
# Import name -> directory, as pyproject.toml's package-dir maps them.
TOP_DIRS = {"pyclawrouter.commands": ROOT / "commands", "pyclawrouter.config_schema": ROOT / "config_schema"}
PACKAGE = ROOT / "plugin"

_TICKED = re.compile(r"`([^`]+)`")


def _directory(import_name: str) -> Path:
    if import_name in TOP_DIRS:
        return TOP_DIRS[import_name]
    return PACKAGE.joinpath(*import_name.split(".")[1:])


def _modules(directory: Path) -> set[str]:
    return {p.stem for p in directory.glob("*.py") if not (p.stem.startswith("__") and p.stem.endswith("__"))}


def actual() -> dict[str, set[str]]:
    """Every module on disk: per package import name, plus "" for the modules at the top of the package."""
    found = {"": _modules(PACKAGE)}
    packages = [p.parent for p in PACKAGE.glob("*/__init__.py") if not p.parent.is_symlink()]
    for directory in packages:
        found[f"pyclawrouter.{directory.name}"] = _modules(directory)
    for import_name, directory in TOP_DIRS.items():
        found[import_name] = _modules(directory)
    return found


def problems(doc: str) -> list[str]:
    """What the document gets wrong about the modules on disk, one sentence each."""
    listed: dict[str, set[str]] = {"": set()}
    files: list[tuple[str, str]] = []  # (import name, data file or folder the row names)
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3:
            continue
        for import_name in re.findall(r"`(pyclawrouter\.[a-z_.]+)`", cells[0]):
            directory = _directory(import_name)
            if not directory.is_dir():  # a module row such as pyclawrouter.router or pyclawrouter.balance
                listed[""].add(import_name.rsplit(".", 1)[1])
                continue
            for name in _TICKED.findall(cells[2]):
                if name.startswith("/"):
                    continue  # a URL path such as `/stats`, not a file
                if "." in name or "/" in name:
                    files.append((import_name, name))
                else:
                    listed.setdefault(import_name, set()).add(name)
    helpers = re.search(r"^Shared helpers:(.*?)(?:\n\n|\Z)", doc, re.S | re.M)
    if helpers:
        listed[""] |= {name[:-3] for name in _TICKED.findall(helpers.group(1)) if name.endswith(".py")}

    found = actual()
    report = []
    for package in sorted(found.keys() | listed.keys()):
        where = f"the {package} row" if package else "the module rows and 'Shared helpers'"
        if package and package not in listed:
            report.append(f"package {package} has no row")
            continue
        on_disk = found.get(package, set())
        prefix = package or "pyclawrouter"
        report += [f"{prefix}.{m} is missing from {where}" for m in sorted(on_disk - listed[package])]
        report += [f"{where} lists {m}, which does not exist" for m in sorted(listed[package] - on_disk)]
    for import_name, name in files:
        directory = _directory(import_name)
        if not any(p.name == name.rstrip("/") for p in directory.rglob("*")):
            report.append(f"the {import_name} row names {name}, which is not in {directory.relative_to(ROOT)}")
    return report


def test_every_module_is_listed_and_every_listed_module_exists() -> None:
    assert problems(DOC.read_text(encoding="utf-8")) == []


def test_a_forgotten_and_a_stale_entry_are_both_reported() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert "`literals`" in doc and "`generate`" in doc
    changed = doc.replace("`literals`", "`ghost`", 1).replace("`generate` (rewrites the generated plugin files), ", "")
    assert problems(changed) == [
        "pyclawrouter.openclaw.generate is missing from the pyclawrouter.openclaw row",
        "pyclawrouter.routing.literals is missing from the pyclawrouter.routing row",
        "the pyclawrouter.routing row lists ghost, which does not exist",
    ]
    assert problems(doc.replace("`endpoints.py` (", "(", 1)) == [
        "pyclawrouter.endpoints is missing from the module rows and 'Shared helpers'"
    ]
    without_ledger = re.sub(r"^\| `pyclawrouter\.ledger` .*\n", "", doc, flags=re.M)
    assert problems(without_ledger) == ["package pyclawrouter.ledger has no row"]
    assert problems(doc.replace("`schema.json`", "`schema.yaml`")) == [
        "the pyclawrouter.config_schema row names schema.yaml, which is not in config_schema"
    ]
