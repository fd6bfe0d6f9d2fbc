"""An httpx transport that sends requests with aiohttp's connection pool.

The proxy talks to the upstream through ``httpx.AsyncClient`` either way; this only swaps what is under it.
httpcore's pool re-scans every connection for every queued request, which costs milliseconds of CPU per
request once a few dozen are in flight (measured in ``benchmarks/proxy_overhead.py``; encode/httpx#3215);
aiohttp's pool does not. aiohttp is a direct dependency.

Semantics kept from httpx: bodies arrive undecoded (``aiter_raw``), read timeouts are per chunk, and errors
surface as ``httpx`` exceptions, so the fallback loop cannot tell the difference.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import httpx

_SKIP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, max_connections: int = 64, keepalive_expiry: float = 60.0) -> None:
        self._limit = max_connections
        self._keepalive = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit, keepalive_timeout=self._keepalive, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False, trust_env=False,
                                                  skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"))
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeouts.get("connect"),
                                        sock_read=timeouts.get("read"))
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in _SKIP_HEADERS]
        try:
            response = await self._client().request(request.method, str(request.url), headers=headers,
                                                    data=request.content, timeout=timeout, allow_redirects=False)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timeout", request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx.Response(response.status, headers=list(response.headers.items()),
                              stream=_Body(response, request), extensions={"http_version": b"HTTP/1.1"})

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except TimeoutError as exc:
            raise httpx.ReadTimeout("read timeout", request=self._request) from exc
        except aiohttp.ClientPayloadError as exc:
            raise httpx.RemoteProtocolError(str(exc) or "incomplete body", request=self._request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=self._request) from exc

    async def aclose(self) -> None:
        # A fully read answer returns its connection to the pool; an unfinished one must drop it, which is
        # also what cancels the upstream when a client goes away.
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()
