"""The only money pyclawrouter pays with: USDC on Base and USDC on Solana mainnet.

A challenge for any other network or asset is refused, however it is phrased (v1 names or v2 CAIP-2 ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from pyclawrouter.wallet.payment_chain import PaymentChain

USDC_DECIMALS = 6
ATOMIC_PER_USD = 1_000_000  # 10 ** USDC_DECIMALS

BASE_CHAIN_ID = 8453
BASE_NETWORK = f"eip155:{BASE_CHAIN_ID}"
BASE_USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
# Solana mainnet's CAIP-2 id (its genesis hash, truncated) and Circle's USDC mint there. Declared here, not read
# from the x402 SDK: importing its constants module loads the whole SDK (~0.14 s, pydantic included).
SOLANA_NETWORK = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
SOLANA_USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SPL_TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"


@dataclass(frozen=True)
class UsdcConfig:
    payment_chain: PaymentChain
    network: str
    """The v2 CAIP-2 id; ``v1_network`` is the legacy name for the same chain."""
    v1_network: str
    asset: str

    def accepts_network(self, network: str) -> bool:
        return network in (self.network, self.v1_network)

    def accepts_asset(self, asset: str) -> bool:
        # EVM addresses are case-insensitive (checksum casing is cosmetic); base58 mints are not.
        return asset.lower() == self.asset.lower() if self.payment_chain == "base" else asset == self.asset


USDC_BY_CHAIN: dict[PaymentChain, UsdcConfig] = {
    "base": UsdcConfig(payment_chain="base", network=BASE_NETWORK, v1_network="base", asset=BASE_USDC),
    "solana": UsdcConfig(payment_chain="solana", network=SOLANA_NETWORK, v1_network="solana", asset=SOLANA_USDC),
}


def atomic_to_usd(amount: int) -> float:
    return amount / ATOMIC_PER_USD


def usd_to_atomic_floor(usd: float) -> int:
    """Whole micro-USDC not exceeding ``usd`` (a ceiling must never round up)."""
    return int((Decimal(repr(usd)) * ATOMIC_PER_USD).to_integral_value(rounding=ROUND_FLOOR))
