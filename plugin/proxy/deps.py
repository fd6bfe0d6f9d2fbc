"""The parts of the package the proxy is built from: the routing core, the payer and the balance monitor.

:func:`load_deps` wires the real ones in the start-up worker thread (their imports are the slow part of
start-up, so the types are only imported for type checking here). Tests build the app from ``load_deps`` too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyclawrouter.settings import Settings

if TYPE_CHECKING:  # loaded in the start-up worker thread, after the server listens
    from pyclawrouter.balance import BalanceMonitor
    from pyclawrouter.payments.payer import Payer
    from pyclawrouter.routing.catalog import Catalog
    from pyclawrouter.routing.config import RoutingConfig
    from pyclawrouter.routing.request import ChatRequest
    from pyclawrouter.routing.router import RoutingDecision
    from pyclawrouter.wallet.model import Wallet


@dataclass
class Deps:
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


def load_deps(settings: Settings) -> Deps:
    """Wire the real routing core, wallet, payer and balance monitor (imports are lazy: ``serve`` only)."""
    import os

    from pyclawrouter.payments.payer import Payer as RealPayer
    from pyclawrouter.payments.policy import PaymentPolicy
    from pyclawrouter.routing.config import RoutingConfig
    from pyclawrouter.wallet import load_or_create_wallet

    routing = RoutingConfig.from_mapping(settings.routing or None)
    wallet = load_or_create_wallet(settings.home, os.environ)
    policy = PaymentPolicy(max_per_request_usd=settings.max_payment_per_request)
    payer = RealPayer(wallet, payment_chain=settings.payment_chain, policy=policy,
                      solana_rpc_url=settings.solana_rpc_url)
    return Deps(routing=routing, payer=payer, balance=_balance_monitor(wallet, settings),
                wallet_address=wallet.evm_address, solana_address=wallet.solana_address)


def _balance_monitor(wallet: Wallet, settings: Settings) -> BalanceMonitor | None:
    from pyclawrouter.balance import BalanceMonitor as RealBalanceMonitor

    if settings.payment_chain == "solana" and wallet.solana_address is None:
        return None  # the payer refuses this setup with a clear message; no balance to read
    monitor = RealBalanceMonitor(wallet, payment_chain=settings.payment_chain, base_rpc_url=settings.base_rpc_url,
                                                 solana_rpc_url=settings.solana_rpc_url,
                                                 solana_fallback_rpc_url=settings.solana_balance_fallback_url)
    return monitor
