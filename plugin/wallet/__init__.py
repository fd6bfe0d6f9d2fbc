"""pyclawrouter.wallet: the local wallet (keys, files, payment chain). See ``docs/payments.md``."""

from pyclawrouter.wallet.chain import CHAINS, DEFAULT_CHAIN, Chain, resolve_chain, saved_chain, set_chain
from pyclawrouter.wallet.errors import NoWalletError, WalletError, WalletFileError
from pyclawrouter.wallet.model import Wallet
from pyclawrouter.wallet.resolve import load_or_create_wallet, load_wallet, recover_wallet, setup_solana

__all__ = [
    "CHAINS",
    "DEFAULT_CHAIN",
    "Chain",
    "NoWalletError",
    "Wallet",
    "WalletError",
    "WalletFileError",
    "load_or_create_wallet",
    "load_wallet",
    "recover_wallet",
    "resolve_chain",
    "saved_chain",
    "set_chain",
    "setup_solana",
]
