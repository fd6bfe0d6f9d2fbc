"""The ``models.providers.blockrun`` block OpenClaw needs before it will send a turn to ``blockrun/<model>``.

Its model list holds the routing profiles only (``blockrun/auto`` is what users pick). Every other model comes
from the plugin's catalog hooks (``plugin/catalog.js``), fed by the proxy's live ``GET /v1/models``: OpenClaw
lists them in ``openclaw models list`` and the model picker, and a turn to ``blockrun/<any live id>`` resolves
through the hooks without a row here (OpenClaw 2026.9.6 also runs one without the plugin loaded: the provider's
``baseUrl`` is on loopback). A short list keeps install and uninstall to one config write each.
:func:`model_rows` is also the shape of the static rows generated into ``plugin/catalog.js``, which the hooks
fall back to while the proxy is down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyclawrouter.paths import DEFAULT_HOST
from pyclawrouter.routing.catalog import Catalog, Model, Profile, default_catalog

# What versions before the per-install key wrote as apiKey (OpenClaw's model registry wants one). The plugin
# (plugin/upgrade.js; plugin/constants.js gets this value from openclaw.generate) replaces it with the real key at
# gateway start.
PLACEHOLDER_API_KEY = "x402-proxy-handles-auth"


def _cost(input_price: float, output_price: float) -> dict[str, float]:
    return {"input": input_price, "output": output_price, "cacheRead": 0, "cacheWrite": 0}


def profile_row(profile: Profile) -> dict[str, Any]:
    """A routing profile as an OpenClaw model row (free to ask for: the model it routes to is what is paid)."""
    return {
        "id": profile.id,
        "name": profile.name,
        "reasoning": False,
        "input": ["text", "image"],
        "cost": _cost(0, 0),
        "contextWindow": profile.context_window,
        "maxTokens": profile.max_output,
    }


def model_row(model: Model) -> dict[str, Any]:
    """A chat model as an OpenClaw model row: price in USD per million tokens, limits, vision and reasoning."""
    return {
        "id": model.id,
        "name": model.name,
        "reasoning": model.reasoning,
        "input": ["text", "image"] if model.vision else ["text"],
        "cost": _cost(model.input_price, model.output_price),
        "contextWindow": model.context_window,
        "maxTokens": model.max_output,
    }


def model_rows(catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """The profiles, then every chat model of ``catalog`` (the shipped one by default)."""
    catalog = catalog or default_catalog()
    profiles = [profile_row(p) for p in catalog.profile_entries.values()]
    return [*profiles, *(model_row(m) for m in catalog.models.values())]


def provider_block(port: int, api_key: str) -> dict[str, Any]:
    """``api_key``: the proxy's per-install key; OpenClaw sends it as ``Authorization: Bearer`` on every call."""
    return {
        "baseUrl": f"http://127.0.0.1:{port}/v1",
        "api": "openai-completions",
        "apiKey": api_key,
        # Tells the proxy the client is OpenClaw, so a spend-cap stop is explained in chat (proxy/cap_stop.py).
        "headers": {"x-clawrouter-client": "openclaw"},
        "models": [profile_row(p) for p in default_catalog().profile_entries.values()],
    }


# The proxy's argv after the interpreter; plugin/service.js's proxyArgv() spawns the same (a test keeps them equal).
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
