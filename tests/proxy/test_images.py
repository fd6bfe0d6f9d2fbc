"""Image endpoints: paid, stored under images/, served locally; local inputs must really be images."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from tests.proxy.conftest import Proxy
from tests.support.fake_records import tiny_png


def test_generation_is_paid_stored_and_served(proxy: Proxy) -> None:
    raw = proxy.client().images.with_raw_response.generate(model="openai/gpt-image-1", prompt="a green square", n=1)
    result = raw.parse()
    url = result.data[0].url
    assert float(raw.headers["x-clawrouter-cost"]) == proxy.fake.settled[0].amount / 1e6 > 0
    assert url is not None and url.startswith(f"{proxy.url}/images/")
    image = httpx.get(url, timeout=5)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert len(proxy.fake.settled) == 1 and proxy.fake.settled[0].path.endswith("/images/generations")
    assert httpx.get(f"{proxy.url}/images/..%2Fwallet.key", timeout=5).status_code == 404


def test_image2image_reads_a_real_local_image(proxy: Proxy, tmp_path: Path) -> None:
    picture = tmp_path / "in.png"
    picture.write_bytes(tiny_png())
    response = httpx.post(f"{proxy.url}/v1/images/image2image", timeout=10, headers=proxy.auth,
                          json={"prompt": "make it blue", "image": str(picture)})
    assert response.status_code == 200, response.text
    sent = proxy.fake.requests[-1].body["image"]
    assert sent == "data:image/png;base64," + base64.b64encode(tiny_png()).decode()


def test_image2image_refuses_files_that_are_not_images(proxy: Proxy, tmp_path: Path) -> None:
    secret = tmp_path / ".ssh" / "id_rsa"
    secret.parent.mkdir()
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n")
    renamed = tmp_path / "key.png"
    renamed.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n")
    for path in (secret, renamed, tmp_path / "missing.png"):
        response = httpx.post(f"{proxy.url}/v1/images/image2image", timeout=10, headers=proxy.auth,
                              json={"prompt": "x", "image": str(path)})
        assert response.status_code == 400
        assert "secret" not in response.text
    assert proxy.fake.requests == []
