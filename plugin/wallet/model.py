"""The loaded wallet: addresses to show, signers to pay with, and no way to print a secret by accident."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # solders loads only where Solana signs (about 20 ms and 10 MB of RSS at import)
    from solders.keypair import Keypair

from pyclawrouter.wallet.evm_key import EvmKey

WalletSource = Literal["saved", "env", "config", "generated", "recovered"]
# The sources of a key that is in no file of the state directory (the wallet never writes such a key), by name.
KEY_GIVEN_BY: dict[WalletSource, str] = {"env": "BLOCKRUN_WALLET_KEY", "config": "walletKey in the plugin config"}


@dataclass(frozen=True, eq=False, repr=False)
class Wallet:
    evm_address: str
    """Checksummed EVM address (Base)."""
    solana_address: str | None
    """Base58 Solana address, when a mnemonic exists."""
    evm_account: EvmKey = field(repr=False)
    solana_seed: bytes | None = field(repr=False)
    """The 32-byte ed25519 seed of the Solana key, when a mnemonic exists."""
    has_mnemonic: bool
    source: WalletSource = "saved"
    """Where the EVM key came from: the saved file, ``BLOCKRUN_WALLET_KEY``, the config's ``walletKey``, or just
    generated/recovered."""
    home: Path | None = None

    def __repr__(self) -> str:
        return (
            f"Wallet(evm_address={self.evm_address!r}, solana_address={self.solana_address!r}, "
            f"has_mnemonic={self.has_mnemonic}, source={self.source!r})"
        )

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:  # pickling would copy key material into who knows where
        raise TypeError("Wallet objects hold private keys and cannot be pickled")

    @functools.cached_property
    def solana_keypair(self) -> Keypair | None:
        """The Solana signer, built (and solders imported) on first use: only a Solana payment needs it."""
        from pyclawrouter.wallet.keys import solana_keypair

        return solana_keypair(self.solana_seed) if self.solana_seed is not None else None

    def private_key_hex(self) -> str:
        """The EVM private key (``0x`` + 64 hex). Only for an explicit, owner-only export."""
        return "0x" + self.evm_account.key.hex()
