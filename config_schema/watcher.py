"""A config that follows its files: re-read when one changes, keep the last good one when a change is bad.

The proxy builds its settings from :meth:`ConfigWatcher.current` on each request. That costs one ``stat`` per
source at most once per ``interval`` seconds; only a changed fingerprint (mtime, size, existence) triggers a
re-read. A bad edit never takes the proxy down: the previous config stays in force, :attr:`error` says what
is wrong (file, key, value, what is allowed), and ``on_error`` is called once per distinct error.

With ``start_anyway`` a bad config at start does not raise either: the watcher starts on the last good
config (``remember``, a file it rewrites after each good load) or, without one, the schema's defaults;
:attr:`fallback` says which, and fixing the file is picked up like any other edit.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyclawrouter.config_schema.loader import ConfigError, validate_config
from pyclawrouter.config_schema.sources import apply_env, config_sources, load_file_config, schema_defaults
from pyclawrouter.fsutil import atomic_write

_log = logging.getLogger("pyclawrouter.config")

Fingerprint = tuple[tuple[str, int, int] | None, ...]


def _log_error(message: str) -> None:
    _log.warning("config not applied, keeping the previous one: %s", message)


class ConfigWatcher:
    def __init__(
        self,
        home: Path,
        env: Mapping[str, str] | None = None,
        *,
        config_file: Path | None = None,
        openclaw_config: Path | None = None,
        interval: float = 1.0,
        on_error: Callable[[str], None] = _log_error,
        clock: Callable[[], float] = time.monotonic,
        start_anyway: bool = False,
        remember: Path | None = None,
    ) -> None:
        """Load once now. A bad config at start raises :class:`ConfigError`, unless ``start_anyway``: then the
        last good config saved in ``remember`` (or the defaults) is in force and :attr:`error` says why."""
        self._home = home
        self._env = dict(os.environ if env is None else env)
        self._config_file = config_file
        self._openclaw_config = openclaw_config
        self._interval = interval
        self._on_error = on_error
        self._clock = clock
        self._remember = remember
        self._lock = threading.Lock()
        self._paths = [
            s.path
            for s in config_sources(home, self._env, config_file=config_file, openclaw_config=openclaw_config)
            if s.path is not None
        ]
        self._fingerprint = self._take_fingerprint()
        self.error: str | None = None
        # None while the files are in force; else what is instead ("the last good config ...", "the defaults").
        self.fallback: str | None = None
        try:
            self._config = self._load()
        except ConfigError as exc:
            if not start_anyway:
                raise
            self._config, self.fallback = self._fallback_config()
            self.error = exc.message
            on_error(exc.message)
        self._checked_at = clock()
        self.generation = 1  # bumps on every successful reload, so callers can rebuild derived state

    def current(self) -> dict[str, Any]:
        """The config in force; re-reads first if a source changed (checked at most once per interval)."""
        now = self._clock()
        if now - self._checked_at < self._interval:
            return self._config
        with self._lock:
            if now - self._checked_at >= self._interval:
                self._checked_at = now
                self._refresh_if_changed()
        return self._config

    def reload(self) -> dict[str, Any]:
        """Re-read now, whatever the mtimes say."""
        with self._lock:
            self._checked_at = self._clock()
            self._fingerprint = self._take_fingerprint()
            self._apply_reload()
        return self._config

    def _refresh_if_changed(self) -> None:
        fingerprint = self._take_fingerprint()
        if fingerprint == self._fingerprint:
            return
        self._fingerprint = fingerprint
        self._apply_reload()

    def _apply_reload(self) -> None:
        try:
            config = self._load()
        except ConfigError as exc:
            if exc.message != self.error:
                self.error = exc.message
                self._on_error(exc.message)
            return
        self._config = config
        self.error = None
        self.fallback = None
        self.generation += 1

    def _load(self) -> dict[str, Any]:
        files = load_file_config(self._home, self._env, config_file=self._config_file,
                                 openclaw_config=self._openclaw_config)
        config = apply_env(files, self._env)
        self._save_last_good(files)
        return config

    def _save_last_good(self, files: dict[str, Any]) -> None:
        """Keep the files' config (not the environment's part) for a start with a broken file. 0600: the
        plugin config may hold ``walletKey``."""
        if self._remember is None:
            return
        text = json.dumps(files, indent=2, sort_keys=True) + "\n"
        try:
            if self._remember.read_text(encoding="utf-8") == text:
                return
        except OSError:
            pass
        try:
            atomic_write(self._remember, text, mode=0o600)
        except OSError as exc:
            _log.warning("cannot save the last good config to %s: %s", self._remember, exc)

    def _fallback_config(self) -> tuple[dict[str, Any], str]:
        base, what = schema_defaults(), "the defaults"
        if self._remember is not None:
            try:
                saved = json.loads(self._remember.read_text(encoding="utf-8"))
                base = validate_config(saved, source=str(self._remember))
                stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(self._remember.stat().st_mtime))
                what = f"the last good config (from {stamp})"
            except (OSError, ValueError, ConfigError):
                pass
        try:
            return apply_env(base, self._env), what
        except ConfigError:
            return base, what  # a bad environment variable is part of the error already reported

    def _take_fingerprint(self) -> Fingerprint:
        marks: list[tuple[str, int, int] | None] = []
        for path in self._paths:
            try:
                st = path.stat()
            except OSError:
                marks.append(None)
            else:
                marks.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(marks)


def config_in_force(home: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """What a proxy started now would run on: the effective config, else the last good one, else the defaults.
    For commands that must agree with the proxy while a file is broken (which wallet key is in use)."""
    from pyclawrouter.paths import last_good_config_file

    watcher = ConfigWatcher(home, env, start_anyway=True, remember=last_good_config_file(home),
                            on_error=lambda _message: None)
    return watcher.current()


def configured_wallet_key(config: Mapping[str, Any]) -> str | None:
    """The ``walletKey`` of a loaded config (the wallet's key when none is saved), or None."""
    key = config.get("walletKey")
    return key if isinstance(key, str) and key.strip() else None
