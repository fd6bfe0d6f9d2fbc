"""pyclawrouter.wallet: the local wallet (keys, files, payment chain). See ``docs/payments.md``."""

from pyclawrouter.wallet.errors import NoWalletError, WalletError, WalletFileError
from pyclawrouter.wallet.model import Wallet
from pyclawrouter.wallet.payment_chain import (
    DEFAULT_PAYMENT_CHAIN,
    PAYMENT_CHAINS,
    PaymentChain,
    resolve_payment_chain,
    saved_payment_chain,
    set_payment_chain,
)
from pyclawrouter.wallet.resolve import load_or_create_wallet, load_wallet, recover_wallet, setup_solana

__all__ = [
    "DEFAULT_PAYMENT_CHAIN",
    "PAYMENT_CHAINS",
    "NoWalletError",
    "PaymentChain",
    "Wallet",
    "WalletError",
    "WalletFileError",
    "load_or_create_wallet",
    "load_wallet",
    "recover_wallet",
    "resolve_payment_chain",
    "saved_payment_chain",
    "set_payment_chain",
    "setup_solana",
]
