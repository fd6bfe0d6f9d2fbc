"""A minimal client loop over :class:`pyclawrouter.payments.Payer`: request, pay the 402, retry once.

The proxy has its own (with fallback, pre-auth and streaming); this one is for tests of the payment layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from pyclawrouter.payments import Payer, PaymentAttempt
from tests.support.fake_blockrun import FakeBlockRun

CHAT = "/api/v1/chat/completions"


def asgi_client(fake: FakeBlockRun) -> httpx.AsyncClient:
    """An httpx client wired straight to the fake's ASGI app (no sockets)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url="http://blockrun.test", timeout=30)


def chat_body(
    content: str = "hello", *, model: str = "openai/gpt-4o-mini", max_tokens: int = 100, **extra: Any
) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": content}], "max_tokens": max_tokens, **extra}


@dataclass
class PaidExchange:
    challenge: httpx.Response
    attempt: PaymentAttempt
    response: httpx.Response


async def pay_and_retry(
    client: httpx.AsyncClient,
    payer: Payer,
    body: dict[str, Any],
    *,
    path: str = CHAT,
    estimate_usd: float = 0.01,
) -> PaidExchange:
    first = await client.post(path, json=body)
    assert first.status_code == 402, first.text
    attempt = await payer.pay(
        url=str(first.url),
        status=first.status_code,
        headers=first.headers,
        body=first.content,
        estimate_usd=estimate_usd,
        model=body.get("model"),
    )
    second = await client.post(path, json=body, headers=attempt.headers)
    return PaidExchange(first, attempt, second)
