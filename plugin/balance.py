"""USDC balance of the payment wallet, for the pre-flight check and ``/wallet``.

Base: one raw ``eth_call`` of ``balanceOf`` on the USDC contract against ``BLOCKRUN_BASE_RPC_URL``. Solana:
``getTokenAccountsByOwner`` (jsonParsed) for the USDC mint against ``CLAWROUTER_SOLANA_RPC_URL``. Positive
balances are cached for ``cache_ttl_s`` and reduced locally after each payment; zero is never cached. An RPC
failure is reported as ``BalanceInfo.error`` with ``usd=None``: it is never mistaken for an empty wallet.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx

from pyclawrouter.endpoints import DEFAULT_BASE_RPC_URL, DEFAULT_SOLANA_RPC_URL
from pyclawrouter.payments.networks import BASE_USDC, SOLANA_USDC
from pyclawrouter.wallet.model import Wallet
from pyclawrouter.wallet.payment_chain import PaymentChain

log = logging.getLogger(__name__)

LOW_BALANCE_USD = Decimal("1.00")
EMPTY_BALANCE_USD = Decimal("0.0001")
_MICRO = Decimal(1_000_000)
_BALANCE_OF_SELECTOR = "0x70a08231"  # keccak256("balanceOf(address)")[:4]


@dataclass(frozen=True)
class BalanceInfo:
    usd: Decimal | None
    """USDC in dollars; ``None`` when it could not be read (see ``error``)."""
    error: str | None
    is_low: bool
    is_empty: bool
    payment_chain: str
    address: str

    def covers(self, usd: float) -> bool | None:
        """Whether the balance covers ``usd``; ``None`` when the balance is unknown."""
        return None if self.usd is None else self.usd >= Decimal(repr(usd))

    def format(self) -> str:
        return "(could not check)" if self.usd is None else f"${self.usd:.2f}"


class BalanceRpcError(Exception):
    pass


def _where(url: str) -> str:
    """Scheme and host only: RPC URLs often carry an API key in the path or query."""
    parts = urlsplit(url)
    if not parts.hostname:
        return "the RPC"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class BalanceMonitor:
    def __init__(
        self,
        wallet: Wallet,
        *,
        payment_chain: PaymentChain,
        base_rpc_url: str | None = None,
        solana_rpc_url: str | None = None,
        solana_fallback_rpc_url: str | None = None,
        cache_ttl_s: float = 30.0,
        timeout_s: float = 10.0,
        retry_delays_s: tuple[float, ...] = (1.5, 3.0),
        empty_retry_delay_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.payment_chain: PaymentChain = payment_chain
        if payment_chain == "solana":
            if wallet.solana_address is None:
                raise ValueError("the Solana balance needs a wallet with a Solana key (a mnemonic)")
            self.address = wallet.solana_address
        else:
            self.address = wallet.evm_address
        self.base_rpc_url = base_rpc_url or DEFAULT_BASE_RPC_URL
        self.solana_rpc_url = solana_rpc_url or DEFAULT_SOLANA_RPC_URL
        self.solana_fallback_rpc_url = solana_fallback_rpc_url
        self.cache_ttl_s = cache_ttl_s
        self.timeout_s = timeout_s
        self.retry_delays_s = retry_delays_s
        self.empty_retry_delay_s = empty_retry_delay_s
        self._clock = clock
        self._cached_micro: int | None = None
        self._cached_at = 0.0

    async def get(self, force: bool = False) -> BalanceInfo:
        if not force and self._cached_micro is not None and self._clock() - self._cached_at < self.cache_ttl_s:
            return self._info(self._cached_micro)
        try:
            micro = await (self._read_solana() if self.payment_chain == "solana" else self._read_base())
        except BalanceRpcError as exc:
            log.info("balance check failed: %s", exc)
            return BalanceInfo(None, str(exc), False, False, self.payment_chain, self.address)
        if micro > 0:
            self._cached_micro, self._cached_at = micro, self._clock()
        else:
            self.invalidate()
        return self._info(micro)

    def invalidate(self) -> None:
        self._cached_micro = None

    def peek(self) -> BalanceInfo | None:
        """The cached balance whatever its age (None when there is none); no RPC."""
        return None if self._cached_micro is None else self._info(self._cached_micro)

    def deduct(self, usd: float | Decimal) -> None:
        """Lower the cached balance after a payment (optimistic; the next real read corrects it)."""
        if self._cached_micro is not None:
            amount = usd if isinstance(usd, Decimal) else Decimal(repr(usd))
            spent = int((amount * _MICRO).to_integral_value())
            self._cached_micro = max(0, self._cached_micro - spent)

    def _info(self, micro: int) -> BalanceInfo:
        usd = Decimal(micro) / _MICRO
        return BalanceInfo(usd, None, usd < LOW_BALANCE_USD, usd < EMPTY_BALANCE_USD, self.payment_chain, self.address)

    async def _read_base(self) -> int:
        # One raw eth_call of balanceOf(address): selector 0x70a08231 + the address left-padded to 32 bytes.
        request = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_call",
            "params": [{"to": BASE_USDC, "data": _BALANCE_OF_SELECTOR + self.address[2:].lower().rjust(64, "0")},
                       "latest"],
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.post(self.base_rpc_url, json=request)
                response.raise_for_status()
                return _uint256_result(response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise BalanceRpcError(
                f"RPC error reading the Base USDC balance from {_where(self.base_rpc_url)}: "
                f"{type(exc).__name__}. Check network connectivity."
            ) from None

    async def _read_solana(self) -> int:
        """From the configured RPC (by default BlockRun's RPC proxy), else once from the fallback RPC if that one
        does not serve balance reads; each try is bounded by ``timeout_s``."""
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            fallback = self.solana_fallback_rpc_url
            if not fallback or fallback == self.solana_rpc_url:
                return await self._read_solana_from(client, self.solana_rpc_url, self.retry_delays_s)
            try:
                return await self._read_solana_from(client, self.solana_rpc_url, ())
            except BalanceRpcError as exc:
                log.info("%s; reading the Solana balance from %s instead", exc, _where(fallback))
            return await self._read_solana_from(client, fallback, self.retry_delays_s)

    async def _read_solana_from(self, client: httpx.AsyncClient, url: str, retry_delays_s: tuple[float, ...]) -> int:
        request = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "getTokenAccountsByOwner",
            "params": [self.address, {"mint": SOLANA_USDC}, {"encoding": "jsonParsed"}],
        }
        delays = (*retry_delays_s, None)
        retried_empty = False
        for delay in delays:
            try:
                response = await client.post(url, json=request)
                response.raise_for_status()
                total = _sum_token_accounts(response.json())
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                if delay is None:
                    raise BalanceRpcError(
                        f"RPC error reading the Solana USDC balance from {_where(url)}: "
                        f"{type(exc).__name__}. Check network connectivity."
                    ) from None
                await asyncio.sleep(delay)
                continue
            if total == 0 and not retried_empty and self.empty_retry_delay_s > 0:
                # Public RPCs sometimes answer an empty list for a funded wallet: look once more.
                retried_empty = True
                await asyncio.sleep(self.empty_retry_delay_s)
                continue
            return total
        return 0


def _uint256_result(document: Any) -> int:
    """The ``result`` of an ``eth_call`` returning one uint256 (an RPC ``error`` or short data raises)."""
    if "error" in document:
        raise ValueError(str(document["error"])[:200])
    result = document["result"]
    if not isinstance(result, str) or not result.startswith("0x") or len(result) != 66:
        raise ValueError("balanceOf did not return one 32-byte word")
    return int(result, 16)


def _sum_token_accounts(document: Any) -> int:
    if "error" in document:
        raise ValueError(str(document["error"])[:200])
    total = 0
    for entry in document["result"]["value"]:
        total += int(entry["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"])
    return total
