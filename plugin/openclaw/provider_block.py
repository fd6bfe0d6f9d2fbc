"""The ``models.providers.blockrun`` block OpenClaw needs before it will send a turn to ``blockrun/<model>``.

Built from the routing catalog: the routing profiles first (``blockrun/auto`` is what users pick), then every
model with its price (USD per million tokens), context window, output limit and vision/reasoning flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyclawrouter.paths import DEFAULT_HOST
from pyclawrouter.routing.catalog import default_catalog

# What versions before the per-install key wrote as apiKey (OpenClaw's model registry wants one). The plugin
# (plugin/index.js, which gets this value from openclaw.generate) replaces it with the real key at gateway start.
PLACEHOLDER_API_KEY = "x402-proxy-handles-auth"


def _cost(input_price: float, output_price: float) -> dict[str, float]:
    return {"input": input_price, "output": output_price, "cacheRead": 0, "cacheWrite": 0}


def provider_block(port: int, api_key: str) -> dict[str, Any]:
    """``api_key``: the proxy's per-install key; OpenClaw sends it as ``Authorization: Bearer`` on every call."""
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
        "apiKey": api_key,
        # Tells the proxy the client is OpenClaw, so a spend-cap stop is explained in chat (proxy/cap_stop.py).
        "headers": {"x-clawrouter-client": "openclaw"},
        "models": models,
    }


# The proxy's argv after the interpreter; plugin/index.js's proxyArgv() spawns the same (a test keeps them equal).
# `-P`: the working directory is never on sys.path, so no folder can shadow the installed package.
def proxy_args(port: int) -> list[str]:
    return ["-P", "-m", "pyclawrouter", "serve", "--host", DEFAULT_HOST, "--port", str(port)]


def local_service(python: str, port: int, cwd: Path) -> dict[str, Any]:
    """``models.providers.blockrun.localService``: any OpenClaw process that sends a turn to ``blockrun/...``
    (``openclaw agent --local`` too, which runs no plugin services) starts the proxy if ``healthUrl`` does not
    answer. In the gateway the plugin's service has started it already, so OpenClaw finds it healthy and
    reuses it without adopting it: the service still owns and stops it."""
    return {
        "command": python,  # OpenClaw wants an absolute path (no PATH lookup)
        "args": proxy_args(port),
        "cwd": str(cwd),
        "healthUrl": f"http://{DEFAULT_HOST}:{port}/health",
        "readyTimeoutMs": 60_000,
        "idleStopMs": 0,  # keep it for the life of the OpenClaw process that started it
    }
