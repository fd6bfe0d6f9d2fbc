"""Read a config file (YAML, TOML or JSON) and validate it against ``schema.json``.

Validation is :mod:`pyclawrouter.config_schema.check` (no jsonschema in the proxy). The YAML and JSON5 parsers
are imported only when a file of that kind is read: the proxy often has no config file at all, and both
cost RSS for the whole life of the process.
"""

from __future__ import annotations

import functools
import json
import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from pyclawrouter.config_schema.check import Problem, additional_keys, problems, repeated_at, supported
from pyclawrouter.errors import UserFacingError

_SCHEMA_FILE = Path(__file__).with_name("schema.json")


class ConfigError(UserFacingError):
    code = "invalid_config"
    http_status = 400
    error_type = "invalid_request_error"


@functools.cache
def schema() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(_SCHEMA_FILE.read_text(encoding="utf-8")))


@functools.cache
def _checked_schema() -> dict[str, Any]:
    """The schema, once :func:`~pyclawrouter.config_schema.check.supported` has accepted every keyword in it
    (otherwise it raises, and no config loads)."""
    loaded = schema()
    supported(loaded)
    return loaded


def validate_config(data: object, *, source: str) -> dict[str, Any]:
    """Return ``data`` as a plain dict if it matches the schema; otherwise raise one ``ConfigError``
    listing every problem, each naming the key, the bad value and what is allowed."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the config must be a mapping of keys to values, not {_describe(data)}")
    plain = _to_plain(data)
    # YAML (.nan, .inf), TOML (nan, inf) and JSON5 (NaN, Infinity) all have non-finite floats, and JSON Schema's
    # range checks let NaN through (every comparison with NaN is false). Every number here is money or a
    # count, so they are refused first, by key.
    bad_numbers = [f"{source}: {where}: {_show_float(value)} is not a finite number; allowed: "
                   f"{_allowed_number(where)}" for where, value in _non_finite(plain)]
    if bad_numbers:
        raise ConfigError("\n".join(bad_numbers))
    found = problems(plain, _checked_schema())
    if found:
        raise ConfigError(explain_all(found, source=source))
    return cast(dict[str, Any], plain)


def explain_all(found: list[Problem], *, source: str) -> str:
    """One line per problem, ordered by where it is in the config."""
    ordered = sorted(found, key=lambda p: [str(part) for part in p.path])
    return "\n".join(f"{source}: {_explain(problem)}" for problem in ordered)


def load_config_file(path: Path) -> dict[str, Any]:
    """Load and validate a config file; the format follows the extension (.yaml/.yml, .toml, .json).
    An empty file is an empty config."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    return validate_config(parse_config_text(text, path), source=str(path))


def parse_config_text(text: str, path: Path) -> object:
    suffix = path.suffix.lower()
    if not text.strip():
        return {}
    if suffix in (".yaml", ".yml"):
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            loaded = YAML(typ="safe").load(text)
        except YAMLError as exc:
            raise ConfigError(f"{path}: not valid {suffix.lstrip('.').upper()}: {_one_line(str(exc))}") from None
        return {} if loaded is None else loaded
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix in (".json", ".json5"):
            return parse_json5(text)  # OpenClaw's openclaw.json is JSON5
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not valid {suffix.lstrip('.').upper()}: {_one_line(str(exc))}") from None
    raise ConfigError(f"{path}: unknown config format {suffix!r}; use .yaml, .yml, .toml or .json")


def parse_json5(text: str) -> object:
    """JSON5 text as Python data. Plain JSON (what OpenClaw writes) goes through ``json``; the JSON5 parser,
    a superset giving the same value for every JSON document, is loaded only for text ``json`` refuses
    (comments, trailing commas, unquoted keys)."""
    try:
        return json.loads(text)
    except ValueError:
        import json5

        return json5.loads(text)


def _explain(error: Problem) -> str:
    where = ".".join(str(p) for p in error.path) or "<top level>"
    rule = error.keyword
    spec = error.spec
    value = error.instance
    if rule == "additionalProperties" and isinstance(value, Mapping):
        import difflib

        # The keys a mapping may have: named ones, or (for a table keyed by profile or tier) the names the
        # schema's propertyNames enumerates for its patternProperties.
        names = cast(Mapping[str, Any], error.schema.get("propertyNames", {})).get("enum", [])
        allowed = sorted({*cast(Mapping[str, Any], error.schema.get("properties", {})), *map(str, names)})
        extra = additional_keys(value, error.schema)
        hints = []
        for key in extra:
            close = difflib.get_close_matches(key, allowed, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        prefix = "" if where == "<top level>" else f"{where}: "
        return f"{prefix}unknown key {', '.join(hints)}; allowed keys: {', '.join(allowed)}"
    if rule == "enum":
        return f"{where}: {_show(value)} is not allowed; allowed: {', '.join(_show(v) for v in spec)}"
    if rule == "type":
        return f"{where}: {_show(value)} is {_describe(value)}; expected {_type_name(spec)}"
    if rule in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[str(rule)]
        return f"{where}: {_show(value)} is out of range; must be {op} {spec}"
    if rule == "pattern":
        if isinstance(value, str) and value != value.strip() and re.search(str(spec), value.strip()):
            return f"{where}: {_show(value)} has spaces or a line break around it; remove them"
        return f"{where}: {_show(value)} has the wrong form; must match {spec}"
    if rule == "required":
        return f"{where}: {error.missing!r} is a required property"
    if rule == "minLength":
        return f"{where}: {_show(value)} is too short; must be " + (
            "non-empty" if spec == 1 else f"at least {spec} characters")
    if rule == "minProperties":
        return f"{where}: {_show(value)} is empty; must have at least {spec} key" + ("" if spec == 1 else "s")
    if rule == "uniqueItems" and isinstance(value, list):
        at = repeated_at(value)
        again = _show(value[at]) if at is not None else "an item"
        return f"{where}: {again} is listed more than once; each item may appear only once"
    if rule == "oneOf" and error.context:
        return _explain_alternatives(error, where)
    if rule == "oneOf":
        expected = error.schema.get("description")
        return f"{where}: {_show(value)} is not allowed; allowed: {expected or 'exactly one of the forms'}"
    return f"{where}: {_show(value)} is not allowed (rule {rule!r})"


def _explain_alternatives(error: Problem, where: str) -> str:
    """A value that fits none of a ``oneOf``: the mistakes within the alternative it came closest to (the one
    whose errors lie deepest inside the value), else what the alternatives are (the schema's description)."""
    branches: dict[int, list[Problem]] = {}
    for index, sub in error.context:
        branches.setdefault(index, []).append(sub)
    base = len(error.path)
    depth = {i: max(len(sub.path) - base for sub in subs) for i, subs in branches.items()}
    deepest = max(depth.values())
    closest = [i for i, d in depth.items() if d == deepest]
    if deepest > 0 and len(closest) == 1:
        return "; ".join(_explain(sub) for sub in branches[closest[0]] if len(sub.path) - base == deepest)
    expected = error.schema.get("description")
    return f"{where}: {_show(error.instance)} is not allowed; allowed: {expected or 'one of the forms'}"


def _non_finite(value: object, where: str = "") -> list[tuple[str, float]]:
    if isinstance(value, float) and not math.isfinite(value):
        return [(where or "<top level>", value)]
    if isinstance(value, dict):
        return [hit for key, item in value.items() for hit in _non_finite(item, f"{where}.{key}" if where else key)]
    if isinstance(value, list):
        return [hit for index, item in enumerate(value) for hit in _non_finite(item, f"{where}[{index}]")]
    return []


def _show_float(value: float) -> str:
    return "NaN" if math.isnan(value) else ("-" if value < 0 else "") + "infinity"


def _allowed_number(where: str) -> str:
    """What the schema allows for the top-level key ``where``, e.g. 'a number >= 0'."""
    spec = schema().get("properties", {}).get(where)
    if not isinstance(spec, Mapping) or spec.get("type") not in ("number", "integer"):
        return "a finite number"
    bounds = [f"{op} {spec[rule]}" for rule, op in (("minimum", ">="), ("exclusiveMinimum", ">"),
                                                      ("maximum", "<="), ("exclusiveMaximum", "<")) if rule in spec]
    allowed = f"{_type_name(spec['type'])} {' and '.join(bounds)}".strip()
    return allowed if "default" in spec else allowed + ", or leave the key out"


def _show(value: object) -> str:
    if isinstance(value, str) and len(value) > 16 and value.startswith("0x"):
        return "'0x…' (hidden)"  # probably a key: never echo secrets back
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _describe(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "empty (null)",
    }.get(type(value), type(value).__name__)


def _type_name(spec: object) -> str:
    names = spec if isinstance(spec, list) else [spec]
    words = {
        "number": "a number",
        "integer": "a whole number",
        "string": "a string",
        "boolean": "true or false",
        "object": "a mapping",
        "array": "a list",
        "null": "null",
    }
    return " or ".join(words.get(str(n), str(n)) for n in names)


def _to_plain(value: object) -> object:
    """ruamel and tomllib return their own mapping/list types (and TOML dates); make plain JSON-like data."""
    if isinstance(value, Mapping):
        return {str(k): _to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_plain(v) for v in value]
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split())
