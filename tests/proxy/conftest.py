"""A running proxy in front of the fake BlockRun, both on 127.0.0.1, and the official OpenAI SDK as client.

Every paid call goes through the real Payer and is verified by the x402 SDK inside the fake.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from pyclawrouter.proxy.app import build_app
from pyclawrouter.proxy.context import ProxyContext
from pyclawrouter.proxy.runtime import load_deps
from pyclawrouter.settings import Settings, StaticSettings
from pyclawrouter.wallet import load_or_create_wallet
from tests.support.browser import browser_page, open_browser_page  # noqa: F401  (fixtures for page tests)
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.server import free_port, serve

FUNDS = 5_000_000  # 5 USDC


@dataclass
class Proxy:
    url: str
    fake: FakeBlockRun
    home: Path
    ctx: ProxyContext
    wallet_address: str
    api_key: str

    @property
    def auth(self) -> dict[str, str]:
        """The header every /v1/* request needs (the per-install key from the state directory)."""
        return {"authorization": f"Bearer {self.api_key}"}

    def client(self, **kw: Any) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=self.api_key, max_retries=0,
                             timeout=kw.pop("timeout", 30.0), **kw)

    def usage_lines(self) -> list[dict[str, Any]]:
        import json

        lines: list[dict[str, Any]] = []
        for path in sorted((self.home / "logs").glob("usage-*.jsonl")):
            lines += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return lines


ProxyFactory = Callable[..., Proxy]


@pytest.fixture
def fake() -> FakeBlockRun:
    from tests.support.backends import StubEvmBackend

    return FakeBlockRun(StubEvmBackend(), max_hang_s=10.0)


@pytest.fixture
def fake_url(fake: FakeBlockRun) -> Iterator[str]:
    with serve(fake.app) as url:
        yield url


@pytest.fixture
def start_proxy(fake: FakeBlockRun, fake_url: str, isolated_state_dir: Path) -> Iterator[ProxyFactory]:
    """Start a proxy with setting overrides; servers stop at the end of the test."""
    stack: list[Any] = []

    def start(*, fund: int = FUNDS, config: dict[str, Any] | None = None, **overrides: Any) -> Proxy:
        home = isolated_state_dir
        wallet = load_or_create_wallet(home, {})
        if fund and not stack:
            fake.backend.fund(wallet.evm_address, fund)
        env = {"PYCLAWROUTER_HOME": str(home), "BLOCKRUN_API_BASE": f"{fake_url}/api",
               "BLOCKRUN_BASE_RPC_URL": f"{fake_url}/rpc",
               # run the suite with PYCLAWROUTER_UPSTREAM_TRANSPORT=aiohttp to test the other transport
               "PYCLAWROUTER_UPSTREAM_TRANSPORT": os.environ.get("PYCLAWROUTER_UPSTREAM_TRANSPORT", "")}
        settings = Settings.from_config(config or {}, env, home=home)
        # The proxy only answers Host 127.0.0.1:<its configured port>, so the port is chosen before it starts.
        settings = settings.with_overrides(**{"attempt_timeout_s": 10.0, "request_timeout_s": 20.0,
                                              "port": free_port(), **overrides})
        app = build_app(StaticSettings(settings), load_deps(settings))
        server = serve(app, port=settings.port)
        url = server.__enter__()
        stack.append(server)
        return Proxy(url=url, fake=fake, home=home, ctx=app.state.ctx, wallet_address=wallet.evm_address,
                     api_key=read_api_key_file(home))

    yield start
    for server in reversed(stack):
        server.__exit__(None, None, None)


@pytest.fixture
def proxy(start_proxy: ProxyFactory) -> Proxy:
    return start_proxy()


def read_api_key_file(home: Path) -> str:
    return (home / "api-key").read_text(encoding="utf-8").strip()


def _no_proxy_env() -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(var, None)


_no_proxy_env()
