"""The config schema's enums are the router's names (``pyclawrouter.routing.names``): a tier or profile added to
one and not the other would either be refused in config or let through to the router unchecked."""

from __future__ import annotations

import re

import pytest

from pyclawrouter.config_schema import ConfigError, schema, validate_config
from pyclawrouter.routing.names import PROFILES, TABLES, TIERS


def _routing() -> dict[str, object]:
    properties = schema()["properties"]["routing"]["properties"]
    assert isinstance(properties, dict)
    return properties


def test_profiles_tables_and_tiers_are_the_routers() -> None:
    routing = _routing()
    assert routing["defaultProfile"]["enum"] == list(PROFILES)  # type: ignore[index]
    tiers = routing["tiers"]
    assert set(tiers["propertyNames"]["enum"]) == set(TABLES)  # type: ignore[index]
    (table_pattern, table), = tiers["patternProperties"].items()  # type: ignore[index]
    assert set(table["propertyNames"]["enum"]) == set(TIERS)
    (tier_pattern, _choice), = table["patternProperties"].items()
    for names, pattern in ((TABLES, table_pattern), (TIERS, tier_pattern)):
        assert all(re.fullmatch(pattern, name) for name in names)
        assert not re.fullmatch(pattern, "OTHER")


@pytest.mark.parametrize("table", TABLES)
def test_every_table_and_tier_is_accepted_in_config(table: str) -> None:
    tiers = {tier: {"primary": "google/gemini-2.5-flash"} for tier in TIERS}
    assert validate_config({"routing": {"tiers": {table: tiers}}}, source="test")["routing"]["tiers"][table] == tiers


def test_an_unknown_tier_is_refused() -> None:
    with pytest.raises(ConfigError, match="TRIVIAL"):
        validate_config({"routing": {"tiers": {"auto": {"TRIVIAL": {"primary": "x/y"}}}}}, source="test")
