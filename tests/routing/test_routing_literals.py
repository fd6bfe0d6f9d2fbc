"""The regex pre-check: the literals it derives must be present in every text the pattern matches, or the
classifier would miss a signal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pyclawrouter.routing.keywords import default_vocabulary
from pyclawrouter.routing.literals import literal_alternatives, prefilter, required_literals

LABELS = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize(
    ("source", "needs"),
    [
        ("abc", ("abc",)),
        (r"\d+\s*px", ("px",)),  # adjacent literals form one string; \d and \s guarantee nothing
        ("[<≤]x?", ("<", "≤")),
        ("(?:ab|cd)e?", ("ab", "cd")),  # an optional item requires nothing, a branch the union of its arms
        ("x(?=yz)", ("yz",)),  # a positive look-ahead's text is in the prompt
        ("x(?!yz)", ("x",)),  # a negative one's is not
        ("(?>abc)d", ("abc",)),
        ("(?:ab)++c", ("ab",)),
        ("(?i:ab)", None),  # case-insensitive: "AB" matches too
        ("(?i)ab", None),
        ("[^a]", None),
        (r"foo|\d", None),  # one arm guarantees nothing
        (r"\w+", None),
        ("[a-z]", None),  # more letters than are worth testing one by one
    ],
)
def test_required_literals(source: str, needs: tuple[str, ...] | None) -> None:
    assert required_literals(source) == needs


@pytest.mark.parametrize(
    ("source", "alternatives"),
    [
        ("[./]", (".", "/")),
        ("ab|cd", ("ab", "cd")),
        ("abc", ("abc",)),
        (r"[\d<]", None),
        ("ab?", None),
        ("a|b\\d", None),
    ],
)
def test_literal_alternatives_are_pure_choices_of_literals(source: str, alternatives: tuple[str, ...] | None) -> None:
    assert literal_alternatives(source) == alternatives


def test_ascii_text_leaves_out_what_it_cannot_contain() -> None:
    assert required_literals("[<≤]", ascii_text=True) == ("<",)
    assert required_literals("[√∑]", ascii_text=True) == ()  # cannot match an ASCII text at all
    assert required_literals("x(?:≤|<=)", ascii_text=True) == ("<=",)
    assert literal_alternatives("[(π+]", ascii_text=True) == ("(", "+")


def test_no_prefilter_when_the_engine_can_jump_to_a_literal_prefix() -> None:
    assert prefilter("/(?:home|usr)/") is None
    assert prefilter(r"\d+\s*(?:tb|gb)") == ("gb", "tb")


def test_every_vocabulary_pattern_match_contains_its_literals() -> None:
    texts = [
        json.loads(line)["prompt"].lower()
        for name in ("tier_labels.jsonl", "tier_labels_holdout.jsonl")
        for line in (LABELS / name).read_text(encoding="utf-8").splitlines()
    ]
    texts += ["o(n log n) with f(n) = 3 and 10 tb at 99.9% uptime, 5k users, < 200 ms, sub-50ms, ./run.sh ~/x"]
    checked = 0
    for source in _vocabulary_sources():
        pattern = re.compile(source)
        needs = required_literals(source)
        ascii_needs = required_literals(source, ascii_text=True)
        for text in texts:
            if pattern.search(text):
                checked += 1
                assert needs is None or any(literal in text for literal in needs), (source, needs, text)
                if text.isascii():
                    assert ascii_needs is None or any(literal in text for literal in ascii_needs), (source, text)
    assert checked > 20


def _vocabulary_sources() -> list[str]:
    sources = []
    for _dim, variants in default_vocabulary()._patterns:
        gate, patterns = variants[False]
        sources += [p.regex.pattern for p in patterns]
        if gate is not None:
            sources.append(gate.regex.pattern)
    return sources
