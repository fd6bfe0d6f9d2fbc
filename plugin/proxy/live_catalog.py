"""The catalog the proxy routes and prices with: the shipped snapshot, then the gateway's live list over it.

At start and every 5 minutes, off the request path, ``GET {apiBase}/v1/models?format=json`` (4 s timeout, no
redirects) is merged over the snapshot (``routing/live.py``). Each refresh builds a complete new
:class:`CatalogState` and swaps it in with one assignment, so a request sees one consistent view; on any error
the last complete view stays. Every usage line names the view that priced it (``pricedBy``).

Right after each list, ``GET {apiBase}/v1/health/models`` (same timeout, no redirects) is read the same way:
its rows (``routing/health.py``) replace the last good ones in one assignment, and on any error those stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from pyclawrouter.proxy.catalog_view import CatalogView
from pyclawrouter.proxy.model_list import model_list

if TYPE_CHECKING:
    from pyclawrouter.routing.catalog import Catalog
    from pyclawrouter.routing.config import RoutingConfig
    from pyclawrouter.routing.health import ModelHealth

log = logging.getLogger(__name__)

REFRESH_INTERVAL_S = 300.0
FETCH_TIMEOUT_S = 4.0
MAX_LIST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class CatalogState:
    catalog: Catalog
    routing: RoutingConfig
    """The routing tables for the default (unconfigured) ``routing`` section, on this catalog."""
    models: CatalogView
    models_body: bytes
    unlisted: frozenset[str] = frozenset()
    priced_by: str = ""
    _configured: dict[int, tuple[object, RoutingConfig]] = field(default_factory=dict, compare=False)

    def config_for(self, mapping: Mapping[str, Any] | None) -> RoutingConfig:
        """The routing tables for a configured ``routing`` section, built once per (state, mapping)."""
        if not mapping:
            return self.routing
        cached = self._configured.get(id(mapping))
        if cached is not None and cached[0] is mapping:
            return cached[1]
        from pyclawrouter.routing.config import RoutingConfig

        try:
            config = RoutingConfig.from_mapping(mapping, catalog=self.catalog)
        except Exception:  # the config loader validated it against the snapshot; keep the defaults
            log.warning("the configured routing tables do not fit the live catalog; using the default tables")
            config = self.routing
        self._configured.clear()
        self._configured[id(mapping)] = (mapping, config)
        return config


def state_for(catalog: Catalog, *, unlisted: frozenset[str] = frozenset(), priced_by: str) -> CatalogState:
    from pyclawrouter.routing.config import RoutingConfig
    from pyclawrouter.routing.selector import estimate_request_cost

    def estimate(model: str, tokens_in: int, tokens_out: int) -> float:
        return estimate_request_cost(model, tokens_in, tokens_out, catalog=catalog)

    listing = model_list(catalog)
    listing["data"] = [row for row in listing["data"] if row["id"] not in unlisted]
    return CatalogState(catalog=catalog, routing=RoutingConfig.from_mapping(None, catalog=catalog),
                        models=CatalogView(catalog, estimate, unlisted=unlisted),
                        models_body=json.dumps(listing).encode("utf-8"), unlisted=unlisted, priced_by=priced_by)


class LiveCatalog:
    def __init__(self, snapshot: Catalog) -> None:
        self.snapshot = snapshot
        self.state = state_for(snapshot, priced_by=f"snapshot {snapshot.snapshot_date.isoformat()}")
        self.last_error: str | None = None
        self.health: Mapping[str, ModelHealth] = {}
        """The gateway's last good health rows, by model id (empty until one was read)."""
        self.health_error: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def refresh(self, client: httpx.AsyncClient, api_base: str) -> bool:
        from pyclawrouter.routing.live import merge, parse_rows

        try:
            response = await client.get(f"{api_base}/v1/models", params={"format": "json"},
                                        timeout=FETCH_TIMEOUT_S, follow_redirects=False)
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            if len(response.content) > MAX_LIST_BYTES:
                raise ValueError("the model list is too large")
            view = merge(self.snapshot, parse_rows(response.json()))
            when = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            self.state = state_for(view.catalog, unlisted=view.unlisted, priced_by=f"live {when}")
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("could not refresh the model list from %s (%s); keeping %s", api_base, self.last_error,
                        self.state.priced_by)
            return False
        self.last_error = None
        return True

    async def refresh_health(self, client: httpx.AsyncClient, api_base: str) -> bool:
        from pyclawrouter.routing.health import parse_health

        try:
            response = await client.get(f"{api_base}/v1/health/models", timeout=FETCH_TIMEOUT_S,
                                        follow_redirects=False)
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            if len(response.content) > MAX_LIST_BYTES:
                raise ValueError("the health list is too large")
            self.health = parse_health(response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            self.health_error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("could not read model health from %s (%s); keeping the last good rows", api_base,
                        self.health_error)
            return False
        self.health_error = None
        return True

    def start(self, client: httpx.AsyncClient, api_base: str, interval_s: float = REFRESH_INTERVAL_S) -> None:
        async def loop() -> None:
            while True:
                started = time.monotonic()
                await self.refresh(client, api_base)
                await self.refresh_health(client, api_base)
                await asyncio.sleep(max(1.0, interval_s - (time.monotonic() - started)))

        self._task = asyncio.get_running_loop().create_task(loop(), name="live-catalog")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
