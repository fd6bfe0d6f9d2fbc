"""The ``models.providers.blockrun`` block OpenClaw needs before it will send a turn to ``blockrun/<model>``.

Built from the routing catalog: the routing profiles first (``blockrun/auto`` is what users pick), then every
model with its price (USD per million tokens), context window, output limit and vision/reasoning flags.
"""

from __future__ import annotations

from typing import Any

from pyclawrouter.routing.catalog import default_catalog

PLACEHOLDER_API_KEY = "x402-proxy-handles-auth"  # OpenClaw's model registry wants a key; the proxy pays with x402


def _cost(input_price: float, output_price: float) -> dict[str, float]:
    return {"input": input_price, "output": output_price, "cacheRead": 0, "cacheWrite": 0}


def provider_block(port: int) -> dict[str, Any]:
    catalog = default_catalog()
    models: list[dict[str, Any]] = []
    for profile in catalog.profile_entries.values():
        models.append(
            {
                "id": profile.id,
                "name": profile.name,
                "reasoning": False,
                "input": ["text", "image"],
                "cost": _cost(0, 0),
                "contextWindow": profile.context_window,
                "maxTokens": profile.max_output,
            }
        )
    for model in catalog.models.values():
        models.append(
            {
                "id": model.id,
                "name": model.name,
                "reasoning": model.reasoning,
                "input": ["text", "image"] if model.vision else ["text"],
                "cost": _cost(model.input_price, model.output_price),
                "contextWindow": model.context_window,
                "maxTokens": model.max_output,
            }
        )
    return {
        "baseUrl": f"http://127.0.0.1:{port}/v1",
        "api": "openai-completions",
        "apiKey": PLACEHOLDER_API_KEY,
        # Tells the proxy the client is OpenClaw, so a spend-cap stop is explained in chat (proxy/cap_stop.py).
        "headers": {"x-clawrouter-client": "openclaw"},
        "models": models,
    }
