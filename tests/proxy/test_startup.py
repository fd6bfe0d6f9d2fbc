"""The server answers /health before the wallet and payer have loaded; requests wait for them."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from pyclawrouter.proxy.app import build_app
from pyclawrouter.proxy.context import Deps
from pyclawrouter.proxy.runtime import load_deps
from pyclawrouter.settings import Settings, StaticSettings
from tests.proxy.conftest import read_api_key_file
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.server import free_port, serve


def test_health_first_then_requests_wait_for_the_load(fake: FakeBlockRun, fake_url: str,
                                                      isolated_state_dir: Path) -> None:
    settings = Settings(home=isolated_state_dir, api_base=f"{fake_url}/api", base_rpc_url=f"{fake_url}/rpc",
                        port=free_port())

    def slow_loader(s: Settings) -> Deps:
        time.sleep(0.6)
        return load_deps(s)

    with serve(build_app(StaticSettings(settings), loader=slow_loader), port=settings.port) as url:
        auth = {"authorization": f"Bearer {read_api_key_file(isolated_state_dir)}"}
        health = httpx.get(f"{url}/health", timeout=5).json()
        assert health == {"status": "ok", "ready": False, "paymentChain": "base"}
        assert (isolated_state_dir / "command-token").exists()
        answer = httpx.post(f"{url}/v1/chat/completions", timeout=10, headers=auth,
                            json={"model": "free", "messages": [{"role": "user", "content": "hi"}]})
        assert answer.status_code == 200
        health = httpx.get(f"{url}/health", timeout=5).json()
        assert health["ready"] is True and health["wallet"].startswith("0x")
    assert not (isolated_state_dir / "command-token").exists()


def test_a_failed_load_is_reported_not_hung(isolated_state_dir: Path) -> None:
    def broken(s: Settings) -> Deps:
        raise RuntimeError("boom")

    settings = Settings(home=isolated_state_dir, port=free_port())
    with serve(build_app(StaticSettings(settings), loader=broken), port=settings.port) as url:
        auth = {"authorization": f"Bearer {read_api_key_file(isolated_state_dir)}"}
        deadline = time.monotonic() + 5
        while (health := httpx.get(f"{url}/health", timeout=5)).status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert health.status_code == 503 and health.json()["error"] == "RuntimeError"
        answer = httpx.post(f"{url}/v1/chat/completions", timeout=10, headers=auth,
                            json={"model": "auto", "messages": [{"role": "user", "content": "hi"}]})
        assert answer.status_code == 503 and "could not start" in answer.json()["error"]["message"]
