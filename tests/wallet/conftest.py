"""Shared fixtures for the wallet tests: the fake BlockRun and the local chains."""

from tests.support.fixtures import *  # noqa: F403
