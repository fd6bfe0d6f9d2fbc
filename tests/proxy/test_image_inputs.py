"""Image inputs are decoded far enough to prove they are images, and a local path's refusal says nothing about
whether the file exists; what the proxy stores is owner-only."""

from __future__ import annotations

import base64
import os
import stat
import struct
import zlib
from pathlib import Path

import httpx
import pytest

from pyclawrouter.commands.args import UsageError
from pyclawrouter.commands.images import image_input
from pyclawrouter.fsutil import atomic_write
from pyclawrouter.proxy.image_check import MAX_SIDE, identify
from tests.proxy.conftest import Proxy
from tests.support.fake_records import tiny_png


def _png_with_header(width: int, height: int, depth: int = 8, colour: int = 2) -> bytes:
    body = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + body) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + body + crc + tiny_png()[33:]


def _jpeg(width: int = 4, height: int = 3) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x00" * 8 + b"\xff\xd9"


def _riff(chunk: bytes, payload: bytes) -> bytes:
    body = b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload
    body += b"\x00" * (len(body) % 2)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _webp_lossless(width: int = 4, height: int = 4) -> bytes:
    return _riff(b"VP8L", b"\x2f" + struct.pack("<I", (width - 1) | (height - 1) << 14) + b"\x00" * 8)


def _webp_lossy(width: int = 4, height: int = 4) -> bytes:
    return _riff(b"VP8 ", b"\x30\x01\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\x00" * 10)


def _webp_extended(width: int = 4, height: int = 4) -> bytes:
    return _riff(b"VP8X", b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"))


def _gif(width: int = 4, height: int = 4) -> bytes:
    image = b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"  # one 1x1 image, then the trailer
    return b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + image


GOOD = {"png": tiny_png(), "jpg": _jpeg(), "webp": _webp_lossless(), "gif": _gif()}
# Right magic bytes, wrong insides: each would pass a check of the first few bytes.
FAKES = {
    "png signature then text": b"\x89PNG\r\n\x1a\n" + b"-----BEGIN OPENSSH PRIVATE KEY-----",
    "png with a bad IHDR crc": tiny_png()[:29] + b"\x00\x00\x00\x00" + tiny_png()[33:],
    "png of zero width": _png_with_header(0, 4),
    "png of a million pixels a side": _png_with_header(1_000_000, 1_000_000),
    "png with an impossible bit depth": _png_with_header(4, 4, depth=3),
    "jpeg SOI then text": b"\xff\xd8\xff" + b"secret text " * 10,
    "jpeg without a frame header": _jpeg()[:22] + b"\xff\xd9",
    "jpeg of zero height": _jpeg(height=0),
    "riff/webp then text": b"RIFF\x20\x00\x00\x00WEBP" + b"secret text " * 3,
    "webp lossy without the start code": _webp_lossy()[:23] + b"\x00\x00\x00" + _webp_lossy()[26:],
    "webp lossless without its signature": _webp_lossless()[:20] + b"\x00" + _webp_lossless()[21:],
    "gif header then nothing": b"GIF89a\x04",
    "gif of zero width": _gif(width=0),
}


@pytest.mark.parametrize(("ext", "data"), [*GOOD.items(), ("webp", _webp_lossy()), ("webp", _webp_extended()),
                                           ("png", _png_with_header(MAX_SIDE, 1))])
def test_well_formed_images_are_recognised(ext: str, data: bytes) -> None:
    assert identify(data) == ext


@pytest.mark.parametrize("name", list(FAKES))
def test_magic_bytes_alone_are_not_an_image(name: str) -> None:
    assert identify(FAKES[name]) is None


def test_a_data_uri_with_only_magic_bytes_is_400(proxy: Proxy) -> None:
    fake = "data:image/png;base64," + base64.b64encode(FAKES["png signature then text"]).decode()
    response = httpx.post(f"{proxy.url}/v1/images/image2image", headers=proxy.auth, timeout=10,
                          json={"prompt": "x", "image": fake})
    assert response.status_code == 400
    assert "does not hold a well-formed PNG, JPEG, WebP or GIF image" in response.json()["error"]["message"]
    assert proxy.fake.requests == []


@pytest.mark.parametrize("ext", ["jpg", "webp", "gif"])
def test_every_accepted_format_goes_upstream_with_its_own_type(proxy: Proxy, tmp_path: Path, ext: str) -> None:
    picture = tmp_path / f"photo.{ext}"
    picture.write_bytes(GOOD[ext])
    response = httpx.post(f"{proxy.url}/v1/images/image2image", headers=proxy.auth, timeout=10,
                          json={"prompt": "make it blue", "image": str(picture)})
    assert response.status_code == 200, response.text
    mime = {"jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}[ext]
    assert proxy.fake.requests[-1].body["image"] == f"data:{mime};base64,{base64.b64encode(GOOD[ext]).decode()}"


def _refusals(tmp_path: Path) -> dict[str, str]:
    """Paths that must all be refused alike, keyed by why."""
    fake = tmp_path / "fake.png"
    fake.write_bytes(FAKES["png signature then text"])
    text = tmp_path / "notes.png"
    text.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    big = tmp_path / "big.png"
    with big.open("wb") as handle:
        handle.write(tiny_png())
        handle.truncate(20 * 1024 * 1024 + 1)
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)  # opening it for reading must not hang the proxy
    folder = tmp_path / "folder.png"
    folder.mkdir()
    cases = {"missing": str(tmp_path / "missing.png"), "text": str(text), "magic bytes only": str(fake),
             "too large": str(big), "fifo": str(fifo), "directory": str(folder), "empty path": "~/"}
    if os.geteuid() != 0:  # root reads any file
        locked = tmp_path / "locked.png"
        locked.write_bytes(tiny_png())
        locked.chmod(0)
        cases["unreadable"] = str(locked)
    return cases


def test_local_path_refusals_all_read_the_same(proxy: Proxy, tmp_path: Path) -> None:
    messages = {}
    for why, path in _refusals(tmp_path).items():
        response = httpx.post(f"{proxy.url}/v1/images/image2image", headers=proxy.auth, timeout=10,
                              json={"prompt": "x", "image": path})
        assert response.status_code == 400, (why, response.text)
        messages[why] = response.json()["error"]["message"].replace(path, "<path>")
    assert set(messages.values()) == {"<path> is not a readable PNG, JPEG, WebP or GIF image file of at most 20 MB"}
    assert proxy.fake.requests == []


def test_the_img2img_command_refuses_local_paths_alike(tmp_path: Path) -> None:
    messages = set()
    for path in _refusals(tmp_path).values():
        with pytest.raises(UsageError) as info:
            image_input(path, "image")
        messages.add(str(info.value).replace(path, "<path>"))
    assert len(messages) == 1
    picture = tmp_path / "ok.gif"
    picture.write_bytes(GOOD["gif"])
    assert image_input(str(picture), "image") == "data:image/gif;base64," + base64.b64encode(GOOD["gif"]).decode()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_directories_are_0700_and_state_files_0600(start_proxy: object, isolated_state_dir: Path) -> None:
    home = isolated_state_dir
    home.chmod(0o755)  # as a state directory created by an older version or by hand might be
    old_umask = os.umask(0o022)
    try:
        proxy = start_proxy()  # type: ignore[operator]
        proxy.client().images.generate(model="openai/gpt-image-1", prompt="a green square", n=1)
        proxy.client().chat.completions.create(model="free", messages=[{"role": "user", "content": "hi"}])
        atomic_write(home / "some-state.json", "{}")
        atomic_write(home / "new-dir" / "state.json", "{}")
    finally:
        os.umask(old_umask)
    for directory in (home, home / "logs", home / "images", home / "new-dir"):
        assert _mode(directory) == 0o700, directory
    stored = list((home / "images").iterdir())
    usage = list((home / "logs").glob("usage-*.jsonl"))
    assert stored and usage
    for path in [*stored, *usage, home / "command-token", home / "some-state.json", home / "new-dir" / "state.json"]:
        assert _mode(path) == 0o600, path
