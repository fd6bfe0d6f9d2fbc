"""The dashboard's HTTP side: ``GET /dashboard`` (the page), ``GET /dashboard/data`` (JSON for the live
refresh and for scripts) and ``GET /dashboard/static/{name}`` (its script, stylesheet and icon).

Read-only by construction: nothing here writes anything but the dashboard's own token file. Answers carry a
Content-Security-Policy that allows only the proxy's own files (no inline script or style, no other origin,
no framing), ``no-store`` so numbers and the page are never cached, and ``no-referrer`` so a URL with a
token is never sent on.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from html import escape
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from pyclawrouter.dashboard import access, page
from pyclawrouter.dashboard.data import DashboardData
from pyclawrouter.dashboard.log_cache import DashboardSource
from pyclawrouter.errors import BadRequestError, UserFacingError
from pyclawrouter.proxy.context import ProxyContext
from pyclawrouter.proxy.errors import NotFoundError, UnauthorizedError
from pyclawrouter.proxy.responses import json_response
from pyclawrouter.usage.stats import MAX_DAYS

DEFAULT_DAYS = 7
REFRESH_S = 5
BALANCE_TIMEOUT_S = 3.0
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
_STATIC_TYPES = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8",
                 "icon.svg": "image/svg+xml"}
_HOW_TO = "Open it with `pyclawrouter dashboard`, or `pyclawrouter dashboard --url` for a link."


class ForbiddenError(UserFacingError):
    code = "forbidden"
    http_status = 403
    error_type = "authentication_error"


class Dashboard:
    """The handlers; one instance per app, holding the spent one-time codes."""

    def __init__(self) -> None:
        self.codes = access.OneTimeCodes()
        self.source = DashboardSource()
        self._static: dict[str, bytes] = {}

    async def page(self, request: Request, ctx: ProxyContext) -> Response:
        token = access.load_or_create_token(ctx.settings.home)
        try:
            days = _days(request)
            once, given = request.query_params.get("once"), request.query_params.get("token")
            if once is not None or given is not None:
                return self._exchange(once, given, token, request)
            _check(request, token)
        except UserFacingError as exc:
            return _html_error(exc)
        body = await self._load(ctx, days)
        html = page.page(body, refresh_s=REFRESH_S, generated=_now())
        return HTMLResponse(html, headers=SECURITY_HEADERS)

    async def data(self, request: Request, ctx: ProxyContext) -> Response:
        _check(request, access.load_or_create_token(ctx.settings.home))
        body = await self._load(ctx, _days(request))
        result: dict[str, Any] = {"generatedAt": _now(), **body.to_json(), "html": page.fragments(body)}
        return json_response(result, headers=SECURITY_HEADERS)

    async def static(self, request: Request, ctx: ProxyContext) -> Response:
        name = request.path_params["name"]
        if name not in _STATIC_TYPES:
            raise NotFoundError(f"No dashboard file {name!r}")
        if name not in self._static:
            self._static[name] = resources.files("pyclawrouter.dashboard").joinpath("static", name).read_bytes()
        headers = {**SECURITY_HEADERS, "cache-control": "no-cache"}
        return Response(self._static[name], media_type=_STATIC_TYPES[name], headers=headers)

    async def _load(self, ctx: ProxyContext, days: int) -> DashboardData:
        settings = ctx.settings
        await ctx.usage.flush()
        body = await asyncio.to_thread(self.source.load, settings.home, days, today=datetime.now(UTC).date(),
                                       max_cost_per_run=settings.max_cost_per_run,
                                       cap_mode=settings.max_cost_per_run_mode)
        monitor = ctx.deps.balance
        body.wallet = ctx.deps.wallet_address
        if monitor is None:
            body.balance_error = "no balance monitor"
            return body
        body.balance_error = "could not read the balance"
        with contextlib.suppress(Exception):
            info = await asyncio.wait_for(monitor.get(), BALANCE_TIMEOUT_S)
            body.wallet = info.address or body.wallet
            if info.usd is not None:
                body.balance_usd, body.balance_error = float(info.usd), None
            elif info.error:
                body.balance_error = info.error
        return body

    def _exchange(self, once: str | None, given: str | None, token: str, request: Request) -> Response:
        """A token or one-time code in the URL becomes a cookie and a redirect to the same page without it."""
        if once is not None:
            if not self.codes.redeem(once, token):
                raise ForbiddenError("This dashboard link is expired or was already used. " + _HOW_TO)
        elif not access.same_secret(given or "", token):
            raise ForbiddenError("Wrong dashboard token (the command token and the API key do not open the "
                                 "dashboard). " + _HOW_TO)
        days = request.query_params.get("days")
        target = access.COOKIE_PATH + (f"?days={days}" if days else "")
        response = RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(access.COOKIE_NAME, access.cookie_value(token), path=access.COOKIE_PATH,
                            httponly=True, samesite="strict")
        return response


def _check(request: Request, token: str) -> None:
    """Bearer header or cookie; missing is 401, wrong is 403."""
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme:
        if scheme.lower() != "bearer" or not access.same_secret(bearer.strip(), token):
            raise ForbiddenError("Wrong dashboard token (the command token and the API key do not open the "
                                 "dashboard). " + _HOW_TO)
        return
    cookie = request.cookies.get(access.COOKIE_NAME)
    if cookie is None:
        raise UnauthorizedError("The dashboard needs its token. " + _HOW_TO)
    if not access.same_secret(cookie, access.cookie_value(token)):
        raise ForbiddenError("This dashboard session is no longer valid (the token changed). " + _HOW_TO)


def _days(request: Request) -> int:
    text = request.query_params.get("days")
    if text is None:
        return DEFAULT_DAYS
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise BadRequestError(f"days must be a whole number from 1 to {MAX_DAYS}, not {text[:20]!r}")
    return int(text)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _html_error(exc: UserFacingError) -> Response:
    html = ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>pyclawrouter dashboard</title><link rel="stylesheet" href="/dashboard/static/style.css">'
            f'</head><body><main><section><h1>pyclawrouter dashboard</h1><p id="error">{escape(exc.message)}</p>'
            "</section></main></body></html>")
    return HTMLResponse(html, status_code=exc.http_status, headers=SECURITY_HEADERS)
