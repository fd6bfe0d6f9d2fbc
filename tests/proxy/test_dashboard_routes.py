"""GET /dashboard and /dashboard/data: their own read-only token (never the command token), the token-to-cookie
exchange, one-time links, the numbers from real paid requests, and clear errors for bad input."""

from __future__ import annotations

import httpx
import pytest

from pyclawrouter.dashboard import access
from pyclawrouter.ledger.summary import read_summary
from tests.proxy.conftest import Proxy, ProxyFactory
from tests.proxy.dashboard_traffic import run_traffic


def _token(proxy: Proxy) -> str:
    return access.load_or_create_token(proxy.home)


def _get(proxy: Proxy, path: str, **kw: object) -> httpx.Response:
    return httpx.get(f"{proxy.url}{path}", timeout=10, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/data"])
def test_no_token_is_401_and_a_wrong_one_403(proxy: Proxy, path: str) -> None:
    missing = _get(proxy, path)
    assert missing.status_code == 401
    assert "pyclawrouter dashboard" in missing.text
    wrong = _get(proxy, path, headers={"authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403
    bad_cookie = _get(proxy, path, cookies={access.COOKIE_NAME: "forged"})
    assert bad_cookie.status_code == 403


def test_the_command_token_does_not_open_the_dashboard(proxy: Proxy) -> None:
    command_token = (proxy.home / "command-token").read_text().strip()
    assert command_token != _token(proxy)
    as_bearer = _get(proxy, "/dashboard/data", headers={"authorization": f"Bearer {command_token}"})
    assert as_bearer.status_code == 403 and "command token" in as_bearer.json()["error"]["message"]
    in_url = _get(proxy, "/dashboard", params={"token": command_token})
    assert in_url.status_code == 403 and "set-cookie" not in in_url.headers
    # ... and the dashboard token does not run commands.
    command = httpx.post(f"{proxy.url}/plugin/command/stats", json={"args": ""}, timeout=10,
                         headers={"authorization": f"Bearer {_token(proxy)}"})
    assert command.status_code == 401


def test_token_in_the_url_becomes_an_httponly_strict_cookie(proxy: Proxy) -> None:
    token = _token(proxy)
    exchange = _get(proxy, "/dashboard", params={"token": token, "days": "30"})
    assert exchange.status_code == 303 and exchange.headers["location"] == "/dashboard?days=30"
    cookie = exchange.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert token not in cookie
    page = _get(proxy, "/dashboard?days=30", cookies={access.COOKIE_NAME: exchange.cookies[access.COOKIE_NAME]})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'")
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert 'aria-current=page>30 days' in page.text


def test_one_time_link_opens_once(proxy: Proxy) -> None:
    link = access.one_time_url(proxy.url, _token(proxy))
    first = httpx.get(link, timeout=10)
    assert first.status_code == 303 and access.COOKIE_NAME in first.cookies
    again = httpx.get(link, timeout=10)
    assert again.status_code == 403 and "already used" in again.text


def test_data_has_the_numbers_of_real_requests(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy(config={"maxCostPerRun": 0.05, "maxCostPerRunMode": "strict"})
    run_traffic(proxy)
    lines = proxy.usage_lines()
    response = _get(proxy, "/dashboard/data", headers={"authorization": f"Bearer {_token(proxy)}"})
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["requests"] == len(lines) == 4
    assert body["totals"]["failed"] == 1
    assert body["totals"]["paid"] == pytest.approx(sum(line["paid"] for line in lines))
    # Every signed payment counts, settled or not (the failed request's attempts were signed): the spend ledger
    # and the dashboard agree.
    assert body["totals"]["paid"] == pytest.approx(read_summary(proxy.home).spent_usd)
    assert body["cap"] == {"maxCostPerRun": 0.05, "mode": "strict"}
    sessions = {s["session"]: s["spent"] for s in body["sessions"]}
    for name in ("alpha", "beta", "gamma"):
        assert sessions[name] == pytest.approx(sum(line["paid"] for line in lines if line["session"] == name))
    assert [r["model"] for r in body["recent"]] == [line["model"] for line in reversed(lines)]
    assert body["wallet"]["address"] == proxy.wallet_address
    assert 0 < body["wallet"]["balanceUsd"] <= proxy.fake.backend.balance(proxy.wallet_address) / 1e6
    assert set(body["html"]) == {"summary", "daily", "tiers", "models", "sessions", "recent"}


@pytest.mark.parametrize("days", ["0", "31", "abc", "-1"])
def test_bad_days_is_a_clear_400(proxy: Proxy, days: str) -> None:
    auth = {"authorization": f"Bearer {_token(proxy)}"}
    response = _get(proxy, "/dashboard/data", params={"days": days}, headers=auth)
    assert response.status_code == 400
    assert "days must be a whole number from 1 to 30" in response.json()["error"]["message"]
    page = _get(proxy, "/dashboard", params={"days": days}, headers=auth)
    assert page.status_code == 400 and "days must be" in page.text


def test_static_files(proxy: Proxy) -> None:
    js = _get(proxy, "/dashboard/static/app.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "/dashboard/data" in js.text
    assert _get(proxy, "/dashboard/static/style.css").headers["content-type"].startswith("text/css")
    assert _get(proxy, "/dashboard/static/../access.py").status_code == 404
    assert _get(proxy, "/dashboard/static/routes.py").status_code == 404
