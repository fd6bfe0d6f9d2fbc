"""Who may read the dashboard: its own read-only token, never the command token.

The command token (``command-token``) also authorizes state changes (``/wallet chain``, ``/stats clear``) and
must never appear in a URL or a chat transcript. The dashboard therefore has its own secret in
``<state dir>/dashboard-token`` (0600, created on first use and kept across restarts, so a bookmarked browser
session survives a proxy restart; delete the file to revoke every link and cookie). It only reads.

Three ways to present it, all compared in constant time:

* ``Authorization: Bearer <dashboard-token>`` (scripts);
* ``/dashboard?token=<dashboard-token>`` or a one-time link ``/dashboard?once=<code>``, which the page exchanges
  for an HttpOnly, SameSite=Strict cookie and a redirect, so the secret does not stay in the address bar;
* that cookie, whose value is an HMAC of the token (the token itself never sits in the browser).

A one-time code is ``<expiry>.<nonce>.<hmac>``: anyone who can read the token file (the CLI, ``/stats``) can
mint one without asking the proxy, the proxy checks the HMAC and the expiry and remembers spent nonces until
they expire, so each code opens the dashboard once. It is what ``pyclawrouter dashboard`` hands to the
browser: a URL in a browser's argv or history is then worthless minutes later.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pyclawrouter.fsutil import atomic_write, ensure_private_dir

TOKEN_FILE = "dashboard-token"
COOKIE_NAME = "pyclawrouter_dashboard"
COOKIE_PATH = "/dashboard"
# Long enough to switch to the browser and back; short enough that a link left in a chat log or a browser's
# history is useless soon after.
ONE_TIME_TTL_S = 600
_COOKIE_LABEL = b"pyclawrouter dashboard cookie v1"
_LINK_LABEL = b"pyclawrouter dashboard one-time link v1"


def token_path(home: Path) -> Path:
    return home / TOKEN_FILE


def load_or_create_token(home: Path) -> str:
    """The dashboard token, creating ``dashboard-token`` (0600 in a 0700 directory) the first time."""
    path = token_path(home)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = ""
    if token:
        return token
    ensure_private_dir(home)
    # exclusive: if the CLI and the proxy create it at the same moment, both end up with the same token.
    with contextlib.suppress(FileExistsError):
        atomic_write(path, secrets.token_urlsafe(32) + "\n", mode=0o600, exclusive=True)
    return path.read_text(encoding="utf-8").strip()


def _mac(token: str, label: bytes, message: str = "") -> str:
    return hmac.new(token.encode("utf-8"), label + b"\0" + message.encode("utf-8"), hashlib.sha256).hexdigest()


def cookie_value(token: str) -> str:
    return _mac(token, _COOKIE_LABEL)


def same_secret(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def mint_one_time_code(token: str, *, now: float | None = None, ttl_s: int = ONE_TIME_TTL_S) -> str:
    expires = int(now if now is not None else time.time()) + ttl_s
    nonce = secrets.token_urlsafe(12)
    body = f"{expires}.{nonce}"
    return f"{body}.{_mac(token, _LINK_LABEL, body)}"


def one_time_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{COOKIE_PATH}?once={mint_one_time_code(token)}"


class OneTimeCodes:
    """Redeems one-time codes: a valid, unexpired code works once (spent nonces are kept until they expire)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._spent: dict[str, int] = {}
        self._lock = threading.Lock()

    def redeem(self, code: str, token: str) -> bool:
        expires_text, _, rest = code.partition(".")
        nonce, _, mac = rest.partition(".")
        if not (expires_text.isdigit() and nonce and mac):
            return False
        if not same_secret(mac, _mac(token, _LINK_LABEL, f"{expires_text}.{nonce}")):
            return False
        expires, now = int(expires_text), self._clock()
        if expires < now or expires > now + ONE_TIME_TTL_S + 60:
            return False
        with self._lock:
            self._spent = {n: e for n, e in self._spent.items() if e >= now}
            if nonce in self._spent:
                return False
            self._spent[nonce] = expires
        return True
