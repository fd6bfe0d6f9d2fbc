"""What ``serve`` loads: no eth-account/py-ecc (py-ecc raises the recursion limit to 100000, after which a
deeply nested JSON body overflows the C stack and kills the proxy) and no web3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Everything the proxy process imports: the app, then what the start-up worker thread loads (a fresh wallet is
# generated, a payment signed, a balance monitor built), then one deeply nested JSON body.
SCRIPT = """
import json, os, sys
default_limit = sys.getrecursionlimit()
from pyclawrouter.proxy.app import build_app
from pyclawrouter.proxy.runtime import load_deps
from pyclawrouter.settings import Settings, StaticSettings
settings = Settings.from_config({}, os.environ)
build_app(StaticSettings(settings))
deps = load_deps(settings)
from pyclawrouter.payments import evm, parse_challenge
requirement = parse_challenge({"Payment-Required": sys.argv[1]}, b"{}").requirements[0]
evm.sign_authorization(deps.payer.wallet.evm_account, requirement, now=1_800_000_000)
try:
    json.loads("[" * 200_000 + "]" * 200_000)
    nested = "parsed"
except RecursionError:
    nested = "RecursionError"
print(json.dumps({"modules": sorted(m for m in ("py_ecc", "eth_account", "web3") if m in sys.modules),
                  "limit": sys.getrecursionlimit(), "default": default_limit, "nested": nested}))
"""


def test_proxy_process_never_imports_eth_account_py_ecc_or_web3(tmp_path: Path) -> None:
    from tests.payments.test_pay_golden import CHALLENGE

    env = {**os.environ, "PYCLAWROUTER_HOME": str(tmp_path)}
    env.pop("BLOCKRUN_WALLET_KEY", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, CHALLENGE], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["modules"] == []
    assert report["limit"] == report["default"] == 1000
    assert report["nested"] == "RecursionError"  # not a segfault
