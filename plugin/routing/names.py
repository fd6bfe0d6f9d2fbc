"""The names the router's verdicts are given in, shared by the proxy, the usage log and the dashboard.

No imports, so reading a tier order does not load the router. ``config_schema/schema.json`` spells the same
names in its enums; ``tests/config/test_schema_names.py`` keeps the two identical.
"""

from __future__ import annotations

# Lowest to highest: a session may move up this order, never silently down it.
TIERS: tuple[str, ...] = ("SIMPLE", "MEDIUM", "COMPLEX", "REASONING")
# What a client may ask for as its model: blockrun/auto, blockrun/eco, ...
PROFILES: tuple[str, ...] = ("auto", "eco", "premium", "free")
# The tier tables in tiers.toml: one per profile, plus the one the auto profile uses for agentic requests.
AGENTIC_TABLE = "agentic"
TABLES: tuple[str, ...] = (*PROFILES, AGENTIC_TABLE)
