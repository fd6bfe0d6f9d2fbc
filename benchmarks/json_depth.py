"""What the JSON nesting pre-scan costs next to the parse it protects.

Every JSON body the proxy reads is checked for nesting depth before ``json.loads`` (see
``pyclawrouter.proxy.json_body``). This times the scan and the parse on the same bodies: a real 58 KB OpenClaw
chat request (47 KB system prompt, 11 tool schemas), a 1 MB request made of 18 of them, a 1 MB body of
shallow arrays (the scan's worst case among valid bodies: every byte a bracket, depth 3), and 1 MB of code
full of brackets inside strings. Reports the median of each.

    python benchmarks/json_depth.py [--iterations 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from pyclawrouter.proxy.json_body import nesting_exceeds, parse_json_body

ROOT = Path(__file__).resolve().parent.parent


def bodies() -> dict[str, bytes]:
    openclaw = (ROOT / "tests" / "data" / "openclaw" / "openclaw-chat-1.json").read_bytes()
    request = json.loads(openclaw)
    big = dict(request, messages=request["messages"] * 18)
    code = "def f(x):\n    return [g(y[i]) for i in range(len(x)) if {k: v for k, v in x}]\n" * 12_000
    return {
        "openclaw 58 KB": openclaw,
        "openclaw x18 (1 MB)": json.dumps(big).encode(),
        "shallow arrays 1 MB": ("[" + ",".join(["[[],[]]"] * 140_000) + "]").encode(),
        "code in strings 1 MB": json.dumps({"messages": [{"role": "user", "content": code}]}).encode(),
    }


def median_us(fn: Callable[[], object], iterations: int) -> float:
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    for name, raw in bodies().items():
        assert not nesting_exceeds(raw), name  # all are legitimate bodies
        scan = median_us(lambda raw=raw: nesting_exceeds(raw), args.iterations)
        parse = median_us(lambda raw=raw: json.loads(raw), args.iterations)
        full = median_us(lambda raw=raw: parse_json_body(raw), args.iterations)
        results.append({"body": name, "bytes": len(raw), "scan_us": round(scan, 1), "json_loads_us": round(parse, 1),
                        "parse_json_body_us": round(full, 1), "scan_share": round(scan / parse, 3)})
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'body':24} {'bytes':>9} {'scan µs':>9} {'json.loads µs':>14} {'parse_json_body µs':>19} "
          f"{'scan/parse':>10}")
    for r in results:
        print(f"{r['body']:24} {r['bytes']:>9} {r['scan_us']:>9} {r['json_loads_us']:>14} "
              f"{r['parse_json_body_us']:>19} {r['scan_share']:>10}")


if __name__ == "__main__":
    main()
