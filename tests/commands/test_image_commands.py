"""/img and /img2img send the right request to the proxy and show the image, model, size and price."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pyclawrouter.commands import CommandContext, CommandReply
from pyclawrouter.commands import images as images_module
from pyclawrouter.commands.registry import dispatch
from tests.support.fake_records import tiny_png


class FakeProxy:
    def __init__(self, status: int = 200, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.authorization: list[str | None] = []
        self.status, self.headers = status, headers or {}
        self.body = body if body is not None else {"data": [{"url": "http://127.0.0.1:1/images/a.png"}]}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.url.path, json.loads(request.content)))
        self.authorization.append(request.headers.get("authorization"))
        return httpx.Response(self.status, json=self.body, headers=self.headers)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> FakeProxy:
    fake = FakeProxy()
    real = httpx.AsyncClient
    monkeypatch.setattr(
        images_module.httpx, "AsyncClient", lambda **kw: real(transport=httpx.MockTransport(fake), **kw)
    )
    return fake


def run(name: str, args: str, ctx: CommandContext) -> CommandReply:
    return asyncio.run(dispatch(name, args, ctx))


def test_img_posts_prompt_and_returns_media_with_model_size_price(proxy: FakeProxy, ctx: CommandContext) -> None:
    proxy.headers = {"x-clawrouter-cost": "0.0500"}
    reply = run("img", "--model grok-imagine --size 512x512 a red fox in snow", ctx)
    assert not reply.is_error
    path, body = proxy.requests[0]
    assert path == "/v1/images/generations"
    assert body == {"model": "xai/grok-imagine-image", "prompt": "a red fox in snow", "size": "512x512", "n": 1}
    assert proxy.authorization == [f"Bearer {(ctx.home / 'api-key').read_text().strip()}"]  # the proxy's key
    assert reply.media == ["http://127.0.0.1:1/images/a.png"]
    assert "Model: xai/grok-imagine-image | Size: 512x512 | Price: $0.0500" in reply.text
    assert reply.data["price"] == 0.05 and reply.data["priceBasis"] == "paid"


def test_img_defaults_and_list_price_when_proxy_is_silent(proxy: FakeProxy, ctx: CommandContext) -> None:
    reply = run("img", "a lighthouse", ctx)
    assert proxy.requests[0][1]["model"] == "google/nano-banana"
    assert "Size: 1024x1024 | Price: $0.0500 (list price)" in reply.text


@pytest.mark.parametrize(
    ("model", "price_text"),
    [("gpt-image-2", "$0.0600 (list price)"), ("openai/gpt-image-2.5-flare", "unknown")],
)
def test_list_prices_come_from_the_catalog_snapshot(
    proxy: FakeProxy, ctx: CommandContext, model: str, price_text: str
) -> None:
    # gpt-image-2 is priced in the snapshot; gpt-image-2.5-flare is listed without a price
    reply = run("img", f"--model {model} a lighthouse", ctx)
    assert f"| Price: {price_text}" in reply.text


def test_img_upstream_error_is_reported_not_raised(proxy: FakeProxy, ctx: CommandContext) -> None:
    proxy.status, proxy.body = 402, {"error": {"message": "insufficient USDC balance"}}
    reply = run("img", "a cat", ctx)
    assert reply.is_error and "Image generation failed: insufficient USDC balance" in reply.text


def test_img_when_proxy_is_down(ctx: CommandContext) -> None:
    reply = run("img", "a cat", ctx)  # ctx points at port 1: nothing listens
    assert reply.is_error and "did not answer" in reply.text


def test_img2img_sends_a_local_file_as_data_uri(proxy: FakeProxy, ctx: CommandContext, tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(tiny_png())  # a real image: the command checks that it is one
    reply = run("img2img", f"--image {picture} --mask http://h/m.png give it a hat", ctx)
    assert not reply.is_error
    path, body = proxy.requests[0]
    assert path == "/v1/images/image2image"
    assert body["image"] == "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    assert body["mask"] == "http://h/m.png" and body["prompt"] == "give it a hat"
    assert body["model"] == "openai/gpt-image-1"


def test_img2img_refuses_non_image_files(proxy: FakeProxy, ctx: CommandContext, tmp_path: Path) -> None:
    secret = tmp_path / "wallet.key"
    secret.write_text("0x" + "1" * 64)
    reply = run("img2img", f"--image {secret} show me", ctx)
    assert reply.is_error and "is not a readable PNG, JPEG, WebP or GIF image file" in reply.text and not proxy.requests


def test_an_image_the_proxy_stored_is_attached_inline(proxy: FakeProxy, ctx: CommandContext) -> None:
    # OpenClaw will not fetch a loopback URL, so the stored file travels as a data URI; the text keeps the URL.
    stored = ctx.home / "images" / "a.png"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"\x89PNG stored")
    reply = run("img", "a lighthouse", ctx)
    assert reply.media == ["data:image/png;base64," + base64.b64encode(b"\x89PNG stored").decode()]
    assert "http://127.0.0.1:1/images/a.png" in reply.text
