"""``pyclawrouter dashboard [--url]``: open the proxy's read-only dashboard in a browser, or print a link to it.

The link carries a one-time code (valid once, for ten minutes), never the dashboard token itself: a browser
is started with the URL in its argv, which other local users can read, and it lands in the browser's history.
The page swaps the code for a cookie on first use.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="open the spend and savings dashboard in a browser",
        description="Open the proxy's read-only dashboard (spend, savings, sessions, latency, last requests). "
                    "The proxy must be running (the OpenClaw gateway or `pyclawrouter serve`).",
    )
    parser.add_argument("--url", action="store_true",
                        help="print a one-time link (valid once, for 10 minutes) instead of opening a browser")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    import webbrowser

    import httpx

    from pyclawrouter.commands.cli_bridge import cli_context
    from pyclawrouter.dashboard import access
    from pyclawrouter.errors import UserFacingError

    ctx = cli_context()
    base = (ctx.proxy_url or "").rstrip("/")
    try:
        httpx.get(f"{base}/health", timeout=3.0, trust_env=False)
    except httpx.HTTPError:
        raise UserFacingError(f"The proxy is not running on {base.removeprefix('http://')}: start the OpenClaw "
                              "gateway or `pyclawrouter serve`, then run this again.") from None
    url = access.one_time_url(base, access.load_or_create_token(ctx.home))
    if args.url:
        print(url)
        return 0
    if not webbrowser.open(url):
        print(f"No browser found. Open this link (valid once, for 10 minutes):\n{url}")
        return 0
    print(f"Opened the dashboard at {base}/dashboard")
    return 0
