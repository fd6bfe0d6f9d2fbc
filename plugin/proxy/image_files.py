"""Image bytes in and out of the proxy: format sniffing, input loading, and the local image store.

A local path in an image request is read only if the file *is* a PNG, JPEG, WebP or GIF image (by its header,
decoded in :mod:`pyclawrouter.proxy.image_check`, not by its name) and under the size limit, so a prompt can
never make the proxy upload ``~/.ssh/id_rsa``. A path that is missing, unreadable, not a regular file, too
large or not an image gets one and the same message, so the answer does not tell whoever sent the path
whether some file exists.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import stat
import time
from pathlib import Path

import httpx

from pyclawrouter.errors import BadRequestError
from pyclawrouter.fsutil import PRIVATE_FILE_MODE, ensure_private_dir
from pyclawrouter.proxy.image_check import identify

MAX_IMAGE_BYTES = 20 * 1024 * 1024
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$")
MIME_BY_EXT = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


FORMATS = "PNG, JPEG, WebP or GIF"


def sniff(data: bytes) -> str | None:
    """The image extension for these bytes, or None unless they are a well-formed PNG, JPEG, WebP or GIF."""
    return identify(data)


def data_uri(data: bytes, ext: str) -> str:
    return f"data:{MIME_BY_EXT[ext]};base64,{base64.b64encode(data).decode('ascii')}"


def decode_data_uri(uri: str) -> bytes:
    header, _, payload = uri.partition(",")
    if not header.startswith("data:") or ";base64" not in header:
        raise BadRequestError("an image data URI must be base64 encoded (data:image/png;base64,...)")
    try:
        return base64.b64decode("".join(payload.split()), validate=True)
    except (ValueError, binascii.Error):
        raise BadRequestError("the image data URI is not valid base64") from None


def read_local_image(path_text: str) -> tuple[bytes, str]:
    """The bytes and extension of the image at a local path, or one message whatever the reason it is not."""
    refusal = BadRequestError(f"{path_text[:200]} is not a readable {FORMATS} image file of at most "
                              f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    try:
        # O_NONBLOCK: opening a FIFO put in the image's place must not hang the worker thread.
        fd = os.open(os.path.expanduser(path_text), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError):
        raise refusal from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_IMAGE_BYTES:
            raise refusal
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_IMAGE_BYTES + 1)
    except OSError:
        raise refusal from None
    finally:
        os.close(fd)
    ext = identify(data) if len(data) <= MAX_IMAGE_BYTES else None
    if ext is None:
        raise refusal
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
    ext = identify(bytes(data))
    if ext is None:
        raise BadRequestError(f"{url[:200]} is not a {FORMATS} image")
    return bytes(data), ext


def store(directory: Path, data: bytes, ext: str) -> str:
    """Save image bytes under a fresh unguessable name; return the name."""
    ensure_private_dir(directory)
    name = f"{int(time.time() * 1000)}-{secrets.token_hex(4)}.{ext}"
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return name


def stored_path(directory: Path, name: str) -> Path | None:
    if not _SAFE_NAME.fullmatch(name):
        return None
    path = directory / name
    return path if path.is_file() else None
