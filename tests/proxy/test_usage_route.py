"""GET /v1/usage: balances and ledger figures for OpenClaw's usage surfaces, behind the API key, read-only;
and usage.cost in each answer, the price OpenClaw records for the turn."""

from __future__ import annotations

import json

import httpx
import openai

from tests.proxy.conftest import Proxy, ProxyFactory

PROMPT = [{"role": "user", "content": "Write a Python function that reverses a linked list in place"}]


def _ask(proxy: Proxy, session: str, **kw: object) -> httpx.Response:
    body = {"model": "auto", "messages": PROMPT, "max_tokens": 100, **kw}
    response = httpx.post(f"{proxy.url}/v1/chat/completions", json=body,
                          headers={"x-session-id": session, **proxy.auth}, timeout=20)
    assert response.status_code == 200, response.text
    return response


def _usage(proxy: Proxy) -> dict[str, object]:
    response = httpx.get(f"{proxy.url}/v1/usage", headers=proxy.auth, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    data: dict[str, object] = response.json()
    return data


def test_usage_needs_the_api_key(proxy: Proxy) -> None:
    assert httpx.get(f"{proxy.url}/v1/usage", timeout=10).status_code == 401
    wrong = httpx.get(f"{proxy.url}/v1/usage", headers={"authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401
    assert httpx.post(f"{proxy.url}/v1/usage", json={}, headers=proxy.auth, timeout=10).status_code == 405


def test_a_fresh_wallet_has_its_balance_and_no_spend(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(config={"maxCostPerRun": 0.5})
    data = _usage(proxy)
    assert data["paymentChain"] == "base"
    balances = data["balances"]
    assert isinstance(balances, list)
    assert balances[0] == {"chain": "base", "address": proxy.wallet_address, "balanceUsd": "5",
                           "balanceError": None, "isLow": False, "isEmpty": False}
    assert [b["chain"] for b in balances[1:]] == ["solana"] and balances[1]["address"]  # the wallet has both
    today = data["today"]
    assert isinstance(today, dict) and today["spentUsd"] == 0 and today["payments"] == 0
    assert str(today["since"]).endswith("T00:00:00Z")
    assert data["run"] is None
    assert data["maxCostPerRun"] == 0.5 and data["remainingUsd"] == 0.5


def test_spend_today_and_the_latest_run_are_the_ledger_figures(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(config={"maxCostPerRun": 0.5, "maxCostPerRunMode": "strict"})
    _ask(proxy, "run-a")
    _ask(proxy, "run-b", temperature=0.1)
    _ask(proxy, "run-b", temperature=0.2)
    prices = [s.amount / 1e6 for s in proxy.fake.settled]
    assert len(prices) == 3
    data = _usage(proxy)
    today, run = data["today"], data["run"]
    assert isinstance(today, dict) and isinstance(run, dict)
    assert today["payments"] == 3 and abs(today["spentUsd"] - sum(prices)) < 1e-9
    # The run is the session that paid last, counted as the cap check counts it.
    assert run["session"] == "run-b" and run["payments"] == 2
    assert abs(run["spentUsd"] - sum(prices[1:])) < 1e-9
    assert abs(float(str(data["remainingUsd"])) - (0.5 - sum(prices[1:]))) < 1e-9
    assert data["maxCostPerRunMode"] == "strict"


def test_an_unreachable_rpc_is_said_not_raised(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(base_rpc_url="http://127.0.0.1:9/rpc")
    data = _usage(proxy)
    balances = data["balances"]
    assert isinstance(balances, list) and balances[0]["balanceUsd"] is None
    assert "RPC" in balances[0]["balanceError"] or "no answer" in balances[0]["balanceError"]


def test_each_answer_carries_what_it_paid_as_usage_cost(proxy: Proxy) -> None:
    answer = _ask(proxy, "json")
    assert answer.json()["usage"]["cost"] == float(answer.headers["x-clawrouter-cost"]) > 0
    assert abs(answer.json()["usage"]["cost"] - proxy.fake.settled[-1].amount / 1e6) < 1e-9
    # Streaming, as OpenClaw asks (stream_options.include_usage): the final usage chunk has the price.
    stream = proxy.client().chat.completions.create(
        model="auto", messages=PROMPT, max_tokens=100, stream=True, stream_options={"include_usage": True},
        extra_headers={"x-session-id": "stream"})
    usage = [chunk.usage for chunk in stream if chunk.usage is not None]
    assert len(usage) == 1
    assert abs(json.loads(usage[0].model_dump_json())["cost"] - proxy.fake.settled[-1].amount / 1e6) < 1e-9


def test_the_free_model_costs_nothing(proxy: Proxy) -> None:
    answer = proxy.client().chat.completions.create(model="free", messages=PROMPT, max_tokens=50)
    assert answer.usage is not None and json.loads(answer.usage.model_dump_json())["cost"] == 0


def test_without_include_usage_no_usage_chunk_is_added(proxy: Proxy) -> None:
    stream = proxy.client().chat.completions.create(model="auto", messages=PROMPT, max_tokens=100, stream=True,
                                                    extra_headers={"x-session-id": "plain"})
    assert all(chunk.usage is None for chunk in stream)
    assert isinstance(openai.__version__, str)


HOOKS_SCRIPT = """
import { createUsageHooks } from "%s";
const hooks = createUsageHooks({ providerId: "blockrun", host: "127.0.0.1", placeholderKey: "none",
  portFor: () => Number(process.env.PORT), apiKeyFile: async () => null, lastError: async () => null });
const auth = await hooks.resolveUsageAuth({ resolveApiKeyFromConfigAndStore: () => process.env.KEY });
console.log(JSON.stringify(await hooks.fetchUsageSnapshot({ ...auth, timeoutMs: 5000, config: {} })));
"""


def test_openclaws_usage_hooks_read_the_real_proxy(start_proxy: ProxyFactory, node: str) -> None:
    """plugin/usage.js (what OpenClaw calls for status --usage) against this proxy: the contract both sides keep."""
    import subprocess
    from pathlib import Path

    proxy = start_proxy(config={"maxCostPerRun": 0.5})
    _ask(proxy, "run-x")
    paid = proxy.fake.settled[-1].amount / 1e6
    module = Path(__file__).resolve().parents[2] / "plugin" / "usage.js"
    port = proxy.url.rsplit(":", 1)[1]
    done = subprocess.run([node, "--input-type=module", "-e", HOOKS_SCRIPT % module.as_uri()], capture_output=True,
                          text=True, timeout=60, env={"PORT": port, "KEY": proxy.api_key, "PATH": "/usr/bin:/bin"},
                          check=False)
    assert done.returncode == 0, done.stderr
    snapshot = json.loads(done.stdout)
    assert "error" not in snapshot, snapshot
    billing = {entry["label"]: entry for entry in snapshot["billing"]}
    assert abs(billing["Wallet on Base (USDC)"]["amount"] - (5 - paid)) < 1e-9  # read from the chain after paying
    assert abs(billing["Spent today (UTC)"]["amount"] - paid) < 1e-9
    assert abs(billing["Spent this run"]["amount"] - paid) < 1e-9
    budget = billing["maxCostPerRun (this run)"]
    assert budget["type"] == "budget" and budget["limit"] == 0.5 and abs(budget["used"] - paid) < 1e-9
    assert snapshot["summary"].startswith(f"Base ${5 - paid:.6f}".rstrip("0") + " · ")
