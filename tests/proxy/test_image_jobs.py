"""Slow image models: the gateway answers 202 + poll_url, the proxy polls with the same payment, the job is paid
once and booked as settled only when the gateway shows it settled (the completed poll on Base, the POST on
Solana)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from pyclawrouter.commands import CommandContext
from pyclawrouter.commands.registry import dispatch
from pyclawrouter.proxy.image_jobs import ImageJobError, PollSchedule, poll_url
from tests.proxy.conftest import Proxy, ProxyFactory
from tests.support.backends import StubEvmBackend, StubSolanaBackend
from tests.support.fake_blockrun import FakeBlockRun

SLOW = "openai/gpt-image-2"
FAST_POLLS = PollSchedule(interval_s=0.01, limit_s=1.0)  # at most 100 polls, no 5 s waits


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> FakeBlockRun:
    if getattr(request, "param", "base") == "solana":
        return FakeBlockRun(StubSolanaBackend(default_balance=5_000_000), max_hang_s=10.0)
    return FakeBlockRun(StubEvmBackend(), max_hang_s=10.0)


def _start(start_proxy: ProxyFactory, fake_url: str, payment_chain: str = "base") -> Proxy:
    overrides: dict[str, Any] = {}
    if payment_chain == "solana":
        # The Solana stand-in funds every payer (default_balance); it cannot hold 0x addresses.
        overrides = {"fund": 0, "payment_chain": "solana", "solana_rpc_url": f"{fake_url}/rpc"}
    proxy = start_proxy(**overrides)
    proxy.ctx.image_poll = FAST_POLLS
    return proxy


def _generate(proxy: Proxy, **headers: str) -> httpx.Response:
    return httpx.post(f"{proxy.url}/v1/images/generations", json={"model": SLOW, "prompt": "a slow fox", "n": 1},
                      headers={**proxy.auth, **headers}, timeout=30)


def _usage_lines(proxy: Proxy) -> list[dict[str, Any]]:
    # The usage writer writes in the background: wait (bounded) for the line to reach the disk.
    deadline = time.monotonic() + 5
    while not (lines := proxy.usage_lines()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return lines


def _ledger(proxy: Proxy) -> list[Any]:
    return proxy.ctx.ledger.store.entries(limit=50)


def test_a_202_job_is_polled_with_the_same_payment_and_paid_once(start_proxy: ProxyFactory, fake_url: str) -> None:
    proxy = _start(start_proxy, fake_url)
    response = _generate(proxy)
    assert response.status_code == 200, response.text
    assert response.json()["data"][0]["url"].startswith(f"{proxy.url}/images/")
    (job,) = proxy.fake.jobs.values()
    # Two in-progress polls, then the completed one; every poll carried the payment the job was accepted with.
    assert job.polls == proxy.fake.image_job_polls + 1
    assert job.poll_headers == [job.header] * job.polls
    # Money: one signed payment, one settlement on chain, one ledger entry, settled with the poll's tx hash.
    (settled,) = proxy.fake.settled
    (entry,) = _ledger(proxy)
    assert entry.state == "settled" and entry.tx == settled.transaction
    assert entry.payment.amount_atomic == settled.amount == proxy.fake.image_price
    assert float(response.headers["x-clawrouter-cost"]) == settled.amount / 1e6


def test_the_ledger_entry_of_a_job_stays_pending_until_the_completed_poll(start_proxy: ProxyFactory,
                                                                          fake_url: str) -> None:
    proxy = _start(start_proxy, fake_url)
    proxy.fake.image_job_polls = 10**6  # never completes
    proxy.ctx.image_poll = PollSchedule(interval_s=0.01, limit_s=0.03)
    response = _generate(proxy)
    assert response.status_code == 502
    assert "did not finish within" in response.json()["error"]["message"]
    (job,) = proxy.fake.jobs.values()
    assert job.polls == 3
    # Nothing settled on chain, and the one signed payment is still counted, as pending.
    assert proxy.fake.settled == []
    (entry,) = _ledger(proxy)
    assert entry.state == "pending" and entry.payment.amount_atomic == proxy.fake.image_price
    assert proxy.ctx.ledger.spent("images") == pytest.approx(proxy.fake.image_price / 1e6)
    (line,) = _usage_lines(proxy)
    assert line["status"] == 502 and line["payments"][0]["state"] == "pending"


def test_a_failed_job_reports_the_gateway_reason_and_pays_nothing_more(start_proxy: ProxyFactory,
                                                                        fake_url: str) -> None:
    proxy = _start(start_proxy, fake_url)
    proxy.fake.image_job_outcome = "failed"
    response = _generate(proxy)
    assert response.status_code == 502
    assert "failed upstream: upstream model error" in response.json()["error"]["message"]
    assert proxy.fake.settled == [] and len(_ledger(proxy)) == 1


def test_progress_lines_while_it_polls(start_proxy: ProxyFactory, fake_url: str) -> None:
    proxy = _start(start_proxy, fake_url)
    response = _generate(proxy, **{"x-clawrouter-progress": "ndjson"})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    progress, final = lines[:-1], lines[-1]
    assert [p["jobStatus"] for p in progress] == ["queued", "queued", "in_progress", "completed"]
    assert [p["polls"] for p in progress] == [0, 1, 2, 3]
    assert final["status"] == 200 and final["body"]["data"][0]["url"].startswith(f"{proxy.url}/images/")
    assert float(final["headers"]["x-clawrouter-cost"]) == proxy.fake.settled[0].amount / 1e6


def test_progress_stream_carries_errors_as_its_last_line(start_proxy: ProxyFactory, fake_url: str) -> None:
    proxy = _start(start_proxy, fake_url)
    proxy.fake.image_job_outcome = "failed"
    lines = [json.loads(line) for line in _generate(proxy, **{"x-clawrouter-progress": "ndjson"}).text.splitlines()]
    assert lines[-1]["status"] == 502 and "upstream model error" in lines[-1]["body"]["error"]["message"]


@pytest.mark.parametrize("fake", ["solana"], indirect=True)
def test_on_solana_the_job_is_settled_at_the_post(start_proxy: ProxyFactory, fake_url: str) -> None:
    proxy = _start(start_proxy, fake_url, payment_chain="solana")
    proxy.fake.image_job_outcome = "failed"  # settled at the POST: a failure while polling does not undo it
    response = _generate(proxy)
    assert response.status_code == 502
    assert "settled when the job was accepted" not in response.text  # a failure, not a time-out
    (settled,) = proxy.fake.settled
    (entry,) = _ledger(proxy)
    assert entry.state == "settled" and entry.tx == settled.transaction
    assert entry.payment.network.startswith("solana:")


@pytest.mark.parametrize("fake", ["solana"], indirect=True)
def test_on_solana_a_completed_job_is_counted_once(start_proxy: ProxyFactory, fake_url: str) -> None:
    proxy = _start(start_proxy, fake_url, payment_chain="solana")
    response = _generate(proxy)
    assert response.status_code == 200, response.text
    assert len(proxy.fake.settled) == 1 and len(_ledger(proxy)) == 1
    assert _ledger(proxy)[0].state == "settled"


def test_img_command_shows_the_wait_while_it_polls_and_in_its_reply(start_proxy: ProxyFactory,
                                                                      fake_url: str) -> None:
    proxy = _start(start_proxy, fake_url)
    seen: list[str] = []
    ctx = CommandContext(home=proxy.home, proxy_url=proxy.url, progress=seen.append)
    reply = asyncio.run(dispatch("img", f"--model {SLOW} a slow fox", ctx))
    assert not reply.is_error, reply.text
    (job,) = proxy.fake.jobs
    assert [line.split(":")[1].split(" after")[0].strip() for line in seen] == [
        "queued", "queued", "in_progress", "completed"]
    assert all(line.startswith(f"image job {job}: ") for line in seen)
    # Chat shows one reply per command: the wait is in it, with the price actually paid.
    assert f"Waited for the slow model: image job {job}: completed" in reply.text
    assert f"Price: ${proxy.fake.settled[0].amount / 1e6:.4f}" in reply.text
    assert reply.media and reply.media[0].startswith("data:image/png;base64,")


def test_poll_urls_resolve_on_the_gateway_host_and_never_leave_it() -> None:
    base = "https://blockrun.ai/api"
    assert poll_url(base, "/api/v1/images/generations/j1") == "https://blockrun.ai/api/v1/images/generations/j1"
    assert poll_url(base, "https://blockrun.ai/api/v1/images/generations/j1").endswith("/generations/j1")
    for elsewhere in ("https://evil.example/api/v1/images/generations/j1", "http://blockrun.ai/api/v1/x",
                      "//evil.example/x"):
        with pytest.raises(ImageJobError, match="not on the gateway's host"):
            poll_url(base, elsewhere)
