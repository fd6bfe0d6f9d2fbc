"""``pyclawrouter openclaw status``: what is installed, read straight from the files (no slow CLI start)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from pyclawrouter.config_schema import PLUGIN_ID, openclaw_config_path
from pyclawrouter.config_schema.sources import read_openclaw_document
from pyclawrouter.openclaw.document import current_primary, dig
from pyclawrouter.openclaw.manifest import PROVIDER_ID
from pyclawrouter.openclaw.record import InstallRecord
from pyclawrouter.paths import DEFAULT_PORT


def proxy_health(port: int, timeout: float = 1.0) -> dict[str, Any] | None:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=timeout, trust_env=False)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def status(*, home: Path, env: Mapping[str, str], openclaw_config: Path | None = None) -> dict[str, Any]:
    config_path = openclaw_config or openclaw_config_path(env)
    doc = read_openclaw_document(config_path)
    entry = dig(doc, f"plugins.entries.{PLUGIN_ID}")
    plugin_config = dig(entry, "config")
    plugin_config = plugin_config if isinstance(plugin_config, Mapping) else {}
    provider = dig(doc, f"models.providers.{PROVIDER_ID}")
    models = dig(provider, "models")
    port = int(plugin_config.get("port") or DEFAULT_PORT)
    extension = config_path.parent / "extensions" / PLUGIN_ID
    health = proxy_health(port)
    return {
        "openclawConfig": str(config_path),
        "openclawConfigExists": config_path.exists(),
        "pluginFiles": str(extension) if (extension / "openclaw.plugin.json").exists() else None,
        "pluginEnabled": dig(entry, "enabled") is not False and entry is not None,
        "pluginConfig": {k: v for k, v in plugin_config.items() if k != "walletKey"},
        "providerBaseUrl": dig(provider, "baseUrl"),
        "providerModels": len(models) if isinstance(models, list) else 0,
        "primaryModel": current_primary(doc),
        "installRecord": InstallRecord.load(home) is not None,
        "port": port,
        "proxyHealthy": health is not None,
    }


def format_status(info: Mapping[str, Any]) -> str:
    def mark(ok: object) -> str:
        return "ok " if ok else "-- "

    lines = [
        f"{mark(info['openclawConfigExists'])} OpenClaw config: {info['openclawConfig']}",
        f"{mark(info['pluginFiles'])} plugin files: {info['pluginFiles'] or 'not installed'}",
        f"{mark(info['pluginEnabled'])} plugin entry: {'enabled' if info['pluginEnabled'] else 'missing or disabled'}",
        f"{mark(info['providerModels'])} provider {PROVIDER_ID}: "
        + (f"{info['providerModels']} models listed at {info['providerBaseUrl']} (the plugin adds the live catalog)"
           if info["providerModels"] else "missing"),
        f"{mark(info['primaryModel'])} default model: {info['primaryModel'] or 'none'}",
        f"{mark(info['pluginConfig'].get('python'))} python: {info['pluginConfig'].get('python') or 'not recorded'}",
        f"{mark(info['proxyHealthy'])} proxy on 127.0.0.1:{info['port']}: "
        + ("healthy" if info["proxyHealthy"] else "not running (the gateway starts it)"),
    ]
    if not info["pluginFiles"]:
        lines.append("Run `pyclawrouter openclaw install` to install the plugin.")
    return "\n".join(lines)
