"""Crash-safe file writes.

Every file pyclawrouter writes goes through here so that a crash, a full disk or a concurrent writer never
leaves a half-written wallet, config or spend ledger behind: data goes to a temporary file in the same
directory, is flushed to disk, and only then renamed over the target (rename is atomic on POSIX).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) and make sure only the owner can enter it."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    with contextlib.suppress(PermissionError):
        if (path.stat().st_mode & 0o777) != PRIVATE_DIR_MODE:
            path.chmod(PRIVATE_DIR_MODE)


def atomic_write(path: Path, data: str | bytes, *, mode: int = PRIVATE_FILE_MODE, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` atomically with permission bits ``mode`` (owner-only unless told otherwise:
    almost everything written here is state of one user). A missing parent directory is created 0700.

    With ``exclusive=True`` the write fails with ``FileExistsError`` if ``path`` already exists, and never
    replaces it: that is how secrets (wallet key, mnemonic) are protected from being overwritten.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            # link() fails if the target exists, unlike rename(): no window where a secret is replaced.
            os.link(tmp, path)
            tmp.unlink()
        else:
            os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _fsync_dir(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
