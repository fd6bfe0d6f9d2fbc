"""Everything that lives as long as the server: built once at start-up, shared by every request."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pyclawrouter.proxy.balance_gate import BalanceGate
from pyclawrouter.proxy.catalog_view import CatalogView
from pyclawrouter.proxy.cooldown import Cooldowns
from pyclawrouter.proxy.deps import Deps
from pyclawrouter.proxy.replay import Inflight, ResponseCache
from pyclawrouter.proxy.sessions import Sessions
from pyclawrouter.proxy.spend import SpendLedger
from pyclawrouter.proxy.upstream import Upstream
from pyclawrouter.settings import Settings, SettingsProvider
from pyclawrouter.usage.log import UsageWriter


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

    @property
    def settings(self) -> Settings:
        return self.provider.current()
