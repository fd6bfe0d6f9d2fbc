"""Errors the proxy answers with, all OpenAI-shaped (``{"error": {"message", "type", "code", ...}}``).

Every failure on the request path ends up as one of these (or another :class:`UserFacingError`), so a client
always gets a status code and a readable message, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyclawrouter.errors import BadRequestError, UserFacingError

if TYPE_CHECKING:
    from pyclawrouter.routing.catalog import Catalog


class PayloadTooLargeError(BadRequestError):
    code = "payload_too_large"
    http_status = 413


class RequestTimeoutError(BadRequestError):
    code = "request_timeout"
    http_status = 408


class NotFoundError(UserFacingError):
    code = "not_found"
    http_status = 404
    error_type = "invalid_request_error"


class UnauthorizedError(UserFacingError):
    code = "unauthorized"
    http_status = 401
    error_type = "authentication_error"


class CostCapExceededError(UserFacingError):
    """Strict spend mode: the session's cap would be exceeded (ClawRouter's 429 and header)."""

    code = "cost_cap_exceeded"
    http_status = 429
    error_type = "cost_cap_exceeded"
    headers: Mapping[str, str] = {"X-ClawRouter-Cost-Cap-Exceeded": "1"}


class BudgetExhaustedError(CostCapExceededError):
    """Graceful spend mode with no room left for a request that must not be downgraded (an explicit model, or
    tools the free model cannot call)."""

    code = "budget_exhausted"
    error_type = "budget_exhausted"


class UnlistedModelError(BadRequestError):
    """An explicit request for a model the gateway's live list no longer names: it would answer from another."""

    code = "model_not_listed"

    def __init__(self, model: str, catalog: Catalog, unlisted: frozenset[str]) -> None:
        nearest = [m for m in catalog.suggest(model, limit=6) if m not in unlisted and m != model][:3]
        hint = f" Nearest listed: {', '.join(nearest)}." if nearest else ""
        super().__init__(f"{model} is not in BlockRun's model list any more; the gateway would answer it from "
                         f"another model.{hint} Set allowUnlistedModels: true to send it anyway.")


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


def error_headers(exc: UserFacingError) -> dict[str, str]:
    return dict(exc.headers)


class UpstreamFailedError(UserFacingError):
    """The upstream connection broke in a way no fallback absorbed (a network error mid-answer)."""

    code = "upstream_error"
    http_status = 502
    error_type = "upstream_error"


class InternalProxyError(UserFacingError):
    """A fault of ours. The details go to the server log, never to the client."""

    code = "internal_error"
    http_status = 500
    error_type = "proxy_error"


def as_user_error(exc: BaseException) -> UserFacingError:
    """The one mapping from an exception to what the client is told, used by the app, the pipeline and streaming
    alike: an upstream failure is a 502, a timeout a 504, a fault of ours a 500, the same in JSON and in a stream."""
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, TimeoutError):
        return UpstreamTimeoutError("The request timed out")
    import httpx  # already loaded by the app; imported here to keep this module dependency-free at import

    if isinstance(exc, httpx.HTTPError):
        return UpstreamFailedError(f"The upstream connection failed ({type(exc).__name__})")
    return InternalProxyError("Internal proxy error; see the pyclawrouter log")
