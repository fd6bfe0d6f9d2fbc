"""Parse a command's raw argument string (what follows ``/img`` in chat) without ever raising past the command.

Chat arguments are one string. They are split like a shell would (quotes group words) and ``--flag value`` /
``--flag=value`` options are picked out; anything wrong becomes a :class:`UsageError` whose message the command
shows above its usage help.
"""

from __future__ import annotations

import shlex
from collections.abc import Collection
from dataclasses import dataclass, field


class UsageError(ValueError):
    """The arguments do not fit the command; the message says how."""


@dataclass
class ParsedArgs:
    words: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(self.words)


def split_words(raw: str) -> list[str]:
    try:
        return shlex.split(raw)
    except ValueError as exc:  # unbalanced quotes
        raise UsageError(f"cannot read the arguments: {exc}") from None


def parse_args(raw: str, options: Collection[str] = ()) -> ParsedArgs:
    """Split ``raw``; ``--name value`` and ``--name=value`` for each name in ``options`` become options."""
    parsed = ParsedArgs()
    words = split_words(raw)
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--") and len(word) > 2:
            name, eq, value = word[2:].partition("=")
            if name not in options:
                allowed = ", ".join(f"--{o}" for o in options) or "none"
                raise UsageError(f"unknown option --{name}; options: {allowed}")
            if not eq:
                if i + 1 >= len(words):
                    raise UsageError(f"--{name} needs a value")
                i += 1
                value = words[i]
            if not value:
                raise UsageError(f"--{name} needs a value")
            parsed.options[name] = value
        else:
            parsed.words.append(word)
        i += 1
    return parsed
