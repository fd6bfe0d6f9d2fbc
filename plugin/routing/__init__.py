"""The routing core: which model serves a chat request, at what estimated cost, with which fallbacks.

One module per step, pure after start-up (the data files are read and validated once):

- ``request`` / ``prompt`` / ``tokens``: the one request model (:class:`ChatRequest`): the body validated and
  read in one pass over the messages, the user's own words, the token estimate
- ``catalog``: models, prices, capabilities, profiles, aliases, redirects (``data/models.toml``)
- ``config``: tier -> model tables per profile and the plugin config's overrides (``data/tiers.toml``)
- ``keywords``: the classifier's multilingual vocabulary, compiled for matching (``data/keywords.toml``)
- ``classifier`` / ``scoring``: score the words, map scores to a tier monotonically
- ``selector``: filter the chain for what the request needs, price it, budget estimates
- ``shadow``: what the ``routing.shadow`` tier table would have picked, recorded and never called
- ``errors``: the user-facing errors all of the above raise

``router.route`` runs them in that order and returns a :class:`RoutingDecision`. Both are importable from
here; they load on first use, so importing one light module of the package (``names``, ``request``) does not
import the classifier and the catalog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyclawrouter.routing.request import ChatRequest, parse_request
    from pyclawrouter.routing.router import RoutingDecision, route

__all__ = ["ChatRequest", "RoutingDecision", "parse_request", "route"]

_HOMES = {"ChatRequest": "request", "parse_request": "request", "RoutingDecision": "router", "route": "router"}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
