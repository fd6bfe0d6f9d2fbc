"""Errors the proxy answers with, all OpenAI-shaped (``{"error": {"message", "type", "code", ...}}``).

Every failure on the request path ends up as one of these (or another :class:`UserFacingError`), so a client
always gets a status code and a readable message, never a traceback. The upstream layer's own failures are in
``upstream/errors.py``, the spend cap's refusal in ``ledger/spend.py``; :func:`as_user_error` maps onto all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyclawrouter.errors import BadRequestError, UserFacingError
from pyclawrouter.ledger.spend import CostCapExceededError
from pyclawrouter.upstream.errors import UpstreamFailedError, UpstreamTimeoutError

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


def error_headers(exc: UserFacingError) -> dict[str, str]:
    return dict(exc.headers)


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
