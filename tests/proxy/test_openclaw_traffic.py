"""OpenClaw's real requests (47 KB system prompt, 11 tools, streaming with include_usage) through the proxy."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.proxy.conftest import Proxy

TRAFFIC = Path(__file__).resolve().parents[1] / "data" / "openclaw"


@pytest.mark.parametrize("name", ["openclaw-chat-1.json", "openclaw-chat-2.json", "openclaw-chat-3.json"])
def test_openclaw_request_streams_and_is_paid(proxy: Proxy, name: str) -> None:
    body = json.loads((TRAFFIC / name).read_text())
    with httpx.stream("POST", f"{proxy.url}/v1/chat/completions", json=body, timeout=20,
                      headers=proxy.auth) as response:
        text = response.read().decode()
    assert response.status_code == 200
    events = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert any(c.get("usage") for c in chunks)  # OpenClaw asked for usage: passed through
    sent = proxy.fake.requests[-1]
    assert sent.paid and sent.stream and sent.body["model"] != "auto"
    assert len(sent.body["tools"]) == 11 and sent.body["max_tokens"] <= 4096
    assert "max_completion_tokens" not in sent.body  # the gateway reads max_tokens only
    assert "authorization" not in {k.lower() for k in sent.body}
    assert proxy.fake.settled[-1].model == sent.model
