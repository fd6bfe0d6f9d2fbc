"""Session pinning, upgrades, 3-strike escalation; classification of upstream failures; request rewriting."""

from __future__ import annotations

import json

from pyclawrouter.proxy.sessions import Sessions, session_id
from pyclawrouter.upstream import classify
from pyclawrouter.upstream.rewrite import upstream_body
from tests.proxy.conftest import ProxyFactory

CHAIN_M = ["m/medium", "m/other"]
CHAIN_C = ["c/complex", "m/medium"]


def _messages(text: str) -> list[dict[str, object]]:
    return [{"role": "user", "content": "first"}, {"role": "assistant", "content": "ok"},
            {"role": "user", "content": text}]


def test_pin_holds_through_lower_tiers_and_only_an_upgrade_replaces_it() -> None:
    sessions = Sessions()
    anyone = lambda model: True  # noqa: E731
    first = sessions.pin("s", model="m/medium", tier="MEDIUM", chain=CHAIN_M, messages=_messages("a"),
                         can_serve=anyone)
    assert first.model == "m/medium"
    simple = sessions.pin("s", model="s/simple", tier="SIMPLE", chain=["s/simple", "m/medium"],
                          messages=_messages("thanks"), can_serve=anyone)
    assert simple.model == "m/medium" and simple.chain[0] == "m/medium" and simple.tier == "MEDIUM"
    up = sessions.pin("s", model="c/complex", tier="COMPLEX", chain=CHAIN_C, messages=_messages("design x"),
                      can_serve=anyone)
    assert up.model == "c/complex" and up.tier == "COMPLEX"
    # The MEDIUM chain does not list c/complex, but c/complex can take the request: it keeps serving.
    back = sessions.pin("s", model="m/medium", tier="MEDIUM", chain=CHAIN_M, messages=_messages("hm"),
                        can_serve=anyone)
    assert (back.model, back.tier, back.chain) == ("c/complex", "COMPLEX", ["c/complex", *CHAIN_M])


def test_a_turn_the_pinned_model_cannot_take_uses_the_routed_chain_and_keeps_the_pin() -> None:
    sessions = Sessions()
    sessions.pin("s", model="c/complex", tier="COMPLEX", chain=CHAIN_C, messages=_messages("design x"))
    no_images = lambda model: model != "c/complex"  # noqa: E731
    turn = sessions.pin("s", model="m/medium", tier="MEDIUM", chain=CHAIN_M, messages=_messages("look at this"),
                        can_serve=no_images)
    assert turn.model == "m/medium" and turn.chain == CHAIN_M and turn.notes
    later = sessions.pin("s", model="m/medium", tier="MEDIUM", chain=CHAIN_M, messages=_messages("and now?"),
                         can_serve=lambda model: True)
    assert later.model == "c/complex"


def test_switching_profile_starts_a_new_pin() -> None:
    sessions = Sessions()
    sessions.pin("s", model="c/complex", tier="COMPLEX", chain=CHAIN_C, messages=_messages("x"), profile="auto")
    free = sessions.pin("s", model="f/free", tier="MEDIUM", chain=["f/free"], messages=_messages("y"),
                        can_serve=lambda model: True, profile="free")
    assert free.model == "f/free"


def test_three_identical_requests_escalate_once_and_the_escalation_sticks() -> None:
    sessions = Sessions()
    primary = {"COMPLEX": "c/complex", "REASONING": "r/reason"}.get
    anyone = lambda model: True  # noqa: E731
    for _ in range(2):
        pinned = sessions.pin("s", model="m/medium", tier="MEDIUM", chain=CHAIN_M, messages=_messages("fix it"),
                              tier_primary=primary, can_serve=anyone)
        assert pinned.tier == "MEDIUM"
    third = sessions.pin("s", model="m/medium", tier="MEDIUM", chain=CHAIN_M, messages=_messages("fix it"),
                         tier_primary=primary, can_serve=anyone)
    assert third.tier == "COMPLEX" and third.model == "c/complex"
    for _ in range(3):
        again = sessions.pin("s", model="m/medium", tier="MEDIUM", chain=CHAIN_M, messages=_messages("fix it"),
                             tier_primary=primary, can_serve=anyone)
    assert again.tier == "COMPLEX"  # once per session
    other = sessions.pin("s", model="m/medium", tier="MEDIUM", chain=CHAIN_M, messages=_messages("next task"),
                         tier_primary=primary, can_serve=anyone)
    assert (other.model, other.tier) == ("c/complex", "COMPLEX")  # and it lasts beyond the stuck request


def test_openclaw_internal_context_is_not_the_request() -> None:
    from pyclawrouter.proxy.sessions import request_hash

    block = {"role": "user", "content": [{"type": "text", "text": "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nx"}]}
    turn = lambda words: [{"role": "user", "content": words}, block]  # noqa: E731
    assert request_hash(turn("[Thu 01:32] hello")) != request_hash(turn("[Thu 01:33] write a parser"))
    assert request_hash(turn("same")) == request_hash(turn("same"))


def test_session_ids() -> None:
    assert session_id("abc", []) == "abc"
    a = session_id(None, _messages("x"))
    assert a == session_id(None, _messages("y")) and a.startswith("d-")
    assert a != session_id(None, [{"role": "user", "content": "other first"}])


def test_derived_session_ids_ignore_system_messages_and_openclaw_wrappers() -> None:
    block = {"role": "user", "content": [{"type": "text", "text": "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nnone\n"
                                                                 "<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"}]}
    words = {"role": "user", "content": "[Thu 2026-11-26 01:32 UTC] plan the migration"}
    turn1 = [{"role": "system", "content": "prompt v1"}, block, words]
    turn2 = [{"role": "system", "content": "prompt v2, rebuilt"}, {"role": "developer", "content": "x"}, block,
             words, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "go on"}]
    assert session_id(None, turn1) == session_id(None, turn2)
    assert session_id(None, turn1) != session_id(None, [block, {"role": "user", "content": "another chat"}])


def test_derived_session_id_follows_the_openclaw_session_in_the_runtime_trailer() -> None:
    def first(session: str, stamp: str) -> dict[str, object]:
        return {"role": "user", "content": f"[Thu 2026-11-26 {stamp} UTC] hello\n\nRuntime: agent=main | "
                                           f"session=agent:main:p1 | sessionId={session} | host=laptop"}
    assert session_id(None, [first("aaa-1", "01:32")]) == session_id(None, [first("aaa-1", "01:40")])
    assert session_id(None, [first("aaa-1", "01:32")]) != session_id(None, [first("bbb-2", "01:32")])


def test_error_classification_table() -> None:
    assert classify.categorize(401, "") == "auth_failure"
    assert classify.categorize(402, "") == "payment_error"
    assert classify.categorize(403, "plan limit reached") == "quota_exceeded"
    assert classify.categorize(403, "forbidden") == "auth_failure"
    assert classify.categorize(429, "") == "rate_limited"
    assert classify.categorize(529, "") == "overloaded"
    assert classify.categorize(503, "at capacity") == "overloaded"
    assert classify.categorize(503, "down") == "server_error"
    assert classify.categorize(400, "unknown model foo") == "config_error"
    assert classify.categorize(400, "messages must alternate") is None
    assert classify.categorize(404, "") is None
    loop = json.dumps({"choices": [{"message": {"content": "\n".join(["same line"] * 6 + ["a", "b"])}}]})
    assert classify.degraded_reason(loop.encode()) == "degraded response: repetitive assistant loop"
    assert classify.degraded_reason(b'{"error": "service temporarily unavailable"}') is not None
    ok = json.dumps({"choices": [{"message": {"content": "Paris."}}]}).encode()
    assert classify.degraded_reason(ok) is None


def test_rewrite_per_attempt() -> None:
    body = {"model": "auto", "max_completion_tokens": 100_000, "stream": True, "messages": [
        {"role": "developer", "content": "be brief"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call.1:x", "type": "function",
                                                             "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call.1:x", "content": "done"}]}
    out = json.loads(upstream_body(body, body["messages"], "google/gemini-2.5-flash", max_tokens=100_000,
                                   max_output=8192, stream=True))
    assert out["model"] == "google/gemini-2.5-flash" and out["max_tokens"] == 8192
    assert "max_completion_tokens" not in out
    assert [m["role"] for m in out["messages"]] == ["system", "user", "assistant", "tool"]
    assert out["messages"][1]["content"] == "(continuing conversation)"
    assert out["messages"][2]["tool_calls"][0]["id"] == "call_1_x" and out["messages"][3]["tool_call_id"] == "call_1_x"
    assert out["stream_options"] == {"include_usage": True}
    assert body["messages"][0]["role"] == "developer"  # the client's body is untouched


def test_escalation_through_the_proxy_picks_a_capable_model(start_proxy: ProxyFactory) -> None:
    proxy = start_proxy()
    tools = [{"type": "function", "function": {"name": "read", "parameters": {"type": "object", "properties": {}}}}]
    messages = [{"role": "user", "content": "Write a Python function that reverses a linked list in place"}]
    models, tiers = [], []
    for _ in range(3):
        raw = proxy.client().chat.completions.with_raw_response.create(
            model="auto", messages=messages, tools=tools, max_tokens=50,
            extra_headers={"x-session-id": "stuck", "cache-control": "no-cache"})
        models.append(raw.headers["x-clawrouter-model"])
        tiers.append(raw.headers["x-clawrouter-tier"])
    assert tiers[:2] == ["MEDIUM", "MEDIUM"] and tiers[2] == "COMPLEX"
    assert models[2] != models[0] and proxy.ctx.models.capable(models[2], tools=True, vision=False, tokens=1000)
