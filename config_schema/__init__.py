"""The plugin config: its JSON Schema (``schema.json``, also embedded in ``openclaw.plugin.json``) and loading.

Every source of config (the YAML/TOML file in the state directory, OpenClaw's ``openclaw.json``, a file given
to ``serve --config``, a few environment variables) is validated against the same schema, and a bad value is
reported as ``<file>: <key>: <bad value> is not allowed; allowed: <what is>``. The sources and their one order
of precedence are documented in :mod:`pyclawrouter.config_schema.sources`; :class:`ConfigWatcher` follows the
files and keeps the last good config when an edit is bad; :func:`update_config_file` edits the user's file
without losing comments.
"""

from __future__ import annotations

from pyclawrouter.config_schema.edit import update_config_file
from pyclawrouter.config_schema.loader import ConfigError, load_config_file, schema, validate_config
from pyclawrouter.config_schema.sources import (
    PLUGIN_ID,
    config_sources,
    default_state_config_path,
    load_effective_config,
    openclaw_config_path,
    state_config_path,
)
from pyclawrouter.config_schema.watcher import ConfigWatcher, config_in_force, configured_wallet_key

__all__ = [
    "PLUGIN_ID",
    "ConfigError",
    "ConfigWatcher",
    "config_in_force",
    "config_sources",
    "configured_wallet_key",
    "default_state_config_path",
    "load_config_file",
    "load_effective_config",
    "openclaw_config_path",
    "schema",
    "state_config_path",
    "update_config_file",
    "validate_config",
]
