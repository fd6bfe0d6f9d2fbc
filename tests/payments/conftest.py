"""Shared fixtures for the payment tests: the fake BlockRun and the local chains."""

from tests.support.fixtures import *  # noqa: F403
