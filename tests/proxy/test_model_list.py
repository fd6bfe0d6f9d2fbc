"""``GET /v1/models`` carries what OpenClaw's model picker shows for each chat model and routing profile (the
plugin's catalog hooks, plugin/catalog.js, read these fields; tests/js/catalog.test.mjs runs them)."""

from __future__ import annotations

import httpx

from pyclawrouter.proxy.model_list import model_list
from pyclawrouter.routing.catalog import default_catalog
from tests.proxy.conftest import ProxyFactory
from tests.proxy.test_live_catalog import wait_live


def test_chat_models_and_profiles_carry_picker_fields_and_aliases_do_not() -> None:
    catalog = default_catalog()
    rows = {row["id"]: row for row in model_list(catalog)["data"]}
    model = next(m for m in catalog.models.values() if m.vision and not m.is_free)
    row = rows[model.id]
    assert row["name"] == model.name and row["context_window"] == model.context_window
    assert row["max_output"] == model.max_output and row["vision"] is True and row["reasoning"] is model.reasoning
    assert row["pricing"] == {"input": model.input_price, "output": model.output_price}
    assert rows["auto"]["name"] == rows["blockrun/auto"]["name"] == catalog.profile_entries["auto"].name
    assert "name" not in rows["flash"]  # an alias names another model: the picker lists that one
    assert all("name" not in rows[image] for image in catalog.image_models)
    assert all(row["object"] == "model" for row in rows.values())  # still an OpenAI model list


def test_the_live_list_the_proxy_serves_has_the_fields(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy()
    wait_live(proxy)
    rows = httpx.get(f"{proxy.url}/v1/models", headers=proxy.auth, timeout=5).json()["data"]
    named = [row for row in rows if "name" in row]
    assert len(named) > 20 and all(row["context_window"] > 0 and row["max_output"] > 0 for row in named)
