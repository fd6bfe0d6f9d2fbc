"""A local fake of BlockRun's pay-per-request API, whose payment checks are done by the official x402 SDK.

Every later test that needs "the upstream" uses this. In short::

    fake = FakeBlockRun()                          # Base, offline stub facilitator, x402 v2
    fake.backend.fund(wallet.evm_address, 5_000_000)   # 5 USDC
    # in-process:  httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url="http://fake")
    # real port:   with serve(fake.app) as url: ...   (tests.support.server)

What it does for ``POST /v1/chat/completions`` (also ``/api/v1/...``; images alike):

1. prices the request from its body (:meth:`FakeBlockRun.price`), deterministic, in micro-USDC;
2. without a payment header answers 402 like BlockRun: ``PAYMENT-REQUIRED`` + ``WWW-Authenticate: X402
   requirements="…"`` and ``{"error": "Payment Required"}`` (or, with ``challenge_version=1``, the v1 JSON body);
3. with ``PAYMENT-SIGNATURE``/``X-PAYMENT`` asks the SDK's ``x402ResourceServer`` (with an in-process SDK
   ``x402Facilitator``) to match, verify and settle; a mismatch or failure is a 402 in BlockRun's error shape
   (EVM ``details`` form or Solana ``code``/``debug`` form), never a fresh challenge;
4. answers like an OpenAI-compatible model (JSON, or SSE chunk by chunk with a final usage chunk) and returns
   the settlement in ``PAYMENT-RESPONSE`` and ``X-PAYMENT-RESPONSE``.

Free models (``free_models``, default: the catalog's $0 models) are answered without payment. Faults are
injected with :meth:`FakeBlockRun.inject` (or the helpers ``fail_status``, ``fail_payment``, ``hang``,
``drop_stream``, ``degrade``). Everything paid, settled or rejected is recorded in ``payments``; every
request in ``requests``. ``/rpc`` is a minimal JSON-RPC for balance reads against the back end's ledger.

The parts live next to it: the x402 side (challenge, SDK verify and settle, payment records) in
``fake_x402.py``, the completions and SSE in ``fake_answers.py``, the JSON-RPC in ``fake_rpc.py``, what it
lists and quotes in ``fake_catalog.py``, faults and records in ``fake_records.py``.

Run it as a server: ``python -m tests.support.fake_blockrun --port 9402 [--chain base|solana]
[--backend stub|anvil|litesvm] [--v1] [--default-balance 5000000]``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from x402 import x402Facilitator, x402ResourceServer
from x402.http.utils import (
    encode_payment_response_header,
)
from x402.mechanisms.evm.exact import register_exact_evm_server
from x402.mechanisms.svm.exact import register_exact_svm_server
from x402.schemas import SettleResponse

from pyclawrouter.endpoints import SOLANA_RPC_PATH
from tests.support.backends import PaymentBackend, StubEvmBackend
from tests.support.fake_answers import canned_message, chat_completion, sse_stream
from tests.support.fake_catalog import (
    CHAIN_FLOOR,
    DEFAULT_MODELS,
    DEFAULT_PRICE_PER_TOKEN,
    FREE_MODELS,
    IMAGE_JOB_POLLS,
    IMAGE_PRICE,
    MARGIN,
    MIN_PAYMENT,
    OUTPUT_QUOTE_FACTOR,
    SLOW_IMAGE_MODELS,
    catalog_max_outputs,
    catalog_prices,
    catalog_rows,
    retired_ids,
)
from tests.support.fake_records import (
    Exchange,
    Fault,
    ImageJob,
    PaymentErrorKind,
    PaymentRecord,
    RequestRecord,
    tiny_png,
)
from tests.support.fake_rpc import answer_rpc
from tests.support.fake_x402 import X402Side


def _is_image_path(path: str) -> bool:
    return path.endswith("/images/generations") or path.endswith("/images/image2image")


def _max_tokens(body: dict[str, Any]) -> int:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return 1024


class FakeBlockRun(X402Side):
    def __init__(
        self,
        backend: PaymentBackend | None = None,
        *,
        challenge_version: int = 2,
        free_models: frozenset[str] | set[str] = FREE_MODELS,
        models: tuple[str, ...] = DEFAULT_MODELS,
        model_prices: dict[str, tuple[float, float]] | None = None,
        image_price: int = IMAGE_PRICE,
        settle_header_on_stream: bool = True,
        settle_paid_faults: bool = False,
        max_hang_s: float = 30.0,
        max_timeout_seconds: int = 300,
        delay_ms: float = 0.0,
    ) -> None:
        self.backend: PaymentBackend = backend or StubEvmBackend()
        self.challenge_version = challenge_version
        self.free_models = frozenset(free_models)
        self.models = models
        # Like BlockRun, price each model at its catalog rate; tests override single models to provoke refusals.
        self.model_prices = catalog_prices() if model_prices is None else dict(model_prices)
        # The gateway clamps max_tokens above a model's ceiling and prices the clamped value.
        self.model_max_output = catalog_max_outputs()
        self.image_price = image_price
        self.settle_header_on_stream = settle_header_on_stream
        self.settle_paid_faults = settle_paid_faults
        """Signing is settlement: settle a verified payment before a ``work`` fault answers (a 5xx, a hang, a
        degraded 200, a dropped connection), as the real gateway may, instead of leaving the money unmoved."""
        self.max_hang_s = max_hang_s
        self.max_timeout_seconds = max_timeout_seconds
        self.include_blockhash = True
        self.challenge_extensions: dict[str, Any] | None = None
        """v2: the challenge's top-level ``extensions`` (e.g. an app's ``builder-code``), which clients merge."""
        """Solana: put ``extra.recentBlockhash`` in requirements (False: the client must ask its RPC)."""
        self.reply: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        """Optional: body -> assistant ``message`` dict (content, tool_calls...) instead of the canned reply."""
        self.image_mode: Literal["b64_json", "url"] = "b64_json"
        self.slow_image_models: set[str] = set(SLOW_IMAGE_MODELS)
        """Answered 202 + poll_url; settled at the first completed poll on Base, at the POST on Solana."""
        self.image_job_polls = IMAGE_JOB_POLLS
        self.image_job_outcome: Literal["completed", "failed"] = "completed"
        self.jobs: dict[str, ImageJob] = {}
        self.rpc_calls: list[tuple[str, str]] = []
        self.retired: dict[str, str] = retired_ids()
        """Retired id -> the model that answers it instead (200), as the gateway redirects them."""
        self.model_health: dict[str, dict[str, Any]] = {}
        """Per-model overrides of the ``/v1/health/models`` row (e.g. ``{"errorRate24h": 0.4}``)."""
        """(path, method) of every JSON-RPC call, on ``/rpc`` and on the gateway's ``/api/v1/solana/rpc``."""
        self.rpc_proxy_methods: set[str] | None = None
        """The methods ``/api/v1/solana/rpc`` serves (None: all of ``/rpc``'s); others get JSON-RPC -32601."""
        self.delay_s = delay_ms / 1000.0
        """Added before every answer, on every route: a network round trip to a distant gateway."""
        self.exchanges: list[Exchange] = []
        """Every HTTP request answered, in arrival order (the RPC's method in ``rpc_method``)."""
        self.payments: list[PaymentRecord] = []
        self.requests: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._image_files: dict[str, bytes] = {}

        self.facilitator = x402Facilitator()
        self.backend.register(self.facilitator)
        self.server = x402ResourceServer(self.facilitator)
        if self.backend.chain == "base":
            register_exact_evm_server(self.server, self.backend.network)
        else:
            register_exact_svm_server(self.server, self.backend.network)
        self.server.initialize()
        self._routes = self._build_app()
        self.app = self._exchange

    # ----------------------------------------------------------------------------------------- test API

    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def fail_status(self, status: int, *, body: dict[str, Any] | str | None = None, **kw: Any) -> Fault:
        default = {"error": {"message": f"fake upstream error {status}", "type": "upstream_error"}}
        return self.inject(Fault("status", status=status, body=body if body is not None else default, **kw))

    def fail_payment(self, kind: PaymentErrorKind = "insufficient_funds", **kw: Any) -> Fault:
        return self.inject(Fault("payment_error", payment_error=kind, **kw))

    def hang(self, seconds: float, **kw: Any) -> Fault:
        return self.inject(Fault("hang", delay_s=seconds, **kw))

    def drop_stream(self, after_chunks: int = 2, **kw: Any) -> Fault:
        return self.inject(Fault("drop_stream", after_chunks=after_chunks, **kw))

    def degrade(self, **kw: Any) -> Fault:
        return self.inject(Fault("degraded", **kw))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def price(self, path: str, body: dict[str, Any]) -> int:
        """Micro-USDC for this request: BlockRun's quote (see OUTPUT_QUOTE_FACTOR), input tokens = bytes/4."""
        if path.endswith("/images/generations") or path.endswith("/images/image2image"):
            n = body.get("n")
            return self.image_price * max(1, n if isinstance(n, int) else 1)
        model = str(body.get("model") or "")
        price_in, price_out = self.model_prices.get(model, DEFAULT_PRICE_PER_TOKEN)
        input_tokens = math.ceil(len(json.dumps(body.get("messages", []))) / 4)
        max_tokens = min(_max_tokens(body), self.model_max_output.get(model, _max_tokens(body)))
        raw = input_tokens * price_in + OUTPUT_QUOTE_FACTOR * max_tokens * price_out
        return max(math.ceil(round(raw * MARGIN, 6)), MIN_PAYMENT, CHAIN_FLOOR[self.backend.chain])

    # ----------------------------------------------------------------------------------------- faults

    def _take_fault(self, stage: str, model: str | None, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.stage != stage or (fault.model is not None and fault.model != model):
                    continue
                if fault.path is not None and not path.endswith(fault.path):
                    continue
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                return fault
        return None

    async def _apply_fault(
        self, fault: Fault, body: dict[str, Any], amount: int, payer: str | None, path: str
    ) -> Response | None:
        if fault.kind == "status":
            content = fault.body if fault.body is not None else {"error": "fake failure"}
            if isinstance(content, str):
                return Response(content, status_code=fault.status or 500, media_type="text/plain")
            return JSONResponse(content, status_code=fault.status or 500)
        if fault.kind == "payment_error":
            body = self._payment_error_body(fault.payment_error, amount, payer)
            return JSONResponse(body, status_code=fault.status or 402)
        if fault.kind == "hang":
            await asyncio.sleep(min(fault.delay_s, self.max_hang_s))
            return None
        if fault.kind == "degraded":
            message = {
                "role": "assistant",
                "content": "The AI service is temporarily overloaded. Please try again in a moment.",
            }
            return JSONResponse(self._completion(body, message))
        return None  # drop_stream is handled while streaming

    # ----------------------------------------------------------------------------------------- answers

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.reply(body) if self.reply is not None else canned_message(body)

    def _completion(self, body: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
        return chat_completion(body, message, next(self._ids))

    def _images(self, body: dict[str, Any], base_url: str) -> dict[str, Any]:
        n = body.get("n") if isinstance(body.get("n"), int) else 1
        assert isinstance(n, int)
        mode = "url" if body.get("response_format") == "url" or self.image_mode == "url" else "b64_json"
        data = []
        for i in range(max(1, int(n))):
            png = tiny_png(rgb=(40 * i % 256, 160, 96))
            if mode == "url":
                name = f"fake-{next(self._ids)}.png"
                self._image_files[name] = png
                data.append({"url": f"{base_url}/images/{name}", "revised_prompt": body.get("prompt")})
            else:
                data.append({"b64_json": base64.b64encode(png).decode(), "revised_prompt": body.get("prompt")})
        return {"created": int(time.time()), "data": data}

    # ----------------------------------------------------------------------------------------- routes

    async def _paid(self, request: Request) -> Response:
        path = request.url.path
        try:
            body = json.loads(await request.body() or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return JSONResponse(
                {"error": {"message": "body must be a JSON object", "type": "invalid_request_error"}}, 400
            )
        model = body.get("model") if isinstance(body.get("model"), str) else None
        asked: str | None = None
        if model in self.retired and path.endswith("/chat/completions"):
            # Like the gateway: a retired id is served (and priced) by another model, answered 200.
            asked, model = model, self.retired[model]
            body = {**body, "model": model}
        amount = self.price(path, body)
        record = RequestRecord(path, model, amount, paid=False, stream=bool(body.get("stream")), body=body,
                               asked_model=asked)
        with self._lock:
            self.requests.append(record)
        response = await self._handle(request, body, model, amount, path, record)
        record.status = response.status_code
        return response

    async def _handle(
        self, request: Request, body: dict[str, Any], model: str | None, amount: int, path: str, record: RequestRecord
    ) -> Response:
        early = self._take_fault("request", model, path)
        if early is not None:
            answer = await self._apply_fault(early, body, amount, None, path)
            if answer is not None:
                return answer
        url = str(request.url)
        free = model in self.free_models and path.endswith("/chat/completions")
        checked: tuple[Any, Any, str | None] | None = None
        if not free:
            header = request.headers.get("payment-signature") or request.headers.get("x-payment")
            if not header:
                return self._challenge(amount, url)
            result = await self._check_payment(header, amount, url, path, model)
            if isinstance(result, Response):
                return result
            checked = result
            record.paid = True
        payer = checked[2] if checked else None
        settled: list[SettleResponse] = []

        async def settle() -> SettleResponse | None:
            if checked is None:
                return None
            if not settled:  # once per request, however many code paths ask
                settled.append(await self._settle(checked[0], checked[1], payer, amount, path, model))
            return settled[0]

        fault = self._take_fault("work", model, path)
        drop_after: int | None = None
        if fault is not None:
            if checked is not None and self.settle_paid_faults:
                await settle()
            if fault.kind == "drop_stream":
                drop_after = fault.after_chunks
                if not body.get("stream"):
                    raise ConnectionResetError("fake upstream dropped the connection")
            else:
                answer = await self._apply_fault(fault, body, amount, payer, path)
                if answer is not None:
                    if checked is not None and not settled:
                        self._record(
                            "verified", checked[0].x402_version, payer, amount, path, model, "not settled: fault"
                        )
                    return answer

        def receipt_headers(settlement: SettleResponse | None) -> dict[str, str]:
            if settlement is None:
                return {}
            encoded = encode_payment_response_header(settlement)
            return {"PAYMENT-RESPONSE": encoded, "X-PAYMENT-RESPONSE": encoded}

        def settle_failed(settlement: SettleResponse | None) -> Response | None:
            if settlement is not None and not settlement.success:
                details = f"Settlement failed: {settlement.error_reason}: {settlement.error_message or ''}"
                return JSONResponse({"error": "Payment settlement failed", "details": details}, status_code=402)
            return None

        if checked is not None and model in self.slow_image_models and _is_image_path(path):
            return await self._accept_job(request, body, model, amount, path, checked, settle, receipt_headers)
        if _is_image_path(path):
            answer_body = self._images(body, str(request.base_url).rstrip("/"))
            settlement = await settle()
            return settle_failed(settlement) or JSONResponse(answer_body, headers=receipt_headers(settlement))

        completion = self._completion(body, self._message(body))
        if body.get("stream"):
            headers: dict[str, str] = {"Cache-Control": "no-cache"}
            on_done: Callable[[], Any] | None = None
            if self.settle_header_on_stream or drop_after is not None:
                if drop_after is None:
                    settlement = await settle()
                    failed = settle_failed(settlement)
                    if failed is not None:
                        return failed
                    headers.update(receipt_headers(settlement))
            else:

                async def on_done() -> None:
                    await settle()

            return StreamingResponse(
                sse_stream(completion, drop_after, on_done), media_type="text/event-stream", headers=headers
            )
        settlement = await settle()
        return settle_failed(settlement) or JSONResponse(completion, headers=receipt_headers(settlement))

    async def _accept_job(
        self,
        request: Request,
        body: dict[str, Any],
        model: str | None,
        amount: int,
        path: str,
        checked: tuple[Any, Any, str | None],
        settle: Callable[[], Any],
        receipt_headers: Callable[[SettleResponse | None], dict[str, str]],
    ) -> Response:
        """202 + poll_url. Solana settles here (its transaction would expire with its blockhash long before a
        slow render ends); Base settles at the first completed poll."""
        header = request.headers.get("payment-signature") or request.headers.get("x-payment") or ""
        job = ImageJob(f"img-{next(self._ids)}", path, model, body, header, checked[0], checked[1], checked[2], amount)
        headers: dict[str, str] = {}
        if self.backend.chain == "solana":
            job.settlement = await settle()
            if job.settlement is not None and not job.settlement.success:
                return JSONResponse({"error": "Payment settlement failed", "code": "SETTLEMENT_FAILED",
                                     "debug": str(job.settlement.error_reason)}, status_code=402)
            headers = receipt_headers(job.settlement)
        else:
            self._record("verified", checked[0].x402_version, checked[2], amount, path, model, "job accepted")
        with self._lock:
            self.jobs[job.id] = job
        kind = "image2image" if path.endswith("/image2image") else "generations"
        poll_url = f"/api/v1/images/{kind}/{job.id}"
        return JSONResponse({"id": job.id, "poll_url": poll_url, "status": "queued"}, status_code=202, headers=headers)

    async def _poll_job(self, request: Request) -> Response:
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return JSONResponse({"error": "job not found"}, status_code=404)
        header = request.headers.get("payment-signature") or request.headers.get("x-payment")
        job.poll_headers.append(header)
        if header != job.header:  # the job is bound to the payment it was accepted with
            return self._verification_failed("invalid_payload", "poll does not carry this job's payment", None)
        job.polls += 1
        if job.polls <= self.image_job_polls:
            status = "queued" if job.polls == 1 else "in_progress"
            return JSONResponse({"id": job.id, "status": status}, status_code=202)
        if self.image_job_outcome == "failed":
            return JSONResponse({"id": job.id, "status": "failed", "error": "upstream model error"})
        if job.result is None:
            job.result = {**self._images(job.body, str(request.base_url).rstrip("/")), "id": job.id,
                          "status": "completed"}
        if job.settlement is None:  # Base: the first completed poll settles, once
            job.settlement = await self._settle(job.payload, job.requirements, job.payer, job.amount, job.path,
                                                job.model)
            if not job.settlement.success:
                job.settlement = None
                details = "Settlement failed: transaction reverted"
                return JSONResponse({"error": "Payment settlement failed", "details": details}, status_code=402)
        encoded = encode_payment_response_header(job.settlement)
        headers = {"PAYMENT-RESPONSE": encoded, "x-payment-receipt": job.settlement.transaction}
        return JSONResponse(job.result, headers=headers)

    def _rows(self) -> list[dict[str, Any]]:
        listed = set(self.models)
        rows = [row for row in catalog_rows() if row["id"] in listed]
        known = {row["id"] for row in rows}
        rows += [{"id": m, "object": "model", "created": 0, "owned_by": m.split("/")[0], "available": True,
                  "categories": ["chat"], "billing_mode": "paid"} for m in self.models if m not in known]
        return rows

    async def _models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": self._rows()})

    async def _pricing(self, request: Request) -> Response:
        return JSONResponse({"models": self._rows()})

    async def _health_models(self, request: Request) -> Response:
        """Per model: latency (ms), 24 h error rate and call count, ``synthetic`` (rows a client should skip)."""
        rows = []
        for i, row in enumerate(self._rows()):
            if "chat" not in row.get("categories", ()):
                continue
            health = {"model": row["id"], "latency": {"avg": 800 + 10 * i, "p95": 2000 + 25 * i},
                      "errorRate24h": 0.01, "callCount24h": 1000, "synthetic": False}
            health.update(self.model_health.get(row["id"], {}))
            rows.append(health)
        return JSONResponse({"models": rows})

    async def _image_file(self, request: Request) -> Response:
        png = self._image_files.get(request.path_params["name"])
        return Response(png, media_type="image/png") if png is not None else Response(status_code=404)

    async def _rpc(self, request: Request) -> Response:
        """Just enough JSON-RPC for balance reads: ``eth_call balanceOf``/``eth_chainId`` (Base) and
        ``getTokenAccountsByOwner``/``getLatestBlockhash``/``getBalance`` (Solana)."""
        call = await request.json()
        with self._lock:
            self.rpc_calls.append((request.url.path, str(call.get("method"))))
        if request.url.path.endswith(SOLANA_RPC_PATH) and self.rpc_proxy_methods is not None \
                and call.get("method") not in self.rpc_proxy_methods:
            error = {"code": -32601, "message": f"method {call.get('method')} is not served by this RPC proxy"}
            return JSONResponse({"jsonrpc": "2.0", "id": call.get("id"), "error": error})
        return JSONResponse(answer_rpc(call, self.backend, self.authorization_used))

    async def _exchange(self, scope: Any, receive: Any, send: Any) -> None:
        """The ASGI entry: record the exchange, wait ``delay_s``, then answer from the routes."""
        if scope["type"] != "http":
            await self._routes(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower() for k, _ in scope.get("headers", [])}
        exchange = Exchange(scope["method"], scope["path"], paid=bool(headers & {"payment-signature", "x-payment"}),
                            started=time.monotonic())
        with self._lock:
            self.exchanges.append(exchange)
        if self.delay_s > 0:
            await asyncio.sleep(self.delay_s)

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                exchange.status = int(message["status"])
            await send(message)

        await self._routes(scope, receive, recording_send)

    def _build_app(self) -> Starlette:
        routes = []
        for prefix in ("", "/api"):
            routes += [
                Route(f"{prefix}/v1/chat/completions", self._paid, methods=["POST"]),
                Route(f"{prefix}/v1/images/generations", self._paid, methods=["POST"]),
                Route(f"{prefix}/v1/images/image2image", self._paid, methods=["POST"]),
                Route(f"{prefix}/v1/models", self._models, methods=["GET"]),
                Route(f"{prefix}/pricing", self._pricing, methods=["GET"]),
                Route(f"{prefix}/v1/health/models", self._health_models, methods=["GET"]),
                Route(f"{prefix}/v1/images/generations/{{job_id}}", self._poll_job, methods=["GET"]),
                Route(f"{prefix}/v1/images/image2image/{{job_id}}", self._poll_job, methods=["GET"]),
            ]
        routes += [
            Route("/images/{name}", self._image_file, methods=["GET"]),
            Route("/rpc", self._rpc, methods=["POST"]),
            Route(f"/api{SOLANA_RPC_PATH}", self._rpc, methods=["POST"]),
            Route(SOLANA_RPC_PATH, self._rpc, methods=["POST"]),
            Route("/health", lambda r: JSONResponse({"status": "ok", "chain": self.backend.chain}), methods=["GET"]),
        ]
        return Starlette(routes=routes)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from tests.support.server import run_forever

    parser = argparse.ArgumentParser(prog="python -m tests.support.fake_blockrun", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9402)
    parser.add_argument("--chain", choices=("base", "solana"), default="base")
    parser.add_argument("--backend", choices=("stub", "anvil", "litesvm"), default="stub")
    parser.add_argument("--v1", action="store_true", help="answer with x402 v1 challenges (JSON body)")
    parser.add_argument(
        "--default-balance",
        type=int,
        default=100_000_000,
        help="micro-USDC every new payer starts with (stub back ends; default 100 USDC)",
    )
    parser.add_argument(
        "--fund",
        action="append",
        default=[],
        metavar="ADDRESS=MICRO_USDC",
        help="fund an address (anvil/litesvm; repeatable)",
    )
    parser.add_argument("--delay-ms", type=float, default=0.0,
                        help="milliseconds added before every answer, on every route (a distant gateway)")
    args = parser.parse_args(argv)

    from tests.support import backends

    with contextlib.ExitStack() as stack:
        backend: PaymentBackend
        if args.backend == "anvil":
            from tests.support.anvil import AnvilChain, find_anvil

            binary = find_anvil()
            if binary is None:
                parser.error("anvil not found: npm install --prefix tests/support/.tools @foundry-rs/anvil")
            anvil = stack.enter_context(AnvilChain(binary))
            backend = backends.AnvilEvmBackend(anvil)
            print(f"anvil RPC: {anvil.url}", flush=True)
        elif args.backend == "litesvm" or (args.chain == "solana" and args.backend != "stub"):
            backend = backends.LiteSvmBackend()
        elif args.chain == "solana":
            backend = backends.StubSolanaBackend(default_balance=args.default_balance)
        else:
            backend = backends.StubEvmBackend(default_balance=args.default_balance)
        for item in args.fund:
            address, _, amount = item.partition("=")
            backend.fund(address, int(amount))
        fake = FakeBlockRun(backend, challenge_version=1 if args.v1 else 2, delay_ms=args.delay_ms)
        print(
            f"fake BlockRun ({backend.chain}, {args.backend}) on http://{args.host}:{args.port}/api "
            f"balance RPC http://{args.host}:{args.port}/rpc",
            flush=True,
        )
        run_forever(fake.app, args.host, args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
