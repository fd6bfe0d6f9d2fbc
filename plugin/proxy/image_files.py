"""Image bytes in and out of the proxy: format sniffing, input loading, and the local image store.

A local path in an image request is read only if the file *is* a PNG, JPEG or WebP image (by its first bytes,
not its name) and under the size limit, so a prompt can never make the proxy upload ``~/.ssh/id_rsa``.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import time
from pathlib import Path

import httpx

from pyclawrouter.errors import BadRequestError

MAX_IMAGE_BYTES = 20 * 1024 * 1024
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$")
MIME_BY_EXT = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


def sniff(data: bytes) -> str | None:
    """The image extension for these bytes, or None if they are not a PNG, JPEG or WebP image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def data_uri(data: bytes, ext: str) -> str:
    return f"data:{MIME_BY_EXT[ext]};base64,{base64.b64encode(data).decode('ascii')}"


def decode_data_uri(uri: str) -> bytes:
    header, _, payload = uri.partition(",")
    if not header.startswith("data:") or ";base64" not in header:
        raise BadRequestError("an image data URI must be base64 encoded (data:image/png;base64,...)")
    try:
        return base64.b64decode(payload, validate=False)
    except ValueError:
        raise BadRequestError("the image data URI is not valid base64") from None


def read_local_image(path_text: str) -> tuple[bytes, str]:
    path = Path(os.path.expanduser(path_text))
    try:
        if not path.is_file():
            raise BadRequestError(f"image file not found: {path_text}")
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise BadRequestError(f"image file is {size} bytes; the limit is {MAX_IMAGE_BYTES}")
        with path.open("rb") as handle:
            head = handle.read(16)
            ext = sniff(head)
            if ext is None:
                raise BadRequestError(f"{path_text} is not a PNG, JPEG or WebP image")
            data = head + handle.read(MAX_IMAGE_BYTES + 1 - len(head))
    except OSError as exc:
        raise BadRequestError(f"cannot read image file {path_text}: {exc.strerror}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise BadRequestError(f"image file is larger than {MAX_IMAGE_BYTES} bytes")
    return data, ext


async def download(client: httpx.AsyncClient, url: str, *, timeout: float = 30.0) -> tuple[bytes, str]:
    """Fetch an image by URL, size-limited and checked by content."""
    try:
        async with client.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            if response.status_code != 200:
                raise BadRequestError(f"could not download the image ({response.status_code}): {url[:200]}")
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > MAX_IMAGE_BYTES:
                    raise BadRequestError(f"the image at {url[:200]} is larger than {MAX_IMAGE_BYTES} bytes")
    except httpx.HTTPError as exc:
        raise BadRequestError(f"could not download the image: {type(exc).__name__}") from None
    ext = sniff(bytes(data[:16]))
    if ext is None:
        raise BadRequestError(f"{url[:200]} is not a PNG, JPEG or WebP image")
    return bytes(data), ext


def store(directory: Path, data: bytes, ext: str) -> str:
    """Save image bytes under a fresh unguessable name; return the name."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{int(time.time() * 1000)}-{secrets.token_hex(4)}.{ext}"
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return name


def stored_path(directory: Path, name: str) -> Path | None:
    if not _SAFE_NAME.match(name):
        return None
    path = directory / name
    return path if path.is_file() else None
