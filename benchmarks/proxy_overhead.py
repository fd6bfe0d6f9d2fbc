"""What the proxy adds on top of the upstream call: latency, time to first token, throughput, CPU, memory, start-up.

One run measures, against the same local fake OpenAI-compatible upstream (a minimal asyncio HTTP/1.1 server
with zero model latency, so everything measured is overhead):

* direct to the upstream (the baseline) and through ``pyclawrouter serve`` (a real subprocess, routed with
  ``model: auto``, the full pipeline: parse, route, session, budget, balance gate, dedup, fallback loop, usage
  log), for
* JSON latency p50/p95 at concurrency 1 (a one-line prompt and OpenClaw's real 47 KB request),
* stream time to first content chunk p50/p95 at concurrency 1,
* throughput and latency at concurrency 32 (JSON),
* CPU seconds per request of the proxy process, RSS idle and after load, and time from spawn to healthy;
* start-up (``startup``, from ``benchmarks/startup.py``): spawn → ``/health``, spawn → ready, the first routed
  request and warm RSS, median and p99 over ``--startup-runs`` fresh starts of the default arm, with the bare
  interpreter's RSS as the floor.

Unpaid arms: the upstream answers without a 402. The paid arm points the proxy at the same upstream under
``/paid``, where every request without a ``PAYMENT-SIGNATURE`` gets a 402 with a fixed x402 v2 challenge (the
upstream does not verify signatures: that cost is the gateway's, not the proxy's); the proxy probes, signs,
records the payment in its spend ledger and resends, as it does against BlockRun. The ``ledger`` cell times
the ledger's own work per paid request (approve, record, settle, release) on a real SQLite file, in process.
Every request body is unique so the response cache never answers. Loopback only; every loop is bounded.

    python benchmarks/proxy_overhead.py [--requests 400] [--c32-requests 3000] [--arms ...] [--startup-runs 10]
                                        [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
OPENCLAW_BODY = ROOT / "tests" / "data" / "openclaw" / "openclaw-chat-2.json"
SSE_CHUNKS = 20
# The proxy's /v1/* needs its per-install key; proxy_process writes this one into the temporary state directory
# before the proxy starts (which then uses it), so the measured path includes the key check.
BENCH_API_KEY = "pcr-benchmark"
REQUEST_HEADERS = {"content-type": "application/json", "authorization": f"Bearer {BENCH_API_KEY}"}

# ------------------------------------------------------------------------------------------ fake upstream


def _completion(model: str) -> bytes:
    return json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there, this is a benchmark."},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20},
    }).encode()


def _sse(model: str) -> bytes:
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1, "model": model}
    events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    events += [{**base, "choices": [{"index": 0, "delta": {"content": f" word{i}"}, "finish_reason": None}]}
               for i in range(SSE_CHUNKS)]
    events += [{**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
               {**base, "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 20, "total_tokens": 32}}]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


PAY_TO = "0xe9030014F5DAe217d0A152f02A043567b16c1aBf"
BASE_USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
CHALLENGE = base64.b64encode(json.dumps({
    "x402Version": 2, "error": "Payment required", "resource": {"url": "http://127.0.0.1/paid"},
    "accepts": [{"scheme": "exact", "network": "eip155:8453", "amount": "1000", "asset": BASE_USDC, "payTo": PAY_TO,
                 "maxTimeoutSeconds": 300, "extra": {"name": "USD Coin", "version": "2"}}],
}).encode()).decode()
RPC_BALANCE = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x" + (10**12).to_bytes(32, "big").hex()}).encode()


class UpstreamProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive, Content-Length bodies in, one write per answer out."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < head_end + 4 + length:
                return
            body = self.buffer[head_end + 4 : head_end + 4 + length]
            self.buffer = self.buffer[head_end + 4 + length :]
            path = head.split(" ", 2)[1]
            if path.startswith("/paid/") and "\r\npayment-signature:" not in head.lower():
                self.transport.write(b"HTTP/1.1 402 Payment Required\r\ncontent-type: application/json\r\n"
                                     b"payment-required: " + CHALLENGE.encode() + b"\r\ncontent-length: 2\r\n\r\n{}")
                continue
            self._answer(path, body)

    def _answer(self, path: str, body: bytes) -> None:
        if path.endswith("/rpc"):
            self._send(b"application/json", RPC_BALANCE)
            return
        stream = b'"stream":true' in body or b'"stream": true' in body
        model = "auto"
        with contextlib.suppress(ValueError, KeyError):
            model = json.loads(body)["model"]
        if stream:
            self._send(b"text/event-stream", _sse(model))
        else:
            self._send(b"application/json", _completion(model))

    def _send(self, kind: bytes, payload: bytes) -> None:
        self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: " + kind + b"\r\ncontent-length: "
                             + str(len(payload)).encode() + b"\r\n\r\n" + payload)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def upstream_process(port: int) -> subprocess.Popen[bytes]:
    """The fake upstream runs in its own process, so it never competes with the client's event loop."""
    code = (f"import asyncio, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import proxy_overhead as p\n"
            f"async def main():\n"
            f"    loop = asyncio.get_running_loop()\n"
            f"    server = await loop.create_server(p.UpstreamProtocol, '127.0.0.1', {port})\n"
            f"    await server.serve_forever()\n"
            f"asyncio.run(main())\n")
    return subprocess.Popen([sys.executable, "-c", code])


# ------------------------------------------------------------------------------------------ measuring


def wait_healthy(url: str, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=0.5).status_code == 200:
                return time.perf_counter() - started
        time.sleep(0.005)
    raise RuntimeError(f"{url} not healthy within {timeout} s")


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.01)
    raise RuntimeError(f"port {port} not open")


def proc_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds used so far, RSS in MB) of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss_kb = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if line.startswith("VmRSS:"))
    return cpu, rss_kb / 1024


_counter = itertools.count()


def body_for(kind: str, *, stream: bool, direct: bool) -> bytes:
    n = next(_counter)
    if kind == "openclaw":
        body = json.loads(OPENCLAW_BODY.read_text())
        body["messages"].append({"role": "user", "content": f"benchmark request {n}"})
    else:
        body = {"messages": [{"role": "user", "content": f"What is the capital of France? ({n})"}],
                "max_tokens": 64}
    body["model"] = "google/gemini-2.5-flash" if direct else "auto"
    body["stream"] = stream
    if stream:
        body["stream_options"] = {"include_usage": True}
    return json.dumps(body).encode()


async def one_json(client: httpx.AsyncClient, url: str, body: bytes) -> float:
    started = time.perf_counter()
    response = await client.post(url, content=body, headers=REQUEST_HEADERS)
    response.raise_for_status()
    return time.perf_counter() - started


async def one_ttft(client: httpx.AsyncClient, url: str, body: bytes) -> float:
    started = time.perf_counter()
    first = None
    async with client.stream("POST", url, content=body, headers=REQUEST_HEADERS) as response:
        response.raise_for_status()
        async for chunk in response.aiter_raw():
            if first is None and b'"content": " word' in chunk:
                first = time.perf_counter() - started
    if first is None:
        raise RuntimeError("no content chunk in the stream")
    return first


async def sequential(url: str, n: int, make: Callable[[], bytes],
                     call: Callable[[httpx.AsyncClient, str, bytes], Awaitable[float]],
                     warm_up: int = 30) -> list[float]:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=1)) as client:
        for _ in range(min(warm_up, n)):  # warm-up: connections, caches, lazy imports
            await call(client, url, make())
        return [await call(client, url, make()) for _ in range(n)]


async def concurrent(url: str, n: int, concurrency: int, make: Callable[[], bytes]) -> tuple[float, list[float]]:
    # aiohttp as the load generator where available: httpx itself saturates long before a fast server does.
    try:
        import aiohttp
    except ImportError:
        aiohttp = None  # type: ignore[assignment]
    latencies: list[float] = []
    queue = iter(range(n))

    if aiohttp is not None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

            async def worker_aiohttp() -> None:
                for _ in queue:
                    started = time.perf_counter()
                    async with session.post(url, data=make(), headers=REQUEST_HEADERS) as r:
                        await r.read()
                        assert r.status == 200, r.status
                    latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            await asyncio.gather(*[worker_aiohttp() for _ in range(concurrency)])
            return n / (time.perf_counter() - started), latencies

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def worker() -> None:
            for _ in queue:
                latencies.append(await one_json(client, url, make()))

        started = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        return n / (time.perf_counter() - started), latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


ARMS: dict[str, tuple[str, dict[str, str]]] = {
    # name: (server, extra environment)
    "hypercorn+httpx": ("hypercorn", {"PYCLAWROUTER_UPSTREAM_TRANSPORT": "httpx"}),
    "hypercorn+aiohttp-transport (default)": ("hypercorn", {"PYCLAWROUTER_UPSTREAM_TRANSPORT": "aiohttp"}),
    "hypercorn+aiohttp-transport+uvloop": ("hypercorn", {"PYCLAWROUTER_UPSTREAM_TRANSPORT": "aiohttp",
                                                          "PYCLAWROUTER_EVENT_LOOP": "uvloop"}),
    "uvicorn+aiohttp-transport": ("uvicorn", {"PYCLAWROUTER_UPSTREAM_TRANSPORT": "aiohttp"}),
    # The default server and transport, every request paid through x402 and recorded in the spend ledger.
    "paid (default server)": ("hypercorn", {"PYCLAWROUTER_UPSTREAM_TRANSPORT": "aiohttp", "PAID": "1"}),
}
UVICORN_RUNNER = """
import os, sys, uvicorn
from pyclawrouter.proxy.app import build_app
from pyclawrouter.settings import Settings, StaticSettings
app = build_app(StaticSettings(Settings.from_config({}, os.environ)))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", lifespan="on")
"""


@contextlib.contextmanager
def proxy_process(upstream: str, server: str, env_extra: dict[str, str],
                  python: str = sys.executable) -> Iterator[tuple[int, str, float, float]]:
    """Start the proxy (with ``python``, whose installed pyclawrouter it runs); yield (pid, url, seconds to first
    healthy answer, seconds until ready to route)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as home:
        key_file = Path(home) / "api-key"
        key_file.write_text(BENCH_API_KEY + "\n")
        key_file.chmod(0o600)
        # BLOCKRUN_PROXY_PORT: the uvicorn runner builds its settings from the environment, and the proxy only
        # answers requests whose Host names its own port.
        env = {**os.environ, "PYCLAWROUTER_HOME": home, "BLOCKRUN_API_BASE": upstream,
               "BLOCKRUN_BASE_RPC_URL": f"{upstream}/rpc", "BLOCKRUN_PROXY_PORT": str(port), **env_extra}
        command = ([python, "-m", "pyclawrouter", "serve", "--port", str(port)] if server == "hypercorn"
                   else [python, "-c", UVICORN_RUNNER, str(port)])
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            healthy = wait_healthy(f"{url}/health")
            while not httpx.get(f"{url}/health", timeout=5).json().get("ready"):
                if time.perf_counter() - started > 60:
                    raise RuntimeError("proxy not ready within 60 s")
                time.sleep(0.005)
            yield process.pid, url, healthy, time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=10)


def measure_arm(name: str, upstream_url: str, args: argparse.Namespace) -> dict[str, Any]:
    server, env = ARMS[name]
    direct = f"{upstream_url}/v1/chat/completions"
    out: dict[str, Any] = {}
    env = dict(env)
    proxied_upstream = f"{upstream_url}/paid" if env.pop("PAID", None) else upstream_url
    with proxy_process(proxied_upstream, server, env) as (pid, proxy_url, healthy, ready):
        out["time_to_healthy_s"] = round(healthy, 3)
        out["time_to_ready_s"] = round(ready, 3)
        time.sleep(0.3)
        out["rss_idle_mb"] = round(proc_stats(pid)[1], 1)
        routed = f"{proxy_url}/v1/chat/completions"
        n = args.requests
        for kind in ("small", "openclaw"):
            d = asyncio.run(sequential(direct, n, lambda k=kind: body_for(k, stream=False, direct=True), one_json))
            cpu0 = proc_stats(pid)[0]
            p = asyncio.run(sequential(routed, n, lambda k=kind: body_for(k, stream=False, direct=False), one_json))
            cpu1 = proc_stats(pid)[0]
            out[f"json_c1_{kind}"] = {
                "direct_p50_ms": round(pct(d, 0.5), 2), "proxy_p50_ms": round(pct(p, 0.5), 2),
                "added_p50_ms": round(pct(p, 0.5) - pct(d, 0.5), 2),
                "added_p95_ms": round(pct(p, 0.95) - pct(d, 0.95), 2),
                "proxy_cpu_ms_per_request": round((cpu1 - cpu0) / (n + min(30, n)) * 1000, 2),
            }
        d = asyncio.run(sequential(direct, n, lambda: body_for("small", stream=True, direct=True), one_ttft))
        cpu0 = proc_stats(pid)[0]
        p = asyncio.run(sequential(routed, n, lambda: body_for("small", stream=True, direct=False), one_ttft))
        cpu1 = proc_stats(pid)[0]
        out["stream_ttft_c1"] = {
            "direct_p50_ms": round(pct(d, 0.5), 2), "proxy_p50_ms": round(pct(p, 0.5), 2),
            "added_p50_ms": round(pct(p, 0.5) - pct(d, 0.5), 2),
            "added_p95_ms": round(pct(p, 0.95) - pct(d, 0.95), 2),
            "proxy_cpu_ms_per_stream": round((cpu1 - cpu0) / (n + min(30, n)) * 1000, 2),
        }
        m = args.c32_requests
        d_rps, d_lat = asyncio.run(concurrent(direct, m, 32, lambda: body_for("small", stream=False, direct=True)))
        cpu0 = proc_stats(pid)[0]
        p_rps, p_lat = asyncio.run(concurrent(routed, m, 32, lambda: body_for("small", stream=False, direct=False)))
        cpu1, rss_after = proc_stats(pid)
        out["json_c32"] = {
            "direct_rps": round(d_rps), "proxy_rps": round(p_rps), "direct_p50_ms": round(pct(d_lat, 0.5), 1),
            "proxy_p50_ms": round(pct(p_lat, 0.5), 1), "proxy_p95_ms": round(pct(p_lat, 0.95), 1),
            "proxy_cpu_ms_per_request": round((cpu1 - cpu0) / m * 1000, 2),
        }
        out["rss_after_load_mb"] = round(rss_after, 1)
    return out


def measure_ledger(n: int) -> dict[str, Any]:
    """The spend ledger's work for one paid request, on a real SQLite file: approve, record, settle, release."""
    from pyclawrouter.ledger.spend import SpendLedger
    from pyclawrouter.ledger.store import SqliteLedgerStore
    from pyclawrouter.payments.payer import PaymentAttempt

    payment = PaymentAttempt(headers={}, amount_usd=0.001, amount_atomic=1000, network="eip155:8453", pay_to=PAY_TO,
                             version=2, payer=PAY_TO, asset=BASE_USDC, reference="0x" + "ab" * 32,
                             valid_before=int(time.time()) + 300)
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as home:
        ledger = SpendLedger(SqliteLedgerStore(Path(home) / "spend-ledger.sqlite3"))
        for i in range(n):
            started = time.perf_counter()
            spend = ledger.open(f"session-{i % 8}", f"req-{i}", cap=1000.0, ceiling=0.01, hold=0.001)
            spend.approve(payment.amount_usd, "model")
            entry = spend.signed(payment, "model")
            spend.settled(entry, None)
            spend.close()
            timings.append(time.perf_counter() - started)
        ledger.close()
    return {"per_paid_request_p50_ms": round(pct(timings, 0.5), 3), "p99_ms": round(pct(timings, 0.99), 3),
            "runs": n}


def run(args: argparse.Namespace) -> dict[str, Any]:
    up_port = free_port()
    upstream = upstream_process(up_port)
    results: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                               "load_average_at_start": os.getloadavg()[0]}
    try:
        wait_port(up_port)
        for name in args.arms:
            needs = "uvicorn" if ARMS[name][0] == "uvicorn" else "uvloop" if "uvloop" in name else None
            if needs is not None:
                try:
                    __import__(needs)
                except ImportError:
                    results[name] = f"skipped: {needs} is not installed"
                    continue
            results[name] = measure_arm(name, f"http://127.0.0.1:{up_port}", args)
        results["ledger"] = measure_ledger(max(1000, args.requests * 5))
        if args.startup_runs > 0:
            import startup

            results["startup"] = startup.measure(args.startup_runs, 50)
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)
    results["load_average_at_end"] = os.getloadavg()[0]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per concurrency-1 cell")
    parser.add_argument("--c32-requests", type=int, default=3000, help="requests in the concurrency-32 cell")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--arms", nargs="+", choices=list(ARMS), default=list(ARMS),
                        help="server/transport combinations to measure (default: all)")
    parser.add_argument("--startup-runs", type=int, default=10,
                        help="fresh starts of the default arm for the start-up cell (0: skip it)")
    args = parser.parse_args(argv)
    results = run(args)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
