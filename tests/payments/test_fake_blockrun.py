"""The fake BlockRun's own contract: pricing, free models, fault injection, images, models, RPC, CLI server."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pyclawrouter.payments import Payer, classify_payment_failure
from pyclawrouter.routing.catalog import default_catalog
from pyclawrouter.routing.selector import estimate_request_cost
from pyclawrouter.wallet import Wallet
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.fake_catalog import FLAT_FEE
from tests.support.paying import CHAT, asgi_client, chat_body, pay_and_retry

FREE_MODEL = default_catalog().free_model

ROOT = Path(__file__).resolve().parents[2]


def test_price_is_blockrun_quote(fake_blockrun: FakeBlockRun) -> None:
    # sonnet-4.6 ($3/$15): a 40-byte message list is 10 tokens; 10 x 3 + 0.1 x 4000 x 15 = 6030 µUSDC, +5 %
    body = {"model": "anthropic/claude-sonnet-4.6", "max_tokens": 4000,
            "messages": [{"role": "user", "content": "x" * 7}]}
    assert len(json.dumps(body["messages"])) == 40
    assert fake_blockrun.price(CHAT, body) == math.ceil(6030 * 1.05)
    # max_tokens above the model's max output (128K) is priced at the clamp
    assert fake_blockrun.price(CHAT, {**body, "max_tokens": 10**7}) == fake_blockrun.price(
        CHAT, {**body, "max_tokens": 128_000}
    )
    # tiny requests pay the Base floor ($0.002), above the facilitator's $0.001
    assert fake_blockrun.price(CHAT, chat_body("hi", max_tokens=10)) == 2 * FLAT_FEE
    assert fake_blockrun.price("/v1/images/generations", {"n": 2}) == 2 * fake_blockrun.image_price


@pytest.mark.parametrize(
    ("model", "max_tokens"),
    [("anthropic/claude-sonnet-4.6", 4096), ("openai/gpt-4o-mini", 100_000), ("deepseek/deepseek-chat", 1),
     ("anthropic/claude-haiku-4.5", None)],
)
def test_proxy_estimate_equals_the_stand_ins_402_amount(
    fake_blockrun: FakeBlockRun, model: str, max_tokens: int | None
) -> None:
    # the proxy's estimate (routing catalog) and the stand-in's quote are separate implementations of one formula
    body: dict[str, object] = {"model": model, "messages": [{"role": "user", "content": "word " * 900}]}
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    input_tokens = math.ceil(len(json.dumps(body["messages"])) / 4)
    estimate = estimate_request_cost(model, input_tokens, max_tokens or 1024)  # the stand-in's default
    assert round(estimate * 1e6) == fake_blockrun.price(CHAT, body)


def test_free_model_needs_no_payment(fake_blockrun: FakeBlockRun) -> None:
    async def go() -> None:
        async with asgi_client(fake_blockrun) as client:
            response = await client.post(CHAT, json=chat_body(model=FREE_MODEL))
            assert response.status_code == 200
            models = await client.get("/api/v1/models")
            assert FREE_MODEL in [m["id"] for m in models.json()["data"]]
            same = await client.get("/v1/models")
            assert same.json() == models.json()

    asyncio.run(go())
    assert fake_blockrun.payments == []


def _paid(fake: FakeBlockRun, wallet: Wallet, body: dict[str, object]) -> httpx.Response:
    fake.backend.fund(wallet.evm_address, 1_000_000)

    async def go() -> httpx.Response:
        async with asgi_client(fake) as client:
            return (await pay_and_retry(client, Payer(wallet, payment_chain="base"), body)).response

    return asyncio.run(go())


@pytest.mark.parametrize("status", [429, 500, 503, 529])
def test_status_faults_hit_paid_requests_and_move_no_money(
    fake_blockrun: FakeBlockRun, new_wallet: Wallet, status: int
) -> None:
    fake_blockrun.fail_status(status, model="openai/gpt-4o-mini")
    response = _paid(fake_blockrun, new_wallet, chat_body())
    assert response.status_code == status
    assert fake_blockrun.settled == [] and fake_blockrun.payments[0].outcome == "verified"
    assert fake_blockrun.backend.balance(new_wallet.evm_address) == 1_000_000
    assert _paid(fake_blockrun, new_wallet, chat_body()).status_code == 200  # times=1 by default


def test_fault_for_another_model_does_not_hit(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.fail_status(500, model="deepseek/deepseek-chat", times=None)
    assert _paid(fake_blockrun, new_wallet, chat_body()).status_code == 200


def test_request_stage_fault_hits_before_the_challenge(fake_blockrun: FakeBlockRun) -> None:
    fake_blockrun.fail_status(429, stage="request", times=2)

    async def go() -> list[int]:
        async with asgi_client(fake_blockrun) as client:
            return [(await client.post(CHAT, json=chat_body())).status_code for _ in range(3)]

    assert asyncio.run(go()) == [429, 429, 402]


@pytest.mark.parametrize(
    "kind", ["insufficient_funds", "invalid_payload", "simulation_failed", "expired", "settlement_failed"]
)
@pytest.mark.parametrize("fixture", ["fake_blockrun", "fake_blockrun_solana"])
def test_payment_error_faults_are_blockrun_bodies(
    fixture: str, kind: str, request: pytest.FixtureRequest, new_wallet: Wallet
) -> None:
    fake: FakeBlockRun = request.getfixturevalue(fixture)
    fake.fail_payment(kind)  # type: ignore[arg-type]
    chain = fake.backend.chain
    fake.backend.fund(new_wallet.evm_address if chain == "base" else str(new_wallet.solana_address), 1_000_000)

    async def go() -> httpx.Response:
        async with asgi_client(fake) as client:
            return (await pay_and_retry(client, Payer(new_wallet, payment_chain=chain), chat_body())).response  # type: ignore[arg-type]

    response = asyncio.run(go())
    assert response.status_code == 402
    failure = classify_payment_failure(response.status_code, response.content)
    assert failure is not None and failure.kind == kind and failure.payment_chain == chain


def test_hang_is_bounded(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.max_hang_s = 0.3
    fake_blockrun.hang(60)
    started = time.monotonic()
    assert _paid(fake_blockrun, new_wallet, chat_body()).status_code == 200
    assert 0.3 <= time.monotonic() - started < 5


def test_hang_times_out_a_client(fake_blockrun: FakeBlockRun) -> None:
    from tests.support.server import serve

    fake_blockrun.max_hang_s = 2
    fake_blockrun.hang(60, stage="request")
    with serve(fake_blockrun.app) as url, pytest.raises(httpx.ReadTimeout):
        httpx.post(url + CHAT, json=chat_body(), timeout=0.3)


def test_degraded_200(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.degrade()
    response = _paid(fake_blockrun, new_wallet, chat_body())
    assert response.status_code == 200
    assert "temporarily overloaded" in response.json()["choices"][0]["message"]["content"]
    assert fake_blockrun.settled == []


def test_stream_dropped_mid_way_over_a_real_socket(fake_blockrun: FakeBlockRun) -> None:
    from tests.support.server import serve

    fake_blockrun.drop_stream(after_chunks=2, model=FREE_MODEL)
    body = chat_body("tell me a long story", model=FREE_MODEL, stream=True)
    with serve(fake_blockrun.app) as url:
        received: list[str] = []
        with pytest.raises(httpx.HTTPError), httpx.stream("POST", url + CHAT, json=body, timeout=5) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line.startswith("data: "):
                    received.append(line)
        assert len(received) == 2
        whole = httpx.post(url + CHAT, json=body, timeout=5)  # the fault hit once
        assert whole.text.rstrip().endswith("data: [DONE]")


def test_custom_reply_with_tool_calls_streams_them(fake_blockrun: FakeBlockRun) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "read", "arguments": '{"path": "a"}'}}
    fake_blockrun.reply = lambda body: {"role": "assistant", "content": None, "tool_calls": [call]}

    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with asgi_client(fake_blockrun) as client:
            body = chat_body(model=FREE_MODEL)
            return await client.post(CHAT, json=body), await client.post(CHAT, json={**body, "stream": True})

    plain, streamed = asyncio.run(go())
    assert plain.json()["choices"][0]["finish_reason"] == "tool_calls"
    chunks = [json.loads(line[6:]) for line in streamed.text.splitlines() if line.startswith("data: {")]
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert any(d.get("tool_calls", [{}])[0].get("index") == 0 for d in deltas if "tool_calls" in d)


@pytest.mark.parametrize("mode", ["b64_json", "url"])
def test_images_are_real_pngs(fake_blockrun: FakeBlockRun, new_wallet: Wallet, mode: str) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, 1_000_000)
    body = {"model": "openai/gpt-image-1", "prompt": "a cat", "n": 1, "response_format": mode}

    async def go() -> bytes:
        async with asgi_client(fake_blockrun) as client:
            exchange = await pay_and_retry(
                client, Payer(new_wallet, payment_chain="base"), body, path="/api/v1/images/generations",
                estimate_usd=0.05,
            )
            assert exchange.response.status_code == 200
            item = exchange.response.json()["data"][0]
            if mode == "url":
                return (await client.get(item["url"])).content
            return base64.b64decode(item["b64_json"])

    png = asyncio.run(go())
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert fake_blockrun.settled[0].amount == fake_blockrun.image_price


def test_image2image_is_paid_too(fake_blockrun: FakeBlockRun, new_wallet: Wallet) -> None:
    fake_blockrun.backend.fund(new_wallet.evm_address, 1_000_000)
    body = {"model": "openai/gpt-image-1", "prompt": "make it blue", "image": "data:image/png;base64,AAAA"}

    async def go() -> int:
        async with asgi_client(fake_blockrun) as client:
            exchange = await pay_and_retry(
                client, Payer(new_wallet, payment_chain="base"), body, path="/v1/images/image2image", estimate_usd=0.05
            )
            return exchange.response.status_code

    assert asyncio.run(go()) == 200


def test_rpc_balance_endpoints(fake_blockrun: FakeBlockRun, fake_blockrun_solana: FakeBlockRun) -> None:
    fake_blockrun.backend.fund("0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A", 1234)
    fake_blockrun_solana.backend.fund("3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx", 777)

    async def go() -> tuple[dict[str, object], dict[str, object]]:
        data = "0x70a08231" + "0" * 24 + "19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A".lower()
        async with asgi_client(fake_blockrun) as client:
            evm = (await client.post("/rpc", json={"id": 1, "method": "eth_call", "params": [{"data": data}]})).json()
        async with asgi_client(fake_blockrun_solana) as client:
            params = ["3Cy3YNTFywCmxoxt8n7UH6hg6dLo5uACowX3CFceaSnx", {"mint": "x"}, {"encoding": "jsonParsed"}]
            sol = (
                await client.post("/rpc", json={"id": 2, "method": "getTokenAccountsByOwner", "params": params})
            ).json()
        return evm, sol

    evm, sol = asyncio.run(go())
    assert int(str(evm["result"]), 16) == 1234
    value = sol["result"]["value"]  # type: ignore[index]
    assert value[0]["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"] == "777"


def test_runs_as_a_server_from_the_command_line(new_wallet: Wallet) -> None:
    from tests.support.server import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_blockrun", "--port", str(port), "--default-balance", "2000000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "fake BlockRun did not start"
            time.sleep(0.1)

        async def go() -> int:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                exchange = await pay_and_retry(client, Payer(new_wallet, payment_chain="base"), chat_body())
                return exchange.response.status_code

        assert asyncio.run(go()) == 200
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout:
            process.stdout.close()
