"""The stand-in's catalog endpoints and retired ids behave as the gateway of today's does."""

from __future__ import annotations

import asyncio
from typing import Any

from pyclawrouter.routing.catalog import default_catalog
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.paying import asgi_client


def _get(fake: FakeBlockRun, path: str) -> Any:
    async def go() -> Any:
        async with asgi_client(fake) as client:
            response = await client.get(path)
            assert response.status_code == 200, response.text
            return response.json()

    return asyncio.run(go())


def test_models_and_pricing_list_todays_rows_with_prices(fake_blockrun: FakeBlockRun) -> None:
    rows = {r["id"]: r for r in _get(fake_blockrun, "/api/v1/models")["data"]}
    catalog = default_catalog()
    mini = catalog.models["openai/gpt-4o-mini"]
    assert rows[mini.id]["pricing"] == {"input": mini.input_price, "output": mini.output_price, "flat": 0}
    assert rows[mini.id]["context_window"] == mini.context_window and rows[mini.id]["max_output"] == mini.max_output
    assert {r["id"] for r in rows.values() if r["billing_mode"] == "free"} == {
        m.id for m in catalog.models.values() if m.is_free}
    assert _get(fake_blockrun, "/api/pricing")["models"] == list(rows.values())


def test_health_rows_per_chat_model(fake_blockrun: FakeBlockRun) -> None:
    fake_blockrun.model_health["openai/gpt-4o-mini"] = {"errorRate24h": 0.4, "synthetic": True}
    rows = {r["model"]: r for r in _get(fake_blockrun, "/api/v1/health/models")["models"]}
    assert rows["openai/gpt-4o-mini"]["errorRate24h"] == 0.4 and rows["openai/gpt-4o-mini"]["synthetic"] is True
    assert set(rows["google/gemini-2.5-flash"]["latency"]) == {"avg", "p95"}
    assert "openai/gpt-image-2" not in rows


def test_a_retired_id_is_answered_200_by_another_model(fake_blockrun: FakeBlockRun) -> None:
    retired, target = "nvidia/gpt-oss-120b", fake_blockrun.retired["nvidia/gpt-oss-120b"]
    assert target in fake_blockrun.free_models and retired not in fake_blockrun.free_models

    async def go() -> Any:
        async with asgi_client(fake_blockrun) as client:
            return await client.post("/api/v1/chat/completions", json={
                "model": retired, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 10})

    response = asyncio.run(go())
    assert response.status_code == 200 and response.json()["model"] == target
    assert fake_blockrun.requests[-1].asked_model == retired
