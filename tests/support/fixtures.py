"""pytest fixtures for the fake BlockRun and the local chains. Use them from a conftest::

    from tests.support.fixtures import *  # noqa: F403  (or: pytest_plugins = ["tests.support.fixtures"] at the root)

=========================  ========  =====================================================================
fixture                    scope     what
=========================  ========  =====================================================================
``fake_blockrun``          function  :class:`FakeBlockRun` on Base, offline stub facilitator, x402 v2
``fake_blockrun_v1``       function  the same with v1 challenges (JSON body, ``X-PAYMENT``)
``fake_blockrun_solana``   function  Solana, offline stub facilitator (signature, balance, replay checks)
``anvil``                  session   :class:`AnvilChain` with TestUSDC at the Base USDC address
``fake_blockrun_anvil``    function  Base, SDK ``FacilitatorWeb3Signer`` settling on ``anvil``
``litesvm``                function  :class:`LiteSvmChain` (USDC mint at the mainnet address)
``fake_blockrun_litesvm``  function  Solana, settling real SPL transfers in ``litesvm``
``new_wallet``             function  a new wallet (with mnemonic) in a temporary dir; fund it yourself
``browser_page``           function  a headless Chromium page recording console errors (``tests/support/browser.py``)
``open_browser_page``      function  a factory for such pages, with extra Chromium flags and a viewport
=========================  ========  =====================================================================

Each ``fake_blockrun*`` is an object with ``.app`` (serve in-process with ``httpx.ASGITransport`` or on a
port with ``tests.support.server.serve``), ``.backend.fund(address, micro_usdc)`` and ``.backend.balance``.
Without the anvil binary the anvil fixtures skip, unless ``PYCLAWROUTER_REQUIRE_CHAINS=1`` (CI), where
they fail instead so the real-chain tier can never be skipped silently. The browser fixtures do the same with
``PYCLAWROUTER_REQUIRE_BROWSER=1`` when chromium is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyclawrouter.wallet import Wallet, load_or_create_wallet
from tests.support.anvil import AnvilChain, find_anvil
from tests.support.backends import AnvilEvmBackend, LiteSvmBackend, StubEvmBackend, StubSolanaBackend
from tests.support.browser import browser_page, open_browser_page
from tests.support.fake_blockrun import FakeBlockRun
from tests.support.solana_chains import LiteSvmChain

__all__ = [
    "anvil",
    "browser_page",
    "fake_blockrun",
    "fake_blockrun_anvil",
    "fake_blockrun_litesvm",
    "fake_blockrun_solana",
    "fake_blockrun_v1",
    "litesvm",
    "new_wallet",
    "open_browser_page",
]


@pytest.fixture
def fake_blockrun() -> FakeBlockRun:
    return FakeBlockRun(StubEvmBackend())


@pytest.fixture
def fake_blockrun_v1() -> FakeBlockRun:
    return FakeBlockRun(StubEvmBackend(), challenge_version=1)


@pytest.fixture
def fake_blockrun_solana() -> FakeBlockRun:
    return FakeBlockRun(StubSolanaBackend())


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilChain]:
    binary = find_anvil()
    if binary is None:
        message = "anvil binary not found (npm install --prefix tests/support/.tools @foundry-rs/anvil@1.7.1)"
        if os.environ.get("PYCLAWROUTER_REQUIRE_CHAINS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    chain = AnvilChain(binary).start(timeout_s=20)
    try:
        yield chain
    finally:
        chain.stop()


@pytest.fixture
def fake_blockrun_anvil(anvil: AnvilChain) -> FakeBlockRun:
    return FakeBlockRun(AnvilEvmBackend(anvil))


@pytest.fixture
def litesvm() -> LiteSvmChain:
    return LiteSvmChain()


@pytest.fixture
def fake_blockrun_litesvm(litesvm: LiteSvmChain) -> FakeBlockRun:
    return FakeBlockRun(LiteSvmBackend(litesvm))


@pytest.fixture
def new_wallet(tmp_path: Path) -> Wallet:
    return load_or_create_wallet(tmp_path / "wallet-home", {})
