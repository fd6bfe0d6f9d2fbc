"""The proxy's listening socket: bound before anything else starts, and with a bound on open connections.

``serve`` binds the port itself, before the app's start-up writes any file (``command-token``): a second
``serve`` on a busy port must say who holds it and leave the running proxy's files alone. Hypercorn binds only
after the app's start-up has run, so it is handed this socket instead.

Hypercorn has no limit on open connections, and every connection costs a file descriptor (the default soft
limit is 1024, shared with the upstream connections). :class:`BoundedListener` counts the connections it has
accepted and not yet closed; past the limit it answers a new connection at once with a 503 (``Connection:
close``) and closes it, so a flood of idle connections cannot starve upstream sockets or hang new clients.
A slot comes back when Hypercorn closes the connection: after the response to a ``Connection: close`` request,
or when its keep-alive/header timer runs out (``server.HEADER_TIMEOUT_S``), also for a client that went away.
The count hooks ``socket.accept``, which asyncio's default event loop calls; uvloop accepts in C and is not
bounded.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import weakref
from collections.abc import Callable
from pathlib import Path

from pyclawrouter.errors import UserFacingError

MAX_OPEN_CONNECTIONS = 256
_REFUSAL = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s")


class PortInUseError(UserFacingError):
    code = "port_in_use"


def refusal_body(limit: int) -> bytes:
    message = (f'{{"error": {{"message": "Too many open connections to the proxy (the limit is {limit}); '
               f'retry shortly", "type": "server_error", "code": "too_many_connections"}}}}').encode()
    return _REFUSAL % (len(message), message)


class _Connection(socket.socket):
    """An accepted connection that tells its listener when it is closed (or garbage-collected unclosed)."""

    _release: Callable[[], None] = staticmethod(lambda: None)

    def close(self) -> None:
        self._release()
        super().close()


class BoundedListener(socket.socket):
    def __init__(self, family: int, limit: int = MAX_OPEN_CONNECTIONS) -> None:
        super().__init__(family, socket.SOCK_STREAM)
        self.limit = limit
        self.open_connections = 0

    def accept(self) -> tuple[socket.socket, object]:
        while True:
            fd, address = self._accept()  # type: ignore[attr-defined]  # BlockingIOError when none is waiting
            conn = _Connection(self.family, self.type, self.proto, fileno=fd)
            if self.open_connections < self.limit:
                self.open_connections += 1
                conn._release = self._releaser()
                weakref.finalize(conn, conn._release)
                return conn, address
            with contextlib.suppress(OSError):
                conn.setblocking(False)
                conn.send(refusal_body(self.limit))  # a few hundred bytes: fits the empty send buffer
            socket.socket.close(conn)

    def _releaser(self) -> Callable[[], None]:
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.open_connections -= 1

        return release


def bind(host: str, port: int, *, limit: int = MAX_OPEN_CONNECTIONS) -> BoundedListener:
    """A listening socket on ``host:port``, or :class:`PortInUseError` naming the process that holds it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = BoundedListener(family, limit)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Hypercorn does: restart over TIME_WAIT
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno != errno.EADDRINUSE:
            raise PortInUseError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        raise PortInUseError(f"port {port} on {host} is already in use by {port_holder(port)}; stop it, or start "
                             "the proxy on another port with --port (or BLOCKRUN_PROXY_PORT)") from None
    sock.setblocking(False)
    return sock


def port_holder(port: int, proc: Path = Path("/proc")) -> str:
    """Which process listens on ``port``: "pid 123 (python -m pyclawrouter serve)", else "another process".

    Linux only: the listening socket's inode comes from /proc/net/tcp{,6}, its owner from the /proc/<pid>/fd
    links (only our own user's processes can be read, which covers a second proxy of the same user)."""
    inodes = _listening_inodes(port, proc)
    if not inodes:
        return "another process"
    try:
        pids = [p for p in os.listdir(proc) if p.isdigit()]
    except OSError:
        return "another process"
    for pid in pids:
        fd_dir = proc / pid / "fd"
        try:
            links = [os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)]
        except OSError:
            continue
        if any(link.startswith("socket:[") and link[8:-1] in inodes for link in links):
            return f"pid {pid} ({_command_line(proc / pid)})"
    return "another process"


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # sl local_address rem_address st ... inode; st 0A is LISTEN; the port is the hex after the colon.
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _command_line(pid_dir: Path) -> str:
    try:
        words = (pid_dir / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return "command line unreadable"
    text = " ".join(w.decode("utf-8", "replace") for w in words if w) or "no command line"
    return text if len(text) <= 200 else text[:197] + "..."
