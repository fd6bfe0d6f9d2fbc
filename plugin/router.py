"""``from pyclawrouter.router import route``: the stable import path of the routing core's entry point.

``route`` and ``RoutingDecision`` are defined in :mod:`pyclawrouter.routing.router`; this module only names them
here so callers written against the documented API keep working.
"""

from __future__ import annotations

from pyclawrouter.routing.router import RoutingDecision, route

__all__ = ["RoutingDecision", "route"]
