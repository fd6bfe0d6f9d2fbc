"""Accuracy on our labelled tier sets (labelled by what each tier means: SIMPLE chit-chat and short facts, MEDIUM
everyday single tasks, COMPLEX large multi-part deliverables, REASONING step-by-step deduction), bare and in
OpenClaw's shape.

tier_labels.jsonl (196 prompts) was written first and then used while developing the classifier;
tier_labels_holdout.jsonl (66 prompts) was written later and first scored 89 % before any change it could
have motivated. tier_labels_wording_holdout.jsonl (12 prompts: word problems, logic puzzles, "explain precisely
why", "optimize the algorithm" in several languages, plus definitions and chit-chat) was written before the
word-problem vocabulary was added and never tuned on (4 of 12 before, 7 of 12 after the multilingual vocabulary
below). tier_labels_reasoning_wording.jsonl (250 prompts) and its held-out part
tier_labels_reasoning_wording_holdout.jsonl (80 prompts, every third prompt of each language and kind, never
tuned on) hold word problems, logic puzzles and "explain precisely why" arithmetic (REASONING) next to
definitions, conversions and chit-chat (SIMPLE) in every language of keywords.toml; before the vocabulary for
them they scored 45 % and 39 %. Thresholds sit a little under the measured accuracy so a regression fails the
suite.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest
from routing_helpers import bare, wrap_in_openclaw

from pyclawrouter.router import route
from pyclawrouter.routing.names import TIERS

DATA = Path(__file__).resolve().parent.parent / "data"


def load(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


MAIN = load("tier_labels.jsonl")
HOLDOUT = load("tier_labels_holdout.jsonl")
WORDING_HOLDOUT = load("tier_labels_wording_holdout.jsonl")
REASONING_WORDING = load("tier_labels_reasoning_wording.jsonl")
REASONING_WORDING_HOLDOUT = load("tier_labels_reasoning_wording_holdout.jsonl")
KEYWORD_LANGUAGES = {"en", "zh", "ja", "ko", "ru", "de", "es", "pt", "fr", "ar"}  # the scripts keywords.toml covers


def predict(rows: list[dict[str, Any]], shape: str) -> list[str]:
    if shape == "bare":
        return [route(bare(r["prompt"])).tier for r in rows]
    first = shape == "openclaw-first-turn"
    return [route(wrap_in_openclaw(r["prompt"], first_turn=first)).tier for r in rows]


def test_label_sets_cover_every_tier_and_several_languages() -> None:
    assert len(MAIN) >= 150
    for rows in (MAIN, HOLDOUT):
        per_tier = collections.Counter(r["tier"] for r in rows)
        assert set(per_tier) == set(TIERS) and min(per_tier.values()) >= 10
        assert len({r["lang"] for r in rows}) >= 8
    assert not {r["prompt"] for r in MAIN} & {r["prompt"] for r in HOLDOUT}


@pytest.mark.parametrize("shape", ["bare", "openclaw-first-turn", "openclaw-later-turn"])
@pytest.mark.parametrize(("name", "rows", "minimum"), [("main", MAIN, 0.93), ("holdout", HOLDOUT, 0.88)])
def test_accuracy(name: str, rows: list[dict[str, Any]], minimum: float, shape: str) -> None:
    got = predict(rows, shape)
    accuracy = sum(g == r["tier"] for g, r in zip(got, rows, strict=True)) / len(rows)
    assert accuracy >= minimum, f"{name}/{shape}: {accuracy:.3f}"


def test_every_tier_is_recognised_not_just_the_common_ones() -> None:
    got = predict(MAIN, "bare")
    for tier in TIERS:
        labelled = [g for g, r in zip(got, MAIN, strict=True) if r["tier"] == tier]
        recall = labelled.count(tier) / len(labelled)
        assert recall >= 0.85, f"{tier}: {recall:.2f}"


def test_hard_requests_are_almost_never_sent_to_the_simple_tier() -> None:
    rows = [r for r in MAIN + HOLDOUT if r["tier"] in ("COMPLEX", "REASONING")]
    under = [r["prompt"] for r, g in zip(rows, predict(rows, "bare"), strict=True) if g == "SIMPLE"]
    assert len(under) <= len(rows) * 0.02, under


def test_openclaw_wrapping_never_changes_the_tier() -> None:
    # The 47 KB system prompt, 11 tools, timestamp, Runtime trailer and internal-context block are not the
    # user's words: the verdict must be the same as for the bare prompt.
    rows = MAIN + HOLDOUT
    assert predict(rows, "openclaw-first-turn") == predict(rows, "bare")
    assert predict(rows, "openclaw-later-turn") == predict(rows, "bare")


WORD_PROBLEMS = [r for r in MAIN if r["tier"] == "REASONING" and any(
    marker in r["prompt"] for marker in ("1.10", "1,10", "zebra", "all but 9", "3:15", "impairs", "0.999", "нечётных"))]


def test_word_problems_puzzles_and_precise_whys_reach_reasoning_in_several_languages() -> None:
    assert len(WORD_PROBLEMS) >= 9 and len({r["lang"] for r in WORD_PROBLEMS}) >= 5
    for shape in ("bare", "openclaw-first-turn"):
        missed = [r["prompt"] for r, g in zip(WORD_PROBLEMS, predict(WORD_PROBLEMS, shape), strict=True)
                  if g != "REASONING"]
        assert not missed, (shape, missed)


def test_optimizing_an_algorithm_is_work_not_chit_chat_in_every_language_tested() -> None:
    rows = [r for r in MAIN if r["prompt"].lower().startswith(("optimi", "оптимиз"))]
    assert len(rows) >= 3
    assert "SIMPLE" not in predict(rows, "bare")


def test_the_wording_holdout_does_not_regress() -> None:
    got = predict(WORDING_HOLDOUT, "bare")
    accuracy = sum(g == r["tier"] for g, r in zip(got, WORDING_HOLDOUT, strict=True)) / len(WORDING_HOLDOUT)
    assert accuracy >= 0.5, accuracy
    # Definitions, conversions and greetings in it stay SIMPLE whatever the new vocabulary adds.
    assert all(g == "SIMPLE" for g, r in zip(got, WORDING_HOLDOUT, strict=True) if r["tier"] == "SIMPLE")


def _accuracy(rows: list[dict[str, Any]], got: list[str]) -> float:
    return sum(g == r["tier"] for g, r in zip(got, rows, strict=True)) / len(rows)


def test_the_reasoning_wording_sets_cover_every_keyword_language_bare_and_in_openclaw() -> None:
    for rows in (REASONING_WORDING, REASONING_WORDING_HOLDOUT):
        assert {r["lang"] for r in rows} == KEYWORD_LANGUAGES
        assert {r["kind"] for r in rows} == {"word_problem", "logic_puzzle", "precise_why", "definition",
                                             "conversion", "chit_chat"}
    assert len(REASONING_WORDING) + len(REASONING_WORDING_HOLDOUT) >= 300
    assert not {r["prompt"] for r in REASONING_WORDING} & {r["prompt"] for r in REASONING_WORDING_HOLDOUT}


@pytest.mark.parametrize("shape", ["bare", "openclaw-first-turn", "openclaw-later-turn"])
@pytest.mark.parametrize(("name", "rows", "minimum"), [("tuned", REASONING_WORDING, 0.88),
                                                       ("held out", REASONING_WORDING_HOLDOUT, 0.52)])
def test_word_problems_puzzles_and_precise_whys_in_any_wording(name: str, rows: list[dict[str, Any]],
                                                               minimum: float, shape: str) -> None:
    got = predict(rows, shape)
    assert _accuracy(rows, got) >= minimum, f"{name}/{shape}: {_accuracy(rows, got):.3f}"
    # Definitions, conversions and chit-chat never move up, whatever the reasoning vocabulary adds.
    raised = [r["prompt"] for r, g in zip(rows, got, strict=True) if r["tier"] == "SIMPLE" and g != "SIMPLE"]
    assert not raised, raised


def test_reasoning_wording_reaches_reasoning_in_every_keyword_language() -> None:
    got = predict(REASONING_WORDING, "bare")
    for lang in sorted(KEYWORD_LANGUAGES):
        hits = [g == "REASONING" for g, r in zip(got, REASONING_WORDING, strict=True)
                if r["lang"] == lang and r["tier"] == "REASONING"]
        assert sum(hits) / len(hits) >= 0.6, (lang, f"{sum(hits)}/{len(hits)}")


@pytest.mark.parametrize("prompt", [
    "Tell me a story about a goat and a wolf", "Write a poem about a wolf on a boat",
    "Schreibe eine Geschichte über einen Wolf und eine Ziege", "We sell coins and jugs, write a product description",
    "Convert 3 litres to gallons", "How long does it take to boil an egg?", "How old is the Eiffel tower?",
])
def test_puzzle_objects_and_relation_words_alone_do_not_make_reasoning(prompt: str) -> None:
    assert route(bare(prompt)).tier != "REASONING"
