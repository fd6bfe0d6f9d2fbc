"""Waiting for an image job the gateway accepted with ``202 {id, poll_url, status}`` instead of the image.

Slow image models (gpt-image-2, dall-e-3 ...) outlast the gateway's inline window. It then answers 202 and
the client polls ``poll_url`` (every 5 s, for up to 300 s, as BlockRun's SDK does), sending the *same*
``PAYMENT-SIGNATURE`` each time: the job is bound to that payment. On Base the gateway settles at the first
poll that sees the job completed (the transaction hash comes in ``PAYMENT-RESPONSE`` or
``x-payment-receipt``), so giving up before then leaves the authorization unsettled until it expires; on
Solana the gateway settled at the POST already. The caller books the settlement in the spend ledger; this
module only polls and reports progress.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from pyclawrouter.errors import UserFacingError
from pyclawrouter.payments.errors import classify_payment_failure
from pyclawrouter.payments.receipt import settlement

POLL_INTERVAL_S = 5.0
POLL_LIMIT_S = 300.0
RECEIPT_HEADER = "x-payment-receipt"
"""The gateway's plain transaction-hash header on a completed, settled poll."""
# 202: still queued or running; 504: a transient upstream hiccup. Both are polled again within the limit.
_KEEP_POLLING = frozenset({202, 504})


class ImageJobError(UserFacingError):
    """The accepted job failed, was refused or did not finish in time."""

    code = "image_job_failed"
    http_status = 502
    error_type = "upstream_error"


@dataclass(frozen=True)
class PollSchedule:
    """How often and how long to poll; tests shorten both."""

    interval_s: float = POLL_INTERVAL_S
    limit_s: float = POLL_LIMIT_S

    @property
    def max_polls(self) -> int:
        return max(1, int(self.limit_s / self.interval_s)) if self.interval_s > 0 else 1


@dataclass(frozen=True)
class JobProgress:
    """One step of the wait, shown to the user: the job, its last status, polls so far, seconds waited."""

    job: str
    status: str
    polls: int
    elapsed_s: float

    def text(self) -> str:
        return f"image job {self.job}: {self.status} after {self.elapsed_s:.0f}s ({self.polls} polls)"


@dataclass(frozen=True)
class JobResult:
    body: dict[str, Any]
    tx: str | None
    progress: JobProgress


Progress = Callable[[JobProgress], None]
Sleep = Callable[[float], Awaitable[None]]


def accepted_job(body: bytes) -> dict[str, Any]:
    """The 202's ``{id, poll_url, status}``, or :class:`ImageJobError` if it names no ``poll_url``."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("poll_url"), str) or not data["poll_url"]:
        raise ImageJobError("The image service accepted the job (202) but sent no poll_url to collect it from.")
    return data


def poll_url(api_base: str, url: str) -> str:
    """``poll_url`` is relative to the gateway's host (``/api/v1/images/generations/<id>``). An absolute one
    must stay on that host: every poll carries the signed payment, which must not go anywhere else."""
    base = httpx.URL(api_base)
    target = base.join(url) if not url.startswith(("http://", "https://")) else httpx.URL(url)
    if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
        raise ImageJobError(f"Refused to poll {url!r}: it is not on the gateway's host {base.host}.")
    return str(target)


def _json(response_body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(response_body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def receipt_tx(headers: Mapping[str, str]) -> str | None:
    receipt = settlement(headers)
    if receipt is not None and receipt.transaction:
        return receipt.transaction
    return headers.get(RECEIPT_HEADER) or None


async def poll_job(client: httpx.AsyncClient, api_base: str, accepted: dict[str, Any],
                   headers: Mapping[str, str], *, schedule: PollSchedule, on_progress: Progress | None = None,
                   settled_at_submit: bool = False, sleep: Sleep = asyncio.sleep) -> JobResult:
    """Poll until the job completes; ``headers`` carry the payment the job was accepted with.
    ``settled_at_submit``: the 202 already carried a settlement (Solana), which a failure here does not undo."""
    url = poll_url(api_base, str(accepted["poll_url"]))
    job = str(accepted.get("id") or url.rsplit("/", 1)[-1])
    status = str(accepted.get("status") or "queued")
    started = time.monotonic()

    def step(polls: int) -> JobProgress:
        progress = JobProgress(job, status, polls, time.monotonic() - started)
        if on_progress is not None:
            on_progress(progress)
        return progress

    step(0)
    for polls in range(1, schedule.max_polls + 1):
        await sleep(schedule.interval_s)
        try:
            response = await client.get(url, headers=dict(headers))
        except httpx.HTTPError as exc:
            raise ImageJobError(f"Polling image job {job} failed ({type(exc).__name__}).") from None
        data = _json(response.content)
        status = str(data.get("status") or status)
        progress = step(polls)
        if response.status_code == 402:
            failure = classify_payment_failure(402, response.content)
            why = failure.message if failure is not None else "the payment was refused"
            raise ImageJobError(f"Image job {job} was not delivered: {why}")
        if status == "failed":
            raise ImageJobError(f"Image job {job} failed upstream: {str(data.get('error') or 'no reason given')[:300]}")
        if response.status_code == 200 and (status == "completed" or "data" in data):
            return JobResult(data, receipt_tx(response.headers), progress)
        if response.status_code not in _KEEP_POLLING:
            raise ImageJobError(f"Polling image job {job} failed: HTTP {response.status_code}.")
    if settled_at_submit:
        money = "The payment was settled when the job was accepted, so this image was paid for."
    else:
        money = ("The payment is settled only when the job completes, so it should not be charged; it stays counted "
                 "as pending until the chain shows it expired unsettled.")
    raise ImageJobError(f"Image job {job} did not finish within {schedule.limit_s:.0f}s (last status: {status}). "
                        + money)
