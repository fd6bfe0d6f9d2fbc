"""``pyclawrouter openclaw install|uninstall|status``: register the plugin with the local OpenClaw.

Install runs ``openclaw plugins install`` on a freshly written plugin directory, then one validated
``openclaw config set --batch-json`` that enables the plugin, records the port and this Python interpreter in
the plugin config, writes ``models.providers.blockrun`` (with the proxy's per-install API key) and
sets ``agents.defaults.model.primary`` to ``blockrun/auto`` only when the user has no primary model. What it
changed is remembered in ``<state dir>/openclaw-install.json`` so uninstall puts back exactly that and nothing
else: the user's own primary model, a provider block that was there before, other plugin settings.

Both print a progress line before each slow step (each ``openclaw`` run takes seconds). Uninstall refuses up
front, changing nothing, while the gateway's proxy is running: stop the gateway first, then nothing of ours
is left behind (plugin, config, provider block, the proxy's runtime files; the wallet and logs stay).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pyclawrouter.api_key import load_or_create_api_key
from pyclawrouter.commands.welcome import MARKER as WELCOME_MARKER
from pyclawrouter.commands.welcome import welcome_text
from pyclawrouter.config_schema import PLUGIN_ID, openclaw_config_path
from pyclawrouter.config_schema.sources import read_openclaw_document
from pyclawrouter.dashboard.access import TOKEN_FILE as DASHBOARD_TOKEN_FILE
from pyclawrouter.fsutil import atomic_write, ensure_private_dir
from pyclawrouter.openclaw.cli_runner import OpenClawError, Runner, check_version, run_checked
from pyclawrouter.openclaw.manifest import PROVIDER_ID, write_plugin_dir
from pyclawrouter.openclaw.provider_block import local_service, provider_block
from pyclawrouter.paths import (
    COMMAND_TOKEN_FILE,
    DEFAULT_PORT,
    INSTALL_RECORD_FILE,
    LAST_GOOD_CONFIG_FILE,
    PROXY_LAST_ERROR_FILE,
)

DEFAULT_PRIMARY = f"{PROVIDER_ID}/auto"
RECORD_NAME = INSTALL_RECORD_FILE
OUR_CONFIG_KEYS = ("port", "python")
# What the proxy and the plugin write while running; uninstall removes them (not the wallet, logs or config).
# Removing the dashboard token revokes every dashboard link and cookie; `pyclawrouter dashboard` makes a new one.
RUNTIME_FILES = (COMMAND_TOKEN_FILE, PROXY_LAST_ERROR_FILE, LAST_GOOD_CONFIG_FILE, WELCOME_MARKER,
                 DASHBOARD_TOKEN_FILE)

Progress = Callable[[str], None]
# OpenClaw refuses a CLI config write that leaves less than half of openclaw.json (its "size-drop" check). It
# writes the file as JSON indented by 2, which is what _pretty_size measures; the margin covers what it adds.
KEEP_FRACTION = 0.52


def _quiet(line: str) -> None:
    pass


class GatewayRunningError(OpenClawError):
    code = "gateway_running"


def proxy_answers(port: int) -> bool:
    """Whether a pyclawrouter proxy (the gateway's, or a `pyclawrouter serve`) is up on ``port``."""
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2.0, trust_env=False).status_code in (200, 503)
    except httpx.HTTPError:
        return False


@dataclass
class InstallRecord:
    """What install changed that was not there before (so uninstall can undo just that)."""

    set_primary: bool = False
    previous_provider: dict[str, Any] | None = None
    added_config_keys: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, home: Path) -> InstallRecord | None:
        try:
            data = json.loads((home / RECORD_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        previous = data.get("previous_provider")
        return cls(
            set_primary=bool(data.get("set_primary")),
            previous_provider=previous if isinstance(previous, dict) else None,
            added_config_keys=[str(k) for k in data.get("added_config_keys") or []],
        )

    def save(self, home: Path) -> None:
        atomic_write(home / RECORD_NAME, json.dumps(asdict(self), indent=2) + "\n", mode=0o600)


def dig(data: object, dotted: str) -> object:
    node = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def current_primary(doc: Mapping[str, Any]) -> str | None:
    model = dig(doc, "agents.defaults.model")
    if isinstance(model, str):  # the short form: "provider/model"
        return model or None
    primary = dig(model, "primary")
    return primary if isinstance(primary, str) and primary else None


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
    progress: Progress = _quiet,
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
    _shrink_provider_models(run, json.loads(json.dumps(doc)), {"models": {"providers": {PROVIDER_ID: block}}},
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


def deletion_patch(doc: Mapping[str, Any], dotted: str) -> dict[str, Any]:
    """A ``config patch`` that deletes ``dotted`` and every parent left empty by that (nothing else)."""
    parts = dotted.split(".")
    cut = len(parts)
    while cut > 1:
        parent = dig(doc, ".".join(parts[: cut - 1]))
        if not isinstance(parent, Mapping) or set(parent) != {parts[cut - 1]}:
            break
        cut -= 1
    patch: dict[str, Any] = {}
    node = patch
    for part in parts[: cut - 1]:
        node = node.setdefault(part, {})
    node[parts[cut - 1]] = None
    return patch


def _pretty_size(doc: Mapping[str, Any]) -> int:
    return len(json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8"))


def _shrink_provider_models(
    run: Runner, doc: dict[str, Any], patch: Mapping[str, Any], progress: Progress = _quiet
) -> None:
    """Shorten our provider's model list in steps until ``patch`` can be applied in one write.

    Only a block written before the catalog hooks needs this (every model in its list, most of a small config):
    removing or replacing that list takes a few writes that each keep over half of ``openclaw.json``."""
    provider = dig(doc, f"models.providers.{PROVIDER_ID}")
    if not isinstance(provider, dict) or not isinstance(provider.get("models"), list):
        return

    def final_size() -> int:
        after = json.loads(json.dumps(doc))
        _apply_patch(after, patch)
        return _pretty_size(after)

    while provider["models"] and final_size() < _pretty_size(doc) * KEEP_FRACTION:
        models = provider["models"]
        size = _pretty_size(doc)
        keep = len(models) - 1
        for candidate in range(len(models)):
            provider["models"] = models[:candidate]
            if _pretty_size(doc) >= size * KEEP_FRACTION:
                keep = candidate
                break
        provider["models"] = models[:keep]
        progress(f"  shortening the provider's model list to {keep} models...")
        value = json.dumps(provider["models"])
        run_checked(
            run,
            ["config", "set", f"models.providers.{PROVIDER_ID}.models", value, "--strict-json", "--replace"],
            "shrinking the provider's model list",
        )


def _apply_patch(doc: dict[str, Any], patch: Mapping[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(doc.get(key), dict):
            _apply_patch(doc[key], value)
        else:
            doc[key] = value


def _merge_patches(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """``first`` and ``second`` as one merge patch (``_batches`` keeps it only when it does what the two do)."""
    merged = dict(first)
    for key, value in second.items():
        before = merged.get(key)
        if isinstance(before, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge_patches(before, value)
        elif before is None and key in merged and isinstance(value, Mapping):
            continue  # deleted as a whole by ``first``: what ``second`` deletes below it is gone already
        else:
            merged[key] = value
    return merged


def _applied(doc: Mapping[str, Any], *patches: Mapping[str, Any]) -> dict[str, Any]:
    after: dict[str, Any] = json.loads(json.dumps(doc))
    for patch in patches:
        _apply_patch(after, patch)
    return after


def _fits(state: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return _pretty_size(after) >= _pretty_size(state) * KEEP_FRACTION


def _batches(doc: Mapping[str, Any], patches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``patches`` turned, in order, into as few writes as OpenClaw accepts (each keeps over half the file).

    Every ``openclaw`` run costs seconds, so each write does as much as the size check allows: whole patches
    merged while they fit, then our provider's model list shortened as far as still fits. One write for a config
    our block is a small part of; a fresh, small config takes a few."""
    state = _applied(doc)
    queue = list(patches)
    batches: list[dict[str, Any]] = []
    while queue:
        pending: dict[str, Any] = {}
        while queue:
            merged = _merge_patches(pending, queue[0])
            after = _applied(state, merged)
            if after != _applied(state, pending, queue[0]) or not _fits(state, after):
                break
            pending = merged
            queue.pop(0)
        models = dig(_applied(state, pending), f"models.providers.{PROVIDER_ID}.models")
        if queue and isinstance(models, list) and models:
            for keep in range(len(models)):
                shorter = _merge_patches(pending, {"models": {"providers": {PROVIDER_ID: {"models": models[:keep]}}}})
                if _fits(state, _applied(state, shorter)):
                    pending = shorter
                    break
        if not pending:  # nothing fits: send the next patch as it is and let OpenClaw say why it refuses
            pending = queue.pop(0)
        batches.append(pending)
        _apply_patch(state, pending)
    return batches


def _write_patch(run: Runner, patch: Mapping[str, Any]) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".json5", prefix="pyclawrouter-", delete=False) as handle:
        json.dump(patch, handle)
    models_path = f"models.providers.{PROVIDER_ID}.models"
    # OpenClaw refuses a patch whose list drops entries unless told the list is replaced on purpose.
    replace = ["--replace-path", models_path] if isinstance(dig(patch, models_path), list) else []
    try:
        run_checked(run, ["config", "patch", "--file", handle.name, *replace], "updating the OpenClaw config")
    finally:
        Path(handle.name).unlink(missing_ok=True)


def uninstall(
    run: Runner,
    *,
    home: Path,
    env: Mapping[str, str],
    openclaw_config: Path | None = None,
    progress: Progress = _quiet,
    proxy_running: Callable[[int], bool] = proxy_answers,
) -> list[str]:
    config_path = openclaw_config or openclaw_config_path(env)
    doc = read_openclaw_document(config_path)
    # Refuse before any change: a running gateway keeps our proxy (and its token file) alive and reloads its
    # plugins at every config write, so removing things under it leaves a proxy nobody stops.
    configured = dig(doc, f"plugins.entries.{PLUGIN_ID}.config.port")
    port = configured if isinstance(configured, int) and not isinstance(configured, bool) else DEFAULT_PORT
    if proxy_running(port):
        raise GatewayRunningError(
            f"the pyclawrouter proxy is running on 127.0.0.1:{port} (the OpenClaw gateway runs it). Stop the "
            "gateway first (`openclaw gateway stop`, or Ctrl+C where `openclaw gateway run` runs; a "
            "`pyclawrouter serve` of your own too), then run `pyclawrouter openclaw uninstall` again. "
            "Nothing was changed."
        )
    progress("Checking the OpenClaw CLI...")
    check_version(run)
    record = InstallRecord.load(home)
    messages: list[str] = []
    patches: list[dict[str, Any]] = []  # in this order; _batches merges them into as few writes as it can
    if record is None:
        messages.append(
            "No install record found: removing the plugin only; models.providers.blockrun and the "
            "default model are left as they are."
        )
    else:
        provider_path = f"models.providers.{PROVIDER_ID}"
        current = dig(doc, provider_path)
        # localService first (the block stays valid without it: OpenClaw refuses a custom provider block
        # without baseUrl or models), so a write can take it while the list is shortened (_batches).
        if isinstance(current, Mapping) and "localService" in current:
            patches.append(deletion_patch(doc, f"{provider_path}.localService"))
        if record.set_primary and current_primary(doc) == DEFAULT_PRIMARY:
            short_form = isinstance(dig(doc, "agents.defaults.model"), str)
            patches.append(
                deletion_patch(doc, "agents.defaults.model" if short_form else "agents.defaults.model.primary")
            )
            messages.append(f"Unset the default model {DEFAULT_PRIMARY} (install had set it).")
        provider = record.previous_provider
        if provider:
            # A merge patch: keys install added that the user's block never had are deleted (null), not kept.
            added = {key: None for key in current if key not in provider} if isinstance(current, dict) else {}
            patches.append({"models": {"providers": {PROVIDER_ID: {**added, **provider}}}})
            messages.append("Restored the provider block that was there before.")
        else:
            patches.append(deletion_patch(doc, provider_path))
            messages.append(f"Removed models.providers.{PROVIDER_ID}.")
    batches = _batches(doc, patches)
    for number, patch in enumerate(batches, 1):
        progress(f"Updating the OpenClaw config ({number} of {len(batches)}, ~10 s each)...")
        _write_patch(run, patch)
        _apply_patch(doc, patch)
    entry = dig(doc, f"plugins.entries.{PLUGIN_ID}")
    if entry is not None or (config_path.parent / "extensions" / PLUGIN_ID).exists():
        progress("Removing the plugin files (openclaw plugins uninstall, ~20 s)...")
        run_checked(run, ["plugins", "uninstall", PLUGIN_ID, "--force"], "uninstalling the plugin")
        # OpenClaw leaves plugins.entries.pyclawrouter = {enabled: false} as an "uninstalled" marker; it only
        # matters for plugins that would be found again (bundled ones), and install sets enabled itself.
        after = read_openclaw_document(config_path)
        if dig(after, f"plugins.entries.{PLUGIN_ID}") is not None:
            _write_patch(run, deletion_patch(after, f"plugins.entries.{PLUGIN_ID}"))
        messages.append("Uninstalled the pyclawrouter plugin (your wallet, its API key and usage logs stay in the "
                        "state directory).")
    else:
        messages.append("The pyclawrouter plugin was not installed.")
    (home / RECORD_NAME).unlink(missing_ok=True)
    for name in RUNTIME_FILES:
        (home / name).unlink(missing_ok=True)
    return messages
