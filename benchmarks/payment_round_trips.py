"""Round trips and latency per paid request, on Base and on Solana, with a gateway 100 ms away.

The stand-in of BlockRun's gateway (``tests.support.fake_blockrun``, payments verified by the official x402 SDK)
runs in this process on 127.0.0.1 with ``delay_ms`` added before every answer on every route, and records each
HTTP exchange it answers. Requests are sent one at a time, so the exchanges the stand-in saw between sending a
request and reading its last byte are that request's. Cells, per chain:

* ``direct, free model``: one exchange straight to the stand-in, the floor of any client (one round trip);
* ``proxy, ...``: the real proxy (``pyclawrouter serve`` in a subprocess with a fresh state directory and
  wallet) pointed at the stand-in: a free model (the proxy's own floor), then paid requests as JSON and as
  streams, floor-priced and body-priced (below);
* ``payment layer, pyclawrouter``: our x402 flow (``x402_flow`` driven over httpx, the proxy's code without
  the proxy around it) straight to the stand-in;
* ``payment layer, <name>``: another client run with ``--client-cmd`` on the same bodies (see below).

Two request shapes: ``floor-priced`` (``openai/gpt-4o-mini``, ``max_tokens`` 64: the quote is the chain's
floor, the same for every request) and ``body-priced`` (``anthropic/claude-sonnet-4.6``, ``max_tokens`` 4096,
prompts of varying length: the quote differs from one request to the next). Each cell reports the exchanges
per request by kind (unpaid, paid, rpc, other), client-observed latency median and p99, payments settled and
rejected, and whether each settled amount equals the quote the stand-in computed for that body.

Solana is measured twice: as the gateway answers today (no ``extra.recentBlockhash`` in the 402, so a client
asks the gateway's RPC proxy for a blockhash before signing) and with the blockhash in the 402.

``--client-cmd 'CMD ...'`` runs ``CMD ... API_BASE CHAIN N MODEL MAX_TOKENS VARY`` for each payment-layer
shape: the client sends 3 warm-up requests, prints ``warm``, waits for one line on stdin, sends N requests
(``POST API_BASE/api/v1/chat/completions``, bodies as :func:`chat_body` builds them, numbered from 0 after
the warm-ups' 0-2), and prints a JSON list of N latencies in milliseconds.

    python benchmarks/payment_round_trips.py [--requests 40] [--delay-ms 100] [--client-cmd CMD] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from proxy_overhead import BENCH_API_KEY, REQUEST_HEADERS, free_port, pct, wait_healthy  # noqa: E402

from tests.support.backends import StubEvmBackend, StubSolanaBackend  # noqa: E402
from tests.support.fake_blockrun import FakeBlockRun  # noqa: E402
from tests.support.fake_catalog import FREE_MODELS  # noqa: E402
from tests.support.fake_records import Exchange  # noqa: E402
from tests.support.server import serve  # noqa: E402

FREE_MODEL = sorted(FREE_MODELS)[0]
FUNDS = 100_000_000  # micro-USDC every new payer starts with on the stub ledgers
WARMUP = 3
CHAT = "/api/v1/chat/completions"
RPC_PROXY = "/api/v1/solana/rpc"


@dataclass(frozen=True)
class Shape:
    name: str
    model: str
    max_tokens: int
    vary: bool


FLOOR = Shape("floor-priced", "openai/gpt-4o-mini", 64, vary=False)
BODY = Shape("body-priced", "anthropic/claude-sonnet-4.6", 4096, vary=True)
FREE = Shape("free", FREE_MODEL, 64, vary=False)


@dataclass(frozen=True)
class Arm:
    name: str
    chain: str
    blockhash_in_402: bool = True


ARMS = (
    Arm("base", "base"),
    Arm("solana (as the gateway: blockhash from its RPC)", "solana", blockhash_in_402=False),
    Arm("solana (blockhash in the 402)", "solana"),
)


def chat_body(shape: Shape, i: int, *, stream: bool = False) -> dict[str, Any]:
    """Request ``i`` of a shape. Unique text, so the proxy's response cache and dedup never answer; a body-priced
    prompt grows and shrinks by up to 273 characters (up to ~70 input tokens) from one request to the next."""
    pad = " please" * ((i * 7) % 40) if shape.vary else ""
    body: dict[str, Any] = {"model": shape.model, "max_tokens": shape.max_tokens,
                            "messages": [{"role": "user", "content": f"What is the capital of France? ({i:04d}){pad}"}]}
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def _kind(exchange: Exchange) -> str:
    if exchange.path.endswith("/chat/completions"):
        return "paid" if exchange.paid else "unpaid"
    if exchange.path.endswith("/rpc"):
        return "rpc"
    return "other"


def _signed_amount(header: str | None) -> int | None:
    """The amount a payment header signed (v2 ``accepted.amount``); the stand-in records the quote next to it."""
    if not header:
        return None
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return int(json.loads(base64.b64decode(header))["accepted"]["amount"])
    return None


class Window:
    """The stand-in's exchanges, payments and priced requests from one point on."""

    def __init__(self, fake: FakeBlockRun) -> None:
        self.fake = fake
        self.exchanges, self.payments, self.requests = len(fake.exchanges), len(fake.payments), len(fake.requests)

    def report(self, latencies_s: list[float], per_request: list[int] | None = None,
               firsts_s: list[float] | None = None) -> dict[str, Any]:
        n = len(latencies_s)
        seen = self.fake.exchanges[self.exchanges:]
        kinds: dict[str, int] = {}
        for exchange in seen:
            kinds[_kind(exchange)] = kinds.get(_kind(exchange), 0) + 1
        out: dict[str, Any] = {
            "requests": n,
            "exchanges_per_request": round(len(seen) / n, 2),
            "by_kind": {k: round(v / n, 2) for k, v in sorted(kinds.items())},
        }
        if per_request is not None:
            out["min_max"] = [min(per_request), max(per_request)]
        out["latency_median_ms"] = round(pct(latencies_s, 0.5), 1)
        out["latency_p99_ms"] = round(pct(latencies_s, 0.99), 1)
        if firsts_s is not None:
            out["first_chunk_median_ms"] = round(pct(firsts_s, 0.5), 1)
        payments = self.fake.payments[self.payments:]
        if payments:
            settled = [p for p in payments if p.outcome == "settled"]
            rejected = [p for p in payments if p.outcome == "rejected"]
            answered = [r for r in self.fake.requests[self.requests:] if r.paid and r.status == 200]
            out["settled"], out["rejected"] = len(settled), len(rejected)
            # Each settled amount is the quote the stand-in computed for that very body (the SDK's verify
            # requires equality, so a mismatch shows up as a rejection and costs a round trip).
            out["settled_equals_quote"] = len(settled) == len(answered) == n and all(
                r.price == p.amount for r, p in zip(answered, settled, strict=True))
            # A payment refused because it was signed from an earlier challenge: its amount next to the fresh quote
            # (a gateway that refuses only amounts below its quote would have settled those signed above it).
            signed = [(_signed_amount(p.header), p.amount) for p in rejected]
            above = [a - q for a, q in signed if a is not None and a > q]
            below = [q - a for a, q in signed if a is not None and a < q]
            if above or below:
                out["refused_signed_vs_quote"] = {"above": len(above), "max_above_micro_usdc": max(above, default=0),
                                                  "below": len(below)}
        return out



# ---------------------------------------------------------------------------------------------- clients


def _timed_post(client: httpx.Client, url: str, body: dict[str, Any],
                headers: dict[str, str]) -> tuple[float, float]:
    """(seconds to the last byte, seconds to the first content chunk, or to the last byte for JSON)."""
    started = time.perf_counter()
    first = 0.0
    with client.stream("POST", url, json=body, headers=headers) as response:
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.read()[:300]!r}")
        for chunk in response.iter_raw():
            if not first and body.get("stream") and b'"content"' in chunk:
                first = time.perf_counter() - started
    total = time.perf_counter() - started
    return total, first or total


def measure_http(fake: FakeBlockRun, client: httpx.Client, url: str, shape: Shape, n: int, *,
                 stream: bool = False, headers: dict[str, str] | None = None) -> dict[str, Any]:
    for i in range(WARMUP):  # connections, lazy imports, the first balance read
        _timed_post(client, url, chat_body(shape, 10_000 + i, stream=stream), headers or {})
    window = Window(fake)
    totals, firsts, per_request = [], [], []
    for i in range(n):
        before = len(fake.exchanges)
        total, first = _timed_post(client, url, chat_body(shape, i, stream=stream), headers or {})
        per_request.append(len(fake.exchanges) - before)
        totals.append(total)
        firsts.append(first)
    return window.report(totals, per_request, firsts if stream else None)


def measure_payment_layer(fake: FakeBlockRun, api_base: str, chain: str, shape: Shape, n: int) -> dict[str, Any]:
    """Our x402 flow, as the proxy drives it, straight to the stand-in: no proxy, no ledger, no fallback."""
    from pyclawrouter.payments.flow import PaymentState, drive, x402_flow
    from pyclawrouter.payments.payer import Payer
    from pyclawrouter.wallet import load_or_create_wallet

    async def run() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as home:
            wallet = load_or_create_wallet(Path(home), {})
        payer = Payer(wallet, payment_chain="solana" if chain == "solana" else "base",
                      solana_rpc_url=f"{api_base}{RPC_PROXY}")
        async with httpx.AsyncClient(timeout=60) as client:

            async def one(i: int) -> float:
                request = client.build_request("POST", f"{api_base}{CHAT}", json=chat_body(shape, i))
                started = time.perf_counter()
                flow = x402_flow(payer, request, model=shape.model, estimate_usd=0.05, hook=None,
                                 state=PaymentState(), rpc_client=client)
                response = await drive(flow, lambda r: client.send(r, stream=True))
                await response.aread()
                await response.aclose()
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}: {response.content[:300]!r}")
                return time.perf_counter() - started

            for i in range(WARMUP):
                await one(10_000 + i)
            window = Window(fake)
            latencies, per_request = [], []
            for i in range(n):
                before = len(fake.exchanges)
                latencies.append(await one(i))
                per_request.append(len(fake.exchanges) - before)
            return window.report(latencies, per_request)

    return asyncio.run(run())


def measure_external(fake: FakeBlockRun, api_base: str, chain: str, shape: Shape, n: int,
                     command: list[str]) -> dict[str, Any]:
    """Another client, paying the same bodies (see the module's docstring for the handshake)."""
    args = [*command, api_base, chain, str(n), shape.model, str(shape.max_tokens), "1" if shape.vary else "0"]
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdin is not None and process.stdout is not None
        if process.stdout.readline().strip() != "warm":
            raise RuntimeError(f"{command[0]}: no 'warm' line")
        window = Window(fake)
        process.stdin.write("go\n")
        process.stdin.flush()
        latencies = [ms / 1000 for ms in json.loads(process.stdout.readline())]
        return window.report(latencies)
    finally:
        process.wait(timeout=60)


# ---------------------------------------------------------------------------------------------- the proxy


@contextlib.contextmanager
def proxy_process(api_base: str, chain: str) -> Iterator[str]:
    port = free_port()
    with tempfile.TemporaryDirectory() as home:
        key_file = Path(home) / "api-key"
        key_file.write_text(BENCH_API_KEY + "\n")
        key_file.chmod(0o600)
        env = {**os.environ, "PYCLAWROUTER_HOME": home, "BLOCKRUN_API_BASE": f"{api_base}/api",
               "BLOCKRUN_BASE_RPC_URL": f"{api_base}/rpc", "BLOCKRUN_PROXY_PORT": str(port),
               "CLAWROUTER_PAYMENT_CHAIN": chain}
        env.pop("CLAWROUTER_SOLANA_RPC_URL", None)  # Solana: the gateway's RPC proxy under the API base
        process = subprocess.Popen([sys.executable, "-m", "pyclawrouter", "serve", "--port", str(port)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(f"{url}/health", timeout=60)
            deadline = time.monotonic() + 90
            while not httpx.get(f"{url}/health", timeout=5).json().get("ready"):
                if time.monotonic() > deadline:
                    raise RuntimeError("proxy not ready within 90 s")
                time.sleep(0.05)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=15)


def measure_arm(arm: Arm, args: argparse.Namespace) -> dict[str, Any]:
    n = args.requests
    backend = StubEvmBackend(default_balance=FUNDS) if arm.chain == "base" else StubSolanaBackend(default_balance=FUNDS)
    fake = FakeBlockRun(backend, delay_ms=args.delay_ms)
    fake.include_blockhash = arm.blockhash_in_402
    out: dict[str, Any] = {}
    with serve(fake.app) as api_base, httpx.Client(timeout=60) as client:
        out["direct, free model (the floor: 1 exchange)"] = measure_http(fake, client, f"{api_base}{CHAT}", FREE, n)
        cells: list[tuple[str, Callable[[], dict[str, Any]]]] = []
        for shape in (FLOOR, BODY):
            cells.append((f"payment layer, pyclawrouter, {shape.name}",
                          lambda s=shape: measure_payment_layer(fake, api_base, arm.chain, s, n)))
            if args.client_cmd:
                command = shlex.split(args.client_cmd)
                cells.append((f"payment layer, {args.client_name}, {shape.name}",
                              lambda s=shape, c=command: measure_external(fake, api_base, arm.chain, s, n, c)))
        for name, measure in cells:
            out[name] = measure()
        with proxy_process(api_base, arm.chain) as proxy_url:
            routed = f"{proxy_url}/v1/chat/completions"
            out["proxy, free model"] = measure_http(fake, client, routed, FREE, n, headers=REQUEST_HEADERS)
            for shape in (FLOOR, BODY):
                out[f"proxy, {shape.name}, JSON"] = measure_http(fake, client, routed, shape, n,
                                                                 headers=REQUEST_HEADERS)
            out[f"proxy, {FLOOR.name}, stream"] = measure_http(fake, client, routed, FLOOR, n, stream=True,
                                                               headers=REQUEST_HEADERS)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="measured requests per cell (after 3 warm-ups)")
    parser.add_argument("--delay-ms", type=float, default=100.0, help="added before every answer of the stand-in")
    parser.add_argument("--arms", nargs="+", choices=[a.name for a in ARMS], default=[a.name for a in ARMS])
    parser.add_argument("--client-cmd", help="another payment client to measure on the same bodies (handshake above)")
    parser.add_argument("--client-name", default="external client")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "python": sys.version.split()[0], "cpus": os.cpu_count(), "delay_ms": args.delay_ms,
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "theory": {"one exchange (a payment signed without a probe)": f"~{args.delay_ms:.0f} ms",
                   "probe then pay (2 exchanges)": f"~{2 * args.delay_ms:.0f} ms"},
    }
    for arm in ARMS:
        if arm.name in args.arms:
            results[arm.name] = measure_arm(arm, args)
    results["load_average_at_end"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for key, value in results.items():
        if not isinstance(value, dict) or key == "theory":
            print(f"{key}: {value}")
            continue
        print(key)
        for cell, row in value.items():
            print(f"  {cell}: {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
