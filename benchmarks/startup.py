"""Proxy start-up and memory: spawn → first ``/health`` 200, spawn → ready, the first routed request, RSS idle and
warm; median and p99 of N runs.

Each run starts ``pyclawrouter serve`` as a real subprocess with a fresh state directory (so a wallet is
generated, as on a first install) against the local fake upstream of ``proxy_overhead.py``, then:

* ``healthy_s``: seconds from spawn to the first ``/health`` answering 200;
* ``ready_s``: seconds from spawn to ``/health`` reporting ``ready`` (wallet, payer, routing tables loaded);
* ``first_request_ms``: the first routed JSON request once ready (what anything loaded lazily costs it);
* ``rss_idle_mb``: RSS once ready (after a short settle);
* ``rss_warm_mb``: RSS after ``--requests`` more routed JSON requests and one ``/health?full=true`` (a
  balance read).

The same run measures the floor, ``python_floor_mb``: the RSS of a bare ``python -c`` that only sleeps.
``--transport httpx`` measures the proxy with the other upstream transport (the default is aiohttp).
``--against PYTHON`` is the baseline in the same run: runs alternate between the pyclawrouter installed for
PYTHON (another checkout's venv) and this one, and both are reported.

    python benchmarks/startup.py [--runs 20] [--requests 50] [--transport aiohttp|httpx] [--against PYTHON]
                                 [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import proxy_overhead as p

ARM_BY_TRANSPORT = {"aiohttp": "hypercorn+aiohttp-transport (default)", "httpx": "hypercorn+httpx"}


def one_run(upstream_url: str, requests: int, transport: str = "aiohttp",
            python: str = sys.executable) -> dict[str, float]:
    server, env = p.ARMS[ARM_BY_TRANSPORT[transport]]
    with p.proxy_process(upstream_url, server, env, python) as (pid, url, healthy, ready):
        routed = f"{url}/v1/chat/completions"
        first = asyncio.run(p.sequential(routed, 1, lambda: p.body_for("small", stream=False, direct=False),
                                         p.one_json, warm_up=0))[0]
        time.sleep(0.3)
        idle = p.proc_stats(pid)[1]
        asyncio.run(p.sequential(routed, requests, lambda: p.body_for("small", stream=False, direct=False),
                                 p.one_json))
        httpx.get(f"{url}/health", params={"full": "true"}, timeout=10).raise_for_status()
        warm = p.proc_stats(pid)[1]
    return {"healthy_s": healthy, "ready_s": ready, "first_request_ms": first * 1000, "rss_idle_mb": idle,
            "rss_warm_mb": warm}


def python_floor_mb() -> float:
    """RSS of an interpreter that imports nothing of ours: what no change to the proxy can remove."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.3)
        return p.proc_stats(process.pid)[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))]


def summarize(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    return {key: {"median": round(statistics.median(r[key] for r in runs), 3),
                  "p99": round(nearest_rank([r[key] for r in runs], 0.99), 3)}
            for key in runs[0]}


def measure(runs: int, requests: int, transport: str = "aiohttp", against: str | None = None) -> dict[str, Any]:
    """``runs`` start-ups against one fake upstream, with the interpreter's floor from the same sitting; with
    ``against``, as many of the baseline's, alternating, under ``"baseline"``."""
    port = p.free_port()
    upstream = p.upstream_process(port)
    results: list[dict[str, float]] = []
    baseline: list[dict[str, float]] = []
    try:
        p.wait_port(port)
        for _ in range(runs):
            if against is not None:
                baseline.append(one_run(f"http://127.0.0.1:{port}", requests, transport, against))
            results.append(one_run(f"http://127.0.0.1:{port}", requests, transport))
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)
    out: dict[str, Any] = {"runs": runs, "requests": requests, "transport": transport,
                           "python_floor_mb": round(python_floor_mb(), 1), **summarize(results)}
    if baseline:
        out["baseline"] = {"python": against, **summarize(baseline)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--transport", choices=sorted(ARM_BY_TRANSPORT), default="aiohttp")
    parser.add_argument("--against", metavar="PYTHON", help="baseline interpreter (another checkout's venv)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    summary = measure(args.runs, args.requests, args.transport, args.against)
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{args.runs} runs, {args.requests} warm-up requests each, transport {args.transport}; "
          f"bare python {summary['python_floor_mb']} MB")
    base = summary.get("baseline", {})
    for key, value in summary.items():
        if isinstance(value, dict) and key != "baseline":
            before = f"   baseline median {base[key]['median']:8.3f}   p99 {base[key]['p99']:8.3f}" if base else ""
            print(f"  {key:17} median {value['median']:8.3f}   p99 {value['p99']:8.3f}{before}")


if __name__ == "__main__":
    main()
