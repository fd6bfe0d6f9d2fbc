"""The stand-in is the gateway of today, judged by an independent party: BlockRun's own client, blockrun-llm,
pays it for a chat, polls a slow image job from it and reads its catalog, each with its own code."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from blockrun_llm import ImageClient, LLMClient
from eth_account import Account

from tests.support.backends import StubEvmBackend
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.server import serve


@pytest.fixture
def gateway() -> Iterator[tuple[FakeBlockRun, str]]:
    fake = FakeBlockRun(StubEvmBackend())
    with serve(fake.app) as url:
        yield fake, f"{url}/api"


@pytest.fixture
def key() -> str:
    return "0x" + os.urandom(32).hex()


def test_the_sdk_pays_a_chat_and_the_gateway_settles_it(gateway: tuple[FakeBlockRun, str], key: str) -> None:
    fake, api = gateway
    fake.backend.fund(Account.from_key(key).address, 1_000_000)
    client = LLMClient(private_key=key, api_url=api)
    answer = client.chat("openai/gpt-4o-mini", "hello there", max_tokens=64)
    assert "Fake reply from openai/gpt-4o-mini" in answer
    (settled,) = fake.settled
    # The SDK signed exactly the stand-in's quote for the body it sent (max_tokens included).
    (request,) = [r for r in fake.requests if r.paid]
    assert settled.amount == request.price == fake.price(request.path, request.body)
    assert request.body["max_tokens"] == 64


def test_the_sdk_polls_a_slow_image_job_and_pays_once(gateway: tuple[FakeBlockRun, str], key: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    fake, api = gateway
    fake.backend.fund(Account.from_key(key).address, 1_000_000)
    monkeypatch.setattr(ImageClient, "IMAGE_POLL_INTERVAL_SECONDS", 0.01)
    fake.image_mode = "url"  # the SDK's ImageResponse requires a url per image, as the gateway sends
    result = ImageClient(private_key=key, api_url=api).generate("a slow fox", model="openai/gpt-image-2")
    assert result.data and result.data[0].url.startswith(api.removesuffix("/api") + "/images/")
    (job,) = fake.jobs.values()
    assert job.polls == fake.image_job_polls + 1 and job.poll_headers == [job.header] * job.polls
    assert len(fake.settled) == 1 and fake.settled[0].amount == fake.image_price


def test_the_sdk_reads_todays_catalog(gateway: tuple[FakeBlockRun, str], key: str) -> None:
    fake, api = gateway
    models = {row["id"]: row for row in LLMClient(private_key=key, api_url=api).list_models()}
    mini = models["openai/gpt-4o-mini"]
    assert mini["pricing"]["input"] > 0 and mini["billing_mode"] == "paid" and "chat" in mini["categories"]
    assert any(row["billing_mode"] == "free" for row in models.values())
    assert models["openai/gpt-image-2"]["categories"] == ["image"]
    # Retired ids are not listed, but the gateway still answers them, from another model.
    assert "nvidia/gpt-oss-120b" not in models and "nvidia/gpt-oss-120b" in fake.retired
