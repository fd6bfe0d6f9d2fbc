"""anvil (Foundry's local EVM node, from the npm package ``@foundry-rs/anvil``) with TestUSDC at the Base USDC address.

``AnvilChain.start()`` runs anvil on a free loopback port with chain id 8453, installs the committed
``contracts/TestUSDC.json`` runtime code at ``0x8335…2913`` (so signatures made for real Base USDC verify
unchanged), and offers ``fund``/``balance``. Startup waits are bounded and ``stop()`` always kills the process.

The binary is looked up in ``$ANVIL_BIN``, then ``tests/support/.tools`` (where ``.ci/run`` installs it with
``npm install --prefix tests/support/.tools @foundry-rs/anvil``), then ``PATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

BASE_USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
CHAIN_ID = 8453
HERE = Path(__file__).resolve().parent
ARTIFACT = HERE / "contracts" / "TestUSDC.json"
TOOLS = HERE / ".tools"
# anvil's first well-known dev account (public test key, funded with ETH by anvil itself).
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
_MINT_SELECTOR = "40c10f19"
_BALANCE_OF_SELECTOR = "70a08231"


def find_anvil() -> str | None:
    explicit = os.environ.get("ANVIL_BIN")
    if explicit and Path(explicit).is_file():
        return explicit
    for candidate in sorted(TOOLS.glob("node_modules/@foundry-rs/anvil-*/bin/anvil")):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("anvil")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _word(address: str) -> str:
    return address.lower().removeprefix("0x").rjust(64, "0")


class AnvilError(RuntimeError):
    pass


class AnvilChain:
    def __init__(self, binary: str, port: int | None = None) -> None:
        self.binary = binary
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._client = httpx.Client(timeout=10.0)
        self._id = 0

    def rpc(self, method: str, params: list[Any]) -> Any:
        self._id += 1
        response = self._client.post(
            self.url, json={"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}
        )
        data = response.json()
        if "error" in data:
            raise AnvilError(f"{method}: {data['error']}")
        return data["result"]

    def start(self, *, timeout_s: float = 15.0) -> AnvilChain:
        self.process = subprocess.Popen(
            [self.binary, "--host", "127.0.0.1", "--port", str(self.port), "--chain-id", str(CHAIN_ID), "--silent"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise AnvilError(f"anvil exited with {self.process.returncode}: {err[:500]}")
            try:
                if int(self.rpc("eth_chainId", []), 16) == CHAIN_ID:
                    break
            except (httpx.HTTPError, AnvilError, ValueError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AnvilError(f"anvil did not answer on {self.url} within {timeout_s} s")
            time.sleep(0.05)
        runtime = json.loads(ARTIFACT.read_text())["runtimeBytecode"]
        self.rpc("anvil_setCode", [BASE_USDC, runtime])
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self._client.close()

    def fund(self, address: str, amount: int) -> None:
        """Mint ``amount`` micro-USDC of TestUSDC to ``address`` (a transaction from anvil's dev account)."""
        data = "0x" + _MINT_SELECTOR + _word(address) + hex(amount)[2:].rjust(64, "0")
        tx = self.rpc("eth_sendTransaction", [{"from": DEV_ADDRESS, "to": BASE_USDC, "data": data}])
        receipt = self.wait_for_receipt(tx)
        if int(receipt["status"], 16) != 1:
            raise AnvilError(f"mint to {address} reverted: {receipt}")

    def wait_for_receipt(self, tx_hash: str, *, timeout_s: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            receipt = self.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return dict(receipt)
            if time.monotonic() > deadline:
                raise AnvilError(f"no receipt for {tx_hash} within {timeout_s} s")
            time.sleep(0.02)

    def balance(self, address: str) -> int:
        result = self.rpc(
            "eth_call", [{"to": BASE_USDC, "data": "0x" + _BALANCE_OF_SELECTOR + _word(address)}, "latest"]
        )
        return int(result, 16)

    def __enter__(self) -> AnvilChain:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
