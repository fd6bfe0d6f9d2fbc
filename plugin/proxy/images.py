"""Image endpoints: ``/v1/images/generations`` and ``/v1/images/image2image`` (paid through x402), and
``/images/<file>``, which serves the results the proxy stored locally."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from pyclawrouter import paths
from pyclawrouter.errors import BadRequestError, UserFacingError
from pyclawrouter.payments.flow import PaymentDeclinedError
from pyclawrouter.proxy import image_files
from pyclawrouter.proxy.context import ProxyContext
from pyclawrouter.proxy.errors import CostCapExceededError, NotFoundError
from pyclawrouter.proxy.request import parse_json_object, read_body
from pyclawrouter.proxy.responses import json_response, openai_error
from pyclawrouter.usage.log import UsageRecord

DEFAULT_EDIT_MODEL = "openai/gpt-image-1"
# Used only to bound what the payer may sign when the catalog has no price for the model.
DEFAULT_IMAGE_ESTIMATE_USD = 0.10
IMAGE_TIMEOUT_S = 180.0
IMAGE_SESSION = "images"


async def generations(request: Request, ctx: ProxyContext) -> Response:
    body = await _read(request, ctx)
    return await _paid_image_call(request, ctx, "/v1/images/generations", body)


async def image2image(request: Request, ctx: ProxyContext) -> Response:
    body = await _read(request, ctx)
    body.setdefault("model", DEFAULT_EDIT_MODEL)
    if not isinstance(body.get("image"), str) or not body["image"]:
        raise BadRequestError("'image' is required: a data URI, an http(s) URL or a local file path")
    for field in ("image", "mask"):
        if isinstance(body.get(field), str) and body[field]:
            body[field] = await _as_data_uri(ctx, body[field])
    return await _paid_image_call(request, ctx, "/v1/images/image2image", body)


async def serve_image(request: Request, ctx: ProxyContext) -> Response:
    path = image_files.stored_path(paths.images_dir(ctx.settings.home), request.path_params["name"])
    if path is None:
        raise NotFoundError("Image not found")
    ext = path.suffix.lstrip(".").lower()
    return FileResponse(path, media_type=image_files.MIME_BY_EXT.get(ext, "application/octet-stream"))


async def _read(request: Request, ctx: ProxyContext) -> dict[str, Any]:
    body = parse_json_object(await read_body(request, ctx.settings.max_body_bytes))
    if not isinstance(body.get("prompt"), str) or not body["prompt"].strip():
        raise BadRequestError("'prompt' is required and must be a non-empty string")
    return body


async def _as_data_uri(ctx: ProxyContext, value: str) -> str:
    if value.startswith("data:"):
        if image_files.sniff(image_files.decode_data_uri(value)[:16]) is None:
            raise BadRequestError("the image data URI does not hold a PNG, JPEG or WebP image")
        return value
    if value.startswith(("http://", "https://")):
        data, ext = await image_files.download(ctx.upstream.client, value)
    else:
        data, ext = await asyncio.to_thread(image_files.read_local_image, value)
    return image_files.data_uri(data, ext)


async def _paid_image_call(request: Request, ctx: ProxyContext, path: str, body: dict[str, Any]) -> Response:
    settings = ctx.settings
    started = time.monotonic()
    request_id = uuid.uuid4().hex[:16]
    model = str(body.get("model") or "")
    estimate = _estimate(ctx, model, body)
    payer = ctx.deps.payer
    # Images count toward maxCostPerRun like chat: the session is the client's x-session-id, else one shared
    # session for all image requests without one.
    session = request.headers.get("x-session-id") or IMAGE_SESSION
    spend = ctx.ledger.open(session, request_id, cap=settings.max_cost_per_run,
                            ceiling=payer.ceiling_for(estimate) if payer is not None else 0.0)
    status, note = 500, "cancelled"
    try:
        answer = await ctx.upstream.post(f"{settings.api_base}{path}", json.dumps(body).encode("utf-8"),
                                         model=model, estimate_usd=estimate, read_timeout=IMAGE_TIMEOUT_S,
                                         spend=spend)
        try:
            raw = await answer.response.aread()
        finally:
            await answer.response.aclose()
        status, note = answer.status, ""
    except PaymentDeclinedError as exc:
        status, note = exc.http_status, exc.message
        raise CostCapExceededError(f"Image not generated: {exc.message}") from None
    except UserFacingError as exc:
        status, note = exc.http_status, exc.message
        raise
    finally:
        spend.close()
        paid = spend.total
        ctx.usage.write(UsageRecord(request_id=request_id, model=model or "image", tier="IMAGE", status=status,
                                    latency_ms=int((time.monotonic() - started) * 1000), cost=paid,
                                    baseline_cost=paid, paid=paid, profile="image", chain=settings.chain,
                                    session=session, error=note[:500] or None,
                                    payments=tuple(p.to_json() for p in spend.payments), ceiling=spend.ceiling))
    if status != 200:
        try:
            return json_response(json.loads(raw), status=status)
        except ValueError:
            return openai_error(status if status >= 400 else 502, f"Image request failed ({status})",
                                type_="upstream_error", code="image_failed")
    try:
        result = json.loads(raw)
    except ValueError:
        return openai_error(502, "The image service returned an unreadable answer", type_="upstream_error",
                            code="image_failed")
    base = str(request.base_url).rstrip("/")
    for item in result.get("data") or []:
        if isinstance(item, dict):
            await _localize(ctx, item, base)
    # The chat command shows what this image really cost, not a list price.
    return json_response(result, headers={"x-clawrouter-cost": f"{paid:.6f}", "x-clawrouter-model": model})


async def _localize(ctx: ProxyContext, item: dict[str, Any], base: str) -> None:
    """Store the image locally and point ``url`` at ``/images/<file>`` (a failed download keeps the URL)."""
    directory = paths.images_dir(ctx.settings.home)
    url = item.get("url")
    data: bytes | None = None
    ext: str | None = None
    try:
        if isinstance(url, str) and url.startswith("data:"):
            data = image_files.decode_data_uri(url)
            ext = image_files.sniff(data[:16])
        elif isinstance(url, str) and url.startswith(("http://", "https://")):
            data, ext = await image_files.download(ctx.upstream.client, url)
        elif isinstance(item.get("b64_json"), str):
            data = image_files.decode_data_uri("data:image/png;base64," + item["b64_json"])
            ext = image_files.sniff(data[:16])
    except BadRequestError:
        return
    if data is None or ext is None:
        return
    name = await asyncio.to_thread(image_files.store, directory, data, ext)
    item["url"] = f"{base}/images/{name}"


def _estimate(ctx: ProxyContext, model: str, body: dict[str, Any]) -> float:
    image_models = getattr(ctx.deps.catalog, "image_models", None) or {}
    price = getattr(image_models.get(model), "price_per_image", None)
    each = float(price) if isinstance(price, int | float) and price > 0 else DEFAULT_IMAGE_ESTIMATE_USD
    count = body.get("n", 1)
    return each * (count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1)
