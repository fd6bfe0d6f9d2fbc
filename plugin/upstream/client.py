"""Sending requests to BlockRun: the pooled HTTP client, and ``post``, which lets the x402 flow
(``payments/flow.py``) pay a 402; this module only moves bytes.

A single pooled ``httpx.AsyncClient`` lives as long as the process (creating a client per request costs tens of
milliseconds of TLS and pool set-up). HTTP/1.1 keep-alive only: h2 is slower in Python. Only the headers BlockRun
needs are sent upstream; the client's own headers (OpenClaw's placeholder bearer token, tracing ids) stay local.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from pyclawrouter import __version__
from pyclawrouter.errors import UserFacingError
from pyclawrouter.payments.flow import (
    RESIGN_DELAYS_S,
    PaymentDeclinedError,
    PaymentState,
    SpendHook,
    drive,
    x402_flow,
)

if TYPE_CHECKING:
    from pyclawrouter.payments.payer import Payer

BASE_HEADERS = {
    "content-type": "application/json",
    "accept": "application/json, text/event-stream",
    # Streams are passed through byte for byte, so they must arrive uncompressed.
    "accept-encoding": "identity",
    "user-agent": f"pyclawrouter/{__version__}",
}


class PaymentAttemptError(UserFacingError):
    """The payer could not or would not pay (refused, unreadable challenge, RPC down): try the next model."""

    code = "payment_error"
    http_status = 402
    error_type = "payment_error"


@dataclass
class UpstreamAnswer:
    response: httpx.Response
    payment: PaymentState

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def paid_usd(self) -> float:
        return self.payment.payment.amount_usd if self.payment.payment is not None else 0.0


def make_client(*, max_connections: int = 64, transport: str = "httpx") -> httpx.AsyncClient:
    pool: httpx.AsyncBaseTransport
    if transport == "aiohttp":
        from pyclawrouter.upstream.transport import AiohttpTransport

        pool = AiohttpTransport(max_connections=max_connections)
    else:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                              keepalive_expiry=60.0)
        # trust_env=False: a stray HTTP(S)_PROXY must not see wallet-signed payments.
        pool = httpx.AsyncHTTPTransport(limits=limits, http2=False, trust_env=False)
    return httpx.AsyncClient(transport=pool, timeout=httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=10.0),
                             follow_redirects=False, trust_env=False)


class Upstream:
    def __init__(self, client: httpx.AsyncClient, payer: Payer | None) -> None:
        self.client = client
        self.payer = payer
        # Upstream calls go straight to the client's pool: no redirects, cookies or auth to apply, and skipping
        # them saves ~0.3 ms of CPU per request (profiled). The client itself serves the other calls.
        self._transport: httpx.AsyncBaseTransport = client._transport
        self._urls: dict[str, httpx.URL] = {}
        self.resign_delays_s: tuple[float, ...] = RESIGN_DELAYS_S
        """Pauses before re-signing a Solana payment refused before broadcast; tests shorten them."""

    async def post(self, url: str, body: bytes, *, model: str, estimate_usd: float, read_timeout: float,
                   spend: SpendHook | None = None) -> UpstreamAnswer:
        """Send ``body``, paying a 402 through the x402 flow. The response is open (streamed): the caller closes it.

        A :class:`PaymentDeclinedError` from ``spend`` propagates as is; every other payer error becomes a
        :class:`PaymentAttemptError` (the next model may still answer).
        """
        request = self._request(url, body, read_timeout)
        state = PaymentState()
        if self.payer is None:
            return UpstreamAnswer(await self._send(request), state)
        flow = x402_flow(self.payer, request, model=model, estimate_usd=estimate_usd, hook=spend, state=state,
                         resign_delays_s=self.resign_delays_s, rpc_client=self.client)
        try:
            response = await drive(flow, self._send)
        except PaymentDeclinedError:
            raise
        except UserFacingError as exc:  # every payer error is one (PaymentRefused, PaymentChallengeError, ...)
            raise PaymentAttemptError(exc.message) from exc
        return UpstreamAnswer(response, state)

    def _request(self, url: str, body: bytes, read_timeout: float) -> httpx.Request:
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls[url] = httpx.URL(url)
        timeout = {"connect": 10.0, "read": read_timeout, "write": 30.0, "pool": 10.0}
        return httpx.Request("POST", parsed, content=body, headers=BASE_HEADERS, extensions={"timeout": timeout})

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._transport.handle_async_request(request)
        response.request = request
        return response
