"""The server's own defences: a busy port is reported (and the running proxy left alone), a half-sent header is
cut off after the configured timeout, and open connections are bounded."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pyclawrouter import paths
from pyclawrouter.config_schema import ConfigWatcher
from pyclawrouter.proxy import listener
from pyclawrouter.proxy.server import serve_socket


async def _hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


APP = Starlette(routes=[Route("/", _hello)])


@contextlib.contextmanager
def _serving(sock: socket.socket, **kw: float) -> Iterator[str]:
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=lambda: loop.run_until_complete(serve_socket(APP, sock, stop.wait, **kw)),
                              daemon=True)
    thread.start()
    host, port = sock.getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        loop.close()


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_serve_on_a_busy_port_names_the_holder_and_leaves_the_running_proxys_files(tmp_path: Path) -> None:
    home = tmp_path / "state"
    home.mkdir()
    env = {**os.environ, "PYCLAWROUTER_HOME": str(home), "HOME": str(tmp_path),
           "OPENCLAW_CONFIG_PATH": str(tmp_path / "none.json")}
    # What the running proxy has written by now: its token, and the config it started with.
    (home / "command-token").write_text("the-running-proxys-token\n")
    ConfigWatcher(home, env, remember=paths.last_good_config_file(home))
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in home.iterdir()}
    assert set(before) == {"command-token", paths.last_good_config_file(home).name}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "pyclawrouter", "serve", "--port", str(port)], env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use by pid {os.getpid()} (" in done.stderr
    assert "--port" in done.stderr and "Traceback" not in done.stderr
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in home.iterdir()} == before


def test_port_holder_falls_back_when_proc_cannot_tell(tmp_path: Path) -> None:
    assert listener.port_holder(8402, proc=tmp_path) == "another process"
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "tcp").write_text(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:20D2 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242\n")
    assert listener.port_holder(8402, proc=tmp_path) == "another process"  # the socket's owner is not visible
    (tmp_path / "77" / "fd").mkdir(parents=True)
    os.symlink("socket:[4242]", tmp_path / "77" / "fd" / "5")
    (tmp_path / "77" / "cmdline").write_bytes(b"python3\0-m\0pyclawrouter\0serve\0")
    assert listener.port_holder(8402, proc=tmp_path) == "pid 77 (python3 -m pyclawrouter serve)"
    assert listener.port_holder(8403, proc=tmp_path) == "another process"


def test_half_a_header_is_disconnected_after_the_timeout_and_others_are_served() -> None:
    sock = listener.bind("127.0.0.1", 0)
    with _serving(sock, header_timeout_s=0.5) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nx-half: ")
            assert httpx.get(url, timeout=10).text == "hello"  # served while the slow one dangles
            assert _read_all(slow) == b""  # closed by the server, without an answer, well before 30 s
        assert httpx.get(url, timeout=10).text == "hello"


def test_connections_past_the_limit_get_503_and_the_slot_comes_back() -> None:
    sock = listener.bind("127.0.0.1", 0, limit=2)
    # Hypercorn closes a connection whose client went away when its idle timer runs out, so that is when its
    # slot comes back: a short timeout keeps the test short.
    with _serving(sock, header_timeout_s=0.5) as url:
        host, port = url.removeprefix("http://").split(":")
        idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(2)]
        with socket.create_connection((host, int(port)), timeout=10) as extra:
            answer = _read_all(extra)
        assert answer.startswith(b"HTTP/1.1 503") and b"too_many_connections" in answer
        assert b"the limit is 2" in answer
        idle[0].close()
        # Until the server has closed its side, new clients keep getting 503.
        for _ in range(1000):
            response = httpx.get(url, timeout=10, headers={"connection": "close"})
            if response.status_code != 503:
                break
        assert response.text == "hello"
        idle[1].close()
