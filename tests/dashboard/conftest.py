"""The browser fixtures from tests/support (the chat picture is also checked by Chromium's PNG decoder)."""

from tests.support.fixtures import *  # noqa: F403
