"""Where the plugin config comes from, and the one order in which the sources are merged.

Lowest to highest precedence (a later source overrides an earlier one, key by key; ``routing`` and other
mappings merge deeply, lists and scalars are replaced):

1. the schema's defaults (``port`` 8402, ``maxCostPerRunMode`` graceful, ``manageProxy`` true);
2. OpenClaw's ``openclaw.json`` (JSON5), key ``plugins.entries.pyclawrouter.config`` -- what
   ``pyclawrouter openclaw install`` and ``openclaw config set`` write. Its path is ``OPENCLAW_CONFIG_PATH``,
   else ``$OPENCLAW_STATE_DIR/openclaw.json``, else ``~/.openclaw/openclaw.json``;
3. the plugin's own file in the state directory: ``config.yaml`` (or ``config.yml``, or ``config.toml``;
   having more than one is an error, so it is never ambiguous which one is read);
4. an explicit file (``pyclawrouter serve --config FILE``);
5. environment variables: ``BLOCKRUN_PROXY_PORT`` (port), ``CLAWROUTER_PAYMENT_CHAIN`` (chain),
   ``BLOCKRUN_API_BASE`` (apiBase).

Command-line flags of ``pyclawrouter serve`` sit above all of these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyclawrouter.config_schema.loader import ConfigError, load_config_file, parse_json5, schema, validate_config

PLUGIN_ID = "pyclawrouter"
STATE_CONFIG_NAMES = ("config.yaml", "config.yml", "config.toml")

# Environment variable -> (config key, converter). Names are ClawRouter's, so existing setups carry over.
_ENV_KEYS: dict[str, str] = {
    "BLOCKRUN_PROXY_PORT": "port",
    "CLAWROUTER_PAYMENT_CHAIN": "chain",
    "BLOCKRUN_API_BASE": "apiBase",
}


@dataclass(frozen=True)
class ConfigSource:
    """One place config may come from. ``path`` is None for the environment."""

    name: str
    path: Path | None


def openclaw_config_path(env: Mapping[str, str]) -> Path:
    explicit = env.get("OPENCLAW_CONFIG_PATH", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    state = env.get("OPENCLAW_STATE_DIR", "").strip()
    if state:
        return Path(state).expanduser() / "openclaw.json"
    home = env.get("HOME", "").strip()
    return (Path(home) if home else Path.home()) / ".openclaw" / "openclaw.json"


def state_config_path(home: Path) -> Path | None:
    """The state directory's config file, or None. Two of them at once is an error naming both."""
    found = [home / name for name in STATE_CONFIG_NAMES if (home / name).is_file()]
    if len(found) > 1:
        raise ConfigError(
            f"{home}: found {' and '.join(p.name for p in found)}; keep only one config file in the state directory"
        )
    return found[0] if found else None


def default_state_config_path(home: Path) -> Path:
    """The file a command should edit: the existing one, else a new ``config.yaml``."""
    return state_config_path(home) or home / "config.yaml"


def schema_defaults() -> dict[str, Any]:
    props: Mapping[str, Any] = schema().get("properties", {})
    return {key: spec["default"] for key, spec in props.items() if isinstance(spec, Mapping) and "default" in spec}


def read_openclaw_document(path: Path) -> dict[str, Any]:
    """The whole ``openclaw.json`` (JSON5); a missing or empty file is ``{}``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read OpenClaw's config ({exc.strerror})") from None
    if not text.strip():
        return {}
    try:
        document = parse_json5(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON5 ({' '.join(str(exc).split())}); fix it first") from None
    return document if isinstance(document, dict) else {}


def read_openclaw_plugin_config(path: Path) -> dict[str, Any]:
    """``plugins.entries.pyclawrouter.config`` from an ``openclaw.json``; a missing file or entry is ``{}``."""
    document = read_openclaw_document(path)
    key = f"plugins.entries.{PLUGIN_ID}.config"
    node: object = document
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return {}
        node = node[part]
    if node is None:
        return {}
    return validate_config(node, source=f"{path} ({key})")


def env_config(env: Mapping[str, str]) -> dict[str, Any]:
    """Config keys given by environment variables, validated; each error names the variable."""
    result: dict[str, Any] = {}
    for var, key in _ENV_KEYS.items():
        raw = env.get(var, "").strip()
        if not raw:
            continue
        value: object = raw
        if key == "port":
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(
                    f"environment variable {var}: {raw!r} is not a port number; expected a whole number 1-65535"
                ) from None
        if key == "chain":
            value = raw.lower()
        validate_config({key: value}, source=f"environment variable {var}")
        result[key] = value
    return result


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def config_sources(
    home: Path, env: Mapping[str, str], *, config_file: Path | None = None, openclaw_config: Path | None = None
) -> list[ConfigSource]:
    """Every source in precedence order (lowest first), whether or not its file exists yet."""
    sources = [ConfigSource("openclaw.json", openclaw_config or openclaw_config_path(env))]
    sources += [ConfigSource("state config", home / name) for name in STATE_CONFIG_NAMES]
    if config_file is not None:
        sources.append(ConfigSource("--config", config_file))
    sources.append(ConfigSource("environment", None))
    return sources


def load_file_config(
    home: Path, env: Mapping[str, str], *, config_file: Path | None = None, openclaw_config: Path | None = None
) -> dict[str, Any]:
    """Sources 1-4 (defaults and files, not the environment) merged and validated."""
    merged = schema_defaults()
    merged = deep_merge(merged, read_openclaw_plugin_config(openclaw_config or openclaw_config_path(env)))
    state_file = state_config_path(home)
    if state_file is not None:
        merged = deep_merge(merged, load_config_file(state_file))
    if config_file is not None:
        merged = deep_merge(merged, load_config_file(config_file))
    return validate_config(merged, source="merged config")


def apply_env(config: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """Source 5, the environment, over an already merged config."""
    return validate_config(deep_merge(config, env_config(env)), source="merged config")


def load_effective_config(
    home: Path, env: Mapping[str, str], *, config_file: Path | None = None, openclaw_config: Path | None = None
) -> dict[str, Any]:
    """Merge every source in the documented order (see the module docstring) into one validated dict.

    Raises :class:`ConfigError` naming the file, the key, the bad value and what is allowed."""
    files = load_file_config(home, env, config_file=config_file, openclaw_config=openclaw_config)
    return apply_env(files, env)
