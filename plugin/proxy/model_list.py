"""``GET /v1/models``: the catalog as an OpenAI model list, built once at start-up."""

from __future__ import annotations

import time
from typing import Any

from pyclawrouter.routing.names import PROFILES


def model_list(catalog: Any) -> dict[str, Any]:
    created = int(time.time())
    ids: list[str] = [f"blockrun/{p}" for p in PROFILES]
    ids.extend(str(model_id) for model_id in getattr(catalog, "models", ()) or ())
    ids.extend(str(model_id) for model_id in getattr(catalog, "image_models", ()) or ())
    aliases = getattr(catalog, "aliases", None)
    if aliases is not None:
        ids.extend(str(alias) for alias in aliases)
    unique = list(dict.fromkeys(ids))
    return {"object": "list", "data": [
        {"id": model_id, "object": "model", "created": created,
         "owned_by": model_id.split("/", 1)[0] if "/" in model_id else "blockrun"}
        for model_id in unique
    ]}
