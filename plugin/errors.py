"""The base of every error a user should see as a message rather than a traceback.

Each subsystem subclasses :class:`UserFacingError` with its own ``code`` and ``http_status``; the CLI prints
``str(error)`` and exits 1, the proxy turns it into an OpenAI-style error body with that status. Messages
say what was wrong and what is allowed, and never contain a private key or mnemonic.
"""

from __future__ import annotations

from collections.abc import Mapping


class UserFacingError(Exception):
    code: str = "error"
    http_status: int = 500
    error_type: str = "server_error"
    headers: Mapping[str, str] = {}
    """Extra HTTP headers the proxy sends with this error's answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_openai_error(self) -> dict[str, object]:
        return {"error": {"message": self.message, "type": self.error_type, "code": self.code}}


class BadRequestError(UserFacingError):
    """The client's input is wrong; retrying the same input elsewhere will not help."""

    code = "invalid_request"
    http_status = 400
    error_type = "invalid_request_error"
