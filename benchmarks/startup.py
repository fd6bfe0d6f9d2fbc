"""Proxy start-up and memory: spawn → first ``/health`` 200, spawn → ready, RSS idle and warm; median of N runs.

Each run starts ``pyclawrouter serve`` as a real subprocess with a fresh state directory (so a wallet is
generated, as on a first install) against the local fake upstream of ``proxy_overhead.py``, then:

* ``healthy``: seconds from spawn to the first ``/health`` answering 200;
* ``ready``: seconds from spawn to ``/health`` reporting ``ready`` (wallet, payer, routing tables loaded);
* ``rss_idle``: RSS once ready (after a short settle);
* ``rss_warm``: RSS after ``--requests`` routed JSON requests and one ``/health?full=true`` (a balance read).

    python benchmarks/startup.py [--runs 5] [--requests 50] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import proxy_overhead as p


def one_run(upstream_url: str, requests: int) -> dict[str, float]:
    server, env = p.ARMS["hypercorn+aiohttp-transport (default)"]
    with p.proxy_process(upstream_url, server, env) as (pid, url, healthy, ready):
        time.sleep(0.3)
        idle = p.proc_stats(pid)[1]
        routed = f"{url}/v1/chat/completions"
        asyncio.run(p.sequential(routed, requests, lambda: p.body_for("small", stream=False, direct=False),
                                 p.one_json))
        httpx.get(f"{url}/health", params={"full": "true"}, timeout=10).raise_for_status()
        warm = p.proc_stats(pid)[1]
    return {"healthy_s": healthy, "ready_s": ready, "rss_idle_mb": idle, "rss_warm_mb": warm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    port = p.free_port()
    upstream = p.upstream_process(port)
    try:
        p.wait_port(port)
        runs = [one_run(f"http://127.0.0.1:{port}", args.requests) for _ in range(args.runs)]
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)
    summary = {key: {"median": round(statistics.median(r[key] for r in runs), 3),
                     "min": round(min(r[key] for r in runs), 3), "max": round(max(r[key] for r in runs), 3)}
               for key in runs[0]}
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{args.runs} runs, {args.requests} warm-up requests each")
    for key, value in summary.items():
        print(f"  {key:12} median {value['median']:8.3f}   (min {value['min']:.3f}, max {value['max']:.3f})")


if __name__ == "__main__":
    main()
