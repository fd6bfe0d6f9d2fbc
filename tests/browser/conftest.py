"""The browser fixtures from tests/support."""

from tests.support.fixtures import *  # noqa: F403
