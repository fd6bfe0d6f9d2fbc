"""The proxy's long-lived parts, as types: :class:`Deps` (what the start-up worker thread loads) and
:class:`ProxyContext` (everything shared by every request). ``proxy/runtime.py`` builds, starts and stops them;
nothing per request is stored here (a request's own values live on its ``Exchange``)."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyclawrouter.ledger.spend import SpendLedger
from pyclawrouter.proxy.balance_gate import BalanceGate
from pyclawrouter.proxy.catalog_view import CatalogView
from pyclawrouter.proxy.health_demotion import HealthDemotion
from pyclawrouter.proxy.image_jobs import PollSchedule
from pyclawrouter.proxy.live_catalog import LiveCatalog
from pyclawrouter.proxy.replay import Inflight, ResponseCache
from pyclawrouter.proxy.sessions import Sessions
from pyclawrouter.settings import Settings, SettingsProvider
from pyclawrouter.upstream.client import Upstream
from pyclawrouter.upstream.cooldowns import Cooldowns
from pyclawrouter.usage.log import UsageWriter

if TYPE_CHECKING:  # loaded in the start-up worker thread, after the server listens (their imports are slow)
    from pyclawrouter.balance import BalanceMonitor
    from pyclawrouter.payments.payer import Payer
    from pyclawrouter.routing.catalog import Catalog
    from pyclawrouter.routing.config import RoutingConfig
    from pyclawrouter.routing.request import ChatRequest
    from pyclawrouter.routing.router import RoutingDecision


@dataclass
class Deps:
    """The heavy parts: the routing core, the payer and the balance monitor (``runtime.load_deps``)."""

    routing: RoutingConfig
    payer: Payer | None = None
    balance: BalanceMonitor | None = None
    wallet_address: str | None = None
    solana_address: str | None = None

    @property
    def catalog(self) -> Catalog:
        return self.routing.catalog

    def route(self, body: Mapping[str, Any] | ChatRequest, *, config: RoutingConfig | None = None,
              excluded: Collection[str] = ()) -> RoutingDecision:
        from pyclawrouter.routing.router import route

        return route(body, None, config=config or self.routing, excluded=excluded)


@dataclass
class ProxyContext:
    provider: SettingsProvider
    deps: Deps
    upstream: Upstream
    live: LiveCatalog
    usage: UsageWriter
    ledger: SpendLedger
    balance: BalanceGate
    cache: ResponseCache
    cooldowns: Cooldowns = field(default_factory=Cooldowns)
    sessions: Sessions = field(default_factory=Sessions)
    inflight: Inflight = field(default_factory=Inflight)
    command_token: str | None = None
    started_at: float = field(default_factory=time.monotonic)
    image_poll: PollSchedule = field(default_factory=PollSchedule)
    """How a 202 image job is polled (every 5 s, up to 300 s); tests shorten it."""
    health: HealthDemotion = field(init=False)
    """The gateway's health rows (read with the live catalog) applied to each request's chain."""

    def __post_init__(self) -> None:
        self.health = HealthDemotion(self.live)

    @property
    def settings(self) -> Settings:
        return self.provider.current()

    @property
    def models(self) -> CatalogView:
        """Prices and capabilities from the newest complete catalog view (snapshot, then the live list)."""
        return self.live.state.models

    @property
    def models_body(self) -> bytes:
        return self.live.state.models_body

    def routing_config(self) -> RoutingConfig:
        """The routing tables for the current settings on the current catalog view."""
        return self.live.state.config_for(self.settings.routing)
