"""Score the user's words on three axes: complexity, reasoning and agentic intent.

Pure function of the text (and of whether the agent is mid tool loop); no I/O. Each dimension contributes
points from the vocabulary file; structural features (length, questions, list items, code fences, numbers)
are computed here. The result keeps every non-zero contribution so the decision can explain itself.
"""

from __future__ import annotations

import functools
import math
import re
from typing import NamedTuple

from pyclawrouter.routing.keywords import Vocabulary, default_vocabulary

# List items and clauses: separators are counted with str.count (C speed); bullets and numbered items at
# line starts with a regex that begins with a literal newline, so the engine only stops at line breaks.
_SEPARATORS = (",", ";", "，", "；", "、")
_BULLET_RE = re.compile(r"\n[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_RE_ASCII = re.compile(r"\d+(?:[.,]\d+)*", re.ASCII)  # same matches on ASCII text, twice as fast
# Most prompts hold no digit at all: deleting every other byte (in C) finds that out faster than a regex scan.
_ASCII_NON_DIGITS = bytes(c for c in range(256) if not 0x30 <= c <= 0x39)
# One Chinese character or Japanese kana carries about as much as three Latin letters, a Hangul syllable two:
# without this a long Chinese request would score as a short English one.
# Compiled on first use: large Unicode classes are slow to compile and most prompts are ASCII.
_dense_script_re = functools.cache(lambda: re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+"))
_hangul_re = functools.cache(lambda: re.compile("[\uac00-\ud7af]+"))
# Counting bullets stops here: beyond this many the points are capped anyway.
_COUNT_CAP = 64


class Contribution(NamedTuple):
    dimension: str
    axis: str
    points: float
    matched: tuple[str, ...] = ()

    def describe(self) -> str:
        head = f"{self.dimension} {self.points:+.2f}"
        matched = self.matched
        if not matched:
            return head
        shown = ", ".join(matched[:3]) + (", ..." if len(matched) > 3 else "")
        return f"{head} ({shown})" if shown else head


class Scores(NamedTuple):
    complexity: float
    reasoning: float
    agentic: float
    contributions: tuple[Contribution, ...]


def classify(text: str, *, tool_loop: bool = False, vocabulary: Vocabulary | None = None) -> Scores:
    vocab = vocabulary or default_vocabulary()
    s = vocab.scoring
    length = len(text)
    too_long = length > s.head_chars + s.tail_chars
    window = f"{text[: s.head_chars]}\n{text[-s.tail_chars :]}" if too_long else text
    lowered = window.lower()

    parts: list[Contribution] = []  # non-zero contributions only; summed per axis at the end
    effective = length
    ascii_only = window.isascii()
    if not ascii_only:
        # Characters counted as the total length of the runs the class matches: a few matches per text rather
        # than one per character.
        dense = sum(map(len, _dense_script_re().findall(window)))
        if dense:
            effective += 2 * dense - sum(map(len, _hangul_re().findall(window)))
            if window is not text:  # scale what the window saw up to the whole text
                effective = round(effective * length / len(window))
    length_points = s.length_per_doubling * math.log2(max(effective, 1) / s.length_pivot_chars)
    length_points = min(max(length_points, s.length_min), s.length_max)
    if length_points:
        shown = f"{length} chars" if effective == length else f"{length} chars ~ {effective} latin"
        parts.append(Contribution("length", "complexity", length_points, (shown,)))

    dimensions = vocab.dimensions
    hits = vocab.match(lowered)
    if not ascii_only:
        numbers = len(_NUMBER_RE.findall(window))
    elif window.encode("ascii").translate(None, _ASCII_NON_DIGITS):
        numbers = len(_NUMBER_RE_ASCII.findall(window))
    else:
        numbers = 0
    fired: set[str] | None = None  # the dimensions that matched, built only if one has an "unless" rule
    # Sorted, so the explanation reads the same in every process (set order depends on string hashing).
    for index in sorted(hits):
        dimension, matched = dimensions[index], hits[index]
        if dimension.max_chars is not None and length > dimension.max_chars:
            continue
        if dimension.unless:
            if fired is None:
                fired = {dimensions[i].name for i in hits}
                if numbers > 2:
                    fired.add("quantities")
            if not dimension.unless.isdisjoint(fired):
                continue
        # Dimension.score, inlined (this loop runs for every matched dimension of every request): a dimension
        # in `hits` matched at least once.
        steps = dimension.points
        points = steps[min(len(matched), len(steps)) - 1]
        if points:
            parts.append(Contribution(dimension.name, dimension.axis, points, tuple(sorted(matched))))
    if "```" in window and s.code_fence:
        parts.append(Contribution("code_block", "complexity", s.code_fence))
    # Full-width "？" and the CJK separators cannot occur in ASCII text: four fewer scans of it.
    questions = window.count("?") if ascii_only else window.count("?") + window.count("？")
    if questions > 2:
        points = min((questions - 2) * s.question_each, s.question_max)
        if points:
            parts.append(Contribution("questions", "complexity", points, (f"{questions}",)))
    items = window.count(",") + window.count(";") if ascii_only else sum(map(window.count, _SEPARATORS))
    if "\n" in window or window[:1] in "-*•0123456789":
        items += _count(_BULLET_RE, f"\n{window}")
    if items > 2:
        points = min((items - 2) * s.item_each, s.item_max)
        if points:
            parts.append(Contribution("breadth", "complexity", points, (f"{items} list separators",)))
    if numbers > 2:
        points = min((numbers - 2) * s.number_each, s.number_max)
        if points:
            parts.append(Contribution("quantities", "reasoning", points, (f"{numbers} numbers",)))
    if tool_loop and s.tool_loop:
        parts.append(Contribution("tool_loop", "agentic", s.tool_loop))
    # Summed in the order the contributions were found, as floats always have been here.
    complexity = reasoning = agentic = 0.0
    for part in parts:
        axis = part.axis
        if axis == "complexity":
            complexity += part.points
        elif axis == "reasoning":
            reasoning += part.points
        else:
            agentic += part.points
    return Scores(complexity, reasoning, agentic, tuple(parts))


def _count(pattern: re.Pattern[str], text: str, cap: int = _COUNT_CAP) -> int:
    count = 0
    for _ in pattern.finditer(text):
        count += 1
        if count >= cap:
            break
    return count
