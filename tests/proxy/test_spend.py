"""maxCostPerRun: strict and graceful, counted from real payments, concurrency-safe, persisted."""

from __future__ import annotations

import json
import os
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest

from pyclawrouter.ledger.store import SqliteLedgerStore
from pyclawrouter.routing.catalog import default_catalog
from tests.proxy.conftest import Proxy, ProxyFactory

FREE_MODEL = default_catalog().free_model

PROMPT = [{"role": "user", "content": "Write a Python function that reverses a linked list in place"}]


def _ask(proxy: Proxy, session: str = "run-1", **kw: object) -> httpx.Response:
    body = {"model": "auto", "messages": PROMPT, "max_tokens": 100, **kw}
    return httpx.post(f"{proxy.url}/v1/chat/completions", json=body,
                      headers={"x-session-id": session, **proxy.auth}, timeout=20)


def test_strict_mode_refuses_with_429_and_header(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy()  # no cap: measure one request first
    response = _ask(proxy, session="probe")
    assert response.status_code == 200
    paid = proxy.fake.settled[0].amount / 1e6  # the fake's price, higher than the catalog's estimate
    proxy2 = start_proxy(config={"maxCostPerRun": paid * 1.5, "maxCostPerRunMode": "strict"})
    assert _ask(proxy2, temperature=0.1).status_code == 200
    refused = _ask(proxy2, temperature=0.2)
    assert refused.status_code == 429
    assert refused.headers["x-clawrouter-cost-cap-exceeded"] == "1"
    assert refused.json()["error"]["code"] == "cost_cap_exceeded"
    # Named as a spend limit, so OpenClaw shows it as billing instead of retrying it as a rate limit.
    assert "spend limit" in refused.json()["error"]["message"]
    assert _ask(proxy2, session="other-run", temperature=0.3).status_code == 200


@pytest.mark.parametrize("committed", [False, True], ids=["before-first-byte", "after-heartbeats"])
def test_openclaw_sees_a_payment_the_cap_declines_mid_stream_as_an_answer(start_proxy: ProxyFactory,
                                                                          committed: bool) -> None:
    # OpenClaw always streams. A payment the cap declines inside the fallback loop (the 402 asks more than the
    # estimate the budget check allowed) must reach chat as the plugin's answer, not as a 429 that disables
    # the provider; once the stream has committed to 200 (heartbeats sent), it arrives as the rest of the stream.
    heartbeats = {"first_heartbeat_s": 0.0, "heartbeat_interval_s": 0.05} if committed else {}
    proxy = start_proxy(config={"maxCostPerRun": 0.0045, "maxCostPerRunMode": "strict"}, **heartbeats)
    first = _ask(proxy, temperature=0.1)
    assert first.status_code == 200 and proxy.ctx.ledger.spent("run-1") == pytest.approx(0.002)  # Base's floor
    # Now the gateway quotes $0.003: within the payer's ceiling, past the $0.0025 the cap has left.
    proxy.fake.model_prices[first.headers["x-clawrouter-model"]] = (1.0, 300.0)
    settled = len(proxy.fake.settled)
    client = proxy.client(default_headers={"x-clawrouter-client": "openclaw", "x-session-id": "run-1"})
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=PROMPT, max_tokens=100,
                                                            temperature=0.2, stream=True)
    assert raw.http_response.status_code == 200
    text = "".join(chunk.choices[0].delta.content or "" for chunk in raw.parse() if chunk.choices)
    assert text.startswith("🛑 pyclawrouter stopped here:") and "maxCostPerRun" in text, text
    assert len(proxy.fake.settled) == settled  # the declined payment was never signed
    deadline = time.monotonic() + 5  # usage lines are appended by a background writer
    while len(proxy.usage_lines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proxy.usage_lines()[-1]["status"] == 429


def test_graceful_mode_downgrades_to_free_with_a_notice(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(config={"maxCostPerRun": 0.0005})
    response = _ask(proxy)
    assert response.status_code == 200
    assert response.headers["x-clawrouter-model"] == FREE_MODEL
    assert response.headers["x-clawrouter-budget-downgrade"] == "1"
    assert "Budget cap reached" in response.json()["choices"][0]["message"]["content"]
    assert proxy.fake.settled == []


def test_concurrent_requests_cannot_overshoot_and_spend_survives_restart(start_proxy: ProxyFactory) -> None:
    probe = start_proxy()
    assert _ask(probe, session="probe").status_code == 200
    price = probe.fake.settled[0].amount / 1e6
    cap = price * 2.5  # room for two payments, not three
    proxy = start_proxy(config={"maxCostPerRun": cap, "maxCostPerRunMode": "strict"})
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: _ask(proxy, temperature=i / 10).status_code, range(8)))
    assert 1 <= statuses.count(200) <= 2 and statuses.count(200) + statuses.count(429) == 8
    paid = sum(p.amount for p in proxy.fake.settled[1:]) / 1e6
    assert 0 < paid <= cap
    assert proxy.ctx.ledger.spent("run-1") == pytest.approx(paid)
    # Recorded on disk as each payment was signed, not in the background.
    on_disk = SqliteLedgerStore(proxy.home / "spend-ledger.sqlite3")
    assert on_disk.spent("run-1") == pytest.approx(paid)
    on_disk.close()
    restarted = start_proxy(config={"maxCostPerRun": cap, "maxCostPerRunMode": "strict"})
    assert restarted.ctx.ledger.spent("run-1") == pytest.approx(paid)
    assert _ask(restarted, temperature=0.9).status_code == 429


def test_openai_client_sees_the_cap_as_rate_limit(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(config={"maxCostPerRun": 0.0, "maxCostPerRunMode": "strict"})
    with pytest.raises(openai.RateLimitError):
        proxy.client().chat.completions.create(model="auto", messages=PROMPT, max_tokens=10)


def test_an_upgrade_keeps_the_spend_of_spend_sessions_json(start_proxy: ProxyFactory, isolated_state_dir: Path) -> None:
    home = isolated_state_dir
    legacy = os.path.join(home, "spend-sessions.json")
    with open(legacy, "w") as handle:
        json.dump({"version": 1, "sessions": {"run-1": {"spent": 0.05, "updated": 1.0e12}}}, handle)
    proxy = start_proxy(config={"maxCostPerRun": 0.05, "maxCostPerRunMode": "strict"})
    assert proxy.ctx.ledger.spent("run-1") == pytest.approx(0.05)
    refused = _ask(proxy)  # nothing is left of the cap
    assert refused.status_code == 429
    assert os.path.exists(legacy + ".migrated") and not os.path.exists(legacy)
    mode = stat.S_IMODE(os.stat(os.path.join(home, "spend-ledger.sqlite3")).st_mode)
    assert mode == 0o600
    restarted = start_proxy(config={"maxCostPerRun": 0.05})
    assert restarted.ctx.ledger.spent("run-1") == pytest.approx(0.05)  # migrated once, not twice


def test_stats_and_wallet_show_the_spend_the_ledger_counts(start_proxy: ProxyFactory, fake_url: str) -> None:
    import asyncio

    from pyclawrouter.commands import CommandContext
    from pyclawrouter.commands.stats import stats
    from pyclawrouter.commands.wallet import status

    proxy = start_proxy()
    assert _ask(proxy, temperature=0.4).status_code == 200
    assert _ask(proxy, temperature=0.5).status_code == 200
    signed = proxy.ctx.ledger.store.total_spent()
    assert signed == pytest.approx(sum(p.amount for p in proxy.fake.settled) / 1e6)
    ctx = CommandContext(home=proxy.home, is_owner=True, channel="cli", proxy_url=proxy.url)
    assert stats("", ctx).data["ledger"]["spentUsd"] == pytest.approx(signed)
    wallet = asyncio.run(status(ctx, env={"BLOCKRUN_BASE_RPC_URL": f"{fake_url}/rpc"}))
    assert wallet.data["spentToday"]["spentUsd"] == pytest.approx(signed)
    assert f"${signed:.4f}" in wallet.text


@pytest.mark.parametrize("stream", [False, True])
def test_openclaw_sees_a_cap_stop_as_an_answer_in_the_plugins_words(start_proxy: ProxyFactory, stream: bool) -> None:
    proxy = start_proxy(config={"maxCostPerRun": 0.0, "maxCostPerRunMode": "strict"})
    client = proxy.client(default_headers={"x-clawrouter-client": "openclaw"})
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=PROMPT, max_tokens=10,
                                                            stream=stream)
    assert raw.headers["x-clawrouter-cost-cap-exceeded"] == "1"
    if stream:
        text = "".join(chunk.choices[0].delta.content or "" for chunk in raw.parse() if chunk.choices)
    else:
        text = raw.parse().choices[0].message.content or ""
    assert text.startswith("🛑 pyclawrouter stopped here:")
    assert "maxCostPerRun" in text and "$0.0000" in text  # what was spent, the cap, and how to raise it
    assert proxy.fake.payments == []
    deadline = time.monotonic() + 5  # usage lines are appended by a background writer
    while not proxy.usage_lines() and time.monotonic() < deadline:
        time.sleep(0.02)
    lines = proxy.usage_lines()
    assert lines and lines[-1]["status"] == 429 and lines[-1]["paid"] == 0
