"""Paying on Solana through BlockRun's gateway as it is today: blockhashes (and balances, if it serves them) from
its RPC proxy under the API base; a refusal it proves came before broadcast is answered with a fresh payment,
up to 4 times, each one counted; SETTLEMENT_FAILED, PAYMENT_REPLAY and no funds are never paid again."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pyclawrouter.payments.errors import resignable_solana_rejection
from pyclawrouter.payments.flow import MAX_RESIGNS
from pyclawrouter.routing.catalog import default_catalog
from pyclawrouter.settings import Settings
from tests.proxy.conftest import Proxy, ProxyFactory
from tests.support.backends import StubEvmBackend, StubSolanaBackend
from tests.support.fake_blockrun import FakeBlockRun

MODEL = "openai/gpt-4o-mini"
RPC_PROXY = "/api/v1/solana/rpc"


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> FakeBlockRun:
    if getattr(request, "param", "solana") == "base":
        return FakeBlockRun(StubEvmBackend(), max_hang_s=10.0)
    fake = FakeBlockRun(StubSolanaBackend(default_balance=5_000_000), max_hang_s=10.0)
    fake.include_blockhash = False  # as the gateway does: the client gets its blockhash from an RPC
    return fake


def _solana_proxy(start_proxy: ProxyFactory, **overrides: Any) -> Proxy:
    # No CLAWROUTER_SOLANA_RPC_URL: the RPC is derived from BLOCKRUN_API_BASE (the stand-in's /api).
    proxy = start_proxy(fund=0, config={"chain": "solana"}, **overrides)
    proxy.ctx.upstream.resign_delays_s = (0.0,)
    return proxy


def _chat(proxy: Proxy) -> httpx.Response:
    return httpx.post(f"{proxy.url}/v1/chat/completions", headers=proxy.auth, timeout=30,
                      json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 50})


def _ledger_for(proxy: Proxy, model: str = MODEL) -> list[Any]:
    return [e for e in proxy.ctx.ledger.store.entries(limit=100) if e.payment.model == model]


def _check_every_signed_payment_is_counted(proxy: Proxy) -> None:
    """The money invariant: each payment the stand-in received is one ledger entry, and vice versa."""
    received = [p for p in proxy.fake.payments if p.model == MODEL]
    entries = _ledger_for(proxy)
    assert len(entries) == len(received)
    assert len({e.payment.reference for e in entries}) == len(entries)  # each one freshly signed
    assert proxy.ctx.ledger.spent("default") >= 0  # the ledger opens and sums without error


def test_the_rpc_defaults_to_the_gateways_proxy_and_follows_the_api_base(tmp_path: Any) -> None:
    env = {"BLOCKRUN_API_BASE": "http://127.0.0.1:9/api", "CLAWROUTER_PAYMENT_CHAIN": "solana"}
    settings = Settings.from_config({}, env, home=tmp_path)
    assert settings.solana_rpc_url == "http://127.0.0.1:9/api/v1/solana/rpc"
    assert settings.solana_balance_fallback_url == "https://api.mainnet-beta.solana.com"
    default = Settings.from_config({}, {"CLAWROUTER_PAYMENT_CHAIN": "solana"}, home=tmp_path)
    assert default.solana_rpc_url == "https://sol.blockrun.ai/api/v1/solana/rpc"
    # Paying on Base, BLOCKRUN_API_BASE is the Base gateway: the Solana RPC stays on BlockRun's Solana host.
    on_base = Settings.from_config({}, {"BLOCKRUN_API_BASE": "http://127.0.0.1:9/api"}, home=tmp_path)
    assert on_base.solana_rpc_url == "https://sol.blockrun.ai/api/v1/solana/rpc"
    chosen = Settings.from_config({}, {**env, "CLAWROUTER_SOLANA_RPC_URL": "http://rpc.test/x"}, home=tmp_path)
    assert (chosen.solana_rpc_url, chosen.solana_balance_fallback_url) == ("http://rpc.test/x", None)


def test_blockhash_and_balance_come_through_the_gateways_rpc_proxy(start_proxy: ProxyFactory) -> None:
    proxy = _solana_proxy(start_proxy)
    response = _chat(proxy)
    assert response.status_code == 200, response.text
    assert response.json()["model"] == MODEL and len(proxy.fake.settled) == 1
    assert (RPC_PROXY, "getLatestBlockhash") in proxy.fake.rpc_calls
    health = httpx.get(f"{proxy.url}/health?full=true", timeout=10).json()
    assert health["balance"] == "$5.00", health
    assert (RPC_PROXY, "getTokenAccountsByOwner") in proxy.fake.rpc_calls
    assert not [c for c in proxy.fake.rpc_calls if c[0] == "/rpc"]


def test_balances_fall_back_to_another_rpc_when_the_proxy_does_not_serve_them(start_proxy: ProxyFactory,
                                                                               fake: FakeBlockRun,
                                                                               fake_url: str) -> None:
    fake.rpc_proxy_methods = {"getLatestBlockhash"}
    proxy = _solana_proxy(start_proxy, solana_balance_fallback_url=f"{fake_url}/rpc")
    health = httpx.get(f"{proxy.url}/health?full=true", timeout=10).json()
    assert health["balance"] == "$5.00", health
    balance_calls = [c for c in proxy.fake.rpc_calls if c[1] == "getTokenAccountsByOwner"]
    assert balance_calls == [(RPC_PROXY, "getTokenAccountsByOwner"), ("/rpc", "getTokenAccountsByOwner")]


def test_without_a_blockhash_nothing_is_signed_and_the_free_model_answers(start_proxy: ProxyFactory,
                                                                          fake: FakeBlockRun) -> None:
    fake.rpc_proxy_methods = {"getTokenAccountsByOwner"}  # the RPC proxy refuses getLatestBlockhash
    proxy = _solana_proxy(start_proxy)
    response = _chat(proxy)
    assert response.status_code == 200, response.text
    assert response.headers["x-clawrouter-model"] == default_catalog().free_model
    assert [e for e in fake.exchanges if e.paid] == [] and _ledger_for(proxy) == []
    assert (RPC_PROXY, "getLatestBlockhash") in fake.rpc_calls


@pytest.mark.parametrize("kind", ["expired", "simulation_failed", "underpaid"])
def test_a_pre_broadcast_refusal_is_answered_with_a_fresh_payment_and_each_is_counted(
        start_proxy: ProxyFactory, kind: str) -> None:
    proxy = _solana_proxy(start_proxy)
    proxy.fake.fail_payment(kind, model=MODEL, times=2)  # type: ignore[arg-type]
    response = _chat(proxy)
    assert response.status_code == 200 and response.json()["model"] == MODEL, response.text
    _check_every_signed_payment_is_counted(proxy)
    entries = _ledger_for(proxy)
    assert len(entries) == 3 and len(proxy.fake.settled) == 1
    # The two refused payments stay pending (the reconciler voids them once their blockhash has expired);
    # the third, which the gateway settled, is settled in the ledger with its transaction.
    assert sorted(e.state for e in entries) == ["pending", "pending", "settled"]
    assert [e.tx for e in entries if e.state == "settled"] == [proxy.fake.settled[0].transaction]


def test_re_signing_stops_after_four_fresh_payments(start_proxy: ProxyFactory) -> None:
    proxy = _solana_proxy(start_proxy)
    proxy.fake.fail_payment("expired", model=MODEL, times=None)
    _chat(proxy)  # answered by the free model or refused: what matters is what was paid for MODEL
    _check_every_signed_payment_is_counted(proxy)
    assert 2 <= len(_ledger_for(proxy)) <= 1 + MAX_RESIGNS
    assert proxy.fake.settled == []


@pytest.mark.parametrize("kind", ["settlement_failed", "replay", "insufficient_funds", "invalid_payload"])
def test_refusals_that_may_have_been_paid_or_cannot_be_cured_are_never_re_signed(start_proxy: ProxyFactory,
                                                                                  kind: str) -> None:
    proxy = _solana_proxy(start_proxy)
    proxy.fake.fail_payment(kind, model=MODEL, times=None)  # type: ignore[arg-type]
    _chat(proxy)
    _check_every_signed_payment_is_counted(proxy)
    assert len(_ledger_for(proxy)) == 1


@pytest.mark.parametrize("fake", ["base"], indirect=True)
def test_base_payments_are_never_re_signed(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy()
    proxy.ctx.upstream.resign_delays_s = (0.0,)
    proxy.fake.fail_payment("underpaid", model=MODEL, times=None)
    _chat(proxy)
    assert len(_ledger_for(proxy)) == 1 == len([p for p in proxy.fake.payments if p.model == MODEL])


@pytest.mark.parametrize(("body", "resign"), [
    ({"error": "Payment verification failed", "code": "PAYMENT_INVALID", "debug": "expired_signature"}, True),
    ({"error": "Payment verification failed", "code": "PAYMENT_INVALID", "reason": "verification_unavailable"}, True),
    ({"error": "Payment below quoted price", "code": "PAYMENT_UNDERPAID"}, True),
    ({"error": "Payment verification failed", "code": "PAYMENT_INVALID", "debug": "insufficient_funds"}, False),
    ({"error": "Payment verification failed", "code": "PAYMENT_INVALID", "debug": "InvalidAccountData"}, False),
    ({"error": "Payment verification failed", "code": "PAYMENT_UNFUNDED", "debug": "no usdc"}, False),
    ({"error": "Payment authorization already used", "code": "PAYMENT_REPLAY"}, False),
    ({"error": "Payment settlement failed", "code": "SETTLEMENT_FAILED"}, False),
    ({"error": "Payment settlement failed; verification failed", "code": "PAYMENT_INVALID"}, False),
    ({"error": "Payment verification failed"}, False),  # no code: no proof it came before broadcast
])
def test_which_solana_refusals_may_be_re_signed(body: dict[str, Any], resign: bool) -> None:
    import json

    assert resignable_solana_rejection(json.dumps(body)) is resign
