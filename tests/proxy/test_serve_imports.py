"""Start-up time and memory: the serve path on Base never loads the x402 SDK or pydantic, nor a config library
it does not need, nor aiohttp unless aiohttp is the upstream transport.

The proxy reads the x402 headers and challenge shapes itself; importing the SDK costs about 0.14 s of
spawn → ``/health`` and about 9 MB of RSS (tests use the SDK as the independent verifier instead). It checks
its config without jsonschema (about 5 MB), reads YAML and JSON5 only when such a file exists, and edits
config files (ruamel, tomlkit) only when a command asks to; aiohttp is about 7 MB; solders (about 10 MB) loads
only to sign a Solana payment.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pyclawrouter.payments.receipt import Settlement, settlement
from pyclawrouter.wallet import load_or_create_wallet
from tests.proxy.conftest import read_api_key_file
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.server import free_port

HEAVY = ("x402", "pydantic", "web3", "eth_account", "jsonschema")
# Config libraries: jsonschema's own dependencies, and the parsers/editors of files this proxy does not have.
CONFIG_LIBRARIES = ("jsonschema", "referencing", "rpds", "ruamel", "tomlkit", "json5")


def test_serve_path_imports_no_heavy_module() -> None:
    code = (
        "import sys, pyclawrouter.proxy.app, pyclawrouter.cli\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_payment_stack_loaded_after_health_imports_no_sdk(tmp_path: Path) -> None:
    # What the worker thread loads once /health answers (runtime, wallet, payer), and a parsed challenge.
    # A Base wallet with a mnemonic has a Solana address too, shown without solders (about 10 MB of RSS).
    code = (
        "import sys, base64, json, pathlib, pyclawrouter.proxy.runtime, pyclawrouter.wallet.resolve\n"
        "from pyclawrouter.payments.payer import Payer\n"
        f"wallet = pyclawrouter.wallet.resolve.load_or_create_wallet(pathlib.Path({str(tmp_path)!r}), {{}})\n"
        "assert wallet.solana_address\n"
        "Payer(wallet, payment_chain='base')\n"
        "from pyclawrouter.payments.challenge import parse_challenge\n"
        "doc = {'x402Version': 2, 'accepts': [{'scheme': 'exact', 'network': 'eip155:8453', 'asset': '0x1',\n"
        "       'amount': '2000', 'payTo': '0x2', 'maxTimeoutSeconds': 300}]}\n"
        "parse_challenge({'payment-required': base64.b64encode(json.dumps(doc).encode()).decode()}, b'')\n"
        f"print(','.join(m for m in {(*HEAVY[:4], 'solders')!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _header(obj: object) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def test_receipt_reads_the_settlement_header_in_either_version() -> None:
    body = {"success": True, "transaction": "0xabc", "network": "eip155:8453", "payer": "0x1", "amount": "5"}
    assert settlement({"payment-response": _header(body)}) == Settlement(
        success=True, transaction="0xabc", network="eip155:8453", payer="0x1", amount="5"
    )
    failed = {"success": False, "transaction": "", "network": "base", "errorReason": "insufficient_funds"}
    got = settlement({"X-PAYMENT-RESPONSE": _header(failed)})
    assert got is not None and got.error_reason == "insufficient_funds" and not got.success


def test_a_malformed_receipt_is_ignored() -> None:
    for value in ("not base64!", _header([1]), _header({"success": "yes", "transaction": "t", "network": "n"})):
        assert settlement({"PAYMENT-RESPONSE": value}) is None


def _imported(log: str) -> set[str]:
    """Top-level packages named in a ``-X importtime`` log."""
    return {m.group(1).split(".")[0] for m in re.finditer(r"^import time:.*\|\s*([\w.]+)$", log, re.M)}


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
def test_a_running_proxy_loads_aiohttp_only_as_its_transport_and_no_config_library(
        transport: str, fake: FakeBlockRun, fake_url: str, isolated_state_dir: Path, tmp_path: Path) -> None:
    home = isolated_state_dir
    fake.backend.fund(load_or_create_wallet(home, {}).evm_address, 5_000_000)
    openclaw = tmp_path / "openclaw.json"  # plain JSON, as OpenClaw writes it
    openclaw.write_text(json.dumps({"plugins": {"entries": {"pyclawrouter": {"config": {"maxCostPerRun": 5}}}}}))
    port = free_port()
    env = {**os.environ, "PYCLAWROUTER_HOME": str(home), "HOME": str(tmp_path), "OPENCLAW_CONFIG_PATH": str(openclaw),
           "BLOCKRUN_API_BASE": f"{fake_url}/api", "BLOCKRUN_BASE_RPC_URL": f"{fake_url}/rpc",
           "BLOCKRUN_PROXY_PORT": str(port), "PYCLAWROUTER_UPSTREAM_TRANSPORT": transport,
           "PYTHONPROFILEIMPORTTIME": "1"}
    log = tmp_path / "imports.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as err:
        process = subprocess.Popen([sys.executable, "-m", "pyclawrouter", "serve"], env=env, cwd=home,
                                   stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 30
            while not _ready(url):
                assert time.monotonic() < deadline and process.poll() is None, "the proxy did not become ready"
                time.sleep(0.05)
            headers = {"authorization": f"Bearer {read_api_key_file(home)}"}
            for stream in (False, True, False):  # paid through the transport, streamed and not
                body = {"model": "auto", "stream": stream, "messages": [{"role": "user", "content": f"hi {stream}"}]}
                answer = httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=30)
                assert answer.status_code == 200, answer.text
            httpx.get(f"{url}/health", params={"full": "true"}, timeout=10).raise_for_status()
        finally:
            process.terminate()
            process.wait(10)
    loaded = _imported(log.read_text())
    assert "pyclawrouter" in loaded and "hypercorn" in loaded  # the log is the proxy's
    assert sorted(loaded & {*HEAVY, *CONFIG_LIBRARIES, "solders"}) == []
    assert ("aiohttp" in loaded) == (transport == "aiohttp")


def _ready(url: str) -> bool:
    try:
        return bool(httpx.get(f"{url}/health", timeout=1).json().get("ready"))
    except httpx.HTTPError:
        return False
