"""``/img`` and ``/img2img``: image generation and editing through the local proxy, which pays for them.

The command talks to the proxy over loopback (``/v1/images/generations``, ``/v1/images/image2image``), so
payment, the spend ceiling and image storage all live in one place. A local ``--image`` file is read here and
sent as a data URI; the proxy never has to open a path a chat message named.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from pyclawrouter.api_key import load_or_create_api_key
from pyclawrouter.commands import CommandContext, CommandReply
from pyclawrouter.commands.args import ParsedArgs, UsageError, parse_args
from pyclawrouter.errors import BadRequestError
from pyclawrouter.paths import DEFAULT_HOST, DEFAULT_PORT, images_dir
from pyclawrouter.proxy.image_files import data_uri, read_local_image

DEFAULT_IMAGE_MODEL = "google/nano-banana"
DEFAULT_EDIT_MODEL = "openai/gpt-image-1"
DEFAULT_SIZE = "1024x1024"
MAX_INPUT_BYTES = 20 * 1024 * 1024
TIMEOUT_SECONDS = 200.0
"""The longest silence tolerated from the proxy: a slow model's POST can take ~180 s before the gateway answers
202; after that the proxy sends a progress line on every poll (5 s), however long the job runs."""
# Ask the proxy to stream the wait on a slow (202) job as NDJSON lines, the result on the last one.
PROGRESS_HEADERS = {"x-clawrouter-progress": "ndjson"}

# Short names for the image models of the catalog snapshot. DALL-E 3 and FLUX 1.1 Pro are no longer listed by
# the gateway, so their old short names are gone rather than quietly pointing at a differently priced model.
MODEL_ALIASES = {
    "gpt-image": "openai/gpt-image-1",
    "gpt-image-1": "openai/gpt-image-1",
    "gpt-image-2": "openai/gpt-image-2",
    "banana": "google/nano-banana",
    "nano-banana": "google/nano-banana",
    "banana-2": "google/nano-banana-2",
    "nano-banana-2": "google/nano-banana-2",
    "banana-pro": "google/nano-banana-pro",
    "nano-banana-pro": "google/nano-banana-pro",
    "grok-imagine": "xai/grok-imagine-image",
    "grok-imagine-pro": "xai/grok-imagine-image-pro",
    "cogview": "zai/cogview-4",
    "seedream": "bytedance/seedream-5-pro",
}
_SIZE = re.compile(r"^\d{2,5}x\d{2,5}$")


class ImageError(Exception):
    pass


def _model(parsed: ParsedArgs, default: str) -> str:
    raw = parsed.options.get("model", default)
    return MODEL_ALIASES.get(raw.lower(), raw)


def _size(parsed: ParsedArgs) -> str:
    size = parsed.options.get("size", DEFAULT_SIZE).lower()
    if not _SIZE.fullmatch(size):
        raise UsageError(f"--size must look like 1024x1024, not {size!r}")
    return size


def _proxy_url(ctx: CommandContext) -> str:
    return (ctx.proxy_url or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}").rstrip("/")


def image_input(value: str, option: str) -> str:
    """A URL or data URI passes through; a local file becomes a data URI if it really is an image.

    The same check and the same one message as the proxy's: a chat sender learns nothing about which files
    exist on this machine."""
    if value.startswith(("http://", "https://", "data:")):
        return value
    try:
        data, ext = read_local_image(value)
    except BadRequestError as exc:
        raise UsageError(f"--{option}: {exc} (give a local image file or an http(s) URL)") from None
    return data_uri(data, ext)


async def _post(
    ctx: CommandContext, path: str, body: dict[str, Any]
) -> tuple[dict[str, Any], httpx.Headers, str | None]:
    """The proxy's answer (body, headers) and the last progress line of a slow job, if it had to wait for one."""
    url = f"{_proxy_url(ctx)}{path}"
    # The proxy's /v1/* needs the per-install key, which sits in the same state directory as everything else.
    request_headers = {**PROGRESS_HEADERS, "authorization": f"Bearer {load_or_create_api_key(ctx.home)}"}
    timeout = httpx.Timeout(connect=10.0, read=TIMEOUT_SECONDS, write=60.0, pool=10.0)
    last_progress: str | None = None
    try:
        async with (
            httpx.AsyncClient(timeout=timeout, trust_env=False) as client,
            client.stream("POST", url, json=body, headers=request_headers) as response,
        ):
            if "ndjson" not in response.headers.get("content-type", ""):
                status, headers, payload = response.status_code, response.headers, _loads(await response.aread())
            else:
                status, headers, payload = 502, response.headers, {}
                async for line in response.aiter_lines():
                    item = _loads(line)
                    if isinstance(item.get("progress"), str):
                        last_progress = item["progress"]
                        if ctx.progress is not None:
                            ctx.progress(last_progress)
                    elif "status" in item:
                        status = int(item["status"])
                        headers = httpx.Headers(item.get("headers") or {})
                        payload = item["body"] if isinstance(item.get("body"), dict) else {}
    except httpx.HTTPError as exc:
        raise ImageError(
            f"the proxy at {_proxy_url(ctx)} did not answer ({type(exc).__name__}); is it running?"
            + (f" Last seen: {last_progress}." if last_progress else "")
        ) from None
    if status >= 400:
        raise ImageError(_error_text(payload, status))
    return payload, headers, last_progress


def _loads(text: str | bytes) -> dict[str, Any]:
    try:
        payload = json.loads(text)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _error_text(payload: dict[str, Any], status: int) -> str:
    error = payload.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error)
    details = payload.get("details")
    if error and details:
        return f"{error}: {details}"
    return str(error or details or f"HTTP {status}")


def _price(payload: dict[str, Any], headers: httpx.Headers, model: str) -> tuple[float | None, str]:
    for raw in (headers.get("x-clawrouter-cost"), payload.get("cost")):
        try:
            if raw is not None:
                return float(raw), "paid"
        except (TypeError, ValueError):
            continue
    price = _list_price(model)
    return price, "list price" if price is not None else "unknown"


def _list_price(model: str) -> float | None:
    """The catalog's price per image (the routing catalog is imported here, not at start-up: /img is rare)."""
    from pyclawrouter.routing.catalog import default_catalog

    image_model = default_catalog().image_models.get(model)
    return image_model.price_per_image if image_model is not None else None


def media_for(url: str, home: Path) -> str:
    """What chat should attach for ``url``. OpenClaw refuses to fetch loopback URLs (SSRF guard) and reads local
    files only under its own media roots, so an image the proxy stored is attached inline as a data URI."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1") or not parts.path.startswith("/images/"):
        return url
    name = parts.path.removeprefix("/images/")
    path = images_dir(home) / name
    if "/" in name or not path.is_file() or path.stat().st_size > MAX_INPUT_BYTES:
        return url
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _reply(
    kind: str, payload: dict[str, Any], headers: httpx.Headers, model: str, size: str, home: Path,
    waited: str | None = None,
) -> CommandReply:
    raw_items = payload.get("data")
    items = [i for i in raw_items if isinstance(i, dict)] if isinstance(raw_items, list) else []
    urls = [str(i["url"]) for i in items if i.get("url")]
    if not urls:
        return CommandReply(text=f"{kind} returned no image.", data={"model": model, "size": size}, is_error=True)
    price, basis = _price(payload, headers, model)
    price_text = "unknown" if price is None else f"${price:.4f}" + (" (list price)" if basis == "list price" else "")
    revised = next((str(i["revised_prompt"]) for i in items if i.get("revised_prompt")), None)
    lines = [*urls]
    if revised:
        lines.append(f"Revised prompt: {revised}")
    lines.append(f"Model: {model} | Size: {size} | Price: {price_text}")
    data: dict[str, Any] = {"urls": urls, "model": model, "size": size, "price": price, "priceBasis": basis}
    if waited:
        # OpenClaw shows one reply per command, so chat users see the slow job's wait here, at the end.
        lines.append(f"Waited for the slow model: {waited}")
        data["job"] = waited
    return CommandReply(text="\n".join(lines), data=data, media=[media_for(u, home) for u in urls])


async def img(args: str, ctx: CommandContext) -> CommandReply:
    parsed = parse_args(args, ("model", "size"))
    if not parsed.words:
        raise UsageError("/img needs a prompt")
    model, size = _model(parsed, DEFAULT_IMAGE_MODEL), _size(parsed)
    body = {"model": model, "prompt": parsed.text, "size": size, "n": 1}
    try:
        payload, headers, waited = await _post(ctx, "/v1/images/generations", body)
    except ImageError as exc:
        return CommandReply(text=f"Image generation failed: {exc}", data={"model": model, "size": size}, is_error=True)
    return _reply("Image generation", payload, headers, model, size, ctx.home, waited)


async def img2img(args: str, ctx: CommandContext) -> CommandReply:
    parsed = parse_args(args, ("image", "mask", "model", "size"))
    if "image" not in parsed.options:
        raise UsageError("/img2img needs --image PATH|URL")
    if not parsed.words:
        raise UsageError("/img2img needs a prompt saying what to change")
    model, size = _model(parsed, DEFAULT_EDIT_MODEL), _size(parsed)
    body: dict[str, Any] = {
        "model": model,
        "prompt": parsed.text,
        "size": size,
        "n": 1,
        "image": image_input(parsed.options["image"], "image"),
    }
    if "mask" in parsed.options:
        body["mask"] = image_input(parsed.options["mask"], "mask")
    try:
        payload, headers, waited = await _post(ctx, "/v1/images/image2image", body)
    except ImageError as exc:
        return CommandReply(text=f"Image editing failed: {exc}", data={"model": model, "size": size}, is_error=True)
    return _reply("Image editing", payload, headers, model, size, ctx.home, waited)
