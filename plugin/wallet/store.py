"""The wallet's files under the state directory, in ClawRouter's format so either tool can read them.

``wallet.key`` is ``0x`` + 64 hex + newline, ``mnemonic`` is the phrase + newline; both 0600 in a 0700
directory. Secrets are written once (atomically, never over an existing file), read back and compared. A
file that exists but is unreadable or malformed is an error naming the file: we never guess, and we never
put its contents in the message.
"""

from __future__ import annotations

import stat
from pathlib import Path

from pyclawrouter.fsutil import PRIVATE_FILE_MODE, atomic_write, ensure_private_dir
from pyclawrouter.paths import mnemonic_file, wallet_key_file
from pyclawrouter.wallet.errors import WalletError, WalletFileError
from pyclawrouter.wallet.keys import is_valid_mnemonic, is_valid_private_key, normalize_mnemonic


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise WalletFileError(path, "is not UTF-8 text") from None
    except OSError as exc:
        raise WalletFileError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None


def read_private_key(home: Path) -> str | None:
    """The saved EVM key, ``None`` when there is no file; :class:`WalletFileError` when it is unusable."""
    path = wallet_key_file(home)
    text = _read_text(path)
    if text is None:
        return None
    key = text.strip()
    if not is_valid_private_key(key):
        raise WalletFileError(path, "is not a private key (expected 0x followed by 64 hex digits)")
    return key


def read_mnemonic(home: Path) -> str | None:
    """The saved BIP-39 phrase, ``None`` when there is no file; :class:`WalletFileError` when it is unusable."""
    path = mnemonic_file(home)
    text = _read_text(path)
    if text is None:
        return None
    if not is_valid_mnemonic(text):
        raise WalletFileError(path, "is not a valid BIP-39 English mnemonic")
    return normalize_mnemonic(text)


def write_secret(path: Path, value: str) -> None:
    """Create ``path`` holding ``value`` + newline, 0600 in a 0700 directory; never replace an existing file."""
    ensure_private_dir(path.parent)
    try:
        atomic_write(path, value + "\n", mode=PRIVATE_FILE_MODE, exclusive=True)
    except FileExistsError:
        raise WalletError(f"{path} already exists; pyclawrouter never overwrites a key or mnemonic.") from None
    except OSError as exc:
        raise WalletError(f"Could not write {path}: {exc.strerror or type(exc).__name__}") from None
    written = _read_text(path)
    if written is None or written.strip() != value:
        raise WalletFileError(path, "did not read back as written (disk or filesystem problem)")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode != PRIVATE_FILE_MODE:
        raise WalletFileError(path, f"has mode {mode:o} instead of 600 after writing")


def save_private_key(home: Path, key: str) -> None:
    if not is_valid_private_key(key):
        raise WalletError("Refusing to save an invalid private key.")
    write_secret(wallet_key_file(home), key)


def save_mnemonic(home: Path, phrase: str) -> None:
    if not is_valid_mnemonic(phrase):
        raise WalletError("Refusing to save an invalid mnemonic.")
    write_secret(mnemonic_file(home), normalize_mnemonic(phrase))
