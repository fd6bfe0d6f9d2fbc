"""The plugin config: its JSON Schema (``schema.json``, also embedded in ``openclaw.plugin.json``) and loading.

Every source of config (the YAML/TOML file in the state directory, OpenClaw's ``openclaw.json``, a file given
to ``serve --config``) is validated against the same schema, and a bad value is reported as
``<file>: <key>: <bad value> is not allowed; allowed: <what is>``.
"""

from __future__ import annotations

from pyclawrouter.config_schema.loader import ConfigError, load_config_file, schema, validate_config

__all__ = ["ConfigError", "load_config_file", "schema", "validate_config"]
