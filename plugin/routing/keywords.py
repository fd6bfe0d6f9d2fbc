"""The classifier's vocabulary: loads ``keywords.toml``, validates it and compiles it into lookup tables.

Matching is by whole words and whole phrases (never a piece of another word), each distinct keyword counted
once. Everything that can be prepared is prepared here, at load time, so matching a prompt costs a handful of
C-level set and string operations plus a loop over the prompt's distinct words.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pyclawrouter.routing._data import Fields, read_toml
from pyclawrouter.routing.errors import CatalogError
from pyclawrouter.routing.literals import literal_alternatives, prefilter

AXES: tuple[str, ...] = ("complexity", "reasoning", "agentic")
# Dimensions the classifier computes itself (not keyword lists); 'unless' may name them too.
COMPUTED_DIMENSIONS = frozenset({"length", "code_block", "questions", "breadth", "quantities", "tool_loop"})

# Words. Apostrophes split ("don't" -> "don", "t") in keywords and text alike, so contractions match as
# two-word phrases whichever apostrophe the user typed.
WORD_RE = re.compile(r"\w+")
# ASCII-only text (most prompts) is split without the regex engine, three times faster on a long prompt:
# bytes.translate turns every character outside [A-Za-z0-9_] (ASCII \w) into a space, then split().
_ASCII_NON_WORD_TO_SPACE = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or c == ord("_")) else 32 for c in range(256)
)


def _ascii_words(text: str) -> list[str]:
    """``WORD_RE.findall(text)`` for an ASCII ``text``."""
    return text.encode("ascii").translate(_ASCII_NON_WORD_TO_SPACE).decode("ascii").split()


# Scripts written without spaces between words (or with particles glued to them): their keywords can only be
# found as substrings. Each entry: a name and its code-point ranges.
_SPACELESS_SCRIPTS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("cjk", ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))),
    ("hangul", ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))),
    ("arabic", ((0x0600, 0x06FF), (0x0750, 0x077F))),
    ("thai", ((0x0E00, 0x0E7F),)),
)


@functools.cache
def _script_detectors() -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Compiled on first non-ASCII prompt: large Unicode classes take ~10 ms to compile, a cost
    # `pyclawrouter route "hello"` should not pay.
    return tuple(
        (name, re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges) + "]"))
        for name, ranges in _SPACELESS_SCRIPTS
    )


_STEM_KEY = 3  # stems are indexed by their first three characters
_STEM_PREFIX = operator.itemgetter(slice(0, _STEM_KEY))
# Searching the text for one stem costs about a quarter of slicing and looking up one word's prefix (measured on
# the labelled prompts): past that many stems per distinct word, the prefix path is cheaper.
_STEM_SEARCHES_PER_WORD = 4


@dataclass(frozen=True, slots=True)
class Dimension:
    name: str
    axis: str
    points: tuple[float, ...]
    # Only scored when the user's text is at most this long (greetings only mean something in short messages).
    max_chars: int | None = None
    # Not scored when any of these dimensions matched ("what is" in a word problem is not a lookup).
    unless: frozenset[str] = frozenset()

    def score(self, matches: int) -> float:
        if matches <= 0:
            return 0.0
        return self.points[min(matches, len(self.points)) - 1]


@dataclass(frozen=True, slots=True)
class Scoring:
    head_chars: int
    tail_chars: int
    simple_max: float
    medium_max: float
    reasoning_threshold: float
    agentic_threshold: float
    force_complex_tokens: int
    confidence_steepness: float
    length_pivot_chars: int
    length_per_doubling: float
    length_min: float
    length_max: float
    code_fence: float
    question_each: float
    question_max: float
    item_each: float
    item_max: float
    number_each: float
    number_max: float
    tool_loop: float


@dataclass(frozen=True, slots=True)
class _Phrase:
    dim: int
    keyword: str
    rest: tuple[str, ...]  # words after the first
    padded: str  # " w1 w2 w3 " for the adjacency check


class Vocabulary:
    """Compiled keyword tables. ``match(text)`` returns, per dimension index, the distinct keywords found."""

    def __init__(
        self,
        dimensions: tuple[Dimension, ...],
        words: Mapping[str, tuple[int, str]],
        phrases: Mapping[str, tuple[_Phrase, ...]],
        stems: Mapping[str, tuple[tuple[str, int, str], ...]],
        substrings: Mapping[str, tuple[tuple[str, int], ...]],
        patterns: tuple[tuple[int, tuple[_PatternStages, _PatternStages]], ...],
        scoring: Scoring,
    ) -> None:
        self.dimensions = dimensions
        self.scoring = scoring
        self._words = words
        self._word_keys = frozenset(words)
        self._phrases = phrases
        self._phrase_keys = frozenset(phrases)
        self._stems = stems
        self._stem_keys = frozenset(stems)
        # An ASCII text can only hold ASCII stems: (" " + stem, dimension, keyword), see match().
        self._ascii_stems = tuple(
            (f" {stem}", dim, kw) for group in stems.values() for stem, dim, kw in group if stem.isascii()
        )
        # Substring keywords by first character: a text is only searched for keywords whose first character
        # it contains (one set intersection instead of a search per keyword).
        self._substrings: dict[str, dict[str, tuple[tuple[str, int], ...]]] = {}
        for script, entries in substrings.items():
            by_first: dict[str, list[tuple[str, int]]] = {}
            for keyword, dim in entries:
                by_first.setdefault(keyword[0], []).append((keyword, dim))
            self._substrings[script] = {char: tuple(group) for char, group in by_first.items()}
        self._patterns = patterns

    def match(self, text: str) -> dict[int, list[str]]:
        """Distinct keywords and patterns found in ``text`` (already lower-cased), by dimension index."""
        hits: dict[int, list[str]] = {}
        ascii_only = text.isascii()
        tokens = _ascii_words(text) if ascii_only else WORD_RE.findall(text)
        present = set(tokens)
        for word in present & self._word_keys:
            dim, keyword = self._words[word]
            hits.setdefault(dim, []).append(keyword)
        # Every word follows a space here: a phrase or stem is found with one substring search.
        joined = f" {' '.join(tokens)} "
        first_words = present & self._phrase_keys
        if first_words:
            for word in first_words:
                for phrase in self._phrases[word]:
                    if present.issuperset(phrase.rest) and phrase.padded in joined:
                        hits.setdefault(phrase.dim, []).append(phrase.keyword)
        contains = text.__contains__
        if ascii_only and len(present) * _STEM_SEARCHES_PER_WORD > len(self._ascii_stems):
            # Several words: one search per ASCII stem (an ASCII text holds no other). A stem is word characters
            # only, so " stem" occurs in `joined` exactly when a word starts with it.
            for marked, dim, keyword in self._ascii_stems:
                if marked in joined:
                    found = hits.setdefault(dim, [])
                    if keyword not in found:  # as in _match_stems: both paths find the same keywords
                        found.append(keyword)
        else:
            # A few words (or non-ASCII text): slice every word's first three letters in C; most texts share none
            # with any stem, and only the words that do are looked at in Python.
            words = list(present)
            prefixes = list(map(_STEM_PREFIX, words))
            if not self._stem_keys.isdisjoint(prefixes):
                self._match_stems(itertools.compress(words, map(self._stem_keys.__contains__, prefixes)), hits)
        if not ascii_only:
            first_chars = self._first_chars
            for script, detector in _script_detectors():
                by_first = self._substrings.get(script)
                if by_first and detector.search(text):
                    for char in set(first_chars[script].findall(text)):
                        for keyword, dim in by_first[char]:
                            if keyword in text:
                                hits.setdefault(dim, []).append(keyword)
        for dim, variants in self._patterns:
            gate, patterns = variants[ascii_only]
            if gate is not None:
                if gate.needs is not None and not any(map(contains, gate.needs)):
                    continue
                if not gate.exact and not gate.regex.search(text):
                    continue
            found = []
            for pattern in patterns:
                if pattern.needs is None or any(map(contains, pattern.needs)):
                    m = pattern.regex.search(text)
                    if m:
                        # The matched text, not the regex, so the explanation shows what was seen.
                        found.append(m.group(0).strip()[:24])
            if found:
                hits[dim] = found
        return hits

    @functools.cached_property
    def _first_chars(self) -> dict[str, re.Pattern[str]]:
        """Per script, a class of its substring keywords' first characters: finding those in a text is much
        cheaper than set(text), which makes a string object of every character. Compiled on the first
        non-ASCII prompt (~2 ms), like the script detectors."""
        return {
            script: re.compile("[" + "".join(map(re.escape, sorted(by_first))) + "]")
            for script, by_first in self._substrings.items()
        }

    def _match_stems(self, candidates_words: Iterable[str], hits: dict[int, list[str]]) -> None:
        stems_get = self._stems.get
        for token in candidates_words:
            candidates = stems_get(token[:_STEM_KEY])
            if candidates:
                for stem, dim, keyword in candidates:
                    if token.startswith(stem):
                        found = hits.setdefault(dim, [])
                        if keyword not in found:
                            found.append(keyword)


def _script_of(keyword: str) -> str | None:
    for char in keyword:
        point = ord(char)
        if point >= 0x0600:
            for name, ranges in _SPACELESS_SCRIPTS:
                if any(lo <= point <= hi for lo, hi in ranges):
                    return name
    return None


def load_vocabulary(path: Path | str | None = None) -> Vocabulary:
    """Load, validate and compile a keyword file (the packaged ``keywords.toml`` when ``path`` is None)."""
    label, raw = read_toml(Path(path) if path is not None else None, "keywords.toml")
    top = Fields(label, raw)
    top.check_keys({"scoring", "length", "structure", "dimensions", "patterns"})
    scoring = _load_scoring(label, top)

    dimensions: list[Dimension] = []
    words: dict[str, tuple[int, str]] = {}
    phrases: dict[str, list[_Phrase]] = {}
    stems: dict[str, list[tuple[str, int, str]]] = {}
    substrings: dict[str, list[tuple[str, int]]] = {}
    patterns: list[tuple[int, tuple[_PatternStages, _PatternStages]]] = []
    owner: dict[str, str] = {}

    def add_dimension(name: str, f: Fields) -> int:
        axis = f.text("axis")
        if axis not in AXES:
            raise CatalogError(f"{f.where}: axis {axis!r} is not one of {list(AXES)}")
        points = f.table.get("points")
        if (
            not isinstance(points, list)
            or not points
            or not all(isinstance(p, int | float) and not isinstance(p, bool) for p in points)
        ):
            raise CatalogError(f"{f.where}: 'points' must be a non-empty list of numbers")
        max_chars = f.integer("max_chars") if "max_chars" in f.table else None
        unless = frozenset(f.texts("unless", default=[]))
        dimensions.append(Dimension(name, axis, tuple(float(p) for p in points), max_chars, unless))
        return len(dimensions) - 1

    for name, entry in Fields(f"{label} [dimensions]", top.table.get("dimensions")).table.items():
        f = Fields(f"{label} [dimensions.{name}]", entry)
        f.check_keys({"axis", "points", "keywords", "max_chars", "unless"})
        dim = add_dimension(name, f)
        keywords = f.texts("keywords")
        for keyword in keywords:
            where = f"{f.where}: keyword {keyword!r}"
            if keyword != keyword.lower() or keyword != keyword.strip():
                raise CatalogError(f"{where} must be lower-case with no surrounding spaces")
            if keyword in owner:
                raise CatalogError(f"{where} is already listed in [dimensions.{owner[keyword]}]; list it once")
            owner[keyword] = name
            script = _script_of(keyword)
            if script is not None:
                if len(keyword) < 2:
                    raise CatalogError(f"{where}: substring keywords need at least two characters")
                substrings.setdefault(script, []).append((keyword, dim))
            elif keyword.endswith("*"):
                stem = keyword[:-1]
                if len(stem) < _STEM_KEY or not WORD_RE.fullmatch(stem):
                    raise CatalogError(f"{where}: a stem must be one word of at least {_STEM_KEY} characters")
                stems.setdefault(stem[:_STEM_KEY], []).append((stem, dim, keyword))
            else:
                parts = WORD_RE.findall(keyword)
                if not parts:
                    raise CatalogError(f"{where} contains no word characters")
                if len(parts) == 1:
                    words[parts[0]] = (dim, keyword)
                else:
                    phrases.setdefault(parts[0], []).append(
                        _Phrase(dim, keyword, tuple(parts[1:]), f" {' '.join(parts)} ")
                    )
        _reject_nested(f.where, keywords)

    for name, entry in Fields(f"{label} [patterns]", top.table.get("patterns", {})).table.items():
        f = Fields(f"{label} [patterns.{name}]", entry)
        f.check_keys({"axis", "points", "patterns", "max_chars", "unless", "trigger"})
        dim = add_dimension(name, f)
        sources = f.texts("patterns")
        trigger = f.optional_text("trigger")
        for source in sources:
            if source.startswith("(?") and not source.startswith("(?:"):
                raise CatalogError(f"{f.where}: pattern {source!r} may not start with inline flags")
        # Index False: compiled for any text; True: for ASCII-only text (same matches there, twice as fast).
        stages = (_compile_stages(f.where, sources, trigger, 0), _compile_stages(f.where, sources, trigger, re.ASCII))
        patterns.append((dim, stages))

    names = {d.name for d in dimensions} | COMPUTED_DIMENSIONS
    for dimension in dimensions:
        for other in sorted(dimension.unless - names):
            raise CatalogError(f"{label} [*.{dimension.name}]: 'unless' names unknown dimension {other!r}")
    # Plain dicts, not MappingProxyType: they are private to Vocabulary and a proxy's .get() is twice as slow.
    return Vocabulary(
        tuple(dimensions),
        words,
        {k: tuple(v) for k, v in phrases.items()},
        {k: tuple(v) for k, v in stems.items()},
        {k: tuple(v) for k, v in substrings.items()},
        tuple(patterns),
        scoring,
    )


class _Regex(NamedTuple):
    regex: re.Pattern[str]
    # Literals of which a text must contain one for the regex to match (None: no such short list); testing
    # them with `in` is many times faster than letting the regex engine step through the text.
    needs: tuple[str, ...] | None
    exact: bool = False  # the regex matches exactly when the text contains one of `needs`


# (trigger, each pattern)
_PatternStages = tuple[_Regex | None, tuple[_Regex, ...]]


def _compile_stages(where: str, sources: list[str], trigger: str | None, flags: int) -> _PatternStages:
    """The trigger class, searched first, and the patterns, each searched only when it is found. Separate
    patterns rather than one alternation: the engine skips ahead to a pattern's first character, but not to
    the first characters of an alternation's branches (measured: one alternation is slower than the lot)."""
    # The ASCII variant only ever sees ASCII text: its literal checks leave non-ASCII characters out.
    ascii_text = bool(flags & re.ASCII)
    try:
        each = tuple(_Regex(re.compile(s, flags), prefilter(s, ascii_text=ascii_text)) for s in sources)
        gate = _trigger(re.compile(trigger, flags), trigger, ascii_text) if trigger else None
    except re.error as exc:
        raise CatalogError(f"{where}: a pattern or trigger does not compile: {exc}") from exc
    return gate, each


def _trigger(regex: re.Pattern[str], source: str, ascii_text: bool) -> _Regex:
    alternatives = literal_alternatives(source, ascii_text=ascii_text)
    if alternatives is not None:
        return _Regex(regex, alternatives, exact=True)
    return _Regex(regex, prefilter(source, ascii_text=ascii_text))


def _reject_nested(where: str, keywords: list[str]) -> None:
    """Within one dimension a keyword inside another ("how many" in "how many ways") would count one
    occurrence twice."""
    as_words = {k: f" {' '.join(WORD_RE.findall(k))} " for k in keywords if _script_of(k) is None}
    for short in keywords:
        for long in keywords:
            if short == long:
                continue
            if short in as_words and long in as_words:
                nested = as_words[short] in as_words[long]
            else:
                nested = short in long and _script_of(short) is not None
            if nested:
                raise CatalogError(f"{where}: {short!r} is contained in {long!r}; keep only one of them")


def _load_scoring(label: str, top: Fields) -> Scoring:
    s = Fields(f"{label} [scoring]", top.table.get("scoring"))
    s.check_keys(
        {
            "head_chars",
            "tail_chars",
            "simple_max",
            "medium_max",
            "reasoning_threshold",
            "agentic_threshold",
            "force_complex_tokens",
            "confidence_steepness",
        }
    )
    length = Fields(f"{label} [length]", top.table.get("length"))
    length.check_keys({"pivot_chars", "per_doubling", "min", "max"})
    st = Fields(f"{label} [structure]", top.table.get("structure"))
    keys = ("code_fence", "question_each", "question_max", "item_each", "item_max", "number_each", "number_max")
    st.check_keys({*keys, "tool_loop"})
    simple_max = s.number("simple_max", minimum=-10.0)
    medium_max = s.number("medium_max", minimum=-10.0)
    if not simple_max < medium_max:
        raise CatalogError(f"{s.where}: simple_max must be below medium_max so tiers rise with the score")
    return Scoring(
        head_chars=s.integer("head_chars"),
        tail_chars=s.integer("tail_chars"),
        simple_max=simple_max,
        medium_max=medium_max,
        reasoning_threshold=s.number("reasoning_threshold"),
        agentic_threshold=s.number("agentic_threshold"),
        force_complex_tokens=s.integer("force_complex_tokens"),
        confidence_steepness=s.number("confidence_steepness"),
        length_pivot_chars=length.integer("pivot_chars"),
        length_per_doubling=length.number("per_doubling"),
        length_min=length.number("min", minimum=-10.0),
        length_max=length.number("max"),
        code_fence=st.number("code_fence"),
        question_each=st.number("question_each"),
        question_max=st.number("question_max"),
        item_each=st.number("item_each"),
        item_max=st.number("item_max"),
        number_each=st.number("number_each"),
        number_max=st.number("number_max"),
        tool_loop=st.number("tool_loop"),
    )


@functools.cache
def default_vocabulary() -> Vocabulary:
    """The packaged vocabulary, compiled on first use."""
    return load_vocabulary()
