"""A Solana blockhash read while the unpaid probe is in flight, so it is there when the 402 arrives.

BlockRun's gateway sends its 402 without ``extra.recentBlockhash``; read only after the 402, the blockhash
costs one more sequential exchange per paid request. Started with the probe, the read overlaps it. It is
the same read as after the 402 (:func:`solana.fetch_latest_blockhash`: same RPC, same 10 s timeout, same
``PaymentRpcError``), only started earlier, and it belongs to one request: no blockhash is shared between
requests. Given the upstream's pooled client, the read reuses a kept-alive connection to the gateway: on a new
connection of its own, its TCP and TLS handshakes would take longer than the probe.

The ledger's void rule stays sound with it: a payment's ``valid_before`` is its signing time plus
``BLOCKHASH_LIFETIME_S`` (120 s), and a blockhash read before signing was the latest one at a moment before
signing, so it expires (150 slots, about 60–90 s) before the signing time plus 120 s, as one read after the
402 does. A read older than ``MAX_AGE_S`` when the payment is signed (a probe that took that long) is
dropped and a new one made, as if there had been no prefetch: the gateway then gets a blockhash with as much
of its lifetime left as before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from solders.hash import Hash

from pyclawrouter.payments import solana

MAX_AGE_S = 20.0
"""The oldest prefetched blockhash (counted from when its read started) a payment is signed with."""


def _retrieve(task: asyncio.Task[Hash]) -> None:
    # A read nobody awaits (the probe was not a 402, or the 402 carried a blockhash) must not log
    # "exception was never retrieved".
    if not task.cancelled():
        task.exception()


class BlockhashPrefetch:
    """One request's blockhash read, started at construction (inside the event loop)."""

    def __init__(self, rpc_url: str, *, client: httpx.AsyncClient | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rpc_url = rpc_url
        self._client = client
        self._clock = clock
        self.started = clock()
        self._task = asyncio.create_task(solana.fetch_latest_blockhash(rpc_url, client=client))
        self._task.add_done_callback(_retrieve)

    async def get(self) -> Hash:
        """The prefetched blockhash, waiting for the read if it is still under way; a fresh read if it is older
        than ``MAX_AGE_S``. Raises ``PaymentRpcError`` like a read made now."""
        if self._clock() - self.started > MAX_AGE_S:
            self.cancel()
            return await solana.fetch_latest_blockhash(self.rpc_url, client=self._client)
        return await self._task

    def cancel(self) -> None:
        """Stop the read if it is still under way (no effect once it finished)."""
        self._task.cancel()
