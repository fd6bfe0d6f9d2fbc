"""An offline stand-in for a Base node, good enough for the x402 SDK's EVM facilitator.

The SDK facilitator does the cryptography itself (EIP-712 digest, ecrecover, amount/payTo/window checks) and
asks its signer for chain facts only: is the payer an EOA, is the asset a contract, and would
``transferWithAuthorization`` succeed (balance, unused nonce, window). This class answers those from an
in-memory ledger with FiatTokenV2's revert strings, and "settles" by moving the balance and emitting the
Transfer log the facilitator checks. It never decides whether a signature is valid.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from x402.mechanisms.evm.types import TransactionReceipt

BASE_USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
FACILITATOR_ADDRESS = "0x000000000000000000000000000000000000fAc1"

_SELECTORS = {
    bytes.fromhex("70a08231"): "balanceOf",
    bytes.fromhex("06fdde03"): "name",
    bytes.fromhex("54fd4d50"): "version",
    bytes.fromhex("e94a0102"): "authorizationState",
}


class RevertError(Exception):
    """Raised like web3's ContractLogicError text: 'execution reverted: <reason>'."""


class OfflineEvmLedger:
    """USDC balances and used EIP-3009 nonces, keyed by lower-case address. Thread-safe."""

    def __init__(self, token_name: str = "USD Coin", token_version: str = "2", *, default_balance: int = 0) -> None:
        self.balances: dict[str, int] = {}
        self.default_balance = default_balance
        """Balance an address gets the first time it is looked at (0: none; the e2e server uses it)."""
        self.used_nonces: set[tuple[str, str]] = set()
        self.token_name = token_name
        self.token_version = token_version
        self.lock = threading.Lock()

    def touch(self, address: str) -> None:
        """Call with ``lock`` held: give a never-seen address ``default_balance``."""
        self.balances.setdefault(address.lower(), self.default_balance)

    def fund(self, address: str, amount: int) -> None:
        with self.lock:
            self.touch(address)
            self.balances[address.lower()] += amount

    def balance(self, address: str) -> int:
        with self.lock:
            self.touch(address)
            return self.balances[address.lower()]


class OfflineEvmSigner:
    """Implements the SDK's ``FacilitatorEvmSigner`` protocol against an :class:`OfflineEvmLedger`."""

    def __init__(self, ledger: OfflineEvmLedger, *, chain_id: int = 8453, asset: str = BASE_USDC) -> None:
        self.ledger = ledger
        self.chain_id = chain_id
        self.asset = asset
        self._pending: dict[str, dict[str, Any]] = {}

    def get_addresses(self) -> list[str]:
        return [FACILITATOR_ADDRESS]

    def get_chain_id(self) -> int:
        return self.chain_id

    def get_code(self, address: str) -> bytes:
        return b"\x60\x80" if address.lower() == self.asset.lower() else b""  # payers are plain accounts

    def get_balance(self, address: str, token_address: str) -> int:
        return self.ledger.balance(address)

    def _check(self, frm: str, value: int, valid_after: int, valid_before: int, nonce: bytes) -> tuple[str, str]:
        now = int(time.time())
        if now <= int(valid_after):
            raise RevertError("execution reverted: FiatTokenV2: authorization is not yet valid")
        if now >= int(valid_before):
            raise RevertError("execution reverted: FiatTokenV2: authorization is expired")
        self.ledger.touch(frm)
        key = (frm.lower(), bytes(nonce).hex())
        if key in self.ledger.used_nonces:
            raise RevertError("execution reverted: FiatTokenV2: authorization is used or canceled")
        if self.ledger.balances.get(frm.lower(), 0) < int(value):
            raise RevertError("execution reverted: ERC20: transfer amount exceeds balance")
        return key

    def _answer(self, name: str, args: tuple[Any, ...]) -> bytes:
        if name == "balanceOf":
            self.ledger.touch(args[0])
            return abi_encode(["uint256"], [self.ledger.balances[args[0].lower()]])
        if name == "name":
            return abi_encode(["string"], [self.ledger.token_name])
        if name == "version":
            return abi_encode(["string"], [self.ledger.token_version])
        used = (args[0].lower(), bytes(args[1]).hex()) in self.ledger.used_nonces
        return abi_encode(["bool"], [used])

    def read_contract(self, address: str, abi: list[dict[str, Any]], function_name: str, *args: Any) -> Any:
        if function_name == "transferWithAuthorization":
            with self.ledger.lock:
                self._check(args[0], int(args[2]), int(args[3]), int(args[4]), args[5])
            return None
        with self.ledger.lock:
            return self._read(function_name, args)

    def _read(self, function_name: str, args: tuple[Any, ...]) -> Any:
        if function_name == "tryAggregate":  # Multicall3, used by the SDK to diagnose a failed simulation
            results = []
            for _target, call_data in args[1]:
                data = bytes(call_data)
                name = _SELECTORS.get(data[:4])
                if name is None:
                    results.append((False, b""))
                    continue
                types = {"balanceOf": ["address"], "authorizationState": ["address", "bytes32"]}.get(name, [])
                decoded = tuple(abi_decode(types, data[4:])) if types else ()
                results.append((True, self._answer(name, decoded)))
            return results
        if function_name in ("balanceOf", "name", "version", "authorizationState"):
            return abi_decode(
                {"balanceOf": ["uint256"], "authorizationState": ["bool"]}.get(function_name, ["string"]),
                self._answer(function_name, args),
            )[0]
        raise RevertError(f"execution reverted: unsupported call {function_name}")

    def verify_typed_data(self, *args: Any, **kwargs: Any) -> bool:
        raise AssertionError("the SDK recovers EOA signatures itself; a smart-wallet path was taken")

    def write_contract(
        self, address: str, abi: list[dict[str, Any]], function_name: str, *args: Any, data_suffix: str | None = None
    ) -> str:
        if function_name != "transferWithAuthorization":
            raise RevertError(f"execution reverted: unsupported write {function_name}")
        frm, to, value = str(args[0]), str(args[1]), int(args[2])
        with self.ledger.lock:
            key = self._check(frm, value, int(args[3]), int(args[4]), args[5])
            self.ledger.used_nonces.add(key)
            self.ledger.balances[frm.lower()] -= value
            self.ledger.touch(to)
            self.ledger.balances[to.lower()] += value
        tx_hash = "0x" + os.urandom(32).hex()

        def pad(a: str) -> str:
            return "0x" + "00" * 12 + a.lower()[2:]

        self._pending[tx_hash] = {
            "address": address,
            "topics": [TRANSFER_TOPIC, pad(frm), pad(to)],
            "data": "0x" + value.to_bytes(32, "big").hex(),
        }
        return tx_hash

    def send_transaction(self, to: str, data: bytes) -> str:
        raise AssertionError("not used by the exact EIP-3009 flow")

    def wait_for_transaction_receipt(self, tx_hash: str) -> TransactionReceipt:
        return TransactionReceipt(status=1, block_number=1, tx_hash=tx_hash, logs=[self._pending.pop(tx_hash)])
