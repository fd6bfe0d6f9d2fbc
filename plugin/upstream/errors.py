"""The upstream layer's failures: one attempt's, the whole fallback loop's, and a broken connection.

All OpenAI-shaped (``{"error": {"message", "type", "code", ...}}``) through :class:`UserFacingError`;
``proxy/errors.as_user_error`` maps anything else onto them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyclawrouter.errors import UserFacingError


class UpstreamTimeoutError(UserFacingError):
    code = "timeout"
    http_status = 504
    error_type = "timeout"


@dataclass(frozen=True)
class AttemptFailure:
    model: str
    reason: str
    status: int
    detail: str = ""
    payment: bool = False  # the failure was about paying (empty wallet, refused signature, settlement)
    paid: bool = False  # a payment was signed for this attempt: it counts as spent whatever came back
    degraded: bool = False  # a 200 whose content was a placeholder (overloaded, empty), not an answer


class AllModelsFailedError(UserFacingError):
    """Every model in the chain failed: one error listing each attempt and why."""

    code = "all_models_failed"
    http_status = 502
    error_type = "all_models_failed"

    def __init__(self, attempts: Sequence[AttemptFailure], *, help_text: str | None = None) -> None:
        tried = ", ".join(f"{a.model} ({a.reason})" for a in attempts) or "none"
        super().__init__(f"All {len(attempts)} models failed. Tried: {tried}")
        self.attempts = list(attempts)
        self.help_text = help_text

    def to_openai_error(self) -> dict[str, object]:
        body = super().to_openai_error()
        error = body["error"]
        assert isinstance(error, dict)
        error["attempts"] = [
            {"model": a.model, "reason": a.reason, "status": a.status, **({"detail": a.detail} if a.detail else {})}
            for a in self.attempts
        ]
        if self.help_text:
            error["help"] = self.help_text
        return body


class UpstreamRejectedError(UserFacingError):
    """The upstream refused the request itself (bad request, unknown model): retrying elsewhere won't help,
    so its status and message go straight back to the client."""

    code = "upstream_rejected"
    error_type = "invalid_request_error"

    def __init__(self, status: int, message: str, body: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.http_status = status
        self.body = body

    def to_openai_error(self) -> dict[str, object]:
        if self.body is not None and isinstance(self.body.get("error"), dict):
            return dict(self.body)
        return super().to_openai_error()


class UpstreamFailedError(UserFacingError):
    """The upstream connection broke in a way no fallback absorbed (a network error mid-answer)."""

    code = "upstream_error"
    http_status = 502
    error_type = "upstream_error"
