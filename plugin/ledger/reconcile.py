"""Resolving pending ledger entries from the chain itself, off the request path.

A pending entry is a payment we signed whose settlement we never saw. It stays counted as spent until the
chain says otherwise:

- Base (EIP-3009): ``authorizationState(authorizer, nonce)`` on the USDC contract is true once the
  authorization was used, so the entry is settled; if it is still unused after ``validBefore``, nobody can
  use it any more and the entry is void.
- Solana: ``getSignatureStatuses`` knows the transaction once it landed (settled); once its blockhash has
  expired and the signature is still unknown it can never land (void).

Each pass reads at most ``batch`` entries with a bounded timeout per RPC call; an RPC that fails leaves
the entry pending for the next pass (pending is the safe side: it counts as spent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from pyclawrouter.ledger.store import LedgerEntry, LedgerStore
from pyclawrouter.wallet.evm_key import keccak256

log = logging.getLogger(__name__)

AUTHORIZATION_STATE = keccak256(b"authorizationState(address,bytes32)")[:4]
RPC_TIMEOUT_S = 4.0
BATCH = 100
INTERVAL_S = 60.0
# An entry younger than this is probably still being answered; its request will settle it.
MIN_AGE_S = 30.0


@dataclass
class ReconcileResult:
    settled: int = 0
    voided: int = 0
    pending: int = 0


class Reconciler:
    def __init__(self, store: LedgerStore, *, base_rpc_url: str, solana_rpc_url: str,
                 client: httpx.AsyncClient | None = None, clock: Callable[[], float] = time.time,
                 batch: int = BATCH) -> None:
        self.store = store
        self.base_rpc_url = base_rpc_url
        self.solana_rpc_url = solana_rpc_url
        self._client = client
        self._clock = clock
        self._batch = batch

    async def run_once(self) -> ReconcileResult:
        result = ReconcileResult()
        now = self._clock()
        entries = [e for e in self.store.pending(self._batch) if now - e.signed_at >= MIN_AGE_S and e.payment.network]
        if not entries:
            return result
        client = self._client or httpx.AsyncClient(timeout=RPC_TIMEOUT_S, trust_env=False)
        try:
            for entry in entries:
                verdict = await self._verdict(client, entry, now)
                if verdict == "settled":
                    self.store.settle(entry.id, None)
                    result.settled += 1
                elif verdict == "void":
                    self.store.void(entry.id)
                    result.voided += 1
                else:
                    result.pending += 1
        finally:
            if self._client is None:
                await client.aclose()
        if result.settled or result.voided:
            log.info("ledger reconciled: %d settled, %d void, %d still pending", result.settled, result.voided,
                     result.pending)
        return result

    async def run_forever(self, interval_s: float = INTERVAL_S) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # never let reconciliation take the proxy down; pending stays counted
                log.exception("ledger reconciliation failed; will retry")
            await asyncio.sleep(interval_s)

    async def _verdict(self, client: httpx.AsyncClient, entry: LedgerEntry, now: float) -> str:
        payment = entry.payment
        expired = now > payment.valid_before
        try:
            if payment.network.startswith("eip155:") or payment.network in ("base", "base-sepolia"):
                used = await self._authorization_used(client, payment.asset, payment.payer, payment.reference)
            elif payment.network.startswith("solana"):
                used = await self._signature_landed(client, payment.reference)
            else:
                return "pending"
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.debug("could not reconcile ledger entry %d: %s", entry.id, type(exc).__name__)
            return "pending"
        if used:
            return "settled"
        return "void" if expired else "pending"

    async def _authorization_used(self, client: httpx.AsyncClient, asset: str, payer: str, nonce: str) -> bool:
        data = "0x" + AUTHORIZATION_STATE.hex() + payer.lower().removeprefix("0x").rjust(64, "0") \
            + nonce.lower().removeprefix("0x").rjust(64, "0")
        document = await _rpc(client, self.base_rpc_url, "eth_call", [{"to": asset, "data": data}, "latest"])
        return int(str(document["result"]), 16) != 0

    async def _signature_landed(self, client: httpx.AsyncClient, signature: str) -> bool:
        document = await _rpc(client, self.solana_rpc_url, "getSignatureStatuses",
                              [[signature], {"searchTransactionHistory": True}])
        status = document["result"]["value"][0]
        return status is not None and status.get("err") is None


async def _rpc(client: httpx.AsyncClient, url: str, method: str, params: list[Any]) -> dict[str, Any]:
    response = await client.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                                 timeout=RPC_TIMEOUT_S)
    response.raise_for_status()
    document = response.json()
    if not isinstance(document, dict) or "error" in document:
        raise ValueError(f"RPC error from {method}")
    return document


def start(reconciler: Reconciler, interval_s: float = INTERVAL_S) -> asyncio.Task[None]:
    return asyncio.get_running_loop().create_task(reconciler.run_forever(interval_s), name="ledger-reconcile")


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
