"""Chat completions through the proxy with the OpenAI SDK: JSON, streaming, tools, vision; every call paid."""

from __future__ import annotations

import base64
import time

import httpx

from tests.proxy.conftest import Proxy
from tests.support.fake_records import tiny_png


def _wait_for_log(proxy: Proxy, count: int, timeout: float = 5.0) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while True:
        lines = proxy.usage_lines()
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def test_json_chat_is_routed_paid_and_logged(proxy: Proxy) -> None:
    raw = proxy.client().chat.completions.with_raw_response.create(
        model="blockrun/auto", messages=[{"role": "user", "content": "What is the capital of France?"}],
        max_tokens=50)
    completion = raw.parse()
    assert completion.choices[0].message.content.startswith("Fake reply from ")
    model = raw.headers["x-clawrouter-model"]
    assert raw.headers["x-clawrouter-tier"] in {"SIMPLE", "MEDIUM", "COMPLEX", "REASONING"}
    assert raw.headers["x-clawrouter-profile"] == "auto"
    settled = proxy.fake.settled
    assert len(settled) == 1 and settled[0].model == model
    line = _wait_for_log(proxy, 1)[0]
    assert line["model"] == model and line["status"] == 200
    assert line["paid"] == settled[0].amount / 1e6
    assert line["inputTokens"] == completion.usage.prompt_tokens
    assert line["chain"] == "base" and line["profile"] == "auto"
    # Savings compare like with like: the charge against the same charge at the baseline model's rates.
    assert line["cost"] == line["paid"]
    assert line["baselineCost"] > line["cost"] and line["savings"] > 0


def test_streaming_passes_chunks_usage_and_comments(proxy: Proxy) -> None:
    stream = proxy.client().chat.completions.create(
        model="blockrun/auto", messages=[{"role": "user", "content": "Tell me a short joke"}], max_tokens=50,
        stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Fake reply from ")
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert len(proxy.fake.settled) == 1
    with httpx.stream("POST", f"{proxy.url}/v1/chat/completions", json={
        "model": "auto", "stream": True, "messages": [{"role": "user", "content": "another short joke"}],
    }, headers=proxy.auth, timeout=10) as response:
        body = response.read().decode()
    assert ": x-clawrouter-debug profile=auto" in body
    assert ": cost=$" in body and body.rstrip().endswith("data: [DONE]")
    assert '"usage"' not in body  # the client did not ask for usage: the proxy's own usage chunk is dropped


def test_explicit_model_and_alias(proxy: Proxy) -> None:
    raw = proxy.client().chat.completions.with_raw_response.create(
        model="deepseek/deepseek-chat", messages=[{"role": "user", "content": "hi"}], max_tokens=20)
    assert raw.headers["x-clawrouter-model"] == "deepseek/deepseek-chat"
    assert raw.headers["x-clawrouter-profile"] == "explicit"
    assert proxy.fake.requests[-1].model == "deepseek/deepseek-chat"


def test_tools_and_vision_content(proxy: Proxy) -> None:
    proxy.fake.reply = lambda body: {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "read", "arguments": '{"path": "a.txt"}'}}]}
    tools = [{"type": "function", "function": {"name": "read", "description": "read a file",
                                               "parameters": {"type": "object", "properties": {}}}}]
    completion = proxy.client().chat.completions.create(
        model="blockrun/auto", messages=[{"role": "user", "content": "read a.txt"}], tools=tools, max_tokens=50)
    assert completion.choices[0].message.tool_calls[0].function.name == "read"
    stream = proxy.client().chat.completions.create(
        model="blockrun/auto", messages=[{"role": "user", "content": "read b.txt"}], tools=tools, max_tokens=50,
        stream=True)
    calls = [c.choices[0].delta.tool_calls for c in stream if c.choices and c.choices[0].delta.tool_calls]
    assert calls and calls[0][0].function.name == "read"
    proxy.fake.reply = None
    image = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    completion = proxy.client().chat.completions.create(model="blockrun/auto", max_tokens=50, messages=[
        {"role": "user", "content": [{"type": "text", "text": "what is in this image?"},
                                     {"type": "image_url", "image_url": {"url": image}}]}])
    assert completion.choices[0].message.content
    assert proxy.fake.requests[-1].body["messages"][0]["content"][1]["type"] == "image_url"


def test_models_and_health(proxy: Proxy) -> None:
    ids = [m.id for m in proxy.client().models.list()]
    assert "blockrun/auto" in ids and "deepseek/deepseek-chat" in ids
    health = httpx.get(f"{proxy.url}/health?full=true", timeout=5).json()
    assert health["status"] == "ok" and health["wallet"] == proxy.wallet_address
    assert health["paymentChain"] == "base"
