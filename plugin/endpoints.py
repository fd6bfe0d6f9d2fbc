"""The servers pyclawrouter talks to unless told otherwise: BlockRun's API for each chain and each chain's
public JSON-RPC. ``BLOCKRUN_API_BASE`` (or the config's ``apiBase``), ``BLOCKRUN_BASE_RPC_URL`` and
``CLAWROUTER_SOLANA_RPC_URL`` replace them (see :mod:`pyclawrouter.settings`). No imports: the settings, the
balance reader, the Solana signer, ``/wallet`` and ``doctor`` all read these without loading each other.
"""

from __future__ import annotations

# BlockRun serves Solana payers from a separate host.
DEFAULT_API_BASE: dict[str, str] = {"base": "https://blockrun.ai/api", "solana": "https://sol.blockrun.ai/api"}
DEFAULT_BASE_RPC_URL = "https://mainnet.base.org"
DEFAULT_SOLANA_RPC_URL = "https://api.mainnet-beta.solana.com"
