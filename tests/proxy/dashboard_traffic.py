"""Real traffic for the dashboard tests: requests through the proxy (official OpenAI SDK) to the fake BlockRun,
which verifies and settles each x402 payment, so the usage log holds the lines a user would have."""

from __future__ import annotations

import httpx
import openai

from tests.proxy.conftest import Proxy

PROMPTS = {
    "alpha": ["hello there", "Prove that sqrt(2) is irrational, step by step."],
    "beta": ["Write a Python function that reverses a linked list, with tests."],
}


def run_traffic(proxy: Proxy, *, failures: int = 1) -> None:
    """Three answered requests in two sessions, then ``failures`` that every model refuses (HTTP 500)."""
    client = proxy.client()
    for session, prompts in PROMPTS.items():
        for prompt in prompts:
            client.chat.completions.create(model="blockrun/auto", max_tokens=64,
                                           messages=[{"role": "user", "content": prompt}],
                                           extra_headers={"x-session-id": session})
    if failures:
        proxy.fake.fail_status(500, times=None)
        for i in range(failures):
            try:
                client.chat.completions.create(model="blockrun/auto", max_tokens=16,
                                               messages=[{"role": "user", "content": f"what is {i} + 1?"}],
                                               extra_headers={"x-session-id": "gamma"})
            except openai.APIStatusError:
                pass
            else:
                raise AssertionError("the fake was told to fail every request")
        proxy.fake.clear_faults()
    flush_log(proxy)


def flush_log(proxy: Proxy) -> None:
    """The usage log is written by a background task; GET /stats waits until every queued line is on disk."""
    httpx.get(f"{proxy.url}/stats", timeout=10).raise_for_status()


def chat(proxy: Proxy, prompt: str, session: str) -> None:
    proxy.client().chat.completions.create(model="blockrun/auto", max_tokens=32,
                                           messages=[{"role": "user", "content": prompt}],
                                           extra_headers={"x-session-id": session})
