"""Building responses: OpenAI-style errors, and the headers ClawRouter adds to answers.

Header values must be Latin-1 for HTTP; routing reasoning can quote CJK or Cyrillic keywords (ClawRouter
failed writing such a header *after* the upstream call was paid), so every value goes through :func:`header_safe`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from pyclawrouter.errors import UserFacingError
from pyclawrouter.proxy.errors import error_headers


def header_safe(value: object, limit: int = 512) -> str:
    text = " ".join(str(value).split())[:limit]
    return text.encode("ascii", "backslashreplace").decode("ascii")


def error_body(exc: UserFacingError) -> dict[str, object]:
    return exc.to_openai_error()


def json_error_response(exc: UserFacingError) -> Response:
    return json_response(error_body(exc), status=exc.http_status, headers=error_headers(exc))


def json_response(data: object, *, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), status_code=status,
                    media_type="application/json", headers=dict(headers) if headers else None)


def openai_error(status: int, message: str, *, type_: str = "invalid_request_error", code: str = "error",
                 headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    return json_response({"error": {"message": message, "type": type_, "code": code, **extra}}, status=status,
                         headers=headers)


def add_notices_to_json(body: bytes, notices: list[str], model: str) -> bytes:
    """Prepend visible notices (budget downgrade, empty wallet) to the first choice's text.

    Only parsed and re-serialized when there is something to add: the common case passes bytes through."""
    if not notices:
        return body
    try:
        data = json.loads(body)
        message = data["choices"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        return body
    prefix = "".join(notices)
    message["content"] = prefix + (message.get("content") or "")
    data["model"] = data.get("model") or model
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
