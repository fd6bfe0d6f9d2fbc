"""The Starlette app: routes, start-up and shutdown. Handlers are thin; the work is in the modules they call.

Everything expensive (catalog, wallet, HTTP client pool, model list) is built once, in the lifespan, by
``proxy/runtime.py``, never per request: ``app.state.runtime`` holds it, ``app.state.ctx`` is the ready context.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyclawrouter import paths
from pyclawrouter.api_key import load_or_create_api_key
from pyclawrouter.dashboard.routes import Dashboard
from pyclawrouter.errors import UserFacingError
from pyclawrouter.fsutil import ensure_private_dir
from pyclawrouter.proxy import command_route, images, pipeline
from pyclawrouter.proxy.context import Deps, ProxyContext
from pyclawrouter.proxy.errors import as_user_error
from pyclawrouter.proxy.guard import RequestGuard
from pyclawrouter.proxy.responses import json_error_response, json_response, openai_error
from pyclawrouter.proxy.runtime import Loader, Runtime, load_deps
from pyclawrouter.proxy.usage_route import UsageView
from pyclawrouter.settings import SettingsProvider
from pyclawrouter.usage import stats

log = logging.getLogger(__name__)

Handler = Callable[[Request, ProxyContext], Awaitable[Response]]


def build_app(provider: SettingsProvider, deps: Deps | None = None, loader: Loader = load_deps) -> Starlette:
    """The app. With ``deps`` everything is ready when the server starts (tests); without, they load after.

    The per-install API key is created here on the first start, so it exists before anything can ask for it."""
    api_key = load_or_create_api_key(provider.current().home)

    def handle(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            runtime: Runtime = request.app.state.runtime
            try:
                return await handler(request, await runtime.context())
            except UserFacingError as exc:
                return json_error_response(exc)
            except Exception as exc:
                # The details go to the server log, never to the client (no tracebacks on the wire).
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                return json_error_response(as_user_error(exc))

        return endpoint

    async def health(request: Request) -> Response:
        settings = provider.current()
        runtime: Runtime = request.app.state.runtime
        ctx = runtime.ctx
        body: dict[str, Any] = {"status": "ok" if runtime.error is None else "error", "ready": ctx is not None,
                                "paymentChain": settings.payment_chain}
        if ctx is not None:
            body["wallet"] = ctx.deps.wallet_address
            if ctx.deps.solana_address:
                body["solana"] = ctx.deps.solana_address
            body["uptimeSeconds"] = round(time.monotonic() - ctx.started_at, 1)
            if request.query_params.get("full") == "true":
                body.update(await _balance_fields(ctx.deps))
        elif runtime.error is not None:
            body["error"] = runtime.error
        return json_response(body, status=200 if runtime.error is None else 503)

    async def models(request: Request, ctx: ProxyContext) -> Response:
        return Response(ctx.models_body, media_type="application/json")

    async def get_stats(request: Request, ctx: ProxyContext) -> Response:
        days_text = request.query_params.get("days", "7")
        days = int(days_text) if days_text.isdigit() else 7
        await ctx.usage.flush()
        result = (await asyncio.to_thread(stats.aggregate, ctx.settings.home, days)).to_json()
        result["providerErrors"] = ctx.cooldowns.snapshot()
        result["demotedModels"] = ctx.cooldowns.demotions() + ctx.health.demotions()
        result["pricedBy"] = ctx.live.state.priced_by  # which catalog view prices requests now
        return json_response(result)

    async def delete_stats(request: Request, ctx: ProxyContext) -> Response:
        command_route.check_token(request, ctx.command_token)  # it destroys data: only the plugin shim may
        await ctx.usage.flush()
        deleted = await asyncio.to_thread(stats.clear, ctx.settings.home)
        return json_response({"cleared": True, "deletedFiles": deleted})

    async def cache(request: Request, ctx: ProxyContext) -> Response:
        return json_response({**ctx.cache.stats(), "inflight": len(ctx.inflight), "sessions": len(ctx.sessions)},
                             headers={"cache-control": "no-cache"})

    dashboard = Dashboard()
    usage_view = UsageView()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime: Runtime = app.state.runtime
        home = provider.current().home
        # The state directory holds the wallet, the ledger and the logs: owner-only, whoever created it.
        for directory in (home, paths.logs_dir(home), paths.images_dir(home)):
            ensure_private_dir(directory)
        # Written before the first /health answer: the plugin reads it as soon as the proxy is healthy.
        token = command_route.write_token(home)
        await runtime.start(token)
        try:
            yield
        finally:
            command_route.remove_token(home, token)
            await runtime.stop()

    routes = [
        Route("/v1/chat/completions", handle(pipeline.chat_completions), methods=["POST"]),
        Route("/v1/models", handle(models), methods=["GET"]),
        # Read-only, for OpenClaw's usage surfaces (plugin/usage.js); under /v1/ so it needs the API key.
        Route("/v1/usage", handle(usage_view.usage), methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/stats", handle(get_stats), methods=["GET"]),
        Route("/stats", handle(delete_stats), methods=["DELETE"]),
        Route("/cache", handle(cache), methods=["GET"]),
        Route("/v1/images/generations", handle(images.generations), methods=["POST"]),
        Route("/v1/images/image2image", handle(images.image2image), methods=["POST"]),
        Route("/images/{name}", handle(images.serve_image), methods=["GET"]),
        Route("/plugin/command/{name}", handle(command_route.command), methods=["POST"]),
        # Read-only, behind its own token (pyclawrouter.dashboard.access); deliberately outside /v1/.
        Route("/dashboard", handle(dashboard.page), methods=["GET"]),
        Route("/dashboard/data", handle(dashboard.data), methods=["GET"]),
        Route("/dashboard/static/{name}", handle(dashboard.static), methods=["GET"]),
    ]
    # The guard runs before routing, so a refused request never reaches a handler (or the wallet).
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(RequestGuard, provider=provider, api_key=api_key)],
                    exception_handlers={HTTPException: _http_error})  # type: ignore[dict-item]
    app.state.runtime = Runtime(provider, app.state, deps=deps, loader=loader)
    app.state.ctx = None  # the ProxyContext once the runtime is ready
    return app


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Unknown paths and wrong methods get OpenAI-style JSON errors too."""
    if exc.status_code == 404:
        return openai_error(404, f"Unknown endpoint {request.method} {request.url.path}", code="not_found")
    if exc.status_code == 405:
        return openai_error(405, f"{request.method} is not supported on {request.url.path}",
                            code="method_not_allowed")
    return openai_error(exc.status_code, str(exc.detail), code="http_error")


async def _balance_fields(deps: Deps) -> dict[str, Any]:
    if deps.balance is None:
        return {"balanceError": "No balance monitor"}
    try:
        info = await asyncio.wait_for(deps.balance.get(), 3.0)
    except Exception:
        return {"balanceError": "Could not fetch balance"}
    if info.usd is None:
        return {"balanceError": "Could not fetch balance"}
    return {"balance": f"${float(info.usd):.2f}", "isLow": info.is_low, "isEmpty": info.is_empty}
