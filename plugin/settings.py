"""The proxy's settings: one immutable object built from the plugin config and the environment.

Precedence for each value: command-line flag (applied by ``serve``) > environment variable > config file >
default. The app never reads ``os.environ`` or a config file on the request path; it asks a
:class:`SettingsProvider` for the current :class:`Settings`, so a reloading provider can swap them while the
server runs (a bad new config keeps the last good one: that is the provider's job, not this module's).
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from pyclawrouter import paths
from pyclawrouter.config_schema.watcher import configured_wallet_key
from pyclawrouter.endpoints import (
    DEFAULT_API_BASE,
    DEFAULT_BASE_RPC_URL,
    DEFAULT_SOLANA_RPC_URL,
    PUBLIC_SOLANA_RPC_URL,
    solana_rpc_urls,
)
from pyclawrouter.wallet.payment_chain import DEFAULT_PAYMENT_CHAIN, PaymentChain, resolve_payment_chain

BudgetMode = Literal["graceful", "strict"]



@dataclass(frozen=True)
class Settings:
    home: Path
    host: str = paths.DEFAULT_HOST
    port: int = paths.DEFAULT_PORT
    payment_chain: PaymentChain = DEFAULT_PAYMENT_CHAIN
    api_base: str = DEFAULT_API_BASE[DEFAULT_PAYMENT_CHAIN]
    base_rpc_url: str = DEFAULT_BASE_RPC_URL
    solana_rpc_url: str = DEFAULT_SOLANA_RPC_URL
    solana_balance_fallback_url: str | None = PUBLIC_SOLANA_RPC_URL
    """Where Solana balance reads go when ``solana_rpc_url`` does not serve them (None: nowhere else)."""
    max_cost_per_run: float | None = None
    max_cost_per_run_mode: BudgetMode = "graceful"
    max_payment_per_request: float | None = None
    routing: Mapping[str, Any] = field(default_factory=dict)
    exclude_models: frozenset[str] = frozenset()
    # /v1/* needs the per-install key from <state dir>/api-key (config requireApiKey: false turns it off).
    require_api_key: bool = True
    # Tunables with ClawRouter's values (180 s per request, 60 s per attempt, 5 attempts, a heartbeat every 2 s,
    # a 200-entry cache, 30 min sessions) unless a reason to differ is given next to them.
    request_timeout_s: float = 180.0
    attempt_timeout_s: float = 60.0
    # Reasoning models think for minutes before the first token: ClawRouter's 60 s per attempt cut them off.
    reasoning_attempt_timeout_s: float = 180.0
    max_attempts: int = 5
    heartbeat_interval_s: float = 2.0
    # Until this much time has passed the HTTP status is still open, so a fast failure gets a real status code.
    first_heartbeat_s: float = 1.0
    max_body_bytes: int = 20 * 1024 * 1024
    cache_ttl_s: float = 60.0
    cache_max_entries: int = 200
    cache_max_item_bytes: int = 1024 * 1024
    session_timeout_s: float = 30 * 60.0
    balance_wait_s: float = 0.3
    debug_headers: bool = True
    # What carries upstream requests under the httpx client: "aiohttp" (default: ~3x the throughput and a third
    # of the CPU per request of httpcore's pool at concurrency 32, benchmarks/README.md) or "httpx" (httpcore).
    # PYCLAWROUTER_UPSTREAM_TRANSPORT overrides it.
    upstream_transport: str = "aiohttp"
    allow_unlisted_models: bool = False
    """Let an explicit request name a model the gateway's live list does not (priced at the payer's hard cap)."""
    wallet_key: str | None = field(default=None, repr=False)
    """The config's ``walletKey``: the wallet's key when none is saved and ``BLOCKRUN_WALLET_KEY`` is unset."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any], env: Mapping[str, str] | None = None,
                    *, home: Path | None = None) -> Settings:
        """Build settings from a validated plugin config and the environment (``os.environ`` if None).

        The payment chain comes from :func:`~pyclawrouter.wallet.payment_chain.resolve_payment_chain`, as for
        ``/wallet``: a ``CLAWROUTER_PAYMENT_CHAIN`` or config ``chain`` that names no chain raises ``WalletError``."""
        env = os.environ if env is None else env
        home = paths.state_dir(env) if home is None else home
        payment_chain = resolve_payment_chain(home, env, config.get("chain"))
        api_base = _first(env.get("BLOCKRUN_API_BASE"), config.get("apiBase")) or DEFAULT_API_BASE[payment_chain]
        # The Solana API base is BLOCKRUN_API_BASE when paying on Solana, else BlockRun's Solana host.
        solana_base = api_base if payment_chain == "solana" else DEFAULT_API_BASE["solana"]
        solana_rpc, solana_fallback = solana_rpc_urls(_first(env.get("CLAWROUTER_SOLANA_RPC_URL")), solana_base)
        cap = config.get("maxCostPerRun")
        per_request = config.get("maxPaymentPerRequest")
        mode = config.get("maxCostPerRunMode", "graceful")
        excluded = set(_strings(config.get("excludeModels", ()))) | _saved_excludes(home)
        return cls(
            home=home,
            port=_port(env.get("BLOCKRUN_PROXY_PORT")) or int(config.get("port", paths.DEFAULT_PORT)),
            payment_chain=payment_chain,
            api_base=api_base.rstrip("/"),
            base_rpc_url=_first(env.get("BLOCKRUN_BASE_RPC_URL")) or DEFAULT_BASE_RPC_URL,
            solana_rpc_url=solana_rpc,
            solana_balance_fallback_url=solana_fallback,
            max_cost_per_run=float(cap) if isinstance(cap, int | float) and not isinstance(cap, bool) else None,
            max_cost_per_run_mode="strict" if mode == "strict" else "graceful",
            max_payment_per_request=float(per_request) if isinstance(per_request, int | float) else None,
            routing=dict(config.get("routing") or {}),
            exclude_models=frozenset(excluded),
            require_api_key=config.get("requireApiKey", True) is not False,
            upstream_transport="httpx" if env.get("PYCLAWROUTER_UPSTREAM_TRANSPORT") == "httpx" else "aiohttp",
            allow_unlisted_models=config.get("allowUnlistedModels") is True,
            wallet_key=configured_wallet_key(config),
        )

    def with_overrides(self, **changes: Any) -> Settings:
        """Apply command-line flags (None means "not given")."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def public_base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


class SettingsProvider(Protocol):
    def current(self) -> Settings: ...

    def take_config_notice(self) -> str | None:
        """Once per distinct config problem: a sentence for the user saying which config is in force instead
        and what is wrong; None when the config is fine or the problem was already told."""
        ...


class StaticSettings:
    """A provider that never changes; a hot-reloading one only has to offer the same ``current()``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def current(self) -> Settings:
        return self._settings

    def take_config_notice(self) -> str | None:
        return None


class WatchedSettings:
    """Settings that follow the config files: rebuilt when the config watcher reloads a good config or the
    ``/exclude`` list changes (checked at most once per ``interval``). Host and port never change while
    serving (the socket is bound); everything read per request (caps, mode, excludes, timeouts, routing
    tables) takes effect on the next request."""

    def __init__(self, watcher: Any, env: Mapping[str, str], *, home: Path, overrides: Mapping[str, Any],
                 interval: float = 1.0) -> None:
        import time

        self._clock = time.monotonic
        self._watcher = watcher
        self._env = dict(env)
        self._home = home
        self._overrides = dict(overrides)
        self._interval = interval
        self._generation = -1
        self._excludes_mtime: int | None = None
        self._checked_at = -interval
        self._told: str | None = None
        self._settings = self._build()

    def current(self) -> Settings:
        self._watcher.current()  # cheap: re-reads only when a config file changed
        now = self._clock()
        if self._watcher.generation != self._generation:
            self._settings = self._build()
        elif now - self._checked_at >= self._interval:
            self._checked_at = now
            if _mtime(paths.exclude_models_file(self._home)) != self._excludes_mtime:
                self._settings = self._build()
        return self._settings

    def take_config_notice(self) -> str | None:
        self.current()
        error: str | None = self._watcher.error
        if error is None or error == self._told:
            self._told = error
            return None
        self._told = error
        in_force = self._watcher.fallback or "the last config that loaded"
        return (f"Note: pyclawrouter's config has a problem, so the proxy is running on {in_force}.\n{error}\n"
                "Fix the file: the proxy picks it up by itself, no restart needed.")

    def _build(self) -> Settings:
        self._generation = self._watcher.generation
        self._excludes_mtime = _mtime(paths.exclude_models_file(self._home))
        fresh = Settings.from_config(self._watcher.current(), self._env, home=self._home)
        return fresh.with_overrides(**self._overrides)


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _first(*values: object) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _port(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    port = int(value)
    return port if 1 <= port <= 65535 else None


def _strings(values: object) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Collection):
        return []
    return [v for v in values if isinstance(v, str)]


def _saved_excludes(home: Path) -> set[str]:
    """``/exclude`` persists its list in the state directory; read it once here, not per request."""
    try:
        data = json.loads(paths.exclude_models_file(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return set(_strings(data))
