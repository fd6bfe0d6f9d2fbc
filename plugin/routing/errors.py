"""Errors the routing core raises. Each says what was wrong and what is allowed, so the CLI can print it as is
and the proxy can return it as an OpenAI-style 400 body."""

from __future__ import annotations

from collections.abc import Sequence

from pyclawrouter.errors import BadRequestError, UserFacingError


class InvalidRequestError(BadRequestError):
    """The body is not a usable chat-completions request."""

    code = "invalid_request"


class UnknownModelError(BadRequestError):
    """``model`` names nothing in the catalog."""

    code = "model_not_found"

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        hint = f" Did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(
            f"Unknown model {name!r}.{hint} Use a routing profile (auto, eco, premium, free), a model id such as "
            "'google/gemini-2.5-flash', or an alias such as 'sonnet'; `GET /v1/models` lists them all."
        )
        self.name = name
        self.suggestions = tuple(suggestions)


class NoModelFitsError(BadRequestError):
    """Every candidate model was ruled out (context window, images, exclude list)."""

    code = "no_model_fits"


class RoutingConfigError(BadRequestError):
    """The plugin config's ``routing`` section names an unknown profile, tier or model."""

    code = "invalid_routing_config"


class CatalogError(UserFacingError):
    """A routing data file (catalog, tier table, keyword list) is malformed: a packaging bug, not user input."""

    code = "catalog_error"
    http_status = 500
