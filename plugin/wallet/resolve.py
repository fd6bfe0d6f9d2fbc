"""Finding the wallet (in ClawRouter's order, so its wallets keep working) and the few operations that create
key files.

1. ``wallet.key`` in the state directory (malformed → error naming the file, never a new wallet);
2. ``BLOCKRUN_WALLET_KEY`` (set but malformed → error, never a silent new wallet);
3. the plugin config's ``walletKey`` (the caller passes it; the schema has checked its form);
4. generate a 24-word mnemonic, derive both keys, write ``mnemonic`` then ``wallet.key``.

A key from 2 or 3 is never written to disk: the wallet follows it for as long as it is set.

A valid ``mnemonic`` next to a missing ``wallet.key`` is not a reason to generate: the user is told to run
``pyclawrouter wallet recover``. The Solana key always comes from the ``mnemonic`` file when there is one.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from pyclawrouter.paths import mnemonic_file, wallet_key_file
from pyclawrouter.wallet import keys, store
from pyclawrouter.wallet.errors import NoWalletError, WalletError
from pyclawrouter.wallet.model import Wallet, WalletSource

ENV_KEY = "BLOCKRUN_WALLET_KEY"
_RACE_WAIT_S = 2.0


def _build(home: Path, private_key: str, mnemonic: str | None, source: WalletSource) -> Wallet:
    account = keys.evm_account(private_key)
    seed = keys.solana_seed_from_mnemonic(mnemonic) if mnemonic else None
    return Wallet(
        evm_address=account.address,
        solana_address=keys.solana_address(seed) if seed is not None else None,
        evm_account=account,
        solana_seed=seed,
        has_mnemonic=mnemonic is not None,
        source=source,
        home=home,
    )


def _env_key(env: Mapping[str, str]) -> str | None:
    raw = env.get(ENV_KEY, "").strip()
    if not raw:
        return None
    if not keys.is_valid_private_key(raw):
        raise WalletError(f"{ENV_KEY} is set but is not a private key (expected 0x followed by 64 hex digits).")
    return raw


def _config_key(configured: str | None) -> str | None:
    if configured is None or not configured.strip():
        return None
    if not keys.is_valid_private_key(configured.strip()):
        # The schema checks the form; this is a scalar outside the curve's range (never echoed: it is a key).
        raise WalletError("walletKey in the plugin config is not a usable private key "
                          "(0x and 64 hex digits naming a secp256k1 key: not zero, below the curve order).")
    return configured.strip()


def load_wallet(home: Path, env: Mapping[str, str], configured_key: str | None = None) -> Wallet:
    """The existing wallet (saved file, then environment, then ``configured_key``, the config's ``walletKey``).
    Never generates; :class:`NoWalletError` if none."""
    saved = store.read_private_key(home)
    mnemonic = store.read_mnemonic(home)
    if saved is not None:
        return _build(home, saved, mnemonic, "saved")
    from_env = _env_key(env)
    if from_env is not None:
        return _build(home, from_env, mnemonic, "env")
    from_config = _config_key(configured_key)
    if from_config is not None:
        return _build(home, from_config, mnemonic, "config")
    if mnemonic is not None:
        raise NoWalletError(
            f"Found {mnemonic_file(home)} but no {wallet_key_file(home)}. "
            "Run `pyclawrouter wallet recover` to derive the key from the mnemonic."
        )
    raise NoWalletError(f"No wallet found in {home}. Run `pyclawrouter wallet` to create one, or set {ENV_KEY}.")


def load_or_create_wallet(home: Path, env: Mapping[str, str], configured_key: str | None = None) -> Wallet:
    """The existing wallet, or a newly generated one when there is nothing at all: no ``wallet.key``, no
    ``BLOCKRUN_WALLET_KEY``, no ``walletKey`` and no ``mnemonic`` (a mnemonic alone is refused, never
    overwritten)."""
    try:
        return load_wallet(home, env, configured_key)
    except NoWalletError:
        if store.read_mnemonic(home) is not None:
            # A mnemonic written a moment ago is another process creating the wallet right now: wait for it.
            # An older one is a wallet whose key file is gone: the user must decide (``wallet recover``).
            if not _just_written(mnemonic_file(home)):
                raise
            return _wait_for_wallet(home, env, configured_key)
    phrase = keys.generate_mnemonic()
    private_key = keys.evm_key_from_mnemonic(phrase)
    try:
        store.save_mnemonic(home, phrase)
        store.save_private_key(home, private_key)
    except WalletError:
        if not mnemonic_file(home).exists():
            raise
        return _wait_for_wallet(home, env, configured_key)  # another process won the race to create it
    return _build(home, private_key, phrase, "generated")


def _just_written(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime < _RACE_WAIT_S
    except OSError:
        return False


def _wait_for_wallet(home: Path, env: Mapping[str, str], configured_key: str | None) -> Wallet:
    deadline = time.monotonic() + _RACE_WAIT_S
    while True:
        try:
            return load_wallet(home, env, configured_key)
        except NoWalletError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def recover_wallet(home: Path) -> Wallet:
    """Derive ``wallet.key`` from an existing ``mnemonic`` (refuses when the key exists or there is no mnemonic)."""
    if store.read_private_key(home) is not None:
        raise WalletError(f"{wallet_key_file(home)} already exists; nothing to recover.")
    phrase = store.read_mnemonic(home)
    if phrase is None:
        raise WalletError(f"No mnemonic at {mnemonic_file(home)}; cannot recover a key without it.")
    private_key = keys.evm_key_from_mnemonic(phrase)
    store.save_private_key(home, private_key)
    return _build(home, private_key, phrase, "recovered")


def setup_solana(home: Path, env: Mapping[str, str], configured_key: str | None = None) -> tuple[Wallet, bool]:
    """Give an EVM-only wallet a Solana key (a new mnemonic; the EVM key is unchanged).

    Returns the wallet and whether a mnemonic was created. Note, as ClawRouter does, that ``wallet recover``
    from this new mnemonic would derive a *different* EVM key than the saved one.
    """
    wallet = load_wallet(home, env, configured_key)
    if wallet.has_mnemonic:
        return wallet, False
    store.save_mnemonic(home, keys.generate_mnemonic())
    return load_wallet(home, env, configured_key), True
