"""``pyclawrouter openclaw install``: register the plugin with the local OpenClaw.

Install runs ``openclaw plugins install`` on a freshly written plugin directory, then one validated
``openclaw config set --batch-json`` that enables the plugin, records the port and this Python interpreter in
the plugin config, writes ``models.providers.blockrun`` (with the proxy's per-install API key) and
sets ``agents.defaults.model.primary`` to ``blockrun/auto`` only when the user has no primary model. What it
changed is remembered in ``<state dir>/openclaw-install.json`` (``record``) so uninstall puts back exactly that
and nothing else. It prints a progress line before each slow step (each ``openclaw`` run takes seconds).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyclawrouter.api_key import load_or_create_api_key
from pyclawrouter.commands.welcome import welcome_text
from pyclawrouter.config_schema import PLUGIN_ID, openclaw_config_path
from pyclawrouter.config_schema.sources import read_openclaw_document
from pyclawrouter.fsutil import ensure_private_dir
from pyclawrouter.openclaw.cli_runner import Progress, Runner, check_version, quiet, run_checked
from pyclawrouter.openclaw.config_patch import shrink_provider_models
from pyclawrouter.openclaw.document import DEFAULT_PRIMARY, current_primary, dig
from pyclawrouter.openclaw.manifest import PROVIDER_ID, write_plugin_dir
from pyclawrouter.openclaw.provider_block import local_service, provider_block
from pyclawrouter.openclaw.record import InstallRecord
from pyclawrouter.paths import DEFAULT_PORT

OUR_CONFIG_KEYS = ("port", "python")


@dataclass
class InstallResult:
    version: str
    port: int
    python: str
    set_primary: bool
    primary: str | None
    models: int
    messages: list[str]


def install(
    run: Runner,
    *,
    home: Path,
    env: Mapping[str, str],
    port: int | None = None,
    python: str | None = None,
    openclaw_config: Path | None = None,
    progress: Progress = quiet,
) -> InstallResult:
    progress("Checking the OpenClaw CLI...")
    version = check_version(run)
    config_path = openclaw_config or openclaw_config_path(env)
    doc = read_openclaw_document(config_path)
    existing = dig(doc, f"plugins.entries.{PLUGIN_ID}.config")
    plugin_config = dict(existing) if isinstance(existing, Mapping) else {}
    chosen_port = port or int(plugin_config.get("port") or DEFAULT_PORT)
    interpreter = _absolute(python or sys.executable)
    primary = current_primary(doc)
    previous_provider = dig(doc, f"models.providers.{PROVIDER_ID}")

    with tempfile.TemporaryDirectory(prefix="pyclawrouter-plugin-") as stage:
        write_plugin_dir(Path(stage))
        progress(f"Installing the plugin files into OpenClaw {version} (openclaw plugins install, ~20 s)...")
        run_checked(run, ["plugins", "install", stage, "--force", "--accept-capabilities"], "installing the plugin")

    # The proxy refuses /v1/* without this key; OpenClaw sends the provider's apiKey as a Bearer token.
    block = provider_block(chosen_port, load_or_create_api_key(home))
    if plugin_config.get("manageProxy") is not False:  # with manageProxy: false the user runs the proxy
        block["localService"] = local_service(interpreter, chosen_port, home.resolve())
    ops: list[dict[str, Any]] = [
        {"path": f"plugins.entries.{PLUGIN_ID}.enabled", "value": True},
        {
            "path": f"plugins.entries.{PLUGIN_ID}.config",
            "value": {**plugin_config, "port": chosen_port, "python": interpreter},
        },
        {"path": f"models.providers.{PROVIDER_ID}", "value": block},
    ]
    set_primary_now = primary is None
    if set_primary_now:
        ops.append({"path": "agents.defaults.model.primary", "value": DEFAULT_PRIMARY})
    # An install from before the catalog hooks wrote every model into the block; replacing that list with the
    # profiles in one write would halve a small config, which OpenClaw refuses.
    shrink_provider_models(run, json.loads(json.dumps(doc)), {"models": {"providers": {PROVIDER_ID: block}}},
                           progress)
    progress("Writing the provider block and the plugin config (openclaw config set, ~10 s)...")
    run_checked(run, ["config", "set", "--batch-json", json.dumps(ops)], "writing the OpenClaw config")

    record = InstallRecord.load(home)
    if record is None:  # first install: remember what was the user's before we touched anything
        record = InstallRecord(
            previous_provider=dict(previous_provider) if isinstance(previous_provider, Mapping) else None,
            added_config_keys=[k for k in OUR_CONFIG_KEYS if k not in plugin_config],
        )
    record.set_primary = record.set_primary or set_primary_now
    ensure_private_dir(home)
    record.save(home)

    messages = [
        f"Installed the pyclawrouter plugin into OpenClaw {version} ({config_path}).",
        f"Provider {PROVIDER_ID} at {block['baseUrl']}: the routing profiles are in openclaw.json; every model "
        "of the live catalog is in `openclaw models list --refresh` and the model picker, and "
        f"`{PROVIDER_ID}/<model id>` works in a turn.",
        f"The gateway runs the proxy with {interpreter}.",
        f"Default model set to {DEFAULT_PRIMARY}." if set_primary_now else f"Default model left as {primary}.",
        "Restart the gateway to load it: `openclaw gateway restart`.",
        "",
        welcome_text(home, env, create=True, primary=DEFAULT_PRIMARY if set_primary_now else primary),
    ]
    return InstallResult(
        version, chosen_port, interpreter, set_primary_now, primary or DEFAULT_PRIMARY, len(block["models"]), messages
    )


def _absolute(python: str) -> str:
    """OpenClaw's localService runs ``command`` without a PATH lookup, so record an absolute path."""
    import os
    import shutil

    found = shutil.which(python) if os.sep not in python else python
    return os.path.abspath(found or python)
