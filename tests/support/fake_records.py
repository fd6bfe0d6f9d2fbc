"""The stand-in gateway's records and fault descriptions: what tests inject and what they read back."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal

from x402.schemas import SettleResponse

FaultKind = Literal["status", "payment_error", "hang", "drop_stream", "degraded"]
PaymentErrorKind = Literal[
    "insufficient_funds", "invalid_payload", "simulation_failed", "expired", "settlement_failed", "underpaid", "replay"
]


@dataclass
class Fault:
    """One injected failure.

    ``kind``: ``status`` (answer ``status`` with ``body``), ``payment_error`` (BlockRun's payment error body
    for ``payment_error``), ``hang`` (sleep ``delay_s``, bounded by the fake's ``max_hang_s``, then answer
    normally), ``drop_stream`` (send ``after_chunks`` SSE chunks, then drop the connection; a JSON request is
    dropped before any byte), ``degraded`` (200 whose content is an overloaded placeholder).
    ``model``: only requests for this model (``None``: any). ``times``: how many requests it hits (``None``:
    every one). ``stage``: ``"work"`` hits a request that is paid (verified, not settled, so no money moves)
    or free; ``"request"`` hits any request before the payment check, including unpaid ones.
    """

    kind: FaultKind
    status: int | None = None
    """HTTP status: default 500 for ``status`` faults, 402 for ``payment_error`` (BlockRun answered its
    underpaid pre-auths with a 500: pass ``status=500`` to mimic that)."""
    body: dict[str, Any] | str | None = None
    model: str | None = None
    times: int | None = 1
    stage: Literal["work", "request"] = "work"
    delay_s: float = 0.0
    after_chunks: int = 2
    payment_error: PaymentErrorKind = "insufficient_funds"
    path: str | None = None
    """Only requests whose path ends with this (e.g. ``/images/generations``)."""


@dataclass
class PaymentRecord:
    outcome: Literal["settled", "verified", "rejected"]
    version: int
    network: str
    amount: int
    pay_to: str
    payer: str | None
    model: str | None
    path: str
    reason: str | None = None
    transaction: str | None = None
    header: str | None = None


@dataclass
class RequestRecord:
    path: str
    model: str | None
    price: int
    paid: bool
    status: int = 0
    stream: bool = False
    body: dict[str, Any] = field(default_factory=dict)
    asked_model: str | None = None
    """The id the client asked for, when the gateway answered it from another (a retired id)."""


@dataclass
class ImageJob:
    """A 202 image job: bound to the payment header it was accepted with, settled once."""

    id: str
    path: str
    model: str | None
    body: dict[str, Any]
    header: str
    payload: Any
    requirements: Any
    payer: str | None
    amount: int
    polls: int = 0
    settlement: SettleResponse | None = None
    result: dict[str, Any] | None = None
    poll_headers: list[str | None] = field(default_factory=list)


@dataclass
class Exchange:
    """One HTTP request the stand-in answered, whatever its route (chat, RPC, catalog, health)."""

    method: str
    path: str
    status: int = 0
    paid: bool = False
    """It carried ``PAYMENT-SIGNATURE`` or ``X-PAYMENT``."""
    started: float = 0.0
    """``time.monotonic()`` when it arrived, before ``delay_s``."""


def tiny_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (32, 160, 96)) -> bytes:
    """A valid PNG of one colour (a few dozen bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")

