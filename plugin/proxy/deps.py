"""What the proxy needs from the rest of the package, as small protocols.

The app is built from a :class:`Deps` so tests and the benchmark can swap a part (a fake balance monitor, no
payer for a non-402 upstream) without patching modules; :func:`load_deps` wires the real ones.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from pyclawrouter.settings import Settings

if TYPE_CHECKING:  # loaded in the start-up worker thread, after the server listens
    from pyclawrouter.payments.payer import Payer


class Decision(Protocol):
    @property
    def tier(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def chain(self) -> list[str]: ...
    @property
    def profile(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def reasoning(self) -> str: ...
    @property
    def cost_estimate(self) -> float: ...
    @property
    def baseline_cost(self) -> float: ...
    @property
    def savings(self) -> float: ...
    @property
    def agentic_score(self) -> float: ...
    @property
    def input_tokens(self) -> int: ...
    @property
    def max_output_tokens(self) -> int: ...


class RouteFn(Protocol):
    def __call__(self, body: Mapping[str, Any], profile: str | None = ..., *, config: Any = ...,
                 excluded: Collection[str] = ...) -> Decision: ...


class BalanceInfo(Protocol):
    @property
    def usd(self) -> Decimal | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def is_low(self) -> bool: ...
    @property
    def is_empty(self) -> bool: ...


class BalanceMonitor(Protocol):
    async def get(self, force: bool = False) -> BalanceInfo: ...

    def invalidate(self) -> None: ...

    def deduct(self, usd: Decimal) -> None: ...


@dataclass
class Deps:
    route: RouteFn
    catalog: Any
    routing_config: Any = None
    payer: Payer | None = None
    balance: BalanceMonitor | None = None
    wallet_address: str | None = None
    solana_address: str | None = None
    estimate_cost: Any = None  # (model_id, input_tokens, max_output_tokens) -> float
    tier_chain: Any = None  # (profile, tier) -> list[str]: the models of a tier, for 3-strike escalation
    routing_from: Any = None  # (routing config mapping) -> RoutingConfig, to follow config edits


def load_deps(settings: Settings) -> Deps:
    """Wire the real routing core, wallet, payer and balance monitor (imports are lazy: ``serve`` only)."""
    import os

    from pyclawrouter.payments.payer import Payer as RealPayer
    from pyclawrouter.payments.policy import PaymentPolicy
    from pyclawrouter.router import route
    from pyclawrouter.routing.config import RoutingConfig
    from pyclawrouter.routing.selector import estimate_request_cost
    from pyclawrouter.wallet import load_or_create_wallet

    routing = RoutingConfig.from_mapping(settings.routing or None)
    catalog = routing.catalog
    wallet = load_or_create_wallet(settings.home, os.environ)
    policy = PaymentPolicy(max_per_request_usd=settings.max_payment_per_request)
    payer = RealPayer(wallet, chain=settings.chain, policy=policy, solana_rpc_url=settings.solana_rpc_url)
    return Deps(
        route=route,
        catalog=catalog,
        routing_config=routing,
        payer=payer,
        balance=_balance_monitor(wallet, settings),
        wallet_address=wallet.evm_address,
        solana_address=wallet.solana_address,
        estimate_cost=lambda model, tokens_in, tokens_out: estimate_request_cost(model, tokens_in, tokens_out,
                                                                                catalog=catalog),
        tier_chain=lambda profile, tier: list(routing.choice(profile, tier).chain),
        routing_from=lambda mapping: RoutingConfig.from_mapping(mapping or None, catalog=catalog),
    )


def _balance_monitor(wallet: Any, settings: Settings) -> BalanceMonitor | None:
    from pyclawrouter.balance import BalanceMonitor as RealBalanceMonitor

    if settings.chain == "solana" and wallet.solana_address is None:
        return None  # the payer refuses this setup with a clear message; no balance to read
    monitor: BalanceMonitor = RealBalanceMonitor(wallet, chain=settings.chain, base_rpc_url=settings.base_rpc_url,
                                                 solana_rpc_url=settings.solana_rpc_url)
    return monitor
