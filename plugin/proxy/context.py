"""Everything that lives as long as the server: built once at start-up, shared by every request."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyclawrouter.proxy.balance_gate import BalanceGate
from pyclawrouter.proxy.catalog_view import CatalogView
from pyclawrouter.proxy.cooldown import Cooldowns
from pyclawrouter.proxy.deps import Deps
from pyclawrouter.proxy.image_jobs import PollSchedule
from pyclawrouter.proxy.replay import Inflight, ResponseCache
from pyclawrouter.proxy.sessions import Sessions
from pyclawrouter.proxy.spend import SpendLedger
from pyclawrouter.proxy.upstream import Upstream
from pyclawrouter.settings import Settings, SettingsProvider
from pyclawrouter.usage.log import UsageWriter

if TYPE_CHECKING:
    from pyclawrouter.routing.config import RoutingConfig


@dataclass
class ProxyContext:
    provider: SettingsProvider
    deps: Deps
    upstream: Upstream
    models: CatalogView
    usage: UsageWriter
    ledger: SpendLedger
    balance: BalanceGate
    cache: ResponseCache
    cooldowns: Cooldowns = field(default_factory=Cooldowns)
    sessions: Sessions = field(default_factory=Sessions)
    inflight: Inflight = field(default_factory=Inflight)
    command_token: str | None = None
    models_body: bytes = b""
    started_at: float = field(default_factory=time.monotonic)
    image_poll: PollSchedule = field(default_factory=PollSchedule)
    """How a 202 image job is polled (every 5 s, up to 300 s); tests shorten it."""

    _routing: tuple[object, RoutingConfig] | None = None

    @property
    def settings(self) -> Settings:
        return self.provider.current()

    def routing_config(self) -> RoutingConfig:
        """The routing tables for the current settings; rebuilt only when the ``routing`` config changed."""
        routing = self.settings.routing
        if self._routing is None or self._routing[0] is not routing:
            config = self.deps.routing
            if routing:
                try:
                    config = self.deps.routing_from(routing)
                except Exception:  # a bad table keeps the previous one (the config loader validated it)
                    config = self._routing[1] if self._routing else config
            self._routing = (routing, config)
        return self._routing[1]
