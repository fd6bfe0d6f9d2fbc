"""The payer: from an upstream 402 to the header that pays it, with every safety check on the way.

``pay`` parses the challenge, picks our USDC requirement, refuses anything over the ceiling or to an
unexpected recipient, signs (EIP-3009 on Base, a partially signed transaction on Solana) and returns the
header to retry with. ``quote`` and ``sign`` are the two halves of ``pay``, so the payment flow can ask the
spend ledger between them. Nothing is ever signed from a cached challenge: a signed authorization can be
settled whatever the server answers, so a pre-signed amount that is not the exact fresh quote risks paying
twice or paying too much.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyclawrouter.endpoints import DEFAULT_SOLANA_RPC_URL
from pyclawrouter.payments import evm
from pyclawrouter.payments.challenge import Challenge, Requirement, choose_requirement, parse_challenge
from pyclawrouter.payments.errors import PaymentChallengeError, PaymentRefused
from pyclawrouter.payments.headers import PAYMENT_SIGNATURE_HEADER, X_PAYMENT_HEADER
from pyclawrouter.payments.networks import USDC_BY_CHAIN, usd_to_atomic_floor
from pyclawrouter.payments.pinning import PayToPin
from pyclawrouter.payments.policy import PaymentPolicy
from pyclawrouter.payments.receipt import Settlement, settlement
from pyclawrouter.wallet.model import Wallet
from pyclawrouter.wallet.payment_chain import PaymentChain

if TYPE_CHECKING:  # types only: solders loads on Solana only
    import httpx

    from pyclawrouter.payments.blockhash import BlockhashPrefetch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentAttempt:
    """A signed payment: send ``headers`` with the retried request."""

    headers: dict[str, str]
    amount_usd: float
    amount_atomic: int
    network: str
    pay_to: str
    version: int
    payer: str = ""
    asset: str = ""
    reference: str = ""
    """EVM: the EIP-3009 nonce (0x-hex); Solana: the payer's transaction signature (base58)."""
    valid_before: int = 0
    """Unix seconds after which this authorization can no longer be settled."""


BUILDER_SERVICE_CODE = "blockrun"
"""BlockRun's ERC-8021 service code: its SDK tags every Base payment with ``extensions["builder-code"].info.s``
so the facilitator attributes the settlement to BlockRun on chain; we send the same."""


def with_builder_code(extensions: Mapping[str, Any] | None) -> dict[str, Any]:
    """The 402's ``extensions`` with our service code set in ``builder-code.info.s``, keeping everything else the
    server sent there (an app code ``a`` echoed back, other extensions)."""
    merged: dict[str, Any] = dict(extensions or {})
    builder = dict(merged.get("builder-code") or {})
    info = dict(builder.get("info") or {})
    info["s"] = [BUILDER_SERVICE_CODE]
    builder["info"] = info
    merged["builder-code"] = builder
    return merged


def _encode(document: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(document, separators=(",", ":")).encode("utf-8")).decode("ascii")


class Payer:
    def __init__(
        self,
        wallet: Wallet,
        *,
        payment_chain: PaymentChain,
        policy: PaymentPolicy | None = None,
        solana_rpc_url: str | None = None,
        expected_pay_to: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if payment_chain == "solana" and wallet.solana_seed is None:
            raise PaymentRefused(
                "The payment chain is Solana but this wallet has no Solana key (no mnemonic). "
                "Run `pyclawrouter wallet chain solana` to set one up, or switch back to Base.",
                reason="no_solana_key",
            )
        if payment_chain == "solana":
            # solders loads here, where the proxy builds its payer off the request path, not at the first
            # payment; on Base it never loads.
            from pyclawrouter.payments import solana  # noqa: F401

            assert wallet.solana_keypair is not None
        self.wallet = wallet
        self.payment_chain: PaymentChain = payment_chain
        self.policy = policy or PaymentPolicy()
        self.solana_rpc_url = solana_rpc_url or DEFAULT_SOLANA_RPC_URL
        self._usdc = USDC_BY_CHAIN[payment_chain]
        self._pin = PayToPin(expected_pay_to)
        self._clock = clock
        self._blockhash_in_402 = False
        """The last Solana 402 carried ``extra.recentBlockhash``: then no blockhash is prefetched."""

    @property
    def address(self) -> str:
        if self.payment_chain == "solana" and self.wallet.solana_address:
            return self.wallet.solana_address
        return self.wallet.evm_address

    async def pay(
        self,
        *,
        url: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        estimate_usd: float,
        model: str | None,
    ) -> PaymentAttempt:
        """Parse, check and sign in one step (for callers with no spend ledger to ask in between)."""
        if status != 402:
            raise PaymentChallengeError(f"Expected a 402 payment challenge, got HTTP {status}.")
        challenge, requirement = self.quote(headers=headers, body=body, estimate_usd=estimate_usd)
        return await self.sign(challenge, requirement)

    def quote(self, *, headers: Mapping[str, str], body: bytes,
              estimate_usd: float) -> tuple[Challenge, Requirement]:
        """The requirement we would pay from a 402, after the ceiling and ``payTo`` checks; signs nothing."""
        challenge = parse_challenge(headers, body)
        requirement = choose_requirement(challenge, self._usdc)
        self._enforce(requirement, estimate_usd)
        return challenge, requirement

    def prefetch_blockhash(self, client: httpx.AsyncClient | None = None) -> BlockhashPrefetch | None:
        """On Solana, start reading a recent blockhash now (call it in the event loop, as the probe is sent) for
        :meth:`sign`, over ``client`` if given; None on Base, or while the gateway's 402s carry their own."""
        if self.payment_chain != "solana" or self._blockhash_in_402:
            return None
        from pyclawrouter.payments.blockhash import BlockhashPrefetch

        return BlockhashPrefetch(self.solana_rpc_url, client=client)

    async def sign(self, challenge: Challenge, requirement: Requirement, *,
                   prefetched: BlockhashPrefetch | None = None) -> PaymentAttempt:
        """Sign ``requirement``. On Solana the blockhash is the 402's if it has one, else ``prefetched``'s
        (from :meth:`prefetch_blockhash`, started with this request's probe), else one read now."""
        if self.payment_chain == "base":
            return self._sign_evm(challenge, requirement)
        from pyclawrouter.payments import solana  # solders: loaded by the first Solana payment, never on Base

        keypair = self.wallet.solana_keypair
        assert keypair is not None  # checked in __init__
        blockhash = solana.blockhash_from_extra(requirement)
        self._blockhash_in_402 = blockhash is not None
        if blockhash is not None:
            if prefetched is not None:
                prefetched.cancel()
        elif prefetched is not None:
            blockhash = await prefetched.get()
        else:
            blockhash = await solana.fetch_latest_blockhash(self.solana_rpc_url)
        transaction = solana.build_transfer(keypair, requirement, blockhash)
        log.debug("signed Solana payment of %d to %s", requirement.amount, requirement.pay_to)
        # Counted from the signing time: a prefetched blockhash is older than that, so it expires sooner, and
        # this bound still holds (payments/blockhash.py).
        return self._attempt(challenge, requirement, {"transaction": transaction},
                             reference=solana.payer_signature(transaction),
                             valid_before=int(self._clock()) + solana.BLOCKHASH_LIFETIME_S)

    def ceiling_for(self, estimate_usd: float) -> float:
        return self.policy.ceiling_for(estimate_usd)

    @staticmethod
    def settlement(headers: Mapping[str, str]) -> Settlement | None:
        """The settlement receipt of a paid response, if it carries one (never required)."""
        return settlement(headers)

    def _enforce(self, requirement: Requirement, estimate_usd: float) -> None:
        ceiling = self.policy.ceiling_for(estimate_usd)
        if requirement.amount > usd_to_atomic_floor(ceiling):
            raise PaymentRefused(
                f"Refused to pay ${requirement.amount_usd:.6f} for this request: the ceiling is ${ceiling:.6f} "
                f"(estimate ${max(estimate_usd, 0.0):.6f}, hard cap ${self.policy.hard_cap_usd:.2f}). "
                "Raise maxPaymentPerRequest in the plugin config if this price is expected.",
                reason="over_ceiling",
            )
        self._pin.check(requirement.network, requirement.pay_to, f"${requirement.amount_usd:.6f}")

    def _sign_evm(self, challenge: Challenge, requirement: Requirement) -> PaymentAttempt:
        scheme_payload = evm.sign_authorization(self.wallet.evm_account, requirement, now=int(self._clock()))
        authorization = scheme_payload["authorization"]
        log.debug("signed Base payment of %d to %s", requirement.amount, requirement.pay_to)
        return self._attempt(challenge, requirement, scheme_payload, reference=str(authorization["nonce"]),
                             valid_before=int(authorization["validBefore"]))

    def _attempt(
        self,
        challenge: Challenge,
        requirement: Requirement,
        scheme_payload: dict[str, Any],
        *,
        reference: str,
        valid_before: int,
    ) -> PaymentAttempt:
        if requirement.version == 2:
            document: dict[str, Any] = {"x402Version": 2}
            if challenge.resource is not None:
                document["resource"] = challenge.resource
            document["accepted"] = requirement.raw
            document["payload"] = scheme_payload
            # BlockRun's SDK tags Base payments only; its Solana payments carry the 402's extensions as given.
            if self.payment_chain == "base":
                document["extensions"] = with_builder_code(challenge.extensions)
            elif challenge.extensions:
                document["extensions"] = dict(challenge.extensions)
            header = PAYMENT_SIGNATURE_HEADER
        else:
            document = {
                "x402Version": 1,
                "scheme": requirement.scheme,
                "network": requirement.network,
                "payload": scheme_payload,
            }
            header = X_PAYMENT_HEADER
        return PaymentAttempt(
            headers={header: _encode(document)},
            amount_usd=requirement.amount_usd,
            amount_atomic=requirement.amount,
            network=requirement.network,
            pay_to=requirement.pay_to,
            version=requirement.version,
            payer=self.address,
            asset=requirement.asset,
            reference=reference,
            valid_before=valid_before,
        )
