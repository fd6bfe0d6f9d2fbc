"""Start-up time and memory: the serve path on Base never loads the x402 SDK or pydantic.

The proxy reads the x402 headers and challenge shapes itself; importing the SDK costs about 0.14 s of
spawn → ``/health`` and about 9 MB of RSS (tests use the SDK as the independent verifier instead).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys

from pyclawrouter.payments.receipt import Settlement, settlement

HEAVY = ("x402", "pydantic", "web3", "eth_account", "jsonschema")


def test_serve_path_imports_no_heavy_module() -> None:
    code = (
        "import sys, pyclawrouter.proxy.app, pyclawrouter.cli\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_payment_stack_loaded_after_health_imports_no_sdk() -> None:
    # What the worker thread loads once /health answers (runtime, wallet, payer), and a parsed challenge.
    code = (
        "import sys, base64, json, pyclawrouter.proxy.runtime, pyclawrouter.wallet.resolve\n"
        "from pyclawrouter.payments.challenge import parse_challenge\n"
        "doc = {'x402Version': 2, 'accepts': [{'scheme': 'exact', 'network': 'eip155:8453', 'asset': '0x1',\n"
        "       'amount': '2000', 'payTo': '0x2', 'maxTimeoutSeconds': 300}]}\n"
        "parse_challenge({'payment-required': base64.b64encode(json.dumps(doc).encode()).decode()}, b'')\n"
        f"print(','.join(m for m in {HEAVY[:4]!r} if m in sys.modules))"
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
