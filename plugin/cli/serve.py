"""``pyclawrouter serve``: run the proxy in the foreground."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="run the proxy on 127.0.0.1 until Ctrl+C",
                                   description="Run the OpenAI-compatible routing proxy in the foreground.")
    parser.add_argument("--host", default=None, help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default $BLOCKRUN_PROXY_PORT or 8402)")
    parser.add_argument("--api-base", default=None, help="BlockRun API base URL")
    parser.add_argument("--chain", dest="payment_chain", choices=("base", "solana"), default=None,
                        help="payment chain")
    parser.add_argument("--config", type=Path, default=None, help="config file (YAML, TOML or JSON)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from pyclawrouter import paths
    from pyclawrouter.config_schema import ConfigWatcher
    from pyclawrouter.endpoints import DEFAULT_API_BASE
    from pyclawrouter.proxy import listener
    from pyclawrouter.proxy.app import build_app
    from pyclawrouter.proxy.server import check_loopback, run
    from pyclawrouter.settings import WatchedSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per upstream call is noise
    env = dict(os.environ)
    home = paths.state_dir(env)
    api_base = args.api_base
    if api_base is None and args.payment_chain is not None and not env.get("BLOCKRUN_API_BASE"):
        api_base = DEFAULT_API_BASE[args.payment_chain]
    overrides = {"host": args.host, "port": args.port, "payment_chain": args.payment_chain,
                 "api_base": api_base.rstrip("/") if api_base else None}
    # Every config source (openclaw.json, the state directory's config, --config, environment) in one order;
    # edits are picked up while serving, and a bad edit keeps the last good config.
    # A bad config at start does not stop the proxy (the gateway would have none): it runs on the last good
    # config (or the defaults), says so in the log, /health and the next chat command, and picks up the fix.
    watcher = ConfigWatcher(home, env, config_file=args.config, start_anyway=True,
                            remember=paths.last_good_config_file(home))
    if watcher.error is not None:
        print(f"pyclawrouter: config not applied, running on {watcher.fallback}: {watcher.error}",
              file=sys.stderr, flush=True)
    provider = WatchedSettings(watcher, env, home=home, overrides=overrides)
    settings = provider.current()
    check_loopback(settings.host)
    # Bound before the app exists: on a busy port nothing of the running proxy (its command-token) is touched.
    sock = listener.bind(settings.host, settings.port)
    app = build_app(provider)
    print(f"pyclawrouter proxy listening on {settings.public_base_url} (chain {settings.payment_chain}, "
          f"upstream {settings.api_base})", file=sys.stderr, flush=True)
    run(app, sock, event_loop=env.get("PYCLAWROUTER_EVENT_LOOP", "asyncio"))
    return 0
