"""The dashboard in a real headless Chromium, over real traffic: requests paid through the proxy to the fake
BlockRun fill the usage log, a one-time link (what `pyclawrouter dashboard` opens) signs the browser in, and the
page must show those numbers, refresh itself when a new request lands, fit a phone and report no errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import expect

from pyclawrouter.dashboard import access
from pyclawrouter.dashboard.fmt import money
from tests.proxy.conftest import Proxy, ProxyFactory
from tests.proxy.dashboard_traffic import chat, run_traffic
from tests.support.browser import BrowserPage

PHONE = {"width": 390, "height": 844}


def _spent(lines: list[dict[str, object]]) -> float:
    return sum(float(line["paid"]) for line in lines)  # type: ignore[arg-type]


def _open_signed_in(browser: BrowserPage, proxy: Proxy) -> None:
    token = access.load_or_create_token(proxy.home)
    browser.page.goto(access.one_time_url(proxy.url, token))
    # The one-time code was swapped for a cookie: the address bar no longer holds a secret.
    assert browser.page.url == f"{proxy.url}/dashboard"


def test_dashboard_shows_real_spend_and_refreshes_live(
    start_proxy: ProxyFactory, open_browser_page: Callable[..., BrowserPage], tmp_path: Path
) -> None:
    proxy = start_proxy(config={"maxCostPerRun": 0.05})
    run_traffic(proxy)
    lines = proxy.usage_lines()
    assert len(lines) == 4 and sum(1 for line in lines if line["status"] >= 400) == 1  # type: ignore[operator]

    browser = open_browser_page()
    _open_signed_in(browser, proxy)
    page = browser.page
    assert page.text_content("#total-requests") == "4"
    assert page.text_content("#total-spent") == money(_spent(lines))
    # The balance the proxy knows: its monitor's last chain read (of the fake's RPC), less what it signed since.
    monitor = proxy.ctx.deps.balance
    assert monitor is not None
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        known = pool.submit(lambda: asyncio.run(monitor.get())).result().usd
    assert known is not None and page.text_content("#balance") == money(float(known))
    assert abs(float(known) - proxy.fake.backend.balance(proxy.wallet_address) / 1e6) <= _spent(lines)

    rows = page.locator("#recent-table tbody tr")
    assert rows.count() == 4
    newest_first = list(reversed(lines))
    for i, line in enumerate(newest_first):
        row = rows.nth(i)
        assert row.locator(".model").text_content() == line["model"]
        assert row.locator(".tier").text_content() == line["tier"]
        assert row.locator(".paid").text_content() == money(float(line["paid"]))  # type: ignore[arg-type]
        status = int(line["status"])  # type: ignore[call-overload]
        assert row.locator(".status").text_content() == ("ok" if status < 400 else str(status))
    assert "All 5 models failed" in (rows.nth(0).locator(".reason").text_content() or "")

    # Per model: latency and error rate; the failed request counts against the model that was tried first.
    failed_model = newest_first[0]["model"]
    model_row = page.locator("#model-table tbody tr", has_text=str(failed_model))
    assert model_row.locator(".errors").text_content() == "50.0%"

    # Sessions against the cap: each session's paid total, and the cap itself.
    assert "maxCostPerRun $0.0500" in (page.text_content("#cap-note") or "")
    alpha = _spent([line for line in lines if line["session"] == "alpha"])
    assert page.locator("#sessions svg title", has_text=f"alpha: {money(alpha)} of $0.0500").count() == 1
    assert page.locator("#daily svg rect.spent").count() == 7
    page.screenshot(path=str(tmp_path / "dashboard-desktop.png"), full_page=True)

    # Live refresh: a new request shows up without reloading the page.
    chat(proxy, "thanks!", "delta")
    expect(page.locator("#total-requests")).to_have_text("5", timeout=20_000)
    assert page.locator("#recent-table tbody tr").count() == 5
    assert page.url == f"{proxy.url}/dashboard"  # refreshed in place, not reloaded with a token
    browser.assert_no_console_errors()


def test_dashboard_fits_a_phone(start_proxy: ProxyFactory, open_browser_page: Callable[..., BrowserPage],
                                tmp_path: Path) -> None:
    proxy = start_proxy()
    run_traffic(proxy, failures=0)
    browser = open_browser_page(viewport=PHONE)
    _open_signed_in(browser, proxy)
    page = browser.page
    assert page.text_content("#total-requests") == "3"
    # Nothing wider than the screen: the page does not scroll sideways (wide tables scroll inside their box).
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    chart_width = page.locator("#daily svg").bounding_box()
    assert chart_width is not None and chart_width["width"] <= PHONE["width"]
    assert "No maxCostPerRun set" in (page.text_content("#cap-note") or "")
    page.screenshot(path=str(tmp_path / "dashboard-phone.png"), full_page=True)
    browser.assert_no_console_errors()


def test_a_used_link_and_no_cookie_show_how_to_get_in(
    proxy: Proxy, open_browser_page: Callable[..., BrowserPage]
) -> None:
    token = access.load_or_create_token(proxy.home)
    link = access.one_time_url(proxy.url, token)
    first = open_browser_page()
    first.page.goto(link)
    assert first.page.url == f"{proxy.url}/dashboard"

    second = open_browser_page()  # another browser, same link: already spent
    response = second.page.goto(link)
    assert response is not None and response.status == 403
    assert "expired or was already used" in (second.page.text_content("#error") or "")
    response = second.page.goto(f"{proxy.url}/dashboard")
    assert response is not None and response.status == 401
    assert "pyclawrouter dashboard" in (second.page.text_content("#error") or "")
