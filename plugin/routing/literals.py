"""Cheap pre-checks for the vocabulary's regular expressions: literal strings a text must contain to match.

Every pattern is searched over the whole prompt, and the regex engine steps through it one character at a time
(``\\d``-led patterns cannot skip ahead). Most prompts lack the pattern's literal core ("page", "tb", "uptime"),
which ``str.__contains__`` rules out at memchr speed. The literals are derived from the pattern itself, not
written by hand, so the pre-check can only ever skip a search that would have found nothing.

The patterns are ours (``plugin/data/keywords.toml``), so this module reads them with its own small parser
rather than the standard library's private one (``sre_parse``, deprecated since 3.11, or ``re._parser``). It
knows the syntax the vocabulary uses: literals and escapes, character classes, groups (plain, named, atomic,
look-around, scoped flags), alternation and every quantifier. Anything else (back-references, conditionals,
global inline flags, a malformed pattern) makes it answer None, "no pre-check", which is always safe: the
regex is then simply searched.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from dataclasses import dataclass

# A required set with more members than this costs more to test than the search it would save.
_MAX_ALTERNATIVES = 16

Needs = frozenset[str]


@dataclass(frozen=True, slots=True)
class _Lit:
    char: str


@dataclass(frozen=True, slots=True)
class _Class:
    ranges: tuple[tuple[int, int], ...]  # inclusive code-point ranges; a single character is (c, c)
    opaque: bool = False  # negated, or holds \d, \w, \s...: its members cannot be listed


@dataclass(frozen=True, slots=True)
class _Other:
    """Matches something this module does not reason about: ``.``, ``^``, ``$``, ``\\b``, ``\\d``..."""


@dataclass(frozen=True, slots=True)
class _Alt:
    branches: tuple[tuple[_Node, ...], ...]


@dataclass(frozen=True, slots=True)
class _Group:
    body: tuple[_Node, ...]
    # True for (?:...), (...), (?P<n>...), (?>...) and positive look-arounds, whose text is in the prompt;
    # False for negative look-arounds and scoped flags such as (?i:...), which change what a literal matches.
    transparent: bool


@dataclass(frozen=True, slots=True)
class _Repeat:
    item: _Node
    low: int


_Node = _Lit | _Class | _Other | _Alt | _Group | _Repeat
_Seq = tuple[_Node, ...]


class _Unsupported(Exception):
    """Syntax this parser does not handle (or a malformed pattern): no pre-check for it."""


_FLAG_LETTERS = frozenset("aiLmsux")
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_QUANTIFIER = re.compile(r"\{(\d*)(,?)(\d*)\}")


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0

    def parse(self) -> _Seq:
        body = self._alternation()
        if self.pos != len(self.source):
            raise _Unsupported("unbalanced ')'")
        return body

    def _peek(self, ahead: int = 0) -> str:
        index = self.pos + ahead
        return self.source[index] if index < len(self.source) else ""

    def _take(self) -> str:
        char = self._peek()
        if not char:
            raise _Unsupported("pattern ends early")
        self.pos += 1
        return char

    def _alternation(self) -> _Seq:
        branches = [self._sequence()]
        while self._peek() == "|":
            self.pos += 1
            branches.append(self._sequence())
        return branches[0] if len(branches) == 1 else (_Alt(tuple(branches)),)

    def _sequence(self) -> _Seq:
        items: list[_Node] = []
        while self._peek() not in ("", "|", ")"):
            atom = self._atom()
            if atom is not None:
                items.append(self._quantified(atom))
        return tuple(items)

    def _quantified(self, atom: _Node) -> _Node:
        char = self._peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            low = 1 if char == "+" else 0
        elif char == "{":
            found = _QUANTIFIER.match(self.source, self.pos)
            if found is None or not (found.group(1) or found.group(3)):
                raise _Unsupported("'{' that is not a counted repeat")
            self.pos = found.end()
            low = int(found.group(1) or 0)
        else:
            return atom
        if self._peek() in ("?", "+"):  # lazy or possessive: the same minimum
            self.pos += 1
        if self._peek() in ("*", "+", "?", "{"):
            raise _Unsupported("multiple repeat")
        return _Repeat(atom, low)

    def _atom(self) -> _Node | None:
        char = self._take()
        if char == "(":
            return self._group()
        if char == "[":
            return self._class()
        if char in (".", "^", "$"):
            return _Other()
        if char == "\\":
            return self._escape(in_class=False)
        if char in ("*", "+", "?", "{"):
            raise _Unsupported("nothing to repeat")
        return _Lit(char)

    def _group(self) -> _Node | None:
        transparent = True
        if self._peek() == "?":
            self.pos += 1
            kind = self._take()
            if kind == "<" and self._peek() in ("=", "!"):
                kind += self._take()
            if kind in (":", ">", "=", "<="):
                pass
            elif kind in ("!", "<!"):
                transparent = False
            elif kind == "P" and self._peek() == "<":
                end = self.source.find(">", self.pos)
                if end < 0 or not self.source[self.pos + 1 : end].isidentifier():
                    raise _Unsupported("bad group name")
                self.pos = end + 1
            elif kind == "#":
                end = self.source.find(")", self.pos)
                if end < 0:
                    raise _Unsupported("unterminated comment")
                self.pos = end + 1
                return None
            elif kind in _FLAG_LETTERS or kind == "-":
                letters = kind
                while self._peek() in _FLAG_LETTERS or self._peek() == "-":
                    letters += self._take()
                if self._take() != ":" or "x" in letters:
                    # Global flags change the whole pattern; verbose mode changes how it is read.
                    raise _Unsupported("inline flags")
                transparent = False
            else:  # (?P=name), (?(1)yes|no), ...
                raise _Unsupported(f"group (?{kind}")
        body = self._alternation()
        if self._take() != ")":
            raise _Unsupported("unterminated group")
        return _Group(body, transparent)

    def _escape(self, *, in_class: bool) -> _Node:
        char = self._take()
        if char in "dDwWsS":
            return _Class((), opaque=True)
        if char in _CONTROL_ESCAPES:
            return _Lit(_CONTROL_ESCAPES[char])
        if char in _HEX_ESCAPES:
            digits = self.source[self.pos : self.pos + _HEX_ESCAPES[char]]
            if len(digits) != _HEX_ESCAPES[char] or not all(d in string.hexdigits for d in digits):
                raise _Unsupported("bad hex escape")
            self.pos += len(digits)
            return _Lit(chr(int(digits, 16)))
        if char == "N" and self._peek() == "{":
            end = self.source.find("}", self.pos)
            try:
                named = unicodedata.lookup(self.source[self.pos + 1 : end]) if end > 0 else ""
            except KeyError:
                named = ""
            if len(named) != 1:
                raise _Unsupported("bad named character")
            self.pos = end + 1
            return _Lit(named)
        if char in "bBAZ" and not in_class:
            return _Other()  # zero-width assertions
        if char in string.ascii_letters or char in string.digits:
            raise _Unsupported(f"escape \\{char}")  # back-references, octal, \b in a class, unknown letters
        return _Lit(char)  # an escaped punctuation mark (or any non-ASCII-letter character) is itself

    def _class(self) -> _Node:
        negated = self._peek() == "^"
        if negated:
            self.pos += 1
        ranges: list[tuple[int, int]] = []
        opaque = negated
        first = True
        while True:
            char = self._take()
            if char == "]" and not first:
                break
            first = False
            low = self._class_member(char)
            if low is None:
                opaque = True
                continue
            if self._peek() == "-" and self._peek(1) not in ("]", ""):
                self.pos += 1
                high = self._class_member(self._take())
                if high is None or high < low:
                    raise _Unsupported("bad range")
                ranges.append((low, high))
            else:
                ranges.append((low, low))
        if not opaque and len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
            return _Lit(chr(ranges[0][0]))  # [x] is x
        return _Class(tuple(ranges), opaque)

    def _class_member(self, char: str) -> int | None:
        """A class member's code point, or None for a category (\\d, \\w, \\s...)."""
        if char != "\\":
            return ord(char)
        member = self._escape(in_class=True)
        return ord(member.char) if isinstance(member, _Lit) else None


@functools.lru_cache(maxsize=1024)
def _parse(source: str) -> _Seq | None:
    try:
        return _Parser(source).parse()
    except _Unsupported:
        return None


def required_literals(source: str, *, ascii_text: bool = False) -> tuple[str, ...] | None:
    """Strings of which every text ``source`` matches in contains at least one; None when there is no small
    such set. Sorted longest first, so the most selective is tried first. ``source`` is compiled without
    ``re.IGNORECASE`` or ``re.VERBOSE`` (``re.ASCII`` changes nothing here).

    ``ascii_text``: for ASCII-only texts, where non-ASCII literals can never occur: they are left out, and
    ``()`` means the pattern cannot match such a text at all."""
    parsed = _parse(source)
    needs = None if parsed is None else _sequence(parsed, ascii_text)
    return None if needs is None else tuple(sorted(needs, key=lambda s: (-len(s), s)))


def prefilter(source: str, *, ascii_text: bool = False) -> tuple[str, ...] | None:
    """The literals worth testing before searching for ``source``: none when the pattern starts with a literal
    character, since the regex engine then jumps between occurrences of it as fast as ``in`` would."""
    parsed = _parse(source)
    if parsed and isinstance(parsed[0], _Lit):
        return None
    return required_literals(source, ascii_text=ascii_text)


def literal_alternatives(source: str, *, ascii_text: bool = False) -> tuple[str, ...] | None:
    """The strings ``source`` matches when it is nothing more than a choice between them (a class of literal
    characters such as a trigger, a literal, or alternatives of literals): it matches a text exactly when the
    text contains one of them. None for any other pattern."""
    parsed = _parse(source)
    if parsed is None:
        return None
    if len(parsed) == 1 and isinstance(parsed[0], _Class):
        # Exact here: each member of the class is a match on its own.
        return required_literals(source, ascii_text=ascii_text)
    branches = parsed[0].branches if len(parsed) == 1 and isinstance(parsed[0], _Alt) else (parsed,)
    if all(isinstance(item, _Lit) for branch in branches for item in branch):
        return required_literals(source, ascii_text=ascii_text)
    return None


def _sequence(items: _Seq, ascii_text: bool) -> Needs | None:
    """All items of a sequence must match, so any one item's requirement is the sequence's: keep the best."""
    candidates: list[Needs] = []
    run = ""
    for item in items:
        if isinstance(item, _Lit):
            run += item.char  # adjacent literals: one longer, more selective string
            continue
        if run:
            candidates.append(frozenset({run}))
            run = ""
        needs = _item(item, ascii_text)
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


def _item(item: _Node, ascii_text: bool) -> Needs | None:
    if isinstance(item, _Class):
        return None if item.opaque else _class_members(item.ranges, ascii_text)
    if isinstance(item, _Alt):
        union: set[str] = set()
        for branch in item.branches:
            needs = _sequence(branch, ascii_text)
            if needs is None:
                return None  # one arm guarantees nothing
            union |= needs
        return frozenset(union) if len(union) <= _MAX_ALTERNATIVES else None
    if isinstance(item, _Group):
        # A positive look-ahead or look-behind: what it asserts is in the text, if not in the match.
        return _sequence(item.body, ascii_text) if item.transparent else None
    if isinstance(item, _Repeat):
        return _sequence((item.item,), ascii_text) if item.low >= 1 else None
    return None  # _Other: no literal guaranteed


def _class_members(ranges: tuple[tuple[int, int], ...], ascii_text: bool) -> Needs | None:
    chars: set[str] = set()
    for low, high in ranges:
        if high - low < _MAX_ALTERNATIVES or (ascii_text and low > 127):
            chars.update(chr(c) for c in range(low, high + 1) if not ascii_text or c < 128)
        else:
            return None  # a wide range: more members than are worth testing one by one
    if ascii_text:
        chars = {c for c in chars if c.isascii()}
        if not chars:
            return frozenset()  # only non-ASCII characters: never in an ASCII text
    return frozenset(chars) if 0 < len(chars) <= _MAX_ALTERNATIVES else None
