"""Image endpoints: ``/v1/images/generations`` and ``/v1/images/image2image`` (paid through x402), and
``/images/<file>``, which serves the results the proxy stored locally."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from pyclawrouter import paths
from pyclawrouter.errors import BadRequestError, UserFacingError
from pyclawrouter.ledger.spend import CostCapExceededError, RequestSpend
from pyclawrouter.payments.flow import PaymentDeclinedError, PaymentState
from pyclawrouter.proxy import image_files
from pyclawrouter.proxy.context import ProxyContext
from pyclawrouter.proxy.errors import NotFoundError
from pyclawrouter.proxy.image_jobs import ImageJobError, JobProgress, Progress, accepted_job, poll_job
from pyclawrouter.proxy.request import parse_json_object, read_body
from pyclawrouter.proxy.responses import json_response
from pyclawrouter.upstream.client import BASE_HEADERS
from pyclawrouter.usage.log import UsageRecord

DEFAULT_EDIT_MODEL = "openai/gpt-image-1"
# Used only to bound what the payer may sign when the catalog has no price for the model.
DEFAULT_IMAGE_ESTIMATE_USD = 0.10
IMAGE_TIMEOUT_S = 180.0
IMAGE_SESSION = "images"
JOB_ACCEPTED = 202
PROGRESS_HEADER = "x-clawrouter-progress"
PROGRESS_NDJSON = "ndjson"
"""Send ``x-clawrouter-progress: ndjson`` to get the wait on a slow image job as NDJSON lines (``/img`` does)."""

log = logging.getLogger(__name__)
ImageAnswer = tuple[int, Any, dict[str, str]]
"""(status, JSON body, headers) of one image request."""


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
        if image_files.sniff(image_files.decode_data_uri(value)) is None:
            raise BadRequestError(f"the image data URI does not hold a well-formed {image_files.FORMATS} image")
        return value
    if value.startswith(("http://", "https://")):
        data, ext = await image_files.download(ctx.upstream.client, value)
    else:
        data, ext = await asyncio.to_thread(image_files.read_local_image, value)
    return image_files.data_uri(data, ext)


async def _paid_image_call(request: Request, ctx: ProxyContext, path: str, body: dict[str, Any]) -> Response:
    if request.headers.get(PROGRESS_HEADER, "").lower() != PROGRESS_NDJSON:
        status, payload, headers = await _generate(request, ctx, path, body, None)
        return json_response(payload, status=status, headers=headers)
    return StreamingResponse(_progress_lines(request, ctx, path, body), media_type="application/x-ndjson")


async def _progress_lines(request: Request, ctx: ProxyContext, path: str, body: dict[str, Any]) -> AsyncIterator[bytes]:
    """NDJSON for callers that show the wait (``/img``): one ``{"progress": ...}`` line per poll of a 202 job, then
    ``{"status", "headers", "body"}`` with what the plain endpoint would have answered."""
    queue: asyncio.Queue[JobProgress | None] = asyncio.Queue()
    task = asyncio.ensure_future(_generate(request, ctx, path, body, queue.put_nowait))
    # The payment is signed once the job is accepted: if the caller goes away, the job is still collected and
    # booked. The callback also marks the task's outcome as seen.

    def finished(done: asyncio.Future[ImageAnswer]) -> None:
        queue.put_nowait(None)
        if not done.cancelled():
            done.exception()

    task.add_done_callback(finished)
    while (item := await queue.get()) is not None:
        line = {"progress": item.text(), "job": item.job, "jobStatus": item.status, "polls": item.polls,
                "elapsedSeconds": round(item.elapsed_s, 1)}
        yield json.dumps(line).encode("utf-8") + b"\n"
    try:
        status, payload, headers = task.result()
    except UserFacingError as exc:
        status, payload, headers = exc.http_status, exc.to_openai_error(), {}
    except Exception:
        log.exception("image request failed")
        status, headers = 500, {}
        payload = {"error": {"message": "Internal proxy error; see the pyclawrouter log", "type": "proxy_error",
                             "code": "internal_error"}}
    yield json.dumps({"status": status, "headers": headers, "body": payload}, ensure_ascii=False).encode("utf-8")


async def _generate(request: Request, ctx: ProxyContext, path: str, body: dict[str, Any],
                    on_progress: Progress | None) -> ImageAnswer:
    """(status, JSON body, headers) of one paid image request, a 202 job polled to its end included."""
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
        if status == JOB_ACCEPTED:
            raw = await _collect_job(ctx, answer.payment, raw, spend, on_progress)
            status = 200
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
                                    baseline_cost=paid, paid=paid, profile="image",
                                    payment_chain=settings.payment_chain, session=session, error=note[:500] or None,
                                    payments=tuple(p.to_json() for p in spend.payments), ceiling=spend.ceiling))
    if status != 200:
        try:
            return status, json.loads(raw), {}
        except ValueError:
            error = {"message": f"Image request failed ({status})", "type": "upstream_error", "code": "image_failed"}
            return (status if status >= 400 else 502), {"error": error}, {}
    try:
        result = json.loads(raw)
    except ValueError:
        error = {"message": "The image service returned an unreadable answer", "type": "upstream_error",
                 "code": "image_failed"}
        return 502, {"error": error}, {}
    base = str(request.base_url).rstrip("/")
    for item in result.get("data") or []:
        if isinstance(item, dict):
            await _localize(ctx, item, base)
    # The chat command shows what this image really cost, not a list price.
    return 200, result, {"x-clawrouter-cost": f"{paid:.6f}", "x-clawrouter-model": model}


async def _collect_job(ctx: ProxyContext, payment: PaymentState, accepted_body: bytes, spend: RequestSpend,
                       on_progress: Progress | None) -> bytes:
    """Poll a 202 job with the payment it was accepted with; book the settlement the completed poll proves.

    The job's one payment is already in the ledger (recorded before the POST): polls re-send that same header,
    they never sign again, so the job is counted once whatever happens while polling.
    """
    if payment.payment is None:
        raise ImageJobError("The image service accepted a job without a payment; refusing to poll for it.")
    accepted = accepted_job(accepted_body)
    headers = {k: v for k, v in BASE_HEADERS.items() if k != "content-type"}
    headers.update(payment.payment.headers)
    result = await poll_job(ctx.upstream.client, ctx.settings.api_base, accepted, headers,
                            schedule=ctx.image_poll, on_progress=on_progress,
                            settled_at_submit=payment.receipt_tx is not None)
    if payment.entry is not None and payment.receipt_tx is None:
        spend.settled(payment.entry, result.tx)
    return json.dumps(result.body).encode("utf-8")


async def _localize(ctx: ProxyContext, item: dict[str, Any], base: str) -> None:
    """Store the image locally and point ``url`` at ``/images/<file>`` (a failed download keeps the URL)."""
    directory = paths.images_dir(ctx.settings.home)
    url = item.get("url")
    data: bytes | None = None
    ext: str | None = None
    try:
        if isinstance(url, str) and url.startswith("data:"):
            data = image_files.decode_data_uri(url)
            ext = image_files.sniff(data)
        elif isinstance(url, str) and url.startswith(("http://", "https://")):
            data, ext = await image_files.download(ctx.upstream.client, url)
        elif isinstance(item.get("b64_json"), str):
            data = image_files.decode_data_uri("data:image/png;base64," + item["b64_json"])
            ext = image_files.sniff(data)
    except BadRequestError:
        return
    if data is None or ext is None:
        return
    name = await asyncio.to_thread(image_files.store, directory, data, ext)
    item["url"] = f"{base}/images/{name}"


def _estimate(ctx: ProxyContext, model: str, body: dict[str, Any]) -> float:
    image = ctx.models.catalog.image_models.get(model)
    price = image.price_per_image if image is not None else None
    each = float(price) if isinstance(price, int | float) and price > 0 else DEFAULT_IMAGE_ESTIMATE_USD
    count = body.get("n", 1)
    return each * (count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1)
