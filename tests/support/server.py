"""Serving an ASGI app on a real loopback port, for tests that need sockets (and for the CLI).

``with serve(app) as url:`` runs hypercorn in a background thread on a free port, waits (bounded) until it
accepts connections, and always shuts it down on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = None
    config.graceful_timeout = 1.0
    return config


def run_forever(app: Any, host: str, port: int) -> None:
    asyncio.run(hypercorn_serve(app, _config(host, port)))


@contextlib.contextmanager
def serve(
    app: Any, *, host: str = "127.0.0.1", port: int | None = None, startup_timeout_s: float = 10.0
) -> Iterator[str]:
    port = port or free_port()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(hypercorn_serve(app, _config(host, port), shutdown_trigger=stop.wait))
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
        finally:
            loop.close()

    thread = threading.Thread(target=run, name=f"serve-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while True:
        if failure:
            raise RuntimeError(f"server on port {port} failed to start: {failure[0]!r}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"server on {host}:{port} did not start within {startup_timeout_s} s") from None
            time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
