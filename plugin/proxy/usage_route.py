"""``GET /v1/usage``: the wallet's balances and what the spend ledger says, for OpenClaw's own usage surfaces.

The plugin's usage hooks (``plugin/usage.js``) turn this one JSON into the provider usage snapshot that
``openclaw status --usage``, chat ``/status`` and the Control UI's Usage cards show. It lives under ``/v1/`` so
the request guard asks for the per-install API key, which OpenClaw already holds as
``models.providers.blockrun.apiKey``; it only reads.

* ``balances``: the USDC balance on each chain the wallet has a key for, read as ``/wallet`` reads them (both
  at once, each bounded by ``BALANCE_TIMEOUT_S``) and reused for ``BALANCE_REUSE_S``, so a surface that polls
  does not become RPC traffic. An unreadable balance is ``balanceUsd: null`` with ``balanceError``.
* ``today``: what was signed since midnight UTC (the ledger's read-only view, like ``/wallet``'s spend line).
* ``run``: the session (one run, the unit ``maxCostPerRun`` caps) that signed the most recent payment, with
  its total as the cap check counts it, and ``remainingUsd`` of ``maxCostPerRun`` when a cap is set.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pyclawrouter.ledger.summary import read_latest_session, read_summary, utc_day_start
from pyclawrouter.proxy.context import ProxyContext
from pyclawrouter.proxy.responses import json_response
from pyclawrouter.settings import Settings

BALANCE_REUSE_S = 30.0


class UsageView:
    """The handler, with the balances it read last (one read at a time)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = asyncio.Lock()
        self._balances: list[dict[str, Any]] | None = None
        self._read_at = 0.0

    async def usage(self, request: Request, ctx: ProxyContext) -> Response:
        settings = ctx.settings
        home = settings.home
        balances = await self._read_balances(settings)
        since = utc_day_start()
        today = await asyncio.to_thread(read_summary, home, since=since)
        run = await asyncio.to_thread(read_latest_session, home)
        cap = settings.max_cost_per_run
        body: dict[str, Any] = {
            "paymentChain": settings.payment_chain,
            "balances": balances,
            "today": {"since": _iso(since), **today.to_json()},
            "run": run.to_json() if run is not None else None,
            "maxCostPerRun": cap,
            "maxCostPerRunMode": settings.max_cost_per_run_mode,
            "remainingUsd": None if cap is None else round(max(0.0, cap - (run.spent_usd if run else 0.0)), 8),
        }
        return json_response(body, headers={"cache-control": "no-store"})

    async def _read_balances(self, settings: Settings) -> list[dict[str, Any]]:
        async with self._lock:
            if self._balances is not None and self._clock() - self._read_at < BALANCE_REUSE_S:
                return self._balances
            self._balances, self._read_at = await _balances(settings), self._clock()
            return self._balances


async def _balances(settings: Settings) -> list[dict[str, Any]]:
    # Imported here: the wallet modules are not needed to start serving.
    from pyclawrouter.commands.wallet import read_balances
    from pyclawrouter.wallet import load_wallet

    try:
        wallet = load_wallet(settings.home, os.environ, settings.wallet_key)
    except Exception as exc:  # the proxy made the wallet at start; a file removed since is said, not raised
        return [{"chain": "base", "address": None, "balanceUsd": None, "balanceError": f"no wallet: {exc}"}]
    found = await read_balances(wallet, settings.base_rpc_url, settings.solana_rpc_url)
    addresses = {"base": wallet.evm_address, "solana": wallet.solana_address}
    return [{"chain": chain, "address": addresses[chain], **entry} for chain, entry in found.items()]


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).isoformat().replace("+00:00", "Z")
