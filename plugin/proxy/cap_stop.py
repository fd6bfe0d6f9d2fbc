"""A spend-cap stop told to an OpenClaw user in the plugin's own words, as an ordinary assistant answer.

OpenClaw turns a 429 from a provider into its own failover: read as billing it shows a generic "provider
billing issue" and disables the provider in every session for minutes; read as a rate limit it retries for
minutes. Neither shows why, and both lock the user out after the cap stopped one run. So for requests that
carry the header OpenClaw is configured to send (``x-clawrouter-client: openclaw``, written into the provider
block at install), a cap stop is answered as a normal 200 chat answer that explains it: what was spent, the
cap, how to raise it. The stop itself is never paid for and never cached. Other OpenAI clients keep the documented
429 with ``X-ClawRouter-Cost-Cap-Exceeded: 1``; the header is set on this answer too.
"""

from __future__ import annotations

import json
import time

from starlette.datastructures import Headers
from starlette.responses import Response

from pyclawrouter.ledger.spend import CostCapExceededError

CLIENT_HEADER = "x-clawrouter-client"
OPENCLAW = "openclaw"
# Not words OpenClaw takes for its own error copy ("Unknown model", "Error:", "⚠️"), so it shows them as they are.
PREFIX = "🛑 pyclawrouter stopped here: "


def answers_in_chat(headers: Headers) -> bool:
    return headers.get(CLIENT_HEADER, "").strip().lower() == OPENCLAW


def text_for(exc: CostCapExceededError) -> str:
    return PREFIX + exc.message


def answer(exc: CostCapExceededError, *, stream: bool, model: str, request_id: str, paid: float = 0.0) -> Response:
    """``paid``: what earlier attempts of this request paid before the cap declined the next payment."""
    headers = {"x-clawrouter-cost-cap-exceeded": "1", "x-clawrouter-cost": f"{paid:.6f}",
               "x-clawrouter-request-id": request_id, "cache-control": "no-store"}
    if not stream:
        body = {**_identity(model, request_id), "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text_for(exc)},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}
        return Response(json.dumps(body, ensure_ascii=False).encode("utf-8"), media_type="application/json",
                        headers=headers)
    return Response(sse_events(exc, model=model, request_id=request_id), media_type="text/event-stream",
                    headers=headers)


def sse_events(exc: CostCapExceededError, *, model: str, request_id: str) -> bytes:
    """The cap stop as the SSE events of a whole answer, ``data: [DONE]`` included: the body of a streamed
    cap stop, or the rest of a stream that had already committed to 200 when a payment was declined."""
    chunk = {**_identity(model, request_id), "object": "chat.completion.chunk"}
    events = [
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": text_for(exc)},
                               "finish_reason": None}]},
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    data = b"".join(b"data: " + json.dumps(e, ensure_ascii=False).encode("utf-8") + b"\n\n" for e in events)
    return data + b"data: [DONE]\n\n"


def _identity(model: str, request_id: str) -> dict[str, object]:
    return {"id": f"chatcmpl-capstop-{request_id}", "created": int(time.time()), "model": model}
