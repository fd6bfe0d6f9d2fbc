"""The Starlette app: routes, start-up and shutdown. Handlers are thin; the work is in the modules they call.

Everything expensive (catalog, wallet, HTTP client pool, model list) is built once here, never per request.
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
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyclawrouter.errors import UserFacingError
from pyclawrouter.proxy import command_route, images, pipeline
from pyclawrouter.proxy.balance_gate import BalanceGate
from pyclawrouter.proxy.catalog_view import CatalogView
from pyclawrouter.proxy.context import ProxyContext
from pyclawrouter.proxy.deps import Deps, load_deps
from pyclawrouter.proxy.model_list import model_list
from pyclawrouter.proxy.replay import ResponseCache
from pyclawrouter.proxy.responses import json_error_response, json_response, openai_error
from pyclawrouter.proxy.sessions import Sessions
from pyclawrouter.proxy.spend import SpendLedger
from pyclawrouter.proxy.upstream import Upstream, make_client
from pyclawrouter.settings import SettingsProvider
from pyclawrouter.usage import stats
from pyclawrouter.usage.log import UsageWriter

log = logging.getLogger(__name__)

Handler = Callable[[Request, ProxyContext], Awaitable[Response]]


def build_app(provider: SettingsProvider, deps: Deps | None = None) -> Starlette:
    settings = provider.current()
    deps = deps if deps is not None else load_deps(settings)
    ctx = ProxyContext(
        provider=provider,
        deps=deps,
        upstream=Upstream(make_client(transport=settings.upstream_transport), deps.payer),
        models=CatalogView(deps.catalog, deps.estimate_cost),
        usage=UsageWriter(settings.home),
        ledger=SpendLedger(settings.home, settings.max_cost_per_run),
        balance=BalanceGate(deps.balance, wait_s=settings.balance_wait_s),
        cache=ResponseCache(ttl_s=settings.cache_ttl_s, max_entries=settings.cache_max_entries,
                            max_item_bytes=settings.cache_max_item_bytes),
        sessions=Sessions(settings.session_timeout_s),
    )
    models_body = json_response(model_list(deps.catalog)).body
    _warm_up(deps)

    def handle(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request, ctx)
            except UserFacingError as exc:
                return json_error_response(exc)
            except Exception:
                # The details go to the server log, never to the client (no tracebacks on the wire).
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                return openai_error(500, "Internal proxy error; see the pyclawrouter log", type_="proxy_error",
                                    code="internal_error")

        return endpoint

    async def health(request: Request, ctx: ProxyContext) -> Response:
        body: dict[str, Any] = {"status": "ok", "wallet": deps.wallet_address, "paymentChain": ctx.settings.chain,
                                "uptimeSeconds": round(time.monotonic() - ctx.started_at, 1)}
        if deps.solana_address:
            body["solana"] = deps.solana_address
        if request.query_params.get("full") == "true":
            body.update(await _balance_fields(deps))
        return json_response(body)

    async def models(request: Request, ctx: ProxyContext) -> Response:
        return Response(models_body, media_type="application/json")

    async def get_stats(request: Request, ctx: ProxyContext) -> Response:
        days_text = request.query_params.get("days", "7")
        days = int(days_text) if days_text.isdigit() else 7
        await ctx.usage.flush()
        result = (await asyncio.to_thread(stats.aggregate, ctx.settings.home, days)).to_json()
        result["providerErrors"] = ctx.cooldowns.snapshot()
        return json_response(result)

    async def delete_stats(request: Request, ctx: ProxyContext) -> Response:
        await ctx.usage.flush()
        deleted = await asyncio.to_thread(stats.clear, ctx.settings.home)
        return json_response({"cleared": True, "deletedFiles": deleted})

    async def cache(request: Request, ctx: ProxyContext) -> Response:
        return json_response({**ctx.cache.stats(), "inflight": len(ctx.inflight), "sessions": len(ctx.sessions)},
                             headers={"cache-control": "no-cache"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ctx.usage.start()
        ctx.balance.prefetch()
        ctx.command_token = command_route.write_token(ctx.settings.home)
        try:
            yield
        finally:
            command_route.remove_token(ctx.settings.home, ctx.command_token)
            await ctx.usage.close()
            await ctx.ledger.flush()
            await ctx.upstream.client.aclose()

    routes = [
        Route("/v1/chat/completions", handle(pipeline.chat_completions), methods=["POST"]),
        Route("/v1/models", handle(models), methods=["GET"]),
        Route("/health", handle(health), methods=["GET"]),
        Route("/stats", handle(get_stats), methods=["GET"]),
        Route("/stats", handle(delete_stats), methods=["DELETE"]),
        Route("/cache", handle(cache), methods=["GET"]),
        Route("/v1/images/generations", handle(images.generations), methods=["POST"]),
        Route("/v1/images/image2image", handle(images.image2image), methods=["POST"]),
        Route("/images/{name}", handle(images.serve_image), methods=["GET"]),
        Route("/plugin/command/{name}", handle(command_route.command), methods=["POST"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error})  # type: ignore[dict-item]
    app.state.ctx = ctx
    return app


def _warm_up(deps: Deps) -> None:
    """Route one request at start-up so the classifier's vocabulary and tables are loaded before the first
    real request (~80 ms that would otherwise land on it)."""
    with contextlib.suppress(Exception):
        deps.route({"model": "auto", "messages": [{"role": "user", "content": "hello"}]},
                   config=deps.routing_config)


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
