"""How long paying a 402 takes on each chain: parse the challenge, check the policy, sign, encode the header.

Measures ``Payer.pay`` end to end on a BlockRun-shaped v2 challenge (no network: the Solana challenge carries
``extra.recentBlockhash``, as BlockRun's does), and the bare signature step alone. Reports median and p99 per
chain. Every signed payment is also checked once by the official x402 SDK's facilitator (offline stub), so
the benchmark cannot silently measure something that would be rejected.

    python benchmarks/signing.py [--iterations 2000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support (the fake BlockRun used for the sanity check)

from pyclawrouter.payments import Payer, evm, parse_challenge, solana  # noqa: E402  # noqa: E402
from pyclawrouter.wallet import PaymentChain, Wallet, load_or_create_wallet  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def challenge(chain: str, fee_payer: str, blockhash: str) -> dict[str, str]:
    if chain == "base":
        requirement: dict[str, Any] = {
            "scheme": "exact", "network": "eip155:8453", "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
            "amount": "1509", "payTo": "0xe9030014F5DAe217d0A152f02A043567b16c1aBf", "maxTimeoutSeconds": 300,
            "extra": {"name": "USD Coin", "version": "2"},
        }  # fmt: skip
    else:
        requirement = {
            "scheme": "exact", "network": "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
            "asset": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "amount": "1509",
            "payTo": "3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx", "maxTimeoutSeconds": 300,
            "extra": {"feePayer": fee_payer, "recentBlockhash": blockhash},
        }  # fmt: skip
    document = {
        "x402Version": 2,
        "error": "Payment Required",
        "resource": {"url": "https://blockrun.ai/api/v1/chat/completions", "mimeType": "application/json"},
        "accepts": [requirement],
    }
    return {"payment-required": base64.b64encode(json.dumps(document).encode()).decode()}


def timed(fn: Callable[[], object], iterations: int) -> list[float]:
    for _ in range(min(50, iterations)):  # warm-up
        fn()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def sanity_check(wallet: Wallet) -> None:
    """One payment per chain through the fake BlockRun, verified and settled by the SDK facilitator."""
    from tests.support.backends import StubSolanaBackend
    from tests.support.fake_blockrun import FakeBlockRun
    from tests.support.paying import asgi_client, chat_body, pay_and_retry

    async def go(fake: FakeBlockRun, chain: str, address: str) -> None:
        fake.backend.fund(address, 1_000_000)
        async with asgi_client(fake) as client:
            exchange = await pay_and_retry(client, Payer(wallet, payment_chain=chain), chat_body())  # type: ignore[arg-type]
        if exchange.response.status_code != 200:
            raise SystemExit(f"sanity check failed on {chain}: {exchange.response.text}")

    asyncio.run(go(FakeBlockRun(), "base", wallet.evm_address))
    asyncio.run(go(FakeBlockRun(StubSolanaBackend()), "solana", str(wallet.solana_address)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from solders.hash import Hash
    from solders.keypair import Keypair

    with tempfile.TemporaryDirectory() as tmp:
        wallet = load_or_create_wallet(Path(tmp) / "home", {})
    sanity_check(wallet)
    fee_payer, blockhash = str(Keypair().pubkey()), str(Hash.default())
    loop = asyncio.new_event_loop()
    results: dict[str, dict[str, float]] = {}
    chains: tuple[PaymentChain, ...] = ("base", "solana")
    for chain in chains:
        payer = Payer(wallet, payment_chain=chain)
        headers = challenge(chain, fee_payer, blockhash)

        def pay(payer: Payer = payer, headers: dict[str, str] = headers) -> object:
            return loop.run_until_complete(
                payer.pay(url="https://blockrun.ai/api/v1/chat/completions", status=402, headers=headers,
                          body=b'{"error":"Payment Required"}', estimate_usd=0.002, model="m")
            )  # fmt: skip

        requirement = parse_challenge(headers, b"").requirements[0]
        keypair, block = wallet.solana_keypair, Hash.from_string(blockhash)
        assert keypair is not None

        def sign(
            requirement: Any = requirement, chain: str = chain, keypair: Any = keypair, block: Any = block
        ) -> object:
            if chain == "base":
                return evm.sign_authorization(wallet.evm_account, requirement, now=int(time.time()))
            return solana.build_transfer(keypair, requirement, block)

        for name, fn in (("pay", pay), ("sign", sign)):
            samples = timed(fn, args.iterations)
            results[f"{chain}.{name}"] = {
                "median_ms": statistics.median(samples),
                "p99_ms": percentile(samples, 0.99),
                "iterations": args.iterations,
            }
    loop.close()

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"x402 signing, {args.iterations} iterations each (Python {sys.version.split()[0]})")
    print(f"{'chain':<8}{'step':<34}{'median':>10}{'p99':>10}")
    labels = {"pay": "Payer.pay (parse+policy+sign+encode)", "sign": "signature only"}
    for key, value in results.items():
        chain_name, step = key.split(".")
        print(f"{chain_name:<8}{labels[step]:<34}{value['median_ms']:>8.3f}ms{value['p99_ms']:>8.3f}ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
