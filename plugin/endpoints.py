"""The servers pyclawrouter talks to unless told otherwise: BlockRun's API for each chain and each chain's
public JSON-RPC. ``BLOCKRUN_API_BASE`` (or the config's ``apiBase``), ``BLOCKRUN_BASE_RPC_URL`` and
``CLAWROUTER_SOLANA_RPC_URL`` replace them (see :mod:`pyclawrouter.settings`). No imports: the settings, the
balance reader, the Solana signer, ``/wallet`` and ``doctor`` all read these without loading each other.
"""

from __future__ import annotations

# BlockRun serves Solana payers from a separate host.
DEFAULT_API_BASE: dict[str, str] = {"base": "https://blockrun.ai/api", "solana": "https://sol.blockrun.ai/api"}
DEFAULT_BASE_RPC_URL = "https://mainnet.base.org"
SOLANA_RPC_PATH = "/v1/solana/rpc"
"""BlockRun's Solana JSON-RPC proxy, under the Solana API base. Its SDK signs with blockhashes from it: the
public mainnet-beta RPC answers 429 at 10-40 requests a second."""
DEFAULT_SOLANA_RPC_URL = DEFAULT_API_BASE["solana"] + SOLANA_RPC_PATH
PUBLIC_SOLANA_RPC_URL = "https://api.mainnet-beta.solana.com"
"""Balance reads fall back to it when the gateway's RPC proxy does not serve them."""


def solana_rpc_urls(override: str | None, solana_api_base: str) -> tuple[str, str | None]:
    """The Solana RPC to use and the one balance reads may fall back to: ``CLAWROUTER_SOLANA_RPC_URL`` alone when
    set, else the gateway's RPC proxy under the Solana API base (which ``BLOCKRUN_API_BASE`` moves), then the
    public RPC."""
    if override:
        return override, None
    return solana_api_base.rstrip("/") + SOLANA_RPC_PATH, PUBLIC_SOLANA_RPC_URL
