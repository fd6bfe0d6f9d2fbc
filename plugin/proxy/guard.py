"""Who may talk to the proxy: refused requests are answered here, before routing, reading or paying anything.

The proxy listens on loopback, but a web page in the owner's browser can still reach it: a ``no-cors`` fetch
or a form POST with a ``text/plain`` body needs no CORS preflight, and DNS rebinding lets a page on
``evil.example`` talk to ``127.0.0.1`` under its own host name and read the answers. So every HTTP request must

* name the proxy itself in ``Host`` (a loopback name with the proxy's port): a rebound page sends its own name;
* carry no ``Origin`` except the proxy's own (browsers send one on every cross-origin POST and fetch; ``null``
  comes from sandboxed frames and ``file:`` pages, so it is refused too);
* not be marked ``Sec-Fetch-Site: cross-site`` or ``same-site`` by the browser (a page on another localhost
  port is "same-site"); ``same-origin``, ``none`` (typed in the address bar) or no header (curl, SDKs) pass;
* send POST bodies as ``application/json``: the three content types a page may send without a preflight
  (``text/plain``, form encodings) are refused, and so is a body without a type;
* on ``/v1/*`` (which spends the wallet), carry the per-install API key as ``Authorization: Bearer <key>``,
  unless the config says ``requireApiKey: false``.

A pure ASGI middleware rather than Starlette's ``BaseHTTPMiddleware`` (which adds a task and a stream per
request): each check is a dict lookup or a bytes comparison on headers the server has already parsed.
"""

from __future__ import annotations

import hmac
import json
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from pyclawrouter.proxy.responses import header_safe
from pyclawrouter.settings import SettingsProvider

log = logging.getLogger(__name__)

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
ALLOWED_FETCH_SITES = frozenset({b"same-origin", b"none"})
JSON_MEDIA_TYPE = b"application/json"
# Methods whose body the app reads; GET, HEAD and DELETE bodies are ignored by every route.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
API_PREFIX = "/v1/"


class RequestGuard:
    """Wraps the app; ``api_key`` is the per-install key, ``provider`` says whether it is required now."""

    def __init__(self, app: ASGIApp, provider: SettingsProvider, api_key: str) -> None:
        self.app = app
        self.provider = provider
        settings = provider.current()
        # Host and port never change while serving (the socket is bound), so these are computed once.
        names = dict.fromkeys((*LOOPBACK_NAMES, settings.host.lower()))
        self.hosts = frozenset(f"{name}:{settings.port}".encode("ascii") for name in names)
        self.origins = frozenset(b"http://" + host for host in self.hosts)
        self.allowed_hosts = ", ".join(sorted(h.decode() for h in self.hosts))
        self.allowed_origins = ", ".join(sorted(o.decode() for o in self.origins))
        self.bearer = b"bearer " + api_key.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):  # lifespan events pass through
            await self.app(scope, receive, send)
            return
        refusal = self.check(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, code, message = refusal
        method = scope.get("method", "WEBSOCKET")
        log.warning("refused %s %s with %d: %s", method, header_safe(scope["path"], 200), status, message)
        if scope["type"] == "websocket":
            # Pages may open WebSockets to any origin without CORS; no route serves one, but none gets past here.
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps({"error": {"message": message, "type": _ERROR_TYPES[status], "code": code}}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def check(self, scope: Scope) -> tuple[int, str, str] | None:
        """None when the request may go on; else (status, code, message saying what was refused and why)."""
        headers = _headers(scope)
        host = headers.get(b"host", b"").lower()
        if host not in self.hosts:
            shown = f"'{_show(host)}'" if host else "missing"
            return 403, "forbidden_host", (
                f"Host {shown} is not this proxy; only {self.allowed_hosts} are served (a web page must not "
                "reach the proxy through another host name)")
        origin = headers.get(b"origin")
        if origin is not None and origin.lower() not in self.origins:
            return 403, "forbidden_origin", (
                f"requests from the web page at Origin '{_show(origin)}' are refused; only the proxy's own "
                f"origins ({self.allowed_origins}) may call it")
        site = headers.get(b"sec-fetch-site")
        if site is not None and site.lower() not in ALLOWED_FETCH_SITES:
            return 403, "forbidden_fetch_site", (
                f"the browser marked this request Sec-Fetch-Site '{_show(site)}': requests from other sites, "
                "including other localhost ports, are refused; only same-origin or none are allowed")
        if scope.get("method") in BODY_METHODS:
            media_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
            if media_type != JSON_MEDIA_TYPE:
                shown = f"'{_show(media_type)}'" if media_type else "missing"
                return 415, "unsupported_media_type", (
                    f"Content-Type {shown} is not accepted; POST bodies must be Content-Type: application/json")
        if scope["path"].startswith(API_PREFIX) and self.provider.current().require_api_key:
            given = headers.get(b"authorization", b"")
            # Compared as bytes, in constant time: a non-ASCII header is just a wrong key, never a crash.
            if not hmac.compare_digest(given[:7].lower() + given[7:].strip(), self.bearer):
                state = "a wrong" if given else "no"
                return 401, "invalid_api_key", (
                    f"{state} API key: /v1/* needs Authorization: Bearer <key>, where the key is what "
                    "`pyclawrouter key` prints (OpenClaw gets it from `pyclawrouter openclaw install`)")
        return None


_ERROR_TYPES = {401: "authentication_error", 403: "permission_error", 415: "invalid_request_error"}


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request headers by lower-case name (ASGI servers give lower-case names).

    A repeated header is joined with ", " as HTTP joins list values, so a second Host or Origin can never hide
    behind an allowed first one: the joined value matches nothing that is allowed."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        found[name] = found[name] + b", " + value if name in found else value
    return found


def _show(value: bytes) -> str:
    """An untrusted header value, printable and short enough for an error message and the log."""
    return header_safe(value.decode("latin-1"), 100)
