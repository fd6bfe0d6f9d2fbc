"""Small helpers shared by the loaders of the routing data files: read TOML from the package, and check field
types with errors that name the file, the entry and the field."""

from __future__ import annotations

import datetime
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyclawrouter.routing.errors import CatalogError

# Shipped as package data next to the code (pyproject package-data "data/*.toml"). A plain path rather than
# importlib.resources: that import alone costs ~25 ms, a third of `pyclawrouter route`'s start-up.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def read_toml(path: Path | None, packaged_name: str) -> tuple[str, dict[str, Any]]:
    """Parse ``path`` or, when it is None, the data file shipped in ``pyclawrouter/data``."""
    try:
        if path is None:
            source = DATA_DIR / packaged_name
            return f"pyclawrouter/data/{packaged_name}", tomllib.loads(source.read_text(encoding="utf-8"))
        return str(path), tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read routing data file {path or packaged_name}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path or packaged_name} is not valid TOML: {exc}") from exc


class Fields:
    """Typed access to one table of a data file; every failure names ``where`` and the field."""

    def __init__(self, where: str, table: object) -> None:
        if not isinstance(table, Mapping):
            raise CatalogError(f"{where}: expected a table, got {type(table).__name__}")
        self.where = where
        self.table: Mapping[str, Any] = table

    def _get(self, key: str, default: object) -> object:
        if key in self.table:
            return self.table[key]
        if default is _MISSING:
            raise CatalogError(f"{self.where}: missing field {key!r}")
        return default

    def text(self, key: str, default: object = None) -> str:
        value = self._get(key, _MISSING if default is None else default)
        if not isinstance(value, str) or not value.strip():
            raise CatalogError(f"{self.where}: field {key!r} must be a non-empty string, got {value!r}")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.table.get(key)
        if value is not None and not isinstance(value, str):
            raise CatalogError(f"{self.where}: field {key!r} must be a string, got {value!r}")
        return value

    def number(self, key: str, *, minimum: float = 0.0, default: float | None = None) -> float:
        value = self._get(key, _MISSING if default is None else default)
        # NaN compares false with everything and inf is a number to TOML: both would pass a bare ">= minimum".
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < minimum:
            raise CatalogError(f"{self.where}: field {key!r} must be a finite number >= {minimum}, got {value!r}")
        return float(value)

    def date(self, key: str) -> datetime.date:
        """A TOML local date (``2026-10-20``, unquoted); a datetime or a string is refused."""
        value = self._get(key, _MISSING)
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            raise CatalogError(f"{self.where}: field {key!r} must be a date like 2026-10-20 (unquoted), got {value!r}")
        return value

    def integer(self, key: str, *, minimum: int = 1) -> int:
        value = self._get(key, _MISSING)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise CatalogError(f"{self.where}: field {key!r} must be an integer >= {minimum}, got {value!r}")
        return value

    def flag(self, key: str) -> bool:
        value = self._get(key, False)
        if not isinstance(value, bool):
            raise CatalogError(f"{self.where}: field {key!r} must be true or false, got {value!r}")
        return value

    def texts(self, key: str, *, default: list[str] | None = None) -> list[str]:
        value = self._get(key, _MISSING if default is None else default)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise CatalogError(f"{self.where}: field {key!r} must be a list of non-empty strings, got {value!r}")
        return list(value)

    def check_keys(self, allowed: set[str] | frozenset[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise CatalogError(f"{self.where}: unknown field(s) {unknown}; allowed: {sorted(allowed)}")


_MISSING = object()
