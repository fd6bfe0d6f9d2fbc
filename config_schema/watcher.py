"""A config that follows its files: re-read when one changes, keep the last good one when a change is bad.

The proxy builds its settings from :meth:`ConfigWatcher.current` on each request. That costs one ``stat`` per
source at most once per ``interval`` seconds; only a changed fingerprint (mtime, size, existence) triggers a
re-read. A bad edit never takes the proxy down: the previous config stays in force, :attr:`error` says what
is wrong (file, key, value, what is allowed), and ``on_error`` is called once per distinct error.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyclawrouter.config_schema.loader import ConfigError
from pyclawrouter.config_schema.sources import config_sources, load_effective_config

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
    ) -> None:
        """Load once now; a bad config at start raises :class:`ConfigError` (there is no good one to keep)."""
        self._home = home
        self._env = dict(os.environ if env is None else env)
        self._config_file = config_file
        self._openclaw_config = openclaw_config
        self._interval = interval
        self._on_error = on_error
        self._clock = clock
        self._lock = threading.Lock()
        self._paths = [
            s.path
            for s in config_sources(home, self._env, config_file=config_file, openclaw_config=openclaw_config)
            if s.path is not None
        ]
        self._fingerprint = self._take_fingerprint()
        self._config = self._load()
        self._checked_at = clock()
        self.error: str | None = None
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
        self.generation += 1

    def _load(self) -> dict[str, Any]:
        return load_effective_config(
            self._home, self._env, config_file=self._config_file, openclaw_config=self._openclaw_config
        )

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
