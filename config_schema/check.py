"""A JSON Schema (draft 2020-12) checker for exactly the keywords ``schema.json`` uses, without jsonschema.

The proxy validates every config it reads; importing jsonschema for that costs about 5 MB of RSS and 45 ms of
start-up (jsonschema, referencing, rpds, attrs). This checker applies each keyword the way jsonschema 4
does (same type rules: ``true`` is not a number, ``8402.0`` is an integer; the same ``re.search`` for
``pattern`` and ``patternProperties``; the same walk order), and ``tests/config/test_config_check.py``
holds it to jsonschema's verdict and messages on many valid and invalid configs.

It fails closed: a schema with a keyword it does not know, or a keyword in a form it does not implement
(``additionalProperties`` as a schema, ``items`` as a list), is refused with :class:`SchemaNotSupportedError`
when the checker is built, so no config is ever accepted by skipping a rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Keywords that only describe and never refuse a value.
_ANNOTATIONS = frozenset({"$schema", "title", "description", "default"})
_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})


class SchemaNotSupportedError(RuntimeError):
    """The schema uses a keyword (or a form of one) this checker does not implement."""


@dataclass(frozen=True)
class Problem:
    """One rule a value breaks: the keyword, its value in the schema, the value checked, where it is.

    ``path`` is the location from the top of the config. For ``oneOf``, ``context`` holds the problems of
    every alternative, each with the index of the alternative it came from."""

    keyword: str
    spec: Any
    instance: Any
    path: tuple[str | int, ...]
    schema: Mapping[str, Any]
    context: tuple[tuple[int, Problem], ...] = field(default=())
    missing: str | None = None
    """For ``required``: the key that is missing (one problem per missing key)."""


def supported(schema: object, where: str = "#") -> None:
    """Raise :class:`SchemaNotSupportedError` unless every keyword of ``schema`` is one this module applies."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, Mapping):
        raise SchemaNotSupportedError(f"{where}: a schema must be a mapping or a boolean, not {schema!r}")
    for key, value in schema.items():
        spot = f"{where}/{key}"
        if key in _ANNOTATIONS:
            continue
        if key not in _CHECKS:
            raise SchemaNotSupportedError(f"{spot}: the config checker does not implement this keyword")
        _supported_form(key, value, spot)


def _supported_form(key: str, value: Any, spot: str) -> None:
    def fail() -> None:
        raise SchemaNotSupportedError(f"{spot}: the config checker does not implement this form: {value!r}")

    if key == "type":
        names = value if isinstance(value, list) else [value]
        if not names or any(name not in _TYPES for name in names):
            fail()
    elif key in ("properties", "patternProperties"):
        if not isinstance(value, Mapping):
            fail()
        for name, sub in value.items():
            if key == "patternProperties":
                re.compile(name)
            supported(sub, f"{spot}/{name}")
    elif key in ("items", "propertyNames"):
        supported(value, spot)
    elif key == "oneOf":
        if not isinstance(value, list) or not value:
            fail()
        for index, sub in enumerate(value):
            supported(sub, f"{spot}/{index}")
    elif key in ("additionalProperties", "uniqueItems"):
        if not isinstance(value, bool):
            fail()
    elif key in ("enum", "required"):
        if not isinstance(value, list):
            fail()
    elif key == "pattern":
        if not isinstance(value, str):
            fail()
        re.compile(value)
    elif key in ("minLength", "minProperties"):
        if not _is_integer(value) or value < 0:
            fail()
    elif not _is_number(value):  # minimum, exclusiveMinimum, maximum, exclusiveMaximum
        fail()


def problems(instance: object, schema: Mapping[str, Any] | bool) -> list[Problem]:
    """Every rule ``instance`` breaks, in the order jsonschema reports them. Call :func:`supported` first."""
    return list(_walk(instance, schema, ()))


def _walk(instance: Any, schema: Mapping[str, Any] | bool, path: tuple[str | int, ...]) -> Iterator[Problem]:
    if schema is True:
        return
    if schema is False:
        yield Problem("false", False, instance, path, {})
        return
    for key, spec in schema.items():
        check = _CHECKS.get(key)
        if check is not None:
            yield from check(spec, instance, schema, path)


def _is_integer(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float)
                                                                       and value.is_integer())


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_IS_TYPE: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": _is_integer,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}

_Found = Iterator[Problem]


def _type(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    names = spec if isinstance(spec, list) else [spec]
    if not any(_IS_TYPE[name](v) for name in names):
        yield Problem("type", spec, v, path, schema)


def _properties(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if isinstance(v, dict):
        for name, sub in spec.items():
            if name in v:
                yield from _walk(v[name], sub, (*path, name))


def _pattern_properties(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if isinstance(v, dict):
        for pattern, sub in spec.items():
            for name, item in v.items():
                if re.search(pattern, name):
                    yield from _walk(item, sub, (*path, name))


def _property_names(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if isinstance(v, dict):
        for name in v:
            yield from _walk(name, spec, path)  # a key is checked where its mapping is, as jsonschema does


def additional_keys(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Keys of ``instance`` that neither ``properties`` nor ``patternProperties`` of ``schema`` cover."""
    named = schema.get("properties", {})
    patterns = "|".join(schema.get("patternProperties", {}))
    return [key for key in instance if key not in named and not (patterns and re.search(patterns, key))]


def _additional_properties(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if spec is False and isinstance(v, dict) and additional_keys(v, schema):
        yield Problem("additionalProperties", spec, v, path, schema)


def _items(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if isinstance(v, list):
        for index, item in enumerate(v):
            yield from _walk(item, spec, (*path, index))


def _required(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if isinstance(v, dict):
        for name in spec:
            if name not in v:
                yield Problem("required", spec, v, path, schema, missing=name)


def _one_of(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    found: list[tuple[int, Problem]] = []
    valid = [index for index, sub in enumerate(spec) if not _collect(v, sub, path, index, found)]
    if len(valid) != 1:
        yield Problem("oneOf", spec, v, path, schema, context=tuple(found) if not valid else ())


def _collect(v: Any, sub: Any, path: tuple[str | int, ...], index: int, into: list[tuple[int, Problem]]) -> bool:
    errors = list(_walk(v, sub, path))
    into.extend((index, error) for error in errors)
    return bool(errors)


def _enum(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if not any(equal(each, v) for each in spec):
        yield Problem("enum", spec, v, path, schema)


def _pattern(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if isinstance(v, str) and not re.search(spec, v):
        yield Problem("pattern", spec, v, path, schema)


def _min_length(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if isinstance(v, str) and len(v) < spec:
        yield Problem("minLength", spec, v, path, schema)


def _min_properties(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if isinstance(v, dict) and len(v) < spec:
        yield Problem("minProperties", spec, v, path, schema)


def _unique_items(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
    if spec and isinstance(v, list) and repeated_at(v) is not None:
        yield Problem("uniqueItems", spec, v, path, schema)


def _bound(keyword: str) -> Any:
    refuses: Callable[[Any, Any], bool] = {"minimum": lambda v, b: v < b, "exclusiveMinimum": lambda v, b: v <= b,
               "maximum": lambda v, b: v > b, "exclusiveMaximum": lambda v, b: v >= b}[keyword]

    def check(spec: Any, v: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> _Found:
        if _is_number(v) and refuses(v, spec):
            yield Problem(keyword, spec, v, path, schema)

    return check


_CHECKS: dict[str, Any] = {
    "type": _type,
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "propertyNames": _property_names,
    "additionalProperties": _additional_properties,
    "items": _items,
    "required": _required,
    "oneOf": _one_of,
    "enum": _enum,
    "pattern": _pattern,
    "minLength": _min_length,
    "minProperties": _min_properties,
    "uniqueItems": _unique_items,
    **{keyword: _bound(keyword) for keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")},
}


def equal(one: object, two: object) -> bool:
    """JSON equality: ``true`` is not ``1``, lists and mappings compare item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return one.keys() == two.keys() and all(equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    return one == two


def repeated_at(items: Sequence[object]) -> int | None:
    """The index of the first item equal to an earlier one, or None."""
    for index, item in enumerate(items):
        if any(equal(item, earlier) for earlier in items[:index]):
            return index
    return None
