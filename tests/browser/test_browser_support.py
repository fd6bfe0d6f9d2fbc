"""The shared browser fixture itself: it drives a real Chromium, reports what went wrong on a page, and passes
extra Chromium flags through (other page tests rely on all three)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.support.browser import BrowserPage
from tests.support.server import serve

_CLEAN = "<!doctype html><title>ok</title><p id=p>hello</p><script>document.title = 'ran'</script>"
_BROKEN = "<!doctype html><title>broken</title><script>console.error('boom ' + 6 * 7); undefinedCall();</script>"


async def _page(request: Request) -> HTMLResponse:
    # No favicon route: Chromium asks for /favicon.ico, and its 404 must not count as a page error.
    return HTMLResponse(_BROKEN if request.path_params["name"] == "broken" else _CLEAN)


APP = Starlette(routes=[Route("/{name}", _page)])


def test_a_clean_page_runs_its_script_and_reports_nothing(browser_page: BrowserPage) -> None:
    with serve(APP) as url:
        browser_page.page.goto(f"{url}/clean")
        assert browser_page.page.title() == "ran"
        assert browser_page.page.text_content("#p") == "hello"
    browser_page.assert_no_console_errors()


def test_console_errors_and_uncaught_exceptions_are_collected(browser_page: BrowserPage) -> None:
    with serve(APP) as url:
        browser_page.page.goto(f"{url}/broken")
    assert any("boom 42" in e for e in browser_page.console_errors)
    assert any("undefinedCall" in e for e in browser_page.page_errors)
    with pytest.raises(AssertionError, match="boom 42"):
        browser_page.assert_no_console_errors()


@pytest.mark.browser_args("--host-resolver-rules=MAP dashboard.test 127.0.0.1")
def test_marker_flags_reach_chromium(browser_page: BrowserPage) -> None:
    with serve(APP) as url:
        port = url.rsplit(":", 1)[1]
        browser_page.page.goto(f"http://dashboard.test:{port}/clean")
        assert browser_page.page.text_content("#p") == "hello"


def test_factory_takes_flags_and_viewport(open_browser_page: Callable[..., BrowserPage]) -> None:
    phone = open_browser_page(extra_args=["--host-resolver-rules=MAP phone.test 127.0.0.1"],
                              viewport={"width": 390, "height": 844})
    with serve(APP) as url:
        phone.page.goto(f"http://phone.test:{url.rsplit(':', 1)[1]}/clean")
        assert phone.page.evaluate("window.innerWidth") == 390
