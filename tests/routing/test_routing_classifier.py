"""Classifier dimensions, keyword matching rules and the score -> tier mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyclawrouter.routing.classifier import Scores, classify
from pyclawrouter.routing.errors import CatalogError
from pyclawrouter.routing.keywords import default_vocabulary, load_vocabulary
from pyclawrouter.routing.scoring import decide_tier, tier_for

VOCAB = default_vocabulary()
SCORING = VOCAB.scoring
KEYWORDS_FILE = Path(__file__).resolve().parents[2] / "plugin" / "data" / "keywords.toml"


def matched(text: str) -> dict[str, tuple[str, ...]]:
    return {c.dimension: c.matched for c in classify(text).contributions}


@pytest.mark.parametrize(
    ("text", "dimension", "keyword"),
    [
        ("hello", "greeting", "hello"),
        ("What is a monad", "lookup", "what is"),
        ("Explain how DNS works", "task", "explain"),
        ("a python script", "code", "python"),
        ("shard the postgres database", "technical", "database"),
        ("a complete roadmap", "scope", "roadmap"),
        ("respond in at most three lines", "constraints", "at most"),
        ("a haiku about rain", "creative", "haiku"),
        ("give me a markdown table", "format", "markdown"),
        ("see the attached report", "references", "attached"),
        ("avoid recursion and never allocate", "negation", "never"),
        ("a quantum error correction scheme", "domain", "quantum"),
        ("first do this, then that", "multistep", "first"),
        ("prove it", "proof", "prove"),
        ("what is the probability of two heads", "math", "probability"),
        ("a riddle for you", "puzzle", "riddle"),
        ("a bat and a ball cost $1.10 in total", "word_problem", "in total"),
        ("why is it always even?", "why_claim", "always"),
        ("two jugs and a goat", "puzzle_object", "goat"),
        ("edit the file and commit", "agentic", "commit"),
        ("fix src/app/main.py please", "agentic_paths", ".py"),
        ("solve x^2 = 4", "math_notation", "^"),
        ("serve 50k rps", "scale", "50k rps"),
        ("think carefully about it", "rigor", "think carefully"),
        ("fix the typo please", "trivial_edit", "typo"),
        ("what does this do?\n```\nx = 1\n```", "code_block", ""),
        ("why? how? when? where?", "questions", "4"),
        ("support auth, billing, search, exports and audit logs", "breadth", "3 list separators"),
        ("she had 3 apples, 5 pears and 12 plums", "quantities", "3 numbers"),
    ],
)
def test_each_dimension_fires_on_its_signal(text: str, dimension: str, keyword: str) -> None:
    found = matched(text)
    assert dimension in found
    assert not keyword or keyword in found[dimension]


def test_every_vocabulary_dimension_has_a_signal_test() -> None:
    tested = {
        "greeting", "lookup", "task", "code", "technical", "scope", "constraints", "creative", "format",
        "references", "negation", "domain", "multistep", "proof", "rigor", "math", "puzzle", "word_problem",
        "why_claim", "puzzle_object", "agentic", "agentic_paths", "math_notation", "scale", "trivial_edit",
    }  # fmt: skip
    assert {d.name for d in VOCAB.dimensions} == tested


@pytest.mark.parametrize(
    ("text", "dimension"),
    [
        ("delete the letter", "code"),  # no "let" inside other words
        ("a classic novel", "code"),  # "class" is not in "classic"
        ("add a prefix", "agentic"),  # "fix" is not in "prefix"
        ("I understand", "constraints"),  # "under" is not in "understand"
        ("my credit card", "agentic"),  # "edit" is not in "credit"
        ("the approval process", "proof"),  # "prove" is not in "approval"
        ("hipster coffee", "greeting"),  # "hi" is not in "hipster"
    ],
)
def test_keywords_match_whole_words_not_substrings(text: str, dimension: str) -> None:
    assert dimension not in matched(text)


def test_phrases_match_across_punctuation_and_hyphens() -> None:
    assert "step by step" in matched("Do it step-by-step.")["rigor"]
    assert "multi-tenant" in matched("a multi tenant app")["scope"]


def test_repeated_keyword_counts_once() -> None:
    once = classify("prove the theorem").reasoning
    assert classify("prove the theorem, the theorem, the THEOREM").reasoning == once


@pytest.mark.parametrize(
    ("text", "dimension"),
    [
        ("证明根号2是无理数", "proof"),
        ("ルート2が無理数であることを証明して", "proof"),
        ("2의 제곱근이 무리수임을 증명하라", "proof"),
        ("Докажите, что корень из двух иррационален", "proof"),
        ("Beweise, dass die Wurzel aus 2 irrational ist", "proof"),
        ("Demuestra que la raíz de 2 es irracional", "proof"),
        ("Démontre que racine de 2 est irrationnel", "proof"),
        ("أثبت أن الجذر التربيعي لاثنين عدد غير نسبي", "proof"),
        ("Привет!", "greeting"),
        ("你好", "greeting"),
        ("Escreva uma função em Python", "task"),
        ("Spiele: Hauptstadt von Australien?", "lookup"),
    ],
)
def test_multilingual_signals(text: str, dimension: str) -> None:
    assert dimension in matched(text)


def test_stems_match_inflected_words() -> None:
    assert "доказ*" in matched("доказательство")["proof"]
    assert "докаж*" in matched("докажи это")["proof"]
    assert "beweis*" in matched("beweisen Sie")["proof"]


def test_a_pattern_trigger_without_a_match_is_not_a_signal() -> None:
    # "-" triggers the maths-notation patterns; none matches, so "what is" still reads as a lookup
    assert "lookup" in matched("what is a t-shirt?")
    assert "math_notation" not in matched("what is a t-shirt?")


def test_greetings_only_count_in_short_messages() -> None:
    long_text = "hello " + "please review the attached design and list every risk you see in it " * 3
    assert "greeting" not in matched(long_text)


def test_length_grows_with_text_and_is_capped() -> None:
    def length_points(n: int) -> float:
        return next(c.points for c in classify("a " * (n // 2)).contributions if c.dimension == "length")

    values = [length_points(n) for n in (20, 100, 400, 1600, 6400, 100_000)]
    assert values == sorted(values)
    assert values[0] == SCORING.length_min and values[-1] == SCORING.length_max


def test_tool_loop_is_agentic_intent() -> None:
    assert classify("ok", tool_loop=True).agentic >= SCORING.agentic_threshold
    assert classify("ok").agentic == 0


def _scores(c: float, r: float = 0.0) -> Scores:
    return Scores(complexity=c, reasoning=r, agentic=0.0, contributions=())


def test_tier_mapping_is_monotonic_in_both_scores() -> None:
    order = ["SIMPLE", "MEDIUM", "COMPLEX", "REASONING"]
    grid = [x / 100 for x in range(-200, 301, 5)]
    for r in grid:
        tiers = [order.index(tier_for(_scores(c, r), SCORING)[0]) for c in grid]
        assert tiers == sorted(tiers), f"complexity sweep at reasoning={r}"
    for c in grid:
        tiers = [order.index(tier_for(_scores(c, r), SCORING)[0]) for r in grid]
        assert tiers == sorted(tiers), f"reasoning sweep at complexity={c}"
    # every tier is reachable
    assert {tier_for(_scores(c, r), SCORING)[0] for c in grid for r in grid} == set(order)


def test_boundaries() -> None:
    below, above = SCORING.simple_max - 0.01, SCORING.simple_max
    assert tier_for(_scores(below), SCORING)[0] == "SIMPLE"
    assert tier_for(_scores(above), SCORING)[0] == "MEDIUM"
    assert tier_for(_scores(SCORING.medium_max - 0.01), SCORING)[0] == "MEDIUM"
    assert tier_for(_scores(SCORING.medium_max), SCORING)[0] == "COMPLEX"
    assert tier_for(_scores(-5, SCORING.reasoning_threshold), SCORING)[0] == "REASONING"
    assert tier_for(_scores(5, SCORING.reasoning_threshold - 0.01), SCORING)[0] == "COMPLEX"


def test_confidence_grows_with_distance_from_a_boundary() -> None:
    near = decide_tier(_scores(SCORING.simple_max + 0.05), SCORING).confidence
    mid = decide_tier(_scores((SCORING.simple_max + SCORING.medium_max) / 2), SCORING).confidence
    assert 0.5 <= near < mid < 1.0


def test_overrides_only_raise_the_tier() -> None:
    huge = decide_tier(_scores(-1), SCORING, input_tokens=SCORING.force_complex_tokens + 1)
    assert huge.tier == "COMPLEX" and huge.notes
    assert decide_tier(_scores(-1), SCORING, structured_output=True).tier == "MEDIUM"
    reasoning = _scores(-1, SCORING.reasoning_threshold + 1)
    assert decide_tier(reasoning, SCORING, input_tokens=10**9, structured_output=True).tier == "REASONING"


def test_vocabulary_rejects_duplicates_and_nested_keywords(tmp_path: Path) -> None:
    text = KEYWORDS_FILE.read_text(encoding="utf-8")
    dup = tmp_path / "dup.toml"
    dup.write_text(text.replace('"haiku", ', '"haiku", "prove", ', 1), encoding="utf-8")
    with pytest.raises(CatalogError, match="'prove' is already listed"):
        load_vocabulary(dup)
    nested = tmp_path / "nested.toml"
    nested.write_text(text.replace('"prove", ', '"prove", "prove it", ', 1), encoding="utf-8")
    with pytest.raises(CatalogError, match="'prove' is contained in 'prove it'"):
        load_vocabulary(nested)
    inverted = tmp_path / "inverted.toml"
    inverted.write_text(text.replace("simple_max = 0.0", "simple_max = 5.0", 1), encoding="utf-8")
    with pytest.raises(CatalogError, match="simple_max must be below medium_max"):
        load_vocabulary(inverted)


def test_scores_are_immutable() -> None:
    with pytest.raises(AttributeError):
        classify("hi").complexity = 3  # type: ignore[misc]


def test_explanation_is_the_same_in_every_process() -> None:
    import os
    import subprocess
    import sys

    code = (
        "from pyclawrouter.router import route; print(route({'messages': [{'role': 'user', 'content': %r}]}).reasoning)"
    )
    prompt = "Design a distributed, multi-tenant billing platform on kubernetes with postgres, redis and kafka"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code % prompt],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_a_stem_matches_the_same_in_a_short_and_a_long_text() -> None:
    """Texts with a few distinct words and texts with many take different matching paths; a stem ("распредел*")
    is found by both, once, whatever follows it."""
    import tomllib

    data = tomllib.loads(KEYWORDS_FILE.read_text(encoding="utf-8"))
    stems = sorted({k for d in data["dimensions"].values() for k in d.get("keywords", []) if k.endswith("*")})
    assert stems
    filler = " ".join(f"filler{n}" for n in range(40))
    for stem in stems:
        word = stem[:-1] + "ungen"
        for text in (word, f"{word} {word}", f"{filler} {word} {word} {filler}"):
            found = [kw for kws in VOCAB.match(text.lower()).values() for kw in kws if kw == stem]
            assert found == [stem], (stem, text[:60])
