"""A real browser: a web page from another local origin, and a DNS-rebinding page, cannot make the proxy spend
or read it. Headless Chromium loads an attacker's page from a second 127.0.0.1 port; its script tries what a
page can send without asking (a no-cors text/plain fetch, a form POST), a JSON fetch, and a host name that
resolves to 127.0.0.1 (``--host-resolver-rules``). The stand-in BlockRun must see no request and no payment."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.proxy.conftest import Proxy, ProxyFactory
from tests.support.browser import BrowserPage
from tests.support.server import serve

REBIND_HOST = "rebind.test"
CHAT = {"model": "auto", "messages": [{"role": "user", "content": "spend my money"}], "max_tokens": 20}

# Every attempt records what the page could see: an opaque answer (type "opaque", status 0, no body), an error,
# or, if the proxy let it through, the status and body.
ATTACK_PAGE = """<!doctype html><html><body><iframe name="sink"></iframe><script>
const PROXY = "http://127.0.0.1:%(port)d", REBIND = "http://%(rebind)s:%(port)d", BODY = %(body)s;
window.results = {};
async function attempt(name, make) {
  try {
    const r = await make();
    window.results[name] = {type: r.type, status: r.status, body: r.type === "opaque" ? "" : await r.text()};
  } catch (e) {
    window.results[name] = {error: String(e)};
  }
}
function formPost() {
  return new Promise((resolve) => {
    const form = document.createElement("form");
    form.method = "POST"; form.enctype = "text/plain"; form.target = "sink";
    form.action = PROXY + "/v1/chat/completions";
    const field = document.createElement("input");
    field.name = '{"model": "auto", "messages": [{"role": "user", "content": "x"}], "pad": "';
    field.value = '"}';
    form.appendChild(field); document.body.appendChild(form);
    document.querySelector("iframe").addEventListener("load", () => resolve(), {once: true});
    form.submit();
  });
}
(async () => {
  const post = {method: "POST", body: JSON.stringify(BODY)};
  await attempt("no-cors text/plain", () => fetch(PROXY + "/v1/chat/completions",
    {...post, mode: "no-cors", headers: {"content-type": "text/plain"}}));
  await attempt("no-cors without a type", () => fetch(PROXY + "/v1/chat/completions",
    {...post, mode: "no-cors", body: new Blob([JSON.stringify(BODY)])}));
  await attempt("json fetch", () => fetch(PROXY + "/v1/chat/completions",
    {...post, headers: {"content-type": "application/json", "authorization": "Bearer guessed"}}));
  await attempt("read health", () => fetch(PROXY + "/health"));
  await attempt("rebind no-cors text/plain", () => fetch(REBIND + "/v1/chat/completions",
    {...post, mode: "no-cors", headers: {"content-type": "text/plain"}}));
  await attempt("rebind read stats", () => fetch(REBIND + "/stats"));
  await formPost();
  window.done = true;
})();
</script></body></html>
"""

# Run inside a document of the rebound origin (http://rebind.test:PORT): same-origin for the browser, so CORS
# stops nothing here; only the proxy's Host check (and the key) do.
REBOUND_SCRIPT = """async (body) => {
  const out = {};
  for (const [name, path, init] of [
      ["health", "/health", {}], ["stats", "/stats", {}], ["models", "/v1/models", {}],
      ["chat", "/v1/chat/completions", {method: "POST", headers: {"content-type": "application/json"},
                                        body: JSON.stringify(body)}]]) {
    const r = await fetch(path, init);
    out[name] = {status: r.status, body: await r.text()};
  }
  return out;
}"""


@pytest.fixture
def proxy(start_proxy: ProxyFactory) -> Proxy:
    """This module's proxy requires the API key (the shared fixture does not yet, see tests/proxy/conftest.py)."""
    return start_proxy(config={"requireApiKey": True})


def _attacker_site(proxy_port: int) -> Starlette:
    page = ATTACK_PAGE % {"port": proxy_port, "rebind": REBIND_HOST, "body": json.dumps(CHAT)}

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    return Starlette(routes=[Route("/", index)])


def _port(proxy: Proxy) -> int:
    return int(proxy.url.rsplit(":", 1)[1])


def test_a_web_page_cannot_spend_or_read_the_proxy(proxy: Proxy, open_browser_page: Callable[..., BrowserPage],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    port = _port(proxy)
    browser = open_browser_page(extra_args=[f"--host-resolver-rules=MAP {REBIND_HOST} 127.0.0.1"])
    page = browser.page
    with caplog.at_level(logging.WARNING, logger="pyclawrouter.proxy.guard"), serve(_attacker_site(port)) as site:
        assert site != proxy.url  # another local origin
        page.goto(site)
        page.wait_for_function("window.done === true", timeout=30_000)
        results: dict[str, dict[str, Any]] = page.evaluate("window.results")
        page.goto(f"http://{REBIND_HOST}:{port}/health")
        shown = page.content()
        rebound: dict[str, dict[str, Any]] = page.evaluate(REBOUND_SCRIPT, CHAT)

    assert proxy.fake.requests == [] and proxy.fake.payments == []  # nothing went upstream, nothing was paid
    assert set(results) == {"no-cors text/plain", "no-cors without a type", "json fetch", "read health",
                            "rebind no-cors text/plain", "rebind read stats"}
    for name, seen in results.items():
        # Opaque (the page learns nothing) or a network error (a refused CORS preflight); never data.
        assert seen.get("type") == "opaque" or "error" in seen, (name, seen)
        assert seen.get("body", "") == "", (name, seen)
    assert "forbidden_host" in shown and proxy.wallet_address not in shown
    for name, seen in rebound.items():
        assert seen["status"] == 403 and "forbidden_host" in seen["body"], (name, seen)
        assert proxy.wallet_address not in seen["body"] and "choices" not in seen["body"]

    refused = [r.getMessage() for r in caplog.records if r.name == "pyclawrouter.proxy.guard"]
    for expected in ("refused POST /v1/chat/completions with 403", "refused OPTIONS /v1/chat/completions with 403",
                     "refused GET /health with 403", "refused GET /stats with 403"):
        assert any(expected in line for line in refused), (expected, refused)


def test_the_proxys_own_origin_still_works_in_a_browser(proxy: Proxy,
                                                        open_browser_page: Callable[..., BrowserPage]) -> None:
    # The control: the same browser, on the proxy's own origin, with the key, is answered and paid.
    page = open_browser_page().page
    page.goto(f"{proxy.url}/health")
    answer = page.evaluate("""async ([body, key]) => {
      const r = await fetch("/v1/chat/completions", {method: "POST", body: JSON.stringify(body),
        headers: {"content-type": "application/json", "authorization": "Bearer " + key}});
      return {status: r.status, body: await r.json()};
    }""", [CHAT, proxy.api_key])
    assert answer["status"] == 200, answer
    assert answer["body"]["choices"][0]["message"]["content"].startswith("Fake reply from ")
    assert len(proxy.fake.settled) == 1
