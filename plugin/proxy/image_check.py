"""Is this really an image? Each format's header is decoded far enough to prove it, not just its magic bytes.

Checked per format (byte layouts from each format's specification):

* PNG: the 8-byte signature, then an ``IHDR`` chunk of length 13 whose CRC-32 matches, with non-zero width and
  height, a valid bit depth / colour type pair, and compression, filter and interlace methods in range.
* JPEG: ``FF D8`` (SOI), then marker segments walked by their lengths until a start-of-frame marker (SOF0-SOF15
  except DHT ``C4``, JPG ``C8`` and DAC ``CC``) with 8-16 bit precision, non-zero width, height and
  component count.
* WebP: ``RIFF`` with a plausible size, ``WEBP``, then a ``VP8 `` chunk (key-frame start code ``9D 01 2A``),
  ``VP8L`` chunk (signature byte ``2F``) or ``VP8X`` chunk (canvas size), with non-zero dimensions.
* GIF: ``GIF87a``/``GIF89a`` and a logical screen descriptor with non-zero width and height.

Dimensions above :data:`MAX_SIDE` pixels on either side are refused as well: no image model takes them, and
they are a classic decompression bomb.
"""

from __future__ import annotations

import struct
import zlib

MAX_SIDE = 16_384
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Allowed bit depths per PNG colour type.
_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# Markers that stand alone, without a length: TEM, RST0-7 (SOI and EOI cannot appear before a frame).
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def identify(data: bytes) -> str | None:
    """The file extension (``png``, ``jpg``, ``webp``, ``gif``) if ``data`` starts a well-formed image."""
    if data.startswith(_PNG_SIGNATURE):
        return "png" if _png_ok(data) else None
    if data.startswith(b"\xff\xd8"):
        return "jpg" if _jpeg_ok(data) else None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp" if _webp_ok(data) else None
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif" if _gif_ok(data) else None
    return None


def _sane(width: int, height: int) -> bool:
    return 0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE


def _png_ok(data: bytes) -> bool:
    if len(data) < 33:
        return False
    length, kind = struct.unpack(">I4s", data[8:16])
    if length != 13 or kind != b"IHDR":
        return False
    body = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
        return False
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    return (_sane(width, height) and depth in _PNG_DEPTHS.get(colour, set())
            and compression == 0 and filtering == 0 and interlace in (0, 1))


def _jpeg_ok(data: bytes) -> bool:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return False
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker in _JPEG_STANDALONE:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if length < 2:
            return False
        if marker in _JPEG_SOF:
            if length < 8 or at + 10 > len(data):
                return False
            precision, height, width, components = struct.unpack(">BHHB", data[at + 4:at + 10])
            return precision in (8, 12, 16) and _sane(width, height) and components > 0
        if marker in (0xD8, 0xD9, 0xDA):  # SOI again, EOI or start of scan before any frame header
            return False
        at += 2 + length
    return False


def _webp_ok(data: bytes) -> bool:
    if len(data) < 30:
        return False
    (riff_size,) = struct.unpack("<I", data[4:8])
    if riff_size < 22 or riff_size % 2:  # RIFF sizes are even (chunks are padded)
        return False
    kind = data[12:16]
    if kind == b"VP8 ":
        # Frame tag (3 bytes, bit 0 clear on a key frame), start code, then 14-bit width and height.
        if data[20] & 1 or data[23:26] != b"\x9d\x01\x2a":
            return False
        width, height = struct.unpack("<HH", data[26:30])
        return _sane(width & 0x3FFF, height & 0x3FFF)
    if kind == b"VP8L":
        if data[20] != 0x2F:
            return False
        (bits,) = struct.unpack("<I", data[21:25])
        return _sane((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1) and bits >> 29 == 0  # version 0
    if kind == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return _sane(width, height)
    return False


def _gif_ok(data: bytes) -> bool:
    if len(data) < 13:
        return False
    width, height = struct.unpack("<HH", data[6:10])
    return _sane(width, height)
