"""``pyclawrouter openclaw uninstall``: remove what install added, and nothing else.

What install recorded in ``<state dir>/openclaw-install.json`` is put back: the user's own primary model, a
provider block that was there before. Uninstall refuses up front, changing nothing, while the gateway's proxy is
running: stop the gateway first, then nothing of ours is left behind (plugin, config, provider block, the
proxy's runtime files; the wallet and logs stay). It prints a progress line before each slow step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyclawrouter.commands.welcome import MARKER as WELCOME_MARKER
from pyclawrouter.config_schema import PLUGIN_ID, openclaw_config_path
from pyclawrouter.config_schema.sources import read_openclaw_document
from pyclawrouter.dashboard.access import TOKEN_FILE as DASHBOARD_TOKEN_FILE
from pyclawrouter.openclaw.cli_runner import OpenClawError, Progress, Runner, check_version, quiet, run_checked
from pyclawrouter.openclaw.config_patch import apply_patch, batches, deletion_patch, write_patch
from pyclawrouter.openclaw.document import DEFAULT_PRIMARY, current_primary, dig
from pyclawrouter.openclaw.manifest import PROVIDER_ID
from pyclawrouter.openclaw.record import RECORD_NAME, InstallRecord
from pyclawrouter.paths import COMMAND_TOKEN_FILE, DEFAULT_PORT, LAST_GOOD_CONFIG_FILE, PROXY_LAST_ERROR_FILE

# What the proxy and the plugin write while running; uninstall removes them (not the wallet, logs or config).
# Removing the dashboard token revokes every dashboard link and cookie; `pyclawrouter dashboard` makes a new one.
RUNTIME_FILES = (COMMAND_TOKEN_FILE, PROXY_LAST_ERROR_FILE, LAST_GOOD_CONFIG_FILE, WELCOME_MARKER,
                 DASHBOARD_TOKEN_FILE)


class GatewayRunningError(OpenClawError):
    code = "gateway_running"


def proxy_answers(port: int) -> bool:
    """Whether a pyclawrouter proxy (the gateway's, or a `pyclawrouter serve`) is up on ``port``."""
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2.0, trust_env=False).status_code in (200, 503)
    except httpx.HTTPError:
        return False


def uninstall(
    run: Runner,
    *,
    home: Path,
    env: Mapping[str, str],
    openclaw_config: Path | None = None,
    progress: Progress = quiet,
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
    patches: list[dict[str, Any]] = []  # in this order; batches merges them into as few writes as it can
    if record is None:
        messages.append(
            "No install record found: removing the plugin only; models.providers.blockrun and the "
            "default model are left as they are."
        )
    else:
        provider_path = f"models.providers.{PROVIDER_ID}"
        current = dig(doc, provider_path)
        # localService first (the block stays valid without it: OpenClaw refuses a custom provider block
        # without baseUrl or models), so a write can take it while the list is shortened (batches).
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
    writes = batches(doc, patches)
    for number, patch in enumerate(writes, 1):
        progress(f"Updating the OpenClaw config ({number} of {len(writes)}, ~10 s each)...")
        write_patch(run, patch)
        apply_patch(doc, patch)
    entry = dig(doc, f"plugins.entries.{PLUGIN_ID}")
    if entry is not None or (config_path.parent / "extensions" / PLUGIN_ID).exists():
        progress("Removing the plugin files (openclaw plugins uninstall, ~20 s)...")
        run_checked(run, ["plugins", "uninstall", PLUGIN_ID, "--force"], "uninstalling the plugin")
        # OpenClaw leaves plugins.entries.pyclawrouter = {enabled: false} as an "uninstalled" marker; it only
        # matters for plugins that would be found again (bundled ones), and install sets enabled itself.
        after = read_openclaw_document(config_path)
        if dig(after, f"plugins.entries.{PLUGIN_ID}") is not None:
            write_patch(run, deletion_patch(after, f"plugins.entries.{PLUGIN_ID}"))
        messages.append("Uninstalled the pyclawrouter plugin (your wallet, its API key and usage logs stay in the "
                        "state directory).")
    else:
        messages.append("The pyclawrouter plugin was not installed.")
    (home / RECORD_NAME).unlink(missing_ok=True)
    for name in RUNTIME_FILES:
        (home / name).unlink(missing_ok=True)
    return messages
