"""The whole x402 exchange for one upstream request, as a flow the HTTP client drives.

The shape is httpx's ``Auth.auth_flow``: the flow yields a request, the client sends it and hands the response
back (``response = yield request``), until the flow stops and the last response is the answer::

    send the request unpaid ──► 402? ──► quote (ceiling, payTo) ──► hook.approve ──► sign
        ──► hook.signed (recorded before it leaves) ──► resend paid ──► receipt or 2xx: hook.settled
                    ▲                                                    │
                    └─ Solana refused it before broadcast (≤ 4×): probe ─┘

The client only moves bytes; every decision about money is here and in the hook (the spend ledger). A signed
authorization can be settled by the gateway whatever status comes back, so ``hook.signed`` is called before
the paid request is yielded: if the send then fails, times out or is cancelled, the payment is still counted.
Nothing is signed from a cached challenge (probe then pay): only a fresh quote is exact. On Solana, when the
402 carries no blockhash, the one the payment is built on is read while the probe is in flight, for this
request only (``payments/blockhash.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import httpx

from pyclawrouter.errors import UserFacingError
from pyclawrouter.payments.errors import resignable_solana_rejection

if TYPE_CHECKING:  # the payer pulls in coincurve, loaded after the server listens
    from pyclawrouter.payments.payer import Payer, PaymentAttempt


class PaymentDeclinedError(UserFacingError):
    """The spend ledger declined a payment before it was signed (``reason``: ``cap`` or ``ceiling``)."""

    code = "cost_cap_exceeded"
    http_status = 429
    error_type = "cost_cap_exceeded"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class SpendHook(Protocol):
    def approve(self, amount_usd: float, model: str) -> None:
        """Raise :class:`PaymentDeclinedError` to refuse; called before anything is signed."""

    def signed(self, payment: PaymentAttempt, model: str) -> int:
        """Record the signed payment; returns its ledger entry. Called before the paid request is sent."""

    def settled(self, entry: int, tx: str | None) -> None: ...


@dataclass
class PaymentState:
    """What the flow did, for the caller: the payment it signed (if any) and its ledger entry."""

    payment: PaymentAttempt | None = None
    entry: int | None = None
    receipt_tx: str | None = None
    resigned: int = 0
    """Solana payments refused before broadcast and signed afresh (each one also in the ledger)."""


MAX_RESIGNS = 4
"""Fresh signatures after Solana refusals made before broadcast, as BlockRun's SDK allows."""
RESIGN_DELAYS_S = (0.25, 0.5, 1.0, 2.0)
"""The SDK's pauses before each: concurrent payments from one wallet are what these refusals usually are."""

# The status of a finished answer that proves the gateway settled: a 202 (an image job still running) does not.
SETTLED_STATUS = 200


async def x402_flow(payer: Payer, request: httpx.Request, *, model: str, estimate_usd: float,
                    hook: SpendHook | None, state: PaymentState, resign_delays_s: Sequence[float] = RESIGN_DELAYS_S,
                    rpc_client: httpx.AsyncClient | None = None) -> AsyncGenerator[httpx.Request, httpx.Response]:
    """``rpc_client``: the pooled client the Solana blockhash is read over (without it, a connection per read)."""
    # Solana: the blockhash is read while the probe is in flight (payments/blockhash.py), not after its 402.
    # A model we expect to be free (estimate 0) is not expected to answer 402: no read for it; should it ask
    # to be paid all the same, the blockhash is read after the 402.
    prefetch = payer.prefetch_blockhash(rpc_client) if estimate_usd > 0 else None
    try:
        response = yield request
        for resign in range(MAX_RESIGNS + 1):
            if response.status_code != 402:
                return
            challenge_body = await response.aread()
            await response.aclose()
            challenge, requirement = payer.quote(headers=response.headers, body=challenge_body,
                                                 estimate_usd=estimate_usd)
            if hook is not None:
                hook.approve(requirement.amount_usd, model)
            payment = await payer.sign(challenge, requirement, prefetched=prefetch)
            state.payment = payment
            if hook is not None:
                state.entry = hook.signed(payment, model)
            headers = httpx.Headers(request.headers)
            headers.update(payment.headers)
            response = yield httpx.Request(request.method, request.url, headers=headers, content=request.content,
                                           extensions=request.extensions)
            # Solana only: a refusal the gateway proves came before any broadcast is answered with a new payment,
            # from a fresh probe (a fresh quote and blockhash), like the first: approved, signed and recorded.
            if payer.payment_chain != "solana" or response.status_code != 402 or resign == MAX_RESIGNS:
                break
            if not resignable_solana_rejection(await response.aread()):
                break
            await response.aclose()
            state.resigned += 1
            await asyncio.sleep(resign_delays_s[min(resign, len(resign_delays_s) - 1)] if resign_delays_s else 0.0)
            prefetch = payer.prefetch_blockhash(rpc_client)
            response = yield request
        from pyclawrouter.payments.receipt import settlement

        receipt = settlement(response.headers)
        # A receipt's ``success`` is always true on BlockRun: only a transaction hash proves anything.
        state.receipt_tx = receipt.transaction if receipt is not None and receipt.transaction else None
        proven = state.receipt_tx is not None or response.status_code == SETTLED_STATUS
        if hook is not None and state.entry is not None and proven:
            hook.settled(state.entry, state.receipt_tx)
    finally:
        # The probe was not a 402, the send failed, or quoting, approving or signing raised: no read left running.
        if prefetch is not None:
            prefetch.cancel()


Send = Callable[[httpx.Request], Awaitable[httpx.Response]]


async def drive(flow: AsyncGenerator[httpx.Request, httpx.Response], send: Send) -> httpx.Response:
    """Send what the flow asks for until it is done; the last response (still open) is the answer."""
    try:
        request = await anext(flow)
        while True:
            response = await send(request)
            try:
                request = await flow.asend(response)
            except StopAsyncIteration:
                return response
    finally:
        await flow.aclose()
