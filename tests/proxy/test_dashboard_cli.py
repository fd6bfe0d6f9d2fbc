"""`pyclawrouter dashboard`: opens a one-time link in the user's browser, `--url` prints one; both work once."""

from __future__ import annotations

import stat
import webbrowser
from pathlib import Path

import httpx
import pytest

from pyclawrouter.cli import main
from pyclawrouter.dashboard import access
from tests.proxy.conftest import Proxy


def _point_cli_at(proxy: Proxy) -> None:
    (proxy.home / "config.yaml").write_text(f"port: {proxy.url.rsplit(':', 1)[1]}\n")


def test_url_prints_a_working_one_time_link(proxy: Proxy, capsys: pytest.CaptureFixture[str]) -> None:
    _point_cli_at(proxy)
    assert main(["dashboard", "--url"]) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith(f"{proxy.url}/dashboard?once=")
    assert access.load_or_create_token(proxy.home) not in url  # the long-lived token never leaves the file
    opened = httpx.get(url, timeout=10)
    assert opened.status_code == 303
    page = httpx.get(f"{proxy.url}/dashboard", cookies=opened.cookies, timeout=10)
    assert page.status_code == 200 and "pyclawrouter dashboard" in page.text
    assert httpx.get(url, timeout=10).status_code == 403


def test_dashboard_opens_the_browser(proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    _point_cli_at(proxy)
    seen = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {seen}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    # webbrowser honours $BROWSER; forget any browser list it built before this test.
    monkeypatch.setenv("BROWSER", f"{browser} %s")
    monkeypatch.setattr(webbrowser, "_tryorder", None, raising=False)
    assert main(["dashboard"]) == 0
    assert "Opened the dashboard" in capsys.readouterr().out
    url = seen.read_text()
    assert url.startswith(f"{proxy.url}/dashboard?once=")
    assert httpx.get(url, timeout=10).status_code == 303


def test_no_proxy_is_a_clear_error(isolated_state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (isolated_state_dir / "config.yaml").write_text("port: 1\n")  # nothing listens on port 1
    assert main(["dashboard", "--url"]) == 1
    err = capsys.readouterr().err
    assert "The proxy is not running on 127.0.0.1:1" in err and "Traceback" not in err
