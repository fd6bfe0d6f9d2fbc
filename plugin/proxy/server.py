"""Run the app on Hypercorn, on the loopback interface only, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
from collections.abc import Awaitable, Callable

from hypercorn.asyncio import serve
from hypercorn.config import Config
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


def hypercorn_config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = log
    config.keep_alive_timeout = 300.0  # agent clients keep one connection open between turns
    config.graceful_timeout = 4.0
    config.h11_max_incomplete_size = 64 * 1024
    return config


async def serve_until(app: ASGIApp, host: str, port: int, stop: Callable[[], Awaitable[None]]) -> None:
    check_loopback(host)
    await serve(app, hypercorn_config(host, port), shutdown_trigger=stop)  # type: ignore[arg-type]


def run(app: ASGIApp, host: str, port: int, *, event_loop: str = "asyncio") -> None:
    """Serve in the foreground; returns after a clean shutdown on SIGINT or SIGTERM.

    ``event_loop="uvloop"`` runs on uvloop when it is installed (it is not a dependency; measured in
    benchmarks/README.md)."""
    check_loopback(host)

    async def main() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stopping.set)

        async def stop() -> None:
            await stopping.wait()

        await serve_until(app, host, port, stop)

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
