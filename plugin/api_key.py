"""The per-install API key that every ``/v1/*`` request must carry (``Authorization: Bearer <key>``).

The proxy spends the owner's wallet for whoever calls it, and any local process (or a web page, through the
browser) can open a connection to a loopback port. The key is the proof that a caller was set up by the owner:
it lives in ``<state dir>/api-key`` (0600 in a 0700 directory), which only the owner's processes can read.
It is created once, by ``pyclawrouter serve`` or ``pyclawrouter openclaw install``, and never replaced
(``atomic_write(exclusive=True)``), because OpenClaw's provider block and other clients hold a copy of it.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

from pyclawrouter import paths
from pyclawrouter.errors import UserFacingError
from pyclawrouter.fsutil import PRIVATE_FILE_MODE, atomic_write, ensure_private_dir

# A recognisable prefix so a leaked key can be told apart from other secrets (and grepped for).
KEY_PREFIX = "pcr-"


class ApiKeyFileError(UserFacingError):
    code = "api_key_file"
    http_status = 500


def read_api_key(home: Path) -> str | None:
    """The saved key, or None when there is none yet."""
    path = paths.api_key_file(home)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ApiKeyFileError(f"cannot read the API key file {path}: {exc}") from None
    if not text or not text.isascii() or any(c.isspace() for c in text):
        raise ApiKeyFileError(f"the API key file {path} is empty or not one printable ASCII word; delete it and "
                              "run `pyclawrouter key` to create a new key (then give it to your clients again)")
    return text


def load_or_create_api_key(home: Path) -> str:
    """The saved key; a new one is written first if there is none (a concurrent creator's key wins)."""
    existing = read_api_key(home)
    if existing is not None:
        return existing
    ensure_private_dir(home)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    # Another process may create it between our read and our write: then theirs is the key.
    with contextlib.suppress(FileExistsError):
        atomic_write(paths.api_key_file(home), key + "\n", mode=PRIVATE_FILE_MODE, exclusive=True)
    created = read_api_key(home)
    if created is None:  # deleted again in between: nothing sensible to do but say so
        raise ApiKeyFileError(f"the API key file {paths.api_key_file(home)} vanished while it was being created")
    return created
