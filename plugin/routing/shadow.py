"""The shadow router: which model another tier table would have picked for a request, never called.

The plugin config's ``routing.shadow`` names it, either another profile's table (``{"profile": "eco"}``) or a
tier table of its own in the shape of ``routing.tiers.<profile>`` (``{"SIMPLE": {"primary": id, "fallback":
[ids]}, ...}``); a tier the own table leaves out is taken from the table the request was routed on. The shadow
picks for the classifier's tier with the same filters as the real chain (tools, images, context, excludes),
so the proxy can record what it would have cost next to what the request did cost.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pyclawrouter.routing.catalog import Catalog
from pyclawrouter.routing.errors import NoModelFitsError
from pyclawrouter.routing.names import AGENTIC_TABLE
from pyclawrouter.routing.selector import Requirements, build_chain, fits_every_model


@dataclass(frozen=True, slots=True)
class ShadowSpec:
    profile: str | None = None
    """Another profile's tier table (``auto`` switches to the agentic table on agentic intent, as routing does)."""
    chains: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Or a table of its own: tier -> primary then fallbacks."""

    def candidates(self, chain_of: Callable[[str, str], tuple[str, ...]], *, routed_table: str, tier: str,
                   agentic: bool) -> tuple[str, ...]:
        """The shadow's chain for this tier before filtering; ``chain_of(table, tier)`` reads a routing table."""
        if self.profile is not None:
            return chain_of(AGENTIC_TABLE if self.profile == "auto" and agentic else self.profile, tier)
        own = self.chains.get(tier)
        return own if own is not None else chain_of(routed_table, tier)


def shadow_model(candidates: tuple[str, ...], needs: Requirements, *, catalog: Catalog,
                 excluded: Collection[str] = (), deprioritize_with_tools: Collection[str] = ()) -> str | None:
    """The first model of ``candidates`` that can take the request, or None when none can."""
    if not excluded and not needs.has_images and not needs.has_tools and fits_every_model(needs, catalog):
        return candidates[0]
    try:
        chain, _ = build_chain(candidates, needs, catalog=catalog, excluded=excluded,
                               deprioritize_with_tools=deprioritize_with_tools, label="the shadow chain")
    except NoModelFitsError:
        return None
    return chain[0]
