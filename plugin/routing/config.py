"""Routing configuration: the default profile and the tier -> model tables, with the plugin config's overrides.

Defaults come from ``pyclawrouter/data/tiers.toml``; ``RoutingConfig.from_mapping`` takes the plugin config's
``routing`` object (``{"defaultProfile": ..., "tiers": {profile: {TIER: {"primary": id, "fallback": [ids]}}}}``)
and merges it entry by entry onto the defaults, so overriding one tier leaves the others alone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pyclawrouter.routing._data import Fields, read_toml
from pyclawrouter.routing.catalog import Catalog, default_catalog
from pyclawrouter.routing.errors import CatalogError, RoutingConfigError, UnknownModelError
from pyclawrouter.routing.names import PROFILES, TABLES, TIERS
from pyclawrouter.routing.selector import Requirements, build_chain
from pyclawrouter.routing.shadow import ShadowSpec

# "agentic" is not a profile a client can ask for: the auto profile switches to it on agentic intent.


@dataclass(frozen=True, slots=True)
class TierChoice:
    primary: str
    fallback: tuple[str, ...] = ()
    # Primary then fallbacks, each once (a model listed twice would only be retried for nothing).
    chain: tuple[str, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "chain", tuple(dict.fromkeys((self.primary, *self.fallback))))


TierTable = Mapping[str, TierChoice]


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    default_profile: str = "auto"
    tables: Mapping[str, TierTable] = field(default_factory=dict)
    # Models that accept tools but handle tool turns badly: moved to the end of chains for tool requests.
    unreliable_with_tools: frozenset[str] = frozenset()
    catalog: Catalog = field(default_factory=default_catalog, compare=False, repr=False)
    # routing.shadow: the tier table whose picks are recorded next to the real ones, never called.
    shadow: ShadowSpec | None = None
    # Every tier's chain as the selector filters it for a request with / without tools and nothing else to
    # rule out, computed once: that is nearly every request, which then skips the selector.
    _plain_chains: Mapping[tuple[str, str, bool], tuple[tuple[str, ...], tuple[str, ...]]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        chains = {}
        for table, tiers in self.tables.items():
            for tier, choice in tiers.items():
                for tools in (False, True):
                    chain, notes = build_chain(
                        choice.chain,
                        Requirements(0, 1, has_tools=tools),
                        catalog=self.catalog,
                        deprioritize_with_tools=self.unreliable_with_tools,
                    )
                    chains[(table, tier, tools)] = (tuple(chain), tuple(notes))
        object.__setattr__(self, "_plain_chains", MappingProxyType(chains))

    def plain_chain(self, table: str, tier: str, has_tools: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The tier's chain and the selector's notes, for a request with nothing to exclude, no images and an
        input every model's context window holds (see selector.fits_every_model)."""
        return self._plain_chains[(table, tier, has_tools)]

    @staticmethod
    def default() -> RoutingConfig:
        return _default_config()

    @classmethod
    def from_mapping(cls, routing: Mapping[str, Any] | None, *, catalog: Catalog | None = None) -> RoutingConfig:
        """Defaults with the plugin config's ``routing`` object applied; unknown names raise RoutingConfigError."""
        base = _default_config() if catalog is None else load_tier_tables(catalog=catalog)
        if routing is None:
            return base
        if not isinstance(routing, Mapping):
            raise RoutingConfigError(f"routing config must be an object, got {type(routing).__name__}")
        default_profile = routing.get("defaultProfile", base.default_profile)
        if default_profile not in PROFILES:
            raise RoutingConfigError(
                f"routing.defaultProfile {default_profile!r} is not a routing profile; allowed: {sorted(PROFILES)}"
            )
        tables = {name: dict(table) for name, table in base.tables.items()}
        overrides = routing.get("tiers", {})
        if not isinstance(overrides, Mapping):
            raise RoutingConfigError("routing.tiers must be an object: {profile: {TIER: {primary, fallback}}}")
        for profile, tiers in overrides.items():
            if profile not in TABLES:
                raise RoutingConfigError(f"routing.tiers.{profile}: unknown profile; allowed: {list(TABLES)}")
            if not isinstance(tiers, Mapping):
                raise RoutingConfigError(f"routing.tiers.{profile} must be an object keyed by tier {list(TIERS)}")
            for tier, choice in tiers.items():
                where = f"routing.tiers.{profile}.{tier}"
                if tier not in TIERS:
                    raise RoutingConfigError(f"{where}: unknown tier; allowed: {list(TIERS)}")
                tables[profile][tier] = _override_choice(where, choice, tables[profile][tier], base.catalog)
        shadow = _shadow(routing["shadow"], base.catalog) if "shadow" in routing else None
        return replace(
            base,
            default_profile=default_profile,
            tables=MappingProxyType({k: MappingProxyType(v) for k, v in tables.items()}),
            shadow=shadow,
        )

    def choice(self, table: str, tier: str) -> TierChoice:
        return self.tables[table][tier]

    def shadow_candidates(self, routed_table: str, tier: str, agentic: bool) -> tuple[str, ...] | None:
        """The shadow's chain for this request's tier before filtering, or None without ``routing.shadow``."""
        if self.shadow is None:
            return None
        return self.shadow.candidates(lambda table, t: self.tables[table][t].chain, routed_table=routed_table,
                                      tier=tier, agentic=agentic)


_SHADOW_SHAPE = (f"{{profile: <one of {', '.join(TABLES)}>}} or a tier table keyed by {', '.join(TIERS)} "
                 "({TIER: {primary: id, fallback: [ids]}})")


def _shadow(raw: object, catalog: Catalog) -> ShadowSpec:
    where = "routing.shadow"
    if not isinstance(raw, Mapping) or not raw:
        raise RoutingConfigError(f"{where} must be {_SHADOW_SHAPE}; got {raw!r}")
    if "profile" in raw:
        extra = sorted(set(raw) - {"profile"})
        if extra:
            raise RoutingConfigError(f"{where}: {extra} cannot stand next to 'profile'; it must be {_SHADOW_SHAPE}")
        if raw["profile"] not in TABLES:
            raise RoutingConfigError(f"{where}.profile {raw['profile']!r} is not a routing table; "
                                     f"allowed: {list(TABLES)}")
        return ShadowSpec(profile=str(raw["profile"]))
    chains = {}
    for tier, choice in raw.items():
        if tier not in TIERS:
            raise RoutingConfigError(f"{where}: unknown key {tier!r}; allowed: 'profile' or the tiers {list(TIERS)}")
        if not isinstance(choice, Mapping) or "primary" not in choice:
            raise RoutingConfigError(f"{where}.{tier} must be an object with 'primary' (and optional 'fallback')")
        chains[tier] = _override_choice(f"{where}.{tier}", choice, TierChoice(""), catalog).chain
    return ShadowSpec(chains=MappingProxyType(chains))


def _override_choice(where: str, choice: object, current: TierChoice, catalog: Catalog) -> TierChoice:
    if not isinstance(choice, Mapping):
        raise RoutingConfigError(f"{where} must be an object with 'primary' and/or 'fallback'")
    unknown = set(choice) - {"primary", "fallback"}
    if unknown:
        raise RoutingConfigError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: 'primary', 'fallback'")
    primary = current.primary
    if "primary" in choice:
        primary = _chat_model(f"{where}.primary", choice["primary"], catalog)
    fallback = current.fallback
    if "fallback" in choice:
        raw = choice["fallback"]
        if not isinstance(raw, list):
            raise RoutingConfigError(f"{where}.fallback must be a list of model ids")
        fallback = tuple(_chat_model(f"{where}.fallback[{i}]", v, catalog) for i, v in enumerate(raw))
    return TierChoice(primary, fallback)


def _chat_model(where: str, name: object, catalog: Catalog) -> str:
    if not isinstance(name, str):
        raise RoutingConfigError(f"{where} must be a model id string, got {name!r}")
    try:
        model_id = catalog.resolve(name)
    except UnknownModelError as exc:
        raise RoutingConfigError(f"{where}: {exc.message}") from exc
    if model_id not in catalog.models:
        raise RoutingConfigError(f"{where}: {name!r} is a routing profile or image model, not a chat model id")
    return model_id


def load_tier_tables(path: Path | str | None = None, *, catalog: Catalog | None = None) -> RoutingConfig:
    """Load and validate a tier-table file (the packaged ``tiers.toml`` when ``path`` is None)."""
    catalog = catalog or default_catalog()
    label, raw = read_toml(Path(path) if path is not None else None, "tiers.toml")
    top = Fields(label, raw)
    top.check_keys({*TABLES, "tool_requests"})
    tables: dict[str, TierTable] = {}
    for name in TABLES:
        table = Fields(f"{label} [{name}]", top.table.get(name))
        table.check_keys(set(TIERS))
        choices: dict[str, TierChoice] = {}
        for tier in TIERS:
            f = Fields(f"{label} [{name}.{tier}]", table.table.get(tier))
            f.check_keys({"primary", "fallback", "reason"})
            # Why this choice, one line: the data file must justify every table it ships.
            if "\n" in f.text("reason"):
                raise CatalogError(f"{f.where}: field 'reason' must be one line")
            ids = [f.text("primary"), *f.texts("fallback", default=[])]
            for model_id in ids:
                if model_id not in catalog.models:
                    raise CatalogError(f"{f.where}: {model_id!r} {_not_routable(model_id, catalog)}")
            choices[tier] = TierChoice(ids[0], tuple(ids[1:]))
        tables[name] = MappingProxyType(choices)
    tool_requests = Fields(f"{label} [tool_requests]", top.table.get("tool_requests", {}))
    tool_requests.check_keys({"unreliable"})
    unreliable = frozenset(tool_requests.texts("unreliable", default=[]))
    for model_id in sorted(unreliable - set(catalog.models)):
        raise CatalogError(f"{tool_requests.where}: {model_id!r} {_not_routable(model_id, catalog)}")
    return RoutingConfig("auto", MappingProxyType(tables), unreliable, catalog)


def _not_routable(model_id: str, catalog: Catalog) -> str:
    if model_id in catalog.unpriced:
        return (f"is listed on {catalog.snapshot_date} but has no price in the catalog; tier tables may only "
                "name priced models")
    return f"is not a priced model id in the catalog snapshot of {catalog.snapshot_date}"


@functools.cache
def _default_config() -> RoutingConfig:
    return load_tier_tables()
