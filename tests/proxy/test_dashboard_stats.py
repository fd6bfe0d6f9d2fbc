"""/stats in chat after real paid requests: the text, a PNG chart of spend and savings next to it, and for the
owner a one-time dashboard link; the CLI prints the text only."""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from pyclawrouter.cli import main
from tests.dashboard.png_reader import read_png
from tests.proxy.conftest import Proxy
from tests.proxy.dashboard_traffic import run_traffic


def _stats(proxy: Proxy, *, owner: bool, args: str = "") -> dict[str, object]:
    token = (proxy.home / "command-token").read_text().strip()
    response = httpx.post(f"{proxy.url}/plugin/command/stats", timeout=20,
                          json={"args": args, "senderIsOwner": owner, "channel": "webchat"},
                          headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_stats_attaches_a_chart_and_the_owner_gets_a_one_time_link(proxy: Proxy) -> None:
    run_traffic(proxy)
    reply = _stats(proxy, owner=True)
    assert "Requests     4 (1 failed)" in str(reply["text"])
    (media,) = reply["media"]  # type: ignore[misc]
    assert media.startswith("data:image/png;base64,")
    width, height, rows = read_png(base64.b64decode(media.split(",", 1)[1]))
    assert (width, height) == (640, 320)
    assert any(bytes((37, 99, 235)) in row for row in rows)  # today's spend bar
    link = re.search(r"Dashboard \(link opens once, within 10 minutes\): (\S+)", str(reply["text"]))
    # The link names the configured port (the one `serve` listens on); this test's server took a free one.
    configured = proxy.ctx.settings.public_base_url
    assert link is not None and link.group(1).startswith(f"{configured}/dashboard?once=")
    served = proxy.url + link.group(1).removeprefix(configured)
    assert httpx.get(served, timeout=10).status_code == 303
    assert httpx.get(served, timeout=10).status_code == 403


def test_other_senders_get_the_chart_but_no_link(proxy: Proxy) -> None:
    run_traffic(proxy, failures=0)
    reply = _stats(proxy, owner=False)
    assert len(reply["media"]) == 1  # type: ignore[arg-type]
    assert "/dashboard" not in str(reply["text"])


def test_no_requests_no_picture(proxy: Proxy) -> None:
    reply = _stats(proxy, owner=True)
    assert reply["media"] == [] and "No requests" in str(reply["text"])


def test_cli_stats_prints_text_only(proxy: Proxy, capsys: pytest.CaptureFixture[str]) -> None:
    run_traffic(proxy, failures=0)
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "Requests     3" in out and "/dashboard" not in out and "base64" not in out
