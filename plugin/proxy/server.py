"""Run the app on Hypercorn, on the loopback interface only, until SIGINT/SIGTERM.

The listening socket is bound by the caller (:func:`pyclawrouter.proxy.listener.bind`) before the app starts,
and handed to Hypercorn's worker loop with the app wrapped the way ``hypercorn.asyncio.serve`` wraps it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
from collections.abc import Awaitable, Callable

from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config, Sockets
from hypercorn.utils import wrap_app
from starlette.types import ASGIApp

from pyclawrouter.errors import UserFacingError

log = logging.getLogger(__name__)


class NotLoopbackError(UserFacingError):
    code = "not_loopback"
    http_status = 400


def check_loopback(host: str) -> None:
    """The proxy spends the wallet for whoever calls it: it must never listen beyond this machine."""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return
    except ValueError:
        pass
    raise NotLoopbackError(f"refusing to listen on {host}: the proxy only listens on loopback (127.0.0.1 or ::1)")


# Hypercorn's keep-alive timer runs from the moment a connection opens (and again from the end of each
# response) until the next request head is complete; it stops while a request is served. So it is both the
# idle timeout and the header-read timeout: a client that sends half a header is closed after this long.
# (Hypercorn's read_timeout is no help: it times every read, and would cut a client that waits minutes for a
# reasoning model's answer.) The OpenAI SDK (httpx) and Node's fetch (undici) drop idle connections after
# 5 s and 4 s themselves, so this is well past what a client keeps open between turns.
HEADER_TIMEOUT_S = 30.0
# Largest request head (request line + headers) h11 buffers before answering 431; OpenClaw's are ~2 KB.
MAX_HEADER_BYTES = 64 * 1024


def hypercorn_config(*, header_timeout_s: float = HEADER_TIMEOUT_S) -> Config:
    config = Config()
    config.accesslog = None
    config.errorlog = log
    config.keep_alive_timeout = header_timeout_s
    config.graceful_timeout = 4.0
    config.h11_max_incomplete_size = MAX_HEADER_BYTES
    return config


async def serve_socket(app: ASGIApp, sock: socket.socket, stop: Callable[[], Awaitable[None]], *,
                       header_timeout_s: float = HEADER_TIMEOUT_S) -> None:
    """Serve on an already bound, listening socket until ``stop`` returns."""
    check_loopback(sock.getsockname()[0])
    config = hypercorn_config(header_timeout_s=header_timeout_s)
    await worker_serve(wrap_app(app, config.wsgi_max_body_size, "asgi"), config,  # type: ignore[arg-type]
                       sockets=Sockets(secure_sockets=[], insecure_sockets=[sock], quic_sockets=[]),
                       shutdown_trigger=stop)


def run(app: ASGIApp, sock: socket.socket, *, event_loop: str = "asyncio") -> None:
    """Serve in the foreground; returns after a clean shutdown on SIGINT or SIGTERM.

    ``event_loop="uvloop"`` runs on uvloop when it is installed (it is not a dependency; measured in
    benchmarks/README.md)."""
    async def main() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stopping.set)

        async def stop() -> None:
            await stopping.wait()

        await serve_socket(app, sock, stop)

    factory = None
    if event_loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            log.warning("uvloop is not installed; using the standard asyncio event loop")
        else:
            factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())
