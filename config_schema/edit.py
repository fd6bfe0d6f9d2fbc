"""Change settings in the user's own config file without losing their comments, order or layout.

YAML goes through ruamel's round-trip mode and TOML through tomlkit; both keep comments and key order. The
new document is validated against the schema before anything is written, and the write is atomic, so a
rejected change leaves the file exactly as it was. Both libraries are imported only when a file is edited:
the proxy imports this module at start and most runs never edit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any, cast

from pyclawrouter.config_schema.loader import ConfigError, parse_config_text, validate_config
from pyclawrouter.fsutil import atomic_write


def update_config_file(
    path: Path, changes: Mapping[str, object] | None = None, *, remove: Iterable[str] = ()
) -> dict[str, Any]:
    """Set each dotted key in ``changes`` (``"routing.defaultProfile"``) and delete each key in ``remove``.

    Creates the file (YAML or TOML by extension) when missing. Returns the validated new config."""
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if suffix in (".yaml", ".yml"):
        new_text = _edit_yaml(text, changes or {}, remove)
    elif suffix == ".toml":
        new_text = _edit_toml(text, changes or {}, remove)
    else:
        raise ConfigError(f"{path}: cannot edit {suffix or 'this'} files in place; use a .yaml or .toml config")
    config = validate_config(parse_config_text(new_text, path), source=str(path))
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    atomic_write(path, new_text, mode=mode)
    return config


def _edit_yaml(text: str, changes: Mapping[str, object], remove: Iterable[str]) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    loaded = yaml.load(text) if text.strip() else None
    document = loaded if isinstance(loaded, CommentedMap) else CommentedMap()
    if loaded is not None and not isinstance(loaded, CommentedMap):
        raise ConfigError("the config file must be a mapping of keys to values")
    for key, value in changes.items():
        _set(document, key, value, CommentedMap)
    for key in remove:
        _delete(document, key)
    out = io.StringIO()
    if document:
        yaml.dump(document, out)
    return out.getvalue()


def _edit_toml(text: str, changes: Mapping[str, object], remove: Iterable[str]) -> str:
    import tomlkit

    document = tomlkit.parse(text)
    for key, value in changes.items():
        _set(cast(MutableMapping[str, Any], document), key, value, tomlkit.table)
    for key in remove:
        _delete(cast(MutableMapping[str, Any], document), key)
    return tomlkit.dumps(document)


def _set(document: MutableMapping[str, Any], dotted: str, value: object, new_table: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = document
    for part in parents:
        child = node.get(part)
        if not isinstance(child, MutableMapping):
            child = new_table()
            node[part] = child
        node = child
    node[leaf] = value


def _delete(document: MutableMapping[str, Any], dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    node: object = document
    for part in parents:
        if not isinstance(node, MutableMapping) or part not in node:
            return
        node = node[part]
    if isinstance(node, MutableMapping):
        node.pop(leaf, None)
