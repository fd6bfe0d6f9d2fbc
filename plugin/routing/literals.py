"""Cheap pre-checks for the vocabulary's regular expressions: literal strings a text must contain to match.

Every pattern is searched over the whole prompt, and the regex engine steps through it one character at a time
(``\\d``-led patterns cannot skip ahead). Most prompts lack the pattern's literal core ("page", "tb", "uptime"),
which ``str.__contains__`` rules out at memchr speed. The literals are derived from the parsed pattern, not
written by hand, so the pre-check can only ever skip a search that would have found nothing.
"""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():  # sre_parse is the typed name of re._parser; importing it warns on 3.11+
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants as C
    import sre_parse

# A required set with more members than this costs more to test than the search it would save.
_MAX_ALTERNATIVES = 16
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)

Needs = frozenset[str]


def required_literals(source: str, *, ascii_text: bool = False) -> tuple[str, ...] | None:
    """Strings of which every text ``source`` matches in contains at least one; None when there is no small
    such set. Sorted longest first, so the most selective is tried first.

    ``ascii_text``: for ASCII-only texts, where non-ASCII literals can never occur: they are left out, and
    ``()`` means the pattern cannot match such a text at all."""
    parsed = sre_parse.parse(source)
    if parsed.state.flags & (C.SRE_FLAG_IGNORECASE | C.SRE_FLAG_LOCALE):
        return None  # a literal would also match its other cases
    needs = _sequence(parsed.data, ascii_text)
    return None if needs is None else tuple(sorted(needs, key=lambda s: (-len(s), s)))


def prefilter(source: str, *, ascii_text: bool = False) -> tuple[str, ...] | None:
    """The literals worth testing before searching for ``source``: none when the pattern starts with a literal
    character, since the regex engine then jumps between occurrences of it as fast as ``in`` would."""
    first = sre_parse.parse(source).data[:1]
    return None if first and first[0][0] is C.LITERAL else required_literals(source, ascii_text=ascii_text)


def literal_alternatives(source: str, *, ascii_text: bool = False) -> tuple[str, ...] | None:
    """The strings ``source`` matches when it is nothing more than a choice between them (a class of literal
    characters such as a trigger, a literal, or alternatives of literals): it matches a text exactly when the
    text contains one of them. None for any other pattern."""
    items: list[tuple[Any, Any]] = sre_parse.parse(source).data
    if len(items) == 1 and items[0][0] is C.IN:
        # Exact here: each member of the class is a match on its own.
        return required_literals(source, ascii_text=ascii_text)
    branches: list[Any] = items[0][1][1] if len(items) == 1 and items[0][0] is C.BRANCH else [items]
    if all(op is C.LITERAL for branch in branches for op, _av in branch):
        return required_literals(source, ascii_text=ascii_text)
    return None


def _sequence(items: list[tuple[Any, Any]], ascii_text: bool) -> Needs | None:
    """All items of a sequence must match, so any one item's requirement is the sequence's: keep the best."""
    candidates: list[Needs] = []
    run = ""
    for op, av in items:
        if op is C.LITERAL:
            run += chr(av)  # adjacent literals: one longer, more selective string
            continue
        if run:
            candidates.append(frozenset({run}))
            run = ""
        needs = _item(op, av, ascii_text)
        if needs is not None:
            candidates.append(needs)
    if run:
        candidates.append(frozenset({run}))
    if ascii_text:
        candidates = [frozenset(n for n in needs if n.isascii()) for needs in candidates]
        if frozenset() in candidates:
            return frozenset()  # an item that cannot match an ASCII text: neither can the sequence
    # Most selective: the longest shortest member, then the fewest members.
    return max(candidates, key=lambda n: (min(map(len, n)), -len(n)), default=None)


def _item(op: Any, av: Any, ascii_text: bool) -> Needs | None:
    if op is C.IN:
        chars = set()
        for kind, value in av:
            if kind is C.LITERAL:
                chars.add(chr(value))
            elif kind is C.RANGE and (value[1] - value[0] < _MAX_ALTERNATIVES or (ascii_text and value[0] > 127)):
                chars.update(chr(c) for c in range(value[0], value[1] + 1) if not ascii_text or c < 128)
            else:  # NEGATE, CATEGORY (\d, \w), wide ranges
                return None
        if ascii_text:
            chars = {c for c in chars if c.isascii()}
            if not chars:
                return frozenset()  # only non-ASCII characters: never in an ASCII text
        return frozenset(chars) if 0 < len(chars) <= _MAX_ALTERNATIVES else None
    if op is C.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            needs = _sequence(branch.data, ascii_text)
            if needs is None:
                return None
            union |= needs
        return frozenset(union) if len(union) <= _MAX_ALTERNATIVES else None
    if op is C.SUBPATTERN:
        _group, add_flags, del_flags, pattern = av
        # A scoped flag (ignore case) changes what a literal matches.
        return None if add_flags or del_flags else _sequence(pattern.data, ascii_text)
    if op in _REPEATS:
        low, _high, pattern = av
        return _sequence(pattern.data, ascii_text) if low >= 1 else None
    if op is C.ATOMIC_GROUP:
        return _sequence(av.data, ascii_text)
    if op is C.ASSERT:
        # A positive look-ahead or look-behind: what it asserts is in the text, if not in the match.
        return _sequence(av[1].data, ascii_text)
    return None  # ANY, AT, CATEGORY, NOT_LITERAL, ASSERT_NOT, GROUPREF...: no literal guaranteed
