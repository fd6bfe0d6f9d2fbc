"""Errors the wallet reports to the user. None of them ever carries key material in its text."""

from __future__ import annotations

from pyclawrouter.errors import UserFacingError


class WalletError(UserFacingError):
    """A wallet problem the user must fix (a bad file, a bad environment value, a refused operation)."""

    code = "wallet_error"
    http_status = 500
    error_type = "wallet_error"


class WalletFileError(WalletError):
    """A saved key or mnemonic file exists but cannot be used. We never replace it with a new wallet."""

    code = "wallet_file_invalid"

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(
            f"{path}: {problem}. Refusing to create a new wallet over it (it may hold funds). "
            "Fix or move the file, then try again."
        )
        self.path = path


class NoWalletError(WalletError):
    """No saved wallet and no ``BLOCKRUN_WALLET_KEY`` (only raised where generating one is not allowed)."""

    code = "no_wallet"
