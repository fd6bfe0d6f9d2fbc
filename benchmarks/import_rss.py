"""What each import costs the proxy in RSS: the modules a warm ``pyclawrouter serve`` has loaded, re-imported in
a fresh interpreter, once with everything and once per package with that package replaced by an empty stub.

1. Start the proxy (fresh state directory, the fake upstream of ``proxy_overhead.py``) under
   ``-X importtime``, wait until ready, send ``--requests`` routed requests and one ``/health?full=true``;
   the import log lists every module the process loaded, in the order it loaded them.
2. In a fresh interpreter import all of them (``all``), then, per package, all of them with that package's
   modules stubbed out (an import of them yields an empty module). The difference is what removing that
   package from the process would save: its own code and data plus whatever only it pulls in. Median of
   ``--repeat`` interpreters each.

This measures imports only (a running proxy adds its tables, caches, threads and sockets on top; compare
``benchmarks/startup.py``). ``bare`` is an interpreter that imports nothing.

    python benchmarks/import_rss.py [--transport aiohttp|httpx] [--requests 20] [--repeat 3] [PACKAGE ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import proxy_overhead as p

# Each with the packages only it brings in (a package imported by several is counted with none of them).
DEFAULT_PACKAGES = [
    "aiohttp+yarl+multidict+propcache+frozenlist+aiosignal+aiohappyeyeballs",
    "solders",
    "jsonschema+referencing+rpds+attrs+attr+jsonschema_specifications",
    "ruamel+tomlkit+json5",
    "h2+hpack+hyperframe+wsproto",  # Hypercorn's HTTP/2 and WebSocket protocols, imported by its HTTP/1.1 one
    "email",
    "coincurve",
    "Crypto",
    "pyclawrouter.routing",
    "pyclawrouter.dashboard",
]
_IMPORTER = r"""
import importlib, importlib.machinery, sys, types
stubbed = [name for name in sys.argv[2].split(",") if name]


class Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {"__init__": lambda *a, **k: None, "__call__": lambda *a, **k: None,
                               "__class_getitem__": classmethod(lambda c, i: c)})


class StubFinder:
    def find_spec(self, name, path=None, target=None):
        if any(name == s or name.startswith(s + ".") for s in stubbed):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = Stub(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, StubFinder())
for name in sys.argv[1].split(","):
    try:
        importlib.import_module(name)
    except Exception:
        pass
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")) / 1024)
"""


def proxy_modules(transport: str, requests: int) -> list[str]:
    """Every module a warm proxy loaded, in load order, from its ``-X importtime`` log."""
    up_port = p.free_port()
    upstream = p.upstream_process(up_port)
    port = p.free_port()
    try:
        p.wait_port(up_port)
        upstream_url = f"http://127.0.0.1:{up_port}"
        with tempfile.TemporaryDirectory() as home:
            key_file = Path(home) / "api-key"
            key_file.write_text(p.BENCH_API_KEY + "\n")
            key_file.chmod(0o600)
            log = Path(home) / "imports.log"
            env = {**os.environ, "PYCLAWROUTER_HOME": home, "BLOCKRUN_API_BASE": upstream_url,
                   "BLOCKRUN_BASE_RPC_URL": f"{upstream_url}/rpc", "BLOCKRUN_PROXY_PORT": str(port),
                   "PYCLAWROUTER_UPSTREAM_TRANSPORT": transport, "PYTHONPROFILEIMPORTTIME": "1"}
            with log.open("w") as err:
                process = subprocess.Popen([sys.executable, "-m", "pyclawrouter", "serve", "--port", str(port)],
                                           env=env, stdout=subprocess.DEVNULL, stderr=err)
                try:
                    url = f"http://127.0.0.1:{port}"
                    p.wait_healthy(f"{url}/health")
                    deadline = time.monotonic() + 60
                    while not httpx.get(f"{url}/health", timeout=5).json().get("ready"):
                        if time.monotonic() > deadline:
                            raise RuntimeError("proxy not ready within 60 s")
                        time.sleep(0.01)
                    asyncio.run(p.sequential(f"{url}/v1/chat/completions", requests,
                                             lambda: p.body_for("small", stream=False, direct=False), p.one_json))
                    httpx.get(f"{url}/health", params={"full": "true"}, timeout=10).raise_for_status()
                finally:
                    process.terminate()
                    process.wait(timeout=10)
            text = log.read_text()
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)
    names: list[str] = []
    for found in re.finditer(r"^import time:.*\|\s*([\w.]+)$", text, re.M):
        if found.group(1) not in names and found.group(1) != "__main__":
            names.append(found.group(1))
    return names


def rss_mb(modules: list[str], stubbed: list[str], repeat: int) -> float:
    values = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _IMPORTER, ",".join(modules), ",".join(stubbed)],
                             capture_output=True, text=True, check=True)
        values.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("packages", nargs="*", default=DEFAULT_PACKAGES,
                        help="packages to stub out, one at a time ('a+b' stubs both together)")
    parser.add_argument("--transport", choices=("aiohttp", "httpx"), default="aiohttp")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    modules = proxy_modules(args.transport, args.requests)
    full = rss_mb(modules, [], args.repeat)
    print(f"transport {args.transport}: {len(modules)} modules; bare {rss_mb([], [], args.repeat):.1f} MB, "
          f"all {full:.1f} MB")
    for group in args.packages:
        names = group.split("+")
        label = names[0] + (f" (+{len(names) - 1} it brings)" if len(names) > 1 else "")
        loaded = [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]
        if not loaded:
            print(f"  {label:30}  not loaded")
            continue
        saved = full - rss_mb(modules, names, args.repeat)
        print(f"  {label:30} {saved:5.1f} MB  ({len(loaded)} modules)")


if __name__ == "__main__":
    main()
