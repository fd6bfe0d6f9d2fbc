"""A small RGB canvas that encodes itself as PNG with the standard library only (zlib + the PNG chunk format).

Chat needs a raster picture (OpenClaw attaches images, not SVG documents), and one bar chart does not justify an
imaging library: rectangles and 5×7 text are all it draws.
"""

from __future__ import annotations

import struct
import zlib

from pyclawrouter.dashboard import font

Color = tuple[int, int, int]
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Canvas:
    def __init__(self, width: int, height: int, background: Color) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"a canvas needs a positive size, not {width}x{height}")
        self.width, self.height = width, height
        self._rows = [bytearray(bytes(background) * width) for _ in range(height)]

    def pixel(self, x: int, y: int) -> Color:
        row = self._rows[y]
        return row[3 * x], row[3 * x + 1], row[3 * x + 2]

    def fill_rect(self, x: float, y: float, w: float, h: float, color: Color) -> None:
        """Fill the pixels whose centres fall inside the rectangle; parts outside the canvas are clipped."""
        x0, y0 = max(0, round(x)), max(0, round(y))
        x1, y1 = min(self.width, round(x + w)), min(self.height, round(y + h))
        if x1 <= x0 or y1 <= y0:
            return
        run = bytes(color) * (x1 - x0)
        for row in self._rows[y0:y1]:
            row[3 * x0:3 * x1] = run

    def text(self, x: float, y: float, text: str, color: Color, *, scale: int = 2) -> float:
        """Draw ``text`` with its top-left corner at (x, y); returns the x where the next character would go."""
        for char in text:
            for gy, line in enumerate(font.glyph(char)):
                for gx, ink in enumerate(line):
                    if ink == "#":
                        self.fill_rect(x + gx * scale, y + gy * scale, scale, scale, color)
            x += (font.WIDTH + 1) * scale
        return x

    @staticmethod
    def text_width(text: str, *, scale: int = 2) -> int:
        return max(0, len(text) * (font.WIDTH + 1) * scale - scale)

    def to_png(self) -> bytes:
        # Colour type 2 (RGB), 8 bits per channel; each scanline starts with filter byte 0 (none).
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        raw = b"".join(b"\x00" + bytes(row) for row in self._rows)
        return _SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
