"""The OpenClaw plugin files, built from the one config schema so the two can never drift.

``openclaw.plugin.json`` and ``package.json`` at the repository root are these functions' output (a test keeps
them identical), so ``openclaw plugins install <checkout>`` works; the installer writes the same files into
a small staging directory, which also works from a wheel, where the repository root does not exist.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from pyclawrouter import __version__
from pyclawrouter.config_schema import PLUGIN_ID, schema
from pyclawrouter.endpoints import DEFAULT_API_BASE
from pyclawrouter.paths import DEFAULT_PORT

PROVIDER_ID = "blockrun"
ENTRY = "plugin/index.js"
MIN_OPENCLAW = "2026.9.6"

UI_HINTS: dict[str, dict[str, Any]] = {
    "walletKey": {
        "label": "Wallet private key",
        "sensitive": True,
        "placeholder": "0x… (optional: a wallet is created)",
    },
    "maxCostPerRun": {"label": "Most one run may spend (USD)", "placeholder": "0.50"},
    "maxCostPerRunMode": {
        "label": "When the run budget is reached",
        "help": "graceful: cheaper models; strict: refuse",
    },
    "maxPaymentPerRequest": {"label": "Largest single payment (USD)", "placeholder": "0.10"},
    "port": {"label": "Proxy port", "placeholder": str(DEFAULT_PORT)},
    "chain": {"label": "Payment chain", "placeholder": "base"},
    "apiBase": {"label": "BlockRun API base URL", "placeholder": DEFAULT_API_BASE["base"], "advanced": True},
    "manageProxy": {"label": "Start the Python proxy with the gateway"},
    "autoInject": {"label": "Add the blockrun provider at gateway start", "advanced": True},
    "python": {
        "label": "Python interpreter",
        "placeholder": "python3",
        "help": "Recorded by pyclawrouter openclaw install",
    },
    "excludeModels": {"label": "Models never to use"},
    "requireApiKey": {
        "label": "Require the proxy's API key",
        "help": "Other OpenAI clients get it from `pyclawrouter key`",
        "advanced": True,
    },
    "routing": {"label": "Routing overrides", "advanced": True},
}


def config_schema() -> dict[str, Any]:
    """The plugin config schema as OpenClaw reads it (no ``$schema``/``title`` keys)."""
    return {k: v for k, v in schema().items() if k not in ("$schema", "title")}


def manifest() -> dict[str, Any]:
    return {
        "id": PLUGIN_ID,
        "name": "pyclawrouter",
        "description": "Routes each LLM request to the cheapest capable model and pays BlockRun per request "
        "with x402 USDC micropayments (Python proxy).",
        "version": __version__,
        "providers": [PROVIDER_ID],
        # With the provider's resolveUsageAuth and fetchUsageSnapshot hooks (plugin/usage.js), this puts the
        # wallet's balance and spend into `openclaw status --usage`, chat /status and the Control UI.
        "contracts": {"usageProviders": [PROVIDER_ID]},
        "activation": {"onStartup": True},
        "configSchema": config_schema(),
        "uiHints": UI_HINTS,
    }


def package_json() -> dict[str, Any]:
    return {
        "name": PLUGIN_ID,
        "version": __version__,
        "private": True,
        "description": "OpenClaw entry of pyclawrouter (the Python package does the work; no npm dependencies).",
        "type": "module",
        "main": ENTRY,
        "files": [*(f"plugin/{name}" for name in js_files()), "openclaw.plugin.json"],
        "openclaw": {"extensions": [f"./{ENTRY}"], "compat": {"pluginApi": f">={MIN_OPENCLAW}"}},
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def js_files() -> list[str]:
    """The plugin's JavaScript modules (the entry and the modules it imports), all next to each other."""
    return sorted(item.name for item in resources.files("pyclawrouter").iterdir() if item.name.endswith(".js"))


def write_plugin_dir(target: Path) -> Path:
    """Write what OpenClaw needs (manifest, package.json, the JavaScript modules) into ``target``; return it."""
    (target / "plugin").mkdir(parents=True, exist_ok=True)
    (target / "openclaw.plugin.json").write_text(dumps(manifest()), encoding="utf-8")
    (target / "package.json").write_text(dumps(package_json()), encoding="utf-8")
    package = resources.files("pyclawrouter")
    for name in js_files():
        (target / "plugin" / name).write_text(package.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
    return target
