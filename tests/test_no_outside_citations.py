"""Comments and docstrings state the facts they rely on; they never point at documents a reader of this repository
does not have (the ClawRouter notes, performance notes, design brief, numbered bug lists)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("plugin", "commands", "config_schema", "tests", "benchmarks")
SUFFIXES = {".py", ".js", ".mjs", ".sh", ".md"}
# This file spells the patterns, so it is the one file not scanned.
CITATION = re.compile(
    r"\u00a7"  # a section sign: "reference \u00a74.7"
    r"|\bbug B\d+|\(B\d+\)"  # the reference's numbered bug list
    r"|performance-notes|clawrouter-reference|\bDESIGN\.md\b|shared/reference"
    r"|\bthe reference\b|\breference's\b",
    re.IGNORECASE,
)


def citations(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if CITATION.search(line)]


def test_no_comment_cites_a_document_outside_the_repository() -> None:
    found = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            skip = path.suffix not in SUFFIXES or "data" in path.relative_to(ROOT).parts or path.is_symlink()
            if skip or path == Path(__file__).resolve():
                continue
            found += [f"{path.relative_to(ROOT)}: {line}" for line in citations(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_forms_it_catches() -> None:
    caught = ["see reference \u00a74.7", "(bug B13)", "only successes are cached (B8)", "performance-notes 3",
              "the reference crashed", "DESIGN.md's tier table"]
    assert [bool(citations(line)) for line in caught] == [True] * len(caught)
    assert citations("a back-reference, a cross-referenced model, B2B sales") == []
