"""``GET /v1/models``: the names the router accepts, as an OpenAI model list, built once at start-up.

Every routing profile twice (``blockrun/auto`` as other clients send it, bare ``auto`` as OpenClaw does), then
every chat and image model id, then the aliases (``flash``, ``sonnet``, ...); each name once.
"""

from __future__ import annotations

import time
from typing import Any

from pyclawrouter.routing.catalog import PROVIDER_PREFIX, Catalog
from pyclawrouter.routing.names import AGENTIC_TABLE, PROFILES

# The client profiles in their usual order (auto first), then the agentic table, which clients may name too.
PROFILE_ORDER = (*PROFILES, AGENTIC_TABLE)


def model_list(catalog: Catalog) -> dict[str, Any]:
    created = int(time.time())
    ids: list[str] = []
    for profile in PROFILE_ORDER:
        ids += [f"{PROVIDER_PREFIX}{profile}", profile]
    ids.extend(catalog.models)
    ids.extend(catalog.image_models)
    ids.extend(catalog.aliases)
    unique = list(dict.fromkeys(ids))
    return {"object": "list", "data": [
        {"id": model_id, "object": "model", "created": created,
         "owned_by": model_id.split("/", 1)[0] if "/" in model_id else "blockrun"}
        for model_id in unique
    ]}
