"""The regex pre-check: the literals it derives must be present in every text the pattern matches, or the
classifier would miss a signal."""

from __future__ import annotations

import json
import re
import subprocess
import sys
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


@pytest.mark.parametrize(
    ("source", "needs", "sample"),
    [
        (r"\.py\b", (".py",), "run x.py now"),  # an escaped punctuation mark is itself; \b is zero-width
        (r"\x41\u00e9\N{GREEK SMALL LETTER PI}", ("Aéπ",), "Aéπ"),
        (r"\t+x", ("\t",), "\t\tx"),
        ("a{2,}b", ("a",), "aaab"),  # a counted repeat of at least one keeps its item's literals
        ("(?:ab){0,3}c", ("c",), "c"),  # at least zero: nothing
        ("(?:ab){2}", ("ab",), "abab"),
        ("(?P<word>abc)d", ("abc",), "abcd"),
        ("ab(?#a comment)", ("ab",), "ab"),
        ("[]x]", ("]", "x"), "]"),  # ']' first in a class is a member
        ("[a-]", ("-", "a"), "-"),
        ("[x]yz", ("xyz",), "xyz"),  # a one-member class is that character
        ("a*?bc", ("bc",), "bc"),
        ("ab+?", ("a",), "ab"),
        (r"[\d.]x", ("x",), "7x"),
    ],
)
def test_required_literals_read_the_syntax_the_vocabulary_uses(
    source: str, needs: tuple[str, ...], sample: str
) -> None:
    assert required_literals(source) == needs
    assert re.search(source, sample) and any(literal in sample for literal in needs)


@pytest.mark.parametrize(
    "source",
    [
        r"(a)\1",  # back-reference
        "(?P<a>x)(?P=a)",
        "(?(1)a|b)",  # conditional
        "(?x: a b )",  # verbose mode reads the pattern differently
        "(?m)^abc",  # global flags
        "a{x}",  # '{' that is not a counted repeat
        "(abc",  # malformed
        "abc)",
        "[abc",
        r"\q",
        "[z-a]",
    ],
)
def test_syntax_it_does_not_handle_means_no_pre_check(source: str) -> None:
    assert required_literals(source) is None
    assert prefilter(source) is None
    assert literal_alternatives(source) is None


def test_importing_the_routing_core_warns_of_nothing_deprecated() -> None:
    code = "import pyclawrouter.routing.literals, pyclawrouter.router; pyclawrouter.router.route({'messages': []})"
    result = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code],
                            capture_output=True, text=True, check=False)
    assert "DeprecationWarning" not in result.stderr, result.stderr
