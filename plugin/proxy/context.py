"""Everything that lives as long as the server: built once at start-up, shared by every request."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyclawrouter.proxy.balance_gate import BalanceGate
from pyclawrouter.proxy.catalog_view import CatalogView
from pyclawrouter.proxy.deps import Deps
from pyclawrouter.proxy.health_demotion import HealthDemotion
from pyclawrouter.proxy.image_jobs import PollSchedule
from pyclawrouter.proxy.live_catalog import LiveCatalog
from pyclawrouter.proxy.replay import Inflight, ResponseCache
from pyclawrouter.proxy.sessions import Sessions
from pyclawrouter.proxy.spend import SpendLedger
from pyclawrouter.settings import Settings, SettingsProvider
from pyclawrouter.upstream.client import Upstream
from pyclawrouter.upstream.cooldowns import Cooldowns
from pyclawrouter.usage.log import UsageWriter

if TYPE_CHECKING:
    from pyclawrouter.routing.config import RoutingConfig


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
