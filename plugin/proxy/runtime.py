"""The one place that builds the proxy's parts, starts them and stops them; the app's lifespan drives it.

The server listens first and the heavy parts load in a worker thread: importing the wallet and payment stack
(the routing tables, coincurve; solders only on Solana, at the first payment) takes a few hundred
milliseconds; loading it in a thread while Hypercorn already accepts connections makes ``/health`` answer
within a fraction of a second, and a request that arrives meanwhile simply waits for the load instead of
being refused.

- :func:`load_deps`: the heavy parts (routing tables, wallet, payer, balance monitor), in the worker thread.
- :func:`make_context`: everything else that lives as long as the server (HTTP pool, ledger, caches, logs).
- :class:`Runtime`: loads once, publishes the :class:`ProxyContext` on ``app.state.ctx``, stops it all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.datastructures import State

from pyclawrouter.errors import UserFacingError
from pyclawrouter.ledger import reconcile
from pyclawrouter.ledger.spend import SpendLedger
from pyclawrouter.ledger.store import open_store
from pyclawrouter.proxy.balance_gate import BalanceGate
from pyclawrouter.proxy.context import Deps, ProxyContext
from pyclawrouter.proxy.live_catalog import LiveCatalog
from pyclawrouter.proxy.replay import ResponseCache
from pyclawrouter.proxy.sessions import Sessions
from pyclawrouter.settings import Settings, SettingsProvider
from pyclawrouter.upstream.client import Upstream, make_client
from pyclawrouter.usage.log import UsageWriter

if TYPE_CHECKING:  # imported inside load_deps, in the start-up worker thread
    from pyclawrouter.balance import BalanceMonitor
    from pyclawrouter.wallet.model import Wallet

log = logging.getLogger(__name__)
READY_TIMEOUT_S = 60.0
BIND_HEADSTART_S = 0.05

Loader = Callable[[Settings], Deps]


class NotReadyError(UserFacingError):
    code = "starting"
    http_status = 503
    error_type = "server_error"


def load_deps(settings: Settings) -> Deps:
    """Wire the real routing core, wallet, payer and balance monitor (imports are lazy: ``serve`` only)."""
    from pyclawrouter.payments.payer import Payer
    from pyclawrouter.payments.policy import PaymentPolicy
    from pyclawrouter.routing.config import RoutingConfig
    from pyclawrouter.wallet import load_or_create_wallet

    routing = RoutingConfig.from_mapping(settings.routing or None)
    wallet = load_or_create_wallet(settings.home, os.environ, settings.wallet_key)
    policy = PaymentPolicy(max_per_request_usd=settings.max_payment_per_request)
    payer = Payer(wallet, payment_chain=settings.payment_chain, policy=policy, solana_rpc_url=settings.solana_rpc_url)
    return Deps(routing=routing, payer=payer, balance=_balance_monitor(wallet, settings),
                wallet_address=wallet.evm_address, solana_address=wallet.solana_address)


def _balance_monitor(wallet: Wallet, settings: Settings) -> BalanceMonitor | None:
    from pyclawrouter.balance import BalanceMonitor

    if settings.payment_chain == "solana" and wallet.solana_address is None:
        return None  # the payer refuses this setup with a clear message; no balance to read
    return BalanceMonitor(wallet, payment_chain=settings.payment_chain, base_rpc_url=settings.base_rpc_url,
                          solana_rpc_url=settings.solana_rpc_url,
                          solana_fallback_rpc_url=settings.solana_balance_fallback_url)


def make_context(provider: SettingsProvider, deps: Deps) -> ProxyContext:
    """Every long-lived part the requests share, built once from the settings at start-up."""
    settings = provider.current()
    balance = BalanceGate(deps.balance, wait_s=settings.balance_wait_s)
    return ProxyContext(
        provider=provider,
        deps=deps,
        upstream=Upstream(make_client(transport=settings.upstream_transport), deps.payer),
        live=LiveCatalog(deps.catalog),
        usage=UsageWriter(settings.home),
        ledger=SpendLedger(open_store(settings.home), on_signed=balance.spent),
        balance=balance,
        cache=ResponseCache(ttl_s=settings.cache_ttl_s, max_entries=settings.cache_max_entries,
                            max_item_bytes=settings.cache_max_item_bytes),
        sessions=Sessions(settings.session_timeout_s),
    )


def warm_up(deps: Deps) -> None:
    """Route one request so the classifier's vocabulary and tables load now, not on the first real request."""
    with contextlib.suppress(Exception):
        deps.route({"model": "auto", "messages": [{"role": "user", "content": "hello"}]})


class Runtime:
    """The proxy's parts from start-up to shutdown. ``deps`` given: built at start; else loaded in the background.

    Ready means ``ctx`` is set, here and on the app's ``state`` (``app.state.ctx``); ``error`` says why it never
    will be."""

    def __init__(self, provider: SettingsProvider, state: State, *, deps: Deps | None = None,
                 loader: Loader = load_deps) -> None:
        self.provider = provider
        self.state = state
        self.deps = deps
        self.loader = loader
        self.ctx: ProxyContext | None = None
        self.error: str | None = None
        self.command_token: str | None = None
        self._ready: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._reconcile: asyncio.Task[None] | None = None

    async def start(self, command_token: str | None) -> None:
        """Called from the lifespan once the server runs: build now (deps given) or begin loading."""
        self.command_token = command_token
        self._ready = asyncio.Event()
        if self.deps is not None:
            warm_up(self.deps)
            self._activate(make_context(self.provider, self.deps))
            return
        self._task = asyncio.create_task(self._load(), name="pyclawrouter-load")

    async def context(self) -> ProxyContext:
        if self.ctx is not None:
            return self.ctx
        if self.error is None and self._ready is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), READY_TIMEOUT_S)
        if self.ctx is None:
            raise NotReadyError(f"The proxy could not start: {self.error}" if self.error else
                                "The proxy is still starting; retry in a moment")
        return self.ctx

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        await reconcile.stop(self._reconcile)
        ctx = self.ctx
        if ctx is not None:
            await ctx.live.stop()
            await ctx.usage.close()
            await ctx.upstream.client.aclose()
            ctx.ledger.close()

    async def _load(self) -> None:
        # Let Hypercorn bind and answer /health before the loader thread starts competing for the GIL.
        await asyncio.sleep(BIND_HEADSTART_S)
        settings = self.provider.current()

        def load() -> Deps:
            deps = self.loader(settings)
            warm_up(deps)
            return deps

        try:
            deps = await asyncio.to_thread(load)
            self._activate(make_context(self.provider, deps))
        except UserFacingError as exc:  # a setup problem the user can fix: the message says how
            log.error("pyclawrouter cannot serve requests: %s", exc)
            self.error = str(exc)
        except Exception as exc:  # reported to every request and in /health, never a crash loop
            log.exception("pyclawrouter could not load its wallet, payer or routing tables")
            self.error = type(exc).__name__
        finally:
            if self._ready is not None:
                self._ready.set()

    def _activate(self, ctx: ProxyContext) -> None:
        ctx.command_token = self.command_token
        ctx.usage.start()
        ctx.balance.prefetch()
        settings = ctx.settings
        ctx.live.start(ctx.upstream.client, settings.api_base)
        # Pending payments from earlier runs (a crash, a timeout) are resolved from the chain, in the background.
        self._reconcile = reconcile.start(reconcile.Reconciler(
            ctx.ledger.store, base_rpc_url=settings.base_rpc_url, solana_rpc_url=settings.solana_rpc_url))
        self.ctx = ctx
        self.state.ctx = ctx
        if self._ready is not None:
            self._ready.set()
