"""Pre-authorization cache: the last challenge per (URL path, model), to pay on the first try next time.

Unlike ClawRouter (reference §5.5, bug B13) a cached requirement is only reused when its amount covers the
new request's own estimate; the caller drops the entry and pays a fresh challenge when the upstream says no.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from pyclawrouter.payments.challenge import Challenge, Requirement

DEFAULT_TTL_S = 3600.0


@dataclass(frozen=True)
class CachedChallenge:
    challenge: Challenge
    requirement: Requirement
    stored_at: float


def cache_key(url: str, model: str | None) -> str:
    return f"{urlsplit(url).path}:{model or ''}"


class PreauthCache:
    def __init__(self, *, ttl_s: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, CachedChallenge] = {}
        self._lock = threading.Lock()

    def remember(self, url: str, model: str | None, challenge: Challenge, requirement: Requirement) -> None:
        with self._lock:
            self._entries[cache_key(url, model)] = CachedChallenge(challenge, requirement, self._clock())

    def lookup(self, url: str, model: str | None) -> CachedChallenge | None:
        key = cache_key(url, model)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._clock() - entry.stored_at > self._ttl_s:
                del self._entries[key]
                return None
            return entry

    def forget(self, url: str, model: str | None) -> None:
        with self._lock:
            self._entries.pop(cache_key(url, model), None)
