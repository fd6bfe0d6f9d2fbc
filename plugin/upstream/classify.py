"""What an upstream failure means for the fallback loop (ClawRouter's classification of statuses and bodies).

``categorize`` returns a category when another model might succeed, ``None`` when the request itself was
refused (a plain 400/404/422) and must go straight back to the client. ``degraded_reason`` spots 200
answers that are really failures (overload placeholders, repetition loops, embedded provider errors).
"""

from __future__ import annotations

import json
import re
from collections import Counter

PROVIDER_ERROR = re.compile(
    "|".join((
        r"billing", r"insufficient.*balance", r"credits", r"quota.*exceeded", r"rate.*limit",
        r"model.*unavailable", r"model.*not.*available", r"service.*unavailable", r"capacity", r"overloaded",
        r"temporarily.*unavailable", r"api.*key.*invalid", r"authentication.*failed", r"request too large",
        r"request.*size.*exceeds", r"payload too large", r"payment.*verification.*failed",
        r"model.*not.*allowed", r"unknown.*model",
    )),
    re.IGNORECASE,
)
_QUOTA = re.compile(r"plan.*limit|quota.*exceeded|subscription|allowance", re.IGNORECASE)
_OVERLOAD = re.compile(r"overload|capacity|too.*many.*request", re.IGNORECASE)
PAYMENT_TEXT = re.compile(
    r"payment.*verification.*failed|payment.*settlement.*failed|insufficient.*funds|transaction_simulation_failed",
    re.IGNORECASE,
)
UNKNOWN_MODEL_TEXT = re.compile(r"unknown.*model|invalid.*model", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"the ai service is temporarily overloaded|service is temporarily overloaded|please try again in a moment",
    re.IGNORECASE,
)
_BOXED = (
    re.compile(r"the boxed is the response\.", re.IGNORECASE),
    re.compile(r"the response is the text\.", re.IGNORECASE),
    re.compile(r"the final answer is the boxed\.", re.IGNORECASE),
)

RATE_LIMITED = "rate_limited"
OVERLOADED = "overloaded"
SERVER_ERROR = "server_error"
PAYMENT_ERROR = "payment_error"
TIMEOUT = "timeout"


def categorize(status: int, body: str) -> str | None:
    if status == 401:
        return "auth_failure"
    if status == 402:
        return PAYMENT_ERROR
    if status == 403:
        return "quota_exceeded" if _QUOTA.search(body) else "auth_failure"
    if status == 429:
        return RATE_LIMITED
    if status == 529 or (status == 503 and _OVERLOAD.search(body)):
        return OVERLOADED
    if status >= 500:
        return SERVER_ERROR
    if status in (400, 413) and PROVIDER_ERROR.search(body):
        return "config_error"
    return None


def degraded_reason(body: bytes) -> str | None:
    """The reason a 200 JSON answer should count as a failure, or None if it looks like a real answer."""
    text = body.decode("utf-8", errors="replace").strip()
    if _PLACEHOLDER.search(text[:2000]):
        return "degraded response: overloaded placeholder"
    try:
        data = json.loads(text)
    except ValueError:
        return "degraded response: not JSON"
    if not isinstance(data, dict):
        return "degraded response: not a JSON object"
    error = data.get("error")
    if error:
        message = error if isinstance(error, str) else json.dumps(error)
        if PROVIDER_ERROR.search(message):
            return f"degraded response: {message[:120]}"
    content = _first_content(data)
    if content and content.strip():
        return content_degraded_reason(content)
    if _empty_stop(data):
        return "degraded response: empty answer"
    return None


def content_degraded_reason(content: str) -> str | None:
    if _PLACEHOLDER.search(content):
        return "degraded response: overloaded assistant content"
    if sum(1 for pattern in _BOXED if pattern.search(content)) >= 2:
        return "degraded response: boxed placeholder"
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    if len(lines) >= 8:
        counts = Counter(lines)
        if max(counts.values()) >= 3 and len(counts) / len(lines) <= 0.45:
            return "degraded response: repetitive assistant loop"
    return None


def _empty_stop(data: dict[str, object]) -> bool:
    """A first choice that says it finished normally ("stop", or no reason) but holds no text, no tool calls
    and no refusal: the user would get a blank turn, so another model should answer instead."""
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return False
    choice = choices[0]
    if choice.get("finish_reason") not in ("stop", None):
        return False  # "length", "content_filter", "tool_calls": the model says why it stopped
    message = choice.get("message")
    if not isinstance(message, dict):
        return True
    content = message.get("content")
    if isinstance(content, list):  # content parts
        content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    text = content.strip() if isinstance(content, str) else ""
    return not (text or message.get("tool_calls") or message.get("function_call") or message.get("refusal"))


def _first_content(data: dict[str, object]) -> str | None:
    choices = data.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            return str(message["content"])
    return None
