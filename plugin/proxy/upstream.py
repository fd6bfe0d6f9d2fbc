"""One paid request to BlockRun: send, answer a 402 challenge with an x402 payment, send again.

A single pooled ``httpx.AsyncClient`` lives as long as the process (a client per request costs ~40 ms:
performance-notes §3). HTTP/1.1 keep-alive only: h2 is slower in Python. Only the headers BlockRun needs are
sent upstream; the client's own headers (OpenClaw's placeholder bearer token, tracing ids) stay local.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

import httpx

from pyclawrouter import __version__
from pyclawrouter.errors import UserFacingError
from pyclawrouter.proxy.deps import Payer, PaymentAttempt

BASE_HEADERS = {
    "content-type": "application/json",
    "accept": "application/json, text/event-stream",
    # Streams are passed through byte for byte, so they must arrive uncompressed.
    "accept-encoding": "identity",
    "user-agent": f"pyclawrouter/{__version__}",
}

# Called with the amount a signed payment would spend before it is sent; False refuses it (spend cap).
T = TypeVar("T")

Approve = Callable[[float], Awaitable[bool]]


class PaymentAttemptError(UserFacingError):
    """The payer could not or would not pay (refused, unreadable challenge, RPC down): try the next model."""

    code = "payment_error"
    http_status = 402
    error_type = "payment_error"


class PaymentNotApprovedError(UserFacingError):
    code = "cost_cap_exceeded"
    http_status = 429
    error_type = "cost_cap_exceeded"


@dataclass
class UpstreamAnswer:
    response: httpx.Response
    payment: PaymentAttempt | None

    @property
    def status(self) -> int:
        return self.response.status_code


def make_client(*, max_connections: int = 64, transport: str = "httpx") -> httpx.AsyncClient:
    pool: httpx.AsyncBaseTransport
    if transport == "aiohttp":
        from pyclawrouter.proxy.aiohttp_transport import AiohttpTransport

        pool = AiohttpTransport(max_connections=max_connections)
    else:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                              keepalive_expiry=60.0)
        # trust_env=False: a stray HTTP(S)_PROXY must not see wallet-signed payments.
        pool = httpx.AsyncHTTPTransport(limits=limits, http2=False, trust_env=False)
    return httpx.AsyncClient(transport=pool, timeout=httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=10.0),
                             follow_redirects=False, trust_env=False)


def amount(payment: PaymentAttempt | None) -> float:
    if payment is None:
        return 0.0
    value = payment.amount_usd
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


class Upstream:
    def __init__(self, client: httpx.AsyncClient, payer: Payer | None) -> None:
        self.client = client
        self.payer = payer
        # Upstream calls go straight to the client's pool: no redirects, cookies or auth to apply, and skipping
        # them saves ~0.3 ms of CPU per request (profiled). The client itself serves the other calls.
        self._transport: httpx.AsyncBaseTransport = client._transport
        self._urls: dict[str, httpx.URL] = {}

    async def post(self, url: str, body: bytes, *, model: str, estimate_usd: float, read_timeout: float,
                   approve: Approve | None = None) -> UpstreamAnswer:
        """Send ``body``; on a 402 pay and resend once. The response is open (streamed): the caller closes it."""
        payer = self.payer
        preauth = None
        if payer is not None:
            with contextlib.suppress(UserFacingError):  # no pre-auth is always a safe answer
                preauth = await _maybe(payer.preauthorize(url=url, model=model, estimate_usd=estimate_usd))
        if preauth is not None and approve is not None and not await approve(amount(preauth)):
            preauth = None
        response = await self._send(url, body, preauth.headers if preauth else None, read_timeout)
        if response.status_code == 402 and payer is not None and preauth is not None:
            # The cached price no longer covers this request (it grew, or the price changed): that 402 is an
            # error, not a challenge. Forget the cache and ask again unpaid for a fresh challenge (bug B13).
            await response.aread()
            await response.aclose()
            payer.forget_preauth(url=url, model=model)
            response = await self._send(url, body, None, read_timeout)
        if response.status_code != 402 or payer is None:
            return UpstreamAnswer(response, preauth if response.status_code < 400 else None)
        challenge = await response.aread()
        await response.aclose()
        try:
            payment = await payer.pay(url=url, status=402, headers=dict(response.headers), body=challenge,
                                      estimate_usd=estimate_usd, model=model)
        except UserFacingError as exc:  # every payer error is one (PaymentRefused, PaymentChallengeError, ...)
            raise PaymentAttemptError(exc.message) from exc
        if approve is not None and not await approve(amount(payment)):
            raise PaymentNotApprovedError(f"Paying ${amount(payment):.6f} for {model} would exceed the cost cap")
        response = await self._send(url, body, payment.headers, read_timeout)
        return UpstreamAnswer(response, payment if response.status_code < 400 else None)

    async def _send(self, url: str, body: bytes, extra: Mapping[str, str] | None,
                    read_timeout: float) -> httpx.Response:
        headers = {**BASE_HEADERS, **extra} if extra else BASE_HEADERS
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls[url] = httpx.URL(url)
        timeout = {"connect": 10.0, "read": read_timeout, "write": 30.0, "pool": 10.0}
        request = httpx.Request("POST", parsed, content=body, headers=headers, extensions={"timeout": timeout})
        response = await self._transport.handle_async_request(request)
        response.request = request
        return response


async def _maybe(value: T | Awaitable[T]) -> T:
    return await value if inspect.isawaitable(value) else value
