"""Parsing a request body as JSON without letting the body crash or wedge the proxy.

Three things the standard ``json`` module does not protect against:

* **Nesting depth.** ``json.loads`` recurses once per ``[``/``{``; a body of 200 000 nested arrays ends in a
  ``RecursionError`` at best, and anything that later walks the result (our validators, ``json.dumps`` when the
  body is forwarded) recurses again. So the depth is measured *before* parsing, by a scan that runs at C speed
  (``bytes.replace``/``translate``, no Python loop per byte), and a body nested deeper than
  :data:`MAX_JSON_DEPTH` is refused with a 400.
* **Lone surrogates.** ``"\\ud800"`` is valid JSON and parses to a ``str`` that cannot be encoded as UTF-8, so
  the first ``.encode()`` (forwarding upstream, the usage log) raises. They are refused with a 400 naming the
  field.
* **Encodings.** ``json.loads(bytes)`` also accepts UTF-16 and UTF-32; the depth scan reads ASCII bytes, which
  is only sound for UTF-8 (in UTF-8 no byte of a multi-byte character is ASCII). JSON exchanged between
  systems must be UTF-8 (the JSON standard's rule), so anything else is refused.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pyclawrouter.errors import BadRequestError

# Far above anything a chat request needs (OpenClaw's tool schemas nest about 8 deep) and far below the
# interpreter's default recursion limit of 1000, which every parse and walk of the body has to stay under.
MAX_JSON_DEPTH = 64

# The scan keeps quotes, backslashes and brackets, and turns the letters that may follow a backslash in a JSON
# escape (\" \\ \/ \b \f \n \r \t \u) into one placeholder: every other byte is dropped, so what is left is
# small, and yet each backslash is still followed by the character it escapes.
_PLACEHOLDER = b"x"
_ESCAPED_LETTERS = b"/bfnrtu"
_KEEP = b'"\\[]{}'
_MAP = bytes.maketrans(_ESCAPED_LETTERS + b"{}", _PLACEHOLDER * len(_ESCAPED_LETTERS) + b"[]")
_DROP = bytes(b for b in range(256) if b not in _KEEP and b not in _ESCAPED_LETTERS)
_DROP_ESCAPES = b"\\" + _PLACEHOLDER
# A \uD800-\uDFFF escape: the only way a lone surrogate can get into a parsed string (strict UTF-8 decoding
# refuses encoded surrogates). Pairs are joined by the parser, so only unpaired ones survive in the result.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class TooDeepError(BadRequestError):
    code = "json_too_deep"


def nesting_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``raw`` nests arrays/objects more than ``limit`` deep (brackets inside strings do
    not count). Exact for valid JSON; for invalid JSON it may say True where the parser would fail anyway."""
    kept = raw.translate(_MAP, _DROP)  # the one pass over the whole body; what is left is a fraction of it
    if kept.count(b"[") <= limit:  # too few brackets to nest that deep
        return False
    # Escaped backslashes first, then escaped quotes: the order the parser reads them, so the quotes left are
    # exactly the string delimiters (outside strings valid JSON has no backslashes at all).
    kept = kept.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _DROP_ESCAPES)
    # Only quotes and brackets remain; every other piece between quotes is the inside of a string.
    brackets = b"".join(kept.split(b'"')[::2])
    if brackets.count(b"[") <= limit:
        return False
    # Each pass removes every innermost "[]" pair, i.e. exactly one level of a balanced text.
    passes = 0
    while brackets:
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            break
        brackets = shorter
        passes += 1
        if passes > limit:
            return True
    # Left over: unbalanced brackets ("]]][[[", invalid JSON); each unclosed opener adds a level.
    return passes + brackets.count(b"[") > limit


def parse_json_body(raw: bytes) -> Any:
    """``raw`` parsed as JSON, or a :class:`BadRequestError` saying what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequestError(f"Request body is not UTF-8 (invalid byte at offset {exc.start}); "
                              "JSON must be sent as UTF-8") from None
    if nesting_exceeds(raw):
        raise TooDeepError(f"Request body nests arrays/objects more than {MAX_JSON_DEPTH} levels deep; "
                           f"the limit is {MAX_JSON_DEPTH}")
    try:
        body = json.loads(text)
    except RecursionError:  # cannot happen under the depth limit; kept so a surprise is a 400, not a 500
        raise TooDeepError(f"Request body nests too deeply; the limit is {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        raise BadRequestError(f"Request body is not valid JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(raw):  # one regex search; the walk below only for bodies that have such escapes
        where = lone_surrogate_at(body)
        if where is not None:
            raise BadRequestError(f"{where} contains a lone UTF-16 surrogate escape (\\ud800-\\udfff without "
                                  "its pair), which is not a character; send valid Unicode text")
    return body


def lone_surrogate_at(value: Any, path: str = "") -> str | None:
    """The path (``messages[0].content``) of the first string or key holding a lone surrogate, or None.

    Recursion is bounded by the depth check that runs before parsing."""
    if isinstance(value, str):
        return (path or "the request body") if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _SURROGATE.search(key):
                return f"a key in {path or 'the request body'}"
            found = lone_surrogate_at(item, here if len(here) <= 200 else here[:197] + "...")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_at(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None
