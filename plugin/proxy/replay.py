"""In-flight dedup and the short response cache, both storing finished answers as :class:`Replay`.

Both are keyed by the exact request bytes *and* whether the client streams, so a streaming client is never
handed a JSON replay or the other way round (ClawRouter keyed both on the body with ``stream`` forced off, and
served streams JSON with the wrong content type). Only successful answers are cached (ClawRouter replayed errors
for 30 s), and a leader that fails still releases its followers, with an error instead of a hang (ClawRouter left
an identical retry waiting forever after a balance-RPC error).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Replay:
    status: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()


def request_key(raw: bytes, *, stream: bool, session: str | None) -> str:
    digest = hashlib.sha256(raw)
    digest.update(b"\x00stream" if stream else b"\x00json")
    if session:
        digest.update(b"\x00" + session.encode("utf-8", "replace"))
    return digest.hexdigest()[:32]


class Inflight:
    """Identical requests in flight share the leader's answer."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[Replay | None]] = {}

    def join(self, key: str) -> asyncio.Future[Replay | None] | None:
        """None: you are the leader (call :meth:`complete` when done). Otherwise await the returned future."""
        future = self._waiting.get(key)
        if future is not None:
            return future
        self._waiting[key] = asyncio.get_running_loop().create_future()
        return None

    def complete(self, key: str, replay: Replay | None) -> None:
        """Release followers with the answer, or with None when the leader failed."""
        future = self._waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(replay)

    def __len__(self) -> int:
        return len(self._waiting)


class ResponseCache:
    def __init__(self, *, ttl_s: float, max_entries: int, max_item_bytes: int) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.max_item_bytes = max_item_bytes
        self._items: OrderedDict[str, tuple[float, Replay]] = OrderedDict()
        self.hits = self.misses = self.evictions = 0

    def get(self, key: str) -> Replay | None:
        item = self._items.get(key)
        if item is None or item[0] < time.monotonic():
            if item is not None:
                del self._items[key]
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return item[1]

    def put(self, key: str, replay: Replay) -> None:
        if self.ttl_s <= 0 or replay.status != 200 or len(replay.body) > self.max_item_bytes:
            return
        self._items[key] = (time.monotonic() + self.ttl_s, replay)
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)
            self.evictions += 1

    def stats(self) -> dict[str, object]:
        total = self.hits + self.misses
        return {"size": len(self._items), "maxSize": self.max_entries, "ttlSeconds": self.ttl_s, "hits": self.hits,
                "misses": self.misses, "evictions": self.evictions,
                "hitRate": f"{100.0 * self.hits / total:.1f}%" if total else "0.0%"}
