"""``pyclawrouter models [--json]``: what BlockRun's gateway serves now, with prices.

Reads the gateway's live list (``GET {apiBase}/v1/models?format=json``, 4 s) and merges it over the shipped
snapshot exactly as the proxy does, so the table is what the router will use. If the gateway cannot be
reached, the snapshot is shown and says so.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("models", help="the models the gateway serves now, with prices",
                                   description="List the models BlockRun's gateway serves now, with prices.")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import os

    import httpx

    from pyclawrouter.proxy.live_catalog import LiveCatalog
    from pyclawrouter.routing.catalog import default_catalog
    from pyclawrouter.settings import Settings

    logging.getLogger("pyclawrouter.proxy.live_catalog").setLevel(logging.ERROR)  # said below, once
    settings = Settings.from_config({}, os.environ)
    live = LiveCatalog(default_catalog())

    async def refresh() -> bool:
        async with httpx.AsyncClient(trust_env=False) as client:
            return await live.refresh(client, settings.api_base)

    fresh = asyncio.run(refresh())
    state = live.state
    rows = []
    for model in sorted(state.catalog.models.values(), key=lambda m: m.id):
        if model.id in state.unlisted:
            continue
        status = "free" if model.is_free else "routed" if model.tools or model.agentic else "explicit only"
        rows.append({"id": model.id, "input": model.input_price, "output": model.output_price,
                     "context": model.context_window, "maxOutput": model.max_output, "status": status})
    rows += [{"id": m.id, "input": None, "output": None, "context": m.context_window, "maxOutput": m.max_output,
              "status": "no price (not routed)"} for m in sorted(state.catalog.unpriced.values(), key=lambda m: m.id)
             if fresh or m.id not in state.unlisted]
    if args.json:
        print(json.dumps({"pricedBy": state.priced_by, "models": rows}, indent=2))
        return 0
    if not fresh:
        print(f"The gateway at {settings.api_base} could not be read ({live.last_error}); "
              f"showing the {state.priced_by}.")
    print(f"{'model':<46} {'in $/1M':>8} {'out $/1M':>9} {'context':>9} {'max out':>8}  status")
    for row in rows:
        price = (f"{row['input']:>8.3f} {row['output']:>9.3f}" if row["input"] is not None else f"{'-':>8} {'-':>9}")
        print(f"{row['id']:<46} {price} {row['context']:>9,} {row['maxOutput']:>8,}  {row['status']}")
    print(f"\n{len(rows)} models, priced by the {state.priced_by}.")
    return 0
