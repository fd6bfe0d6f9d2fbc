"""What the request guard costs per request: ``RequestGuard.check`` on the headers the official OpenAI SDK
sends for a chat completion (the common case: every check runs and passes), and on a refused cross-site POST.

Every measured call is first checked to give the expected verdict, so the benchmark cannot time a guard that
lets everything through. Reports median and p99 in microseconds.

    python benchmarks/guard_check.py [--iterations 200000] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pyclawrouter.proxy.guard import RequestGuard
from pyclawrouter.settings import Settings, StaticSettings

KEY = "pcr-" + "k" * 43
SDK_HEADERS = [(b"host", b"127.0.0.1:8402"), (b"accept-encoding", b"gzip, deflate"), (b"connection", b"keep-alive"),
               (b"accept", b"application/json"), (b"content-type", b"application/json"),
               (b"user-agent", b"OpenAI/Python 1.99.0"), (b"x-stainless-lang", b"python"),
               (b"x-stainless-os", b"Linux"), (b"x-stainless-arch", b"x64"), (b"x-stainless-runtime", b"CPython"),
               (b"authorization", b"Bearer " + KEY.encode()), (b"content-length", b"1234")]
CROSS_SITE = [(b"host", b"127.0.0.1:8402"), (b"origin", b"http://evil.example"), (b"sec-fetch-site", b"cross-site"),
              (b"content-type", b"text/plain;charset=UTF-8"), (b"content-length", b"80")]


def measure(guard: RequestGuard, headers: list[tuple[bytes, bytes]], expect: int | None, n: int) -> dict[str, float]:
    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/v1/chat/completions", "headers": headers}
    verdict = guard.check(scope)
    assert (verdict[0] if verdict else None) == expect, verdict
    batch = 100
    samples = []
    for _ in range(n // batch):
        started = time.perf_counter()
        for _ in range(batch):
            guard.check(scope)
        samples.append((time.perf_counter() - started) / batch * 1e6)
    samples.sort()
    return {"median_us": round(statistics.median(samples), 2), "p99_us": round(samples[int(len(samples) * 0.99)], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        guard = RequestGuard(None, StaticSettings(Settings(home=Path(home), port=8402)), KEY)  # type: ignore[arg-type]
        result = {"openai_sdk_chat_allowed": measure(guard, SDK_HEADERS, None, args.iterations),
                  "cross_site_post_refused": measure(guard, CROSS_SITE, 403, args.iterations)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, numbers in result.items():
            print(f"{name}: median {numbers['median_us']} µs, p99 {numbers['p99_us']} µs")


if __name__ == "__main__":
    main()
