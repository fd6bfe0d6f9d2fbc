"""A real headless Chromium for tests of pages the proxy serves, driven by Playwright.

Playwright's own browser download cannot be reached from this machine or CI, so we launch Debian's
``chromium`` package (``apt-get install chromium``; ``.ci/run`` installs it) through ``executable_path``.

Two fixtures::

    def test_page(browser_page: BrowserPage) -> None:
        browser_page.page.goto(url)
        ...
        browser_page.assert_no_console_errors()

    @pytest.mark.browser_args("--host-resolver-rules=MAP proxy.test 127.0.0.1")
    def test_other_host(browser_page: BrowserPage) -> None: ...

    def test_two(open_browser_page: Callable[..., BrowserPage]) -> None:
        first = open_browser_page()
        second = open_browser_page(extra_args=["--host-resolver-rules=MAP x.test 127.0.0.1"])

Every page records console errors (``console.error``, failed loads, Content-Security-Policy violations) and
uncaught exceptions. Without chromium or Playwright the fixtures skip, unless ``PYCLAWROUTER_REQUIRE_BROWSER=1``
(set by ``.ci/run``): then they fail, so the browser tier can never be skipped silently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

REQUIRE_ENV = "PYCLAWROUTER_REQUIRE_BROWSER"
# A phone-sized default would hide desktop layout bugs and vice versa; tests that care set their own viewport.
DEFAULT_VIEWPORT = {"width": 1280, "height": 900}
# /dev/shm is tiny in containers; without this flag Chromium's renderer can crash on larger pages.
_BASE_ARGS = ("--disable-dev-shm-usage",)

__all__ = ["BrowserPage", "browser_page", "find_chromium", "open_browser_page"]


@dataclass
class BrowserPage:
    """A Playwright ``Page`` plus what went wrong on it."""

    page: Any  # playwright.sync_api.Page; Any keeps this module importable without Playwright
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [*self.console_errors, *self.page_errors]

    def assert_no_console_errors(self) -> None:
        problems = self.errors()
        assert not problems, "the page reported errors:\n" + "\n".join(problems)


def find_chromium() -> str | None:
    """The chromium binary: ``$CHROMIUM_BIN`` if set, else ``chromium`` (Debian) or ``chromium-browser`` on PATH."""
    override = os.environ.get("CHROMIUM_BIN", "").strip()
    if override:
        return override if os.access(override, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(message: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} ({REQUIRE_ENV}=1, so this is a failure, not a skip)")
    pytest.skip(message)


def launch_args(extra_args: Sequence[str] = ()) -> list[str]:
    args = list(_BASE_ARGS)
    # Chromium refuses to start its sandbox as root (CI and this machine run as root).
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args + [a for a in extra_args if a not in args]


@pytest.fixture
def open_browser_page() -> Iterator[Callable[..., BrowserPage]]:
    """A factory: ``open_browser_page(extra_args=[...], viewport={...})`` launches a browser and returns a page.

    Everything it opened is closed at the end of the test.
    """
    executable = find_chromium()
    if executable is None:
        _unavailable("chromium not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    manager = sync_playwright().start()
    browsers: list[Any] = []

    def open_page(extra_args: Sequence[str] = (), viewport: dict[str, int] | None = None) -> BrowserPage:
        browser = manager.chromium.launch(executable_path=executable, headless=True, args=launch_args(extra_args))
        browsers.append(browser)
        page = browser.new_context(viewport=viewport or DEFAULT_VIEWPORT).new_page()
        result = BrowserPage(page=page)
        page.on("console", lambda msg: result.console_errors.append(f"console.{msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: result.page_errors.append(f"uncaught: {exc}"))
        return result

    try:
        yield open_page
    finally:
        for browser in browsers:
            # A crashed browser must not hide the test's own failure.
            with contextlib.suppress(Exception):
                browser.close()
        manager.stop()


@pytest.fixture
def browser_page(request: pytest.FixtureRequest, open_browser_page: Callable[..., BrowserPage]) -> BrowserPage:
    """One page; extra launch args come from ``@pytest.mark.browser_args("--flag", ...)``."""
    marker = request.node.get_closest_marker("browser_args")
    extra = [str(a) for a in marker.args] if marker is not None else []
    return open_browser_page(extra_args=extra)
