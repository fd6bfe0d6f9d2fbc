"""Real streaming: the upstream's SSE bytes go to the client as they arrive.

While no model has answered yet the HTTP status is still open: a failure within the first
``first_heartbeat_s`` gets a proper status code and JSON error. After that the response commits to
``200 text/event-stream`` and sends ``: heartbeat`` comments every ``heartbeat_interval_s`` so OpenClaw's
silence timeout never fires while a model thinks or a payment is signed; a later failure arrives as an SSE
error event followed by ``data: [DONE]``. A payment the spend cap declines is told to OpenClaw as an answer
either way (:mod:`~pyclawrouter.proxy.cap_stop`): as an error, OpenClaw would disable the provider.

Events are passed through untouched except three: the routing decision goes in a comment before the first
chunk, the usage chunk is read for the log (and dropped if the client did not ask for usage, else given
``usage.cost``, see :mod:`~pyclawrouter.proxy.answer_cost`), and a cost comment is inserted before
``data: [DONE]``. Only events that mention "usage" or "[DONE]" are parsed, so
the per-chunk cost is a couple of byte searches. If the client disconnects, the upstream request is closed
(cancelling it) and the outcome is still reported, so the usage line is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeGuard

import httpx
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from pyclawrouter.errors import UserFacingError
from pyclawrouter.ledger.spend import CostCapExceededError
from pyclawrouter.proxy import cap_stop
from pyclawrouter.proxy.answer_cost import priced
from pyclawrouter.proxy.errors import as_user_error
from pyclawrouter.proxy.outcome import Outcome
from pyclawrouter.proxy.responses import error_body, json_error_response
from pyclawrouter.upstream.fallback import Success

if TYPE_CHECKING:
    from pyclawrouter.proxy.exchange import Exchange

SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]
HEARTBEAT = b": heartbeat\n\n"
log = logging.getLogger(__name__)
DONE = b"data: [DONE]\n\n"
CLIENT_CLOSED = 499


class StreamResponse(Response):
    """An ASGI response running ``work`` (the fallback loop) and streaming whatever it produces."""

    def __init__(self, work: Callable[[], Awaitable[Success]], exchange: Exchange) -> None:
        super().__init__(media_type="text/event-stream")
        settings = exchange.ctx.settings
        self._work = work
        self._prelude = exchange.prelude
        self._trailer = exchange.trailer
        self._wants_usage = exchange.chat.wants_usage
        self._exchange = exchange
        self._first_heartbeat = settings.first_heartbeat_s
        self._interval = settings.heartbeat_interval_s
        self._record_limit = settings.cache_max_item_bytes
        self._extra_headers = {"x-clawrouter-request-id": exchange.request_id}
        self._on_done = exchange.finish
        self._in_chat = exchange.chat.in_chat
        self._model = exchange.decision.model
        self._request_id = exchange.request_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        outcome = Outcome(status=CLIENT_CLOSED, note="client disconnected", media_type="text/event-stream")
        main = asyncio.ensure_future(self._serve(send, outcome))
        watcher = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            done, _ = await asyncio.wait({main, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if watcher in done and main not in done:
                outcome.status, outcome.note = CLIENT_CLOSED, "client disconnected"
        finally:
            for task in (main, watcher):
                task.cancel()
            for task in (main, watcher):
                with contextlib.suppress(BaseException):
                    await task
            self._on_done(outcome)

    async def _serve(self, send: Send, outcome: Outcome) -> None:
        work = asyncio.ensure_future(self._work())
        try:
            done, _ = await asyncio.wait({work}, timeout=self._first_heartbeat)
            if done and (failure := work.exception()) is not None:
                error = _reported(failure)
                outcome.status, outcome.error = error.http_status, error
                response = self._cap_stop(error) or json_error_response(error)
                await response({"type": "http"}, _no_receive, send)
                return
            await send({"type": "http.response.start", "status": 200,
                        "headers": SSE_HEADERS + [(k.encode(), v.encode()) for k, v in self._extra_headers.items()]})
            outcome.status = 200
            while not work.done():
                await send({"type": "http.response.body", "body": HEARTBEAT, "more_body": True})
                await asyncio.wait({work}, timeout=self._interval)
            if (failure := work.exception()) is not None:
                error = _reported(failure)
                outcome.status, outcome.error = error.http_status, error
                if self._tells_cap_stop(error):
                    await _send(send, cap_stop.sse_events(error, model=self._model, request_id=self._request_id),
                                last=True)
                else:
                    await _send(send, b"data: " + json.dumps(error_body(error)).encode() + b"\n\n" + DONE,
                                last=True)
                return
            await self._relay(send, work.result(), outcome)
        finally:
            if not work.done():
                work.cancel()
                with contextlib.suppress(BaseException):
                    await work
            elif not work.cancelled() and work.exception() is None:
                # Closing an unfinished response drops its connection: that is what cancels the upstream.
                await work.result().answer.response.aclose()

    def _tells_cap_stop(self, error: UserFacingError) -> TypeGuard[CostCapExceededError]:
        """A payment this request needed was declined by ``maxCostPerRun`` and the client is OpenClaw, which
        must see it as an answer: as an error it would disable the provider (see cap_stop)."""
        return isinstance(error, CostCapExceededError) and self._in_chat

    def _cap_stop(self, error: UserFacingError) -> Response | None:
        if not self._tells_cap_stop(error):
            return None
        return cap_stop.answer(error, stream=True, model=self._model, request_id=self._request_id,
                               paid=self._exchange.paid)

    async def _relay(self, send: Send, success: Success, outcome: Outcome) -> None:
        outcome.success = success
        record: list[bytes] | None = []
        recorded_size = 0

        async def emit(data: bytes, last: bool = False) -> None:
            nonlocal record, recorded_size
            if data or last:
                await _send(send, data, last=last)
            if record is not None and data:
                recorded_size += len(data)
                record = [*record, data] if recorded_size <= self._record_limit else None

        await emit(self._prelude(success))
        if success.chunks is None:  # the upstream ignored stream=true and answered with JSON
            converted = json_to_sse(success.body or b"{}", self._wants_usage, outcome, self._exchange.paid)
            await emit(converted + self._trailer(success) + DONE, last=True)
            outcome.recorded = b"".join(record) if record is not None else None
            return
        pending = success.first_chunk
        saw_done = False
        try:
            while True:
                cut = pending.rfind(b"\n\n")
                if cut >= 0:
                    complete, pending = pending[: cut + 2], pending[cut + 2 :]
                    if b"[DONE]" in complete or b'"usage"' in complete:
                        complete, done_here = self._rewrite_events(complete, success, outcome)
                        saw_done = saw_done or done_here
                    await emit(complete)
                chunk = await anext(success.chunks, None)
                if chunk is None:
                    break
                pending += chunk
        except (httpx.HTTPError, TimeoutError) as exc:
            outcome.status, outcome.note = 502, f"upstream stream interrupted ({type(exc).__name__})"
        if pending.strip():
            await emit(pending if pending.endswith(b"\n\n") else pending + b"\n\n")
        if not saw_done and outcome.status == 200:
            outcome.status, outcome.note = 502, "upstream stream ended without [DONE]"
        if outcome.status != 200:
            error = {"error": {"message": f"The model stopped mid-answer: {outcome.note}", "type": "upstream_error",
                               "code": "stream_interrupted", "model": success.model}}
            await emit(b"data: " + json.dumps(error).encode() + b"\n\n" + DONE, last=True)
            return
        await emit(b"", last=True)
        outcome.recorded = b"".join(record) if record is not None else None

    def _rewrite_events(self, data: bytes, success: Success, outcome: Outcome) -> tuple[bytes, bool]:
        out: list[bytes] = []
        saw_done = False
        for event in data.split(b"\n\n"):
            if not event.strip():
                continue
            payload = event.strip()
            if payload == b"data: [DONE]" or payload == b"data:[DONE]":
                saw_done = True
                out.append(self._trailer(success) + DONE)
                continue
            if b'"usage"' in payload and payload.startswith(b"data:"):
                try:
                    chunk = json.loads(payload[5:])
                except ValueError:
                    chunk = None
                if isinstance(chunk, dict) and isinstance(chunk.get("usage"), dict):
                    outcome.usage = chunk["usage"]
                    if not self._wants_usage and not chunk.get("choices"):
                        continue
                    chunk["usage"] = priced(chunk["usage"], self._exchange.paid)
                    out.append(b"data: " + json.dumps(chunk, ensure_ascii=False).encode("utf-8") + b"\n\n")
                    continue
            out.append(event + b"\n\n")
        return b"".join(out), saw_done


def json_to_sse(body: bytes, wants_usage: bool, outcome: Outcome, cost_usd: float = 0.0) -> bytes:
    """Turn a complete chat-completion JSON into the chunks a streaming client expects."""
    try:
        data: dict[str, Any] = json.loads(body)
    except ValueError:
        return b"data: " + body + b"\n\n"
    base = {"id": data.get("id", "chatcmpl-proxy"), "object": "chat.completion.chunk",
            "created": data.get("created", 0), "model": data.get("model", "")}
    chunks: list[dict[str, Any]] = []
    for choice in data.get("choices") or []:
        message = choice.get("message") or {}
        index = choice.get("index", 0)
        chunks.append({**base, "choices": [{"index": index, "delta": {"role": "assistant"}, "finish_reason": None}]})
        if message.get("content"):
            chunks.append({**base, "choices": [{"index": index, "delta": {"content": message["content"]},
                                                "finish_reason": None}]})
        calls = message.get("tool_calls") or []
        if calls:
            delta = [{"index": i, **call} for i, call in enumerate(calls)]
            chunks.append({**base, "choices": [{"index": index, "delta": {"tool_calls": delta},
                                                "finish_reason": None}]})
        finish = choice.get("finish_reason") or ("tool_calls" if calls else "stop")
        chunks.append({**base, "choices": [{"index": index, "delta": {}, "finish_reason": finish}]})
    if isinstance(data.get("usage"), dict):
        outcome.usage = data["usage"]
        if wants_usage:
            chunks.append({**base, "choices": [], "usage": priced(data["usage"], cost_usd)})
    return b"".join(b"data: " + json.dumps(c, ensure_ascii=False).encode() + b"\n\n" for c in chunks)


def _reported(exc: BaseException) -> UserFacingError:
    error = as_user_error(exc)
    if not isinstance(exc, UserFacingError):
        log.error("unhandled error while streaming", exc_info=exc)
    return error


async def _send(send: Send, data: bytes, *, last: bool = False) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": not last})


async def _wait_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _no_receive() -> Message:
    await asyncio.Event().wait()
    return {"type": "http.disconnect"}
