"""``GET /v1/models``: the names the router accepts, as an OpenAI model list, built once per catalog view.

Every routing profile twice (``blockrun/auto`` as other clients send it, bare ``auto`` as OpenClaw does), then
every chat and image model id, then the aliases (``flash``, ``sonnet``, ...); each name once. Profile and chat
model rows also carry what a model picker shows (``name``, ``context_window``, ``max_output``, ``vision``,
``reasoning``, ``pricing`` in USD per million tokens): the plugin's catalog hooks (``plugin/catalog.js``) list
them in OpenClaw. OpenAI clients ignore fields they do not know.
"""

from __future__ import annotations

import time
from typing import Any

from pyclawrouter.routing.catalog import PROVIDER_PREFIX, Catalog
from pyclawrouter.routing.names import AGENTIC_TABLE, PROFILES

# The client profiles in their usual order (auto first), then the agentic table, which clients may name too.
PROFILE_ORDER = (*PROFILES, AGENTIC_TABLE)


def _details(catalog: Catalog) -> dict[str, dict[str, Any]]:
    details: dict[str, dict[str, Any]] = {}
    for profile in catalog.profile_entries.values():
        details[profile.id] = {"name": profile.name, "context_window": profile.context_window,
                               "max_output": profile.max_output, "vision": True, "reasoning": False,
                               "pricing": {"input": 0, "output": 0}}
    for model in catalog.models.values():
        details[model.id] = {"name": model.name, "context_window": model.context_window,
                             "max_output": model.max_output, "vision": model.vision, "reasoning": model.reasoning,
                             "pricing": {"input": model.input_price, "output": model.output_price}}
    return details


def model_list(catalog: Catalog) -> dict[str, Any]:
    created = int(time.time())
    ids: list[str] = []
    for profile in PROFILE_ORDER:
        ids += [f"{PROVIDER_PREFIX}{profile}", profile]
    ids.extend(catalog.models)
    ids.extend(catalog.image_models)
    ids.extend(catalog.aliases)
    unique = list(dict.fromkeys(ids))
    details = _details(catalog)
    return {"object": "list", "data": [
        {"id": model_id, "object": "model", "created": created,
         "owned_by": model_id.split("/", 1)[0] if "/" in model_id else "blockrun",
         **details.get(model_id.removeprefix(PROVIDER_PREFIX), {})}
        for model_id in unique
    ]}
