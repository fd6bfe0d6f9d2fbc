"""POST /plugin/command/{name} needs the per-start token from the state directory."""

from __future__ import annotations

import stat

import httpx

from tests.proxy.conftest import Proxy


def test_command_needs_the_token(proxy: Proxy) -> None:
    token_file = proxy.home / "command-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()
    url = f"{proxy.url}/plugin/command/stats"
    assert httpx.post(url, json={"args": ""}, timeout=5).status_code == 401
    wrong = httpx.post(url, json={"args": ""}, headers={"authorization": "Bearer nope"}, timeout=5)
    assert wrong.status_code == 401
    ok = httpx.post(url, json={"args": "", "senderIsOwner": True, "channel": "webchat"},
                    headers={"authorization": f"Bearer {token}"}, timeout=10)
    assert ok.status_code == 200, ok.text
    assert set(ok.json()) == {"text", "data", "media", "isError"}


def test_the_first_chat_command_leads_with_the_first_run_message_once(proxy: Proxy) -> None:
    token = (proxy.home / "command-token").read_text().strip()

    def stats() -> str:
        reply = httpx.post(f"{proxy.url}/plugin/command/stats", json={"args": ""},
                           headers={"authorization": f"Bearer {token}"}, timeout=10)
        assert reply.status_code == 200, reply.text
        return str(reply.json()["text"])

    first, second = stats(), stats()
    assert first.startswith("Your pyclawrouter wallet pays BlockRun per request in USDC")
    assert "/wallet export" in first and "agents.defaults.model.primary blockrun/auto" in first
    assert "No requests in the last 7 days" in first
    assert "Your pyclawrouter wallet" not in second and "No requests in the last 7 days" in second
