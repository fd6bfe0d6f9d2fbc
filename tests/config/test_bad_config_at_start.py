"""A config that is broken when the proxy starts: the proxy runs on the last good config (or the defaults),
says so once in chat, and picks up the fixed file without a restart."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from pyclawrouter.config_schema import ConfigWatcher
from pyclawrouter.settings import WatchedSettings


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def write_later(path: Path, text: str) -> None:
    """Write and move the mtime forward, so the watcher sees a change even within one clock tick."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


def test_broken_file_at_start_runs_on_the_defaults_then_picks_up_the_fix(home: Path, tmp_path: Path) -> None:
    yaml_file = home / "config.yaml"
    yaml_file.write_text("maxCostPerRun: [oops\n")
    errors: list[str] = []
    clock = FakeClock()
    watcher = ConfigWatcher(home, {}, openclaw_config=tmp_path / "none", clock=clock, on_error=errors.append,
                            start_anyway=True, remember=home / "config-last-good.json")
    assert watcher.fallback == "the defaults"
    assert watcher.error is not None and "not valid YAML" in watcher.error and str(yaml_file) in watcher.error
    assert errors == [watcher.error]
    assert watcher.current()["port"] == 8402 and "maxCostPerRun" not in watcher.current()

    write_later(yaml_file, "maxCostPerRun: 0.25\n")
    clock.now = 2
    assert watcher.current()["maxCostPerRun"] == 0.25
    assert watcher.error is None and watcher.fallback is None


def test_broken_file_at_start_runs_on_the_last_good_config(home: Path, tmp_path: Path) -> None:
    remember = home / "config-last-good.json"
    yaml_file = home / "config.yaml"
    yaml_file.write_text("maxCostPerRun: 0.5\nmaxCostPerRunMode: strict\n")
    ConfigWatcher(home, {"BLOCKRUN_PROXY_PORT": "9999"}, openclaw_config=tmp_path / "none", remember=remember)
    assert stat.S_IMODE(remember.stat().st_mode) == 0o600  # the plugin config may hold walletKey
    assert '"port": 9999' not in remember.read_text()  # the environment's part is not the file's config

    write_later(yaml_file, "maxCostPerRunMode: stricter\n")
    watcher = ConfigWatcher(home, {}, openclaw_config=tmp_path / "none", start_anyway=True, remember=remember)
    assert watcher.fallback is not None and watcher.fallback.startswith("the last good config (from ")
    assert "'stricter' is not allowed" in str(watcher.error)
    assert watcher.current()["maxCostPerRun"] == 0.5 and watcher.current()["maxCostPerRunMode"] == "strict"


def test_without_start_anyway_a_bad_config_still_refuses(home: Path, tmp_path: Path) -> None:
    from pyclawrouter.config_schema import ConfigError

    (home / "config.yaml").write_text("port: 0\n")
    with pytest.raises(ConfigError):
        ConfigWatcher(home, {}, openclaw_config=tmp_path / "none", start_anyway=False)


def test_the_next_chat_command_says_so_once(home: Path, tmp_path: Path) -> None:
    from pyclawrouter.proxy import command_route

    yaml_file = home / "config.yaml"
    yaml_file.write_text("maxCostPerRunMode: stricter\n")
    clock = FakeClock()
    watcher = ConfigWatcher(home, {}, openclaw_config=tmp_path / "none", clock=clock, start_anyway=True,
                            remember=home / "config-last-good.json")
    provider = WatchedSettings(watcher, {}, home=home, overrides={})
    notice = provider.take_config_notice()
    assert notice is not None
    assert "running on the defaults" in notice and "'stricter' is not allowed" in notice
    assert "no restart needed" in notice
    assert provider.take_config_notice() is None  # once per distinct problem

    # Through the command route: the notice leads the next reply, then is not repeated.
    class Request:
        def __init__(self) -> None:
            self.headers = {"authorization": "Bearer t"}
            self.path_params = {"name": "exclude"}

        async def body(self) -> bytes:
            return b'{"args": ""}'

        async def stream(self):  # type: ignore[no-untyped-def]
            yield b'{"args": ""}'

    class Ctx:
        command_token = "t"
        settings = provider.current()

    Ctx.provider = provider  # type: ignore[attr-defined]
    write_later(yaml_file, "maxCostPerRunMode: strictest\n")
    clock.now = 2
    first = asyncio.run(command_route.command(Request(), Ctx()))  # type: ignore[arg-type]
    second = asyncio.run(command_route.command(Request(), Ctx()))  # type: ignore[arg-type]
    assert b"'strictest' is not allowed" in first.body and b"No models excluded" in first.body
    assert b"config has a problem" not in second.body and b"No models excluded" in second.body

    write_later(yaml_file, "maxCostPerRunMode: strict\n")
    clock.now = 4
    assert provider.current().max_cost_per_run_mode == "strict"
    assert provider.take_config_notice() is None


def test_doctor_checks_the_recorded_port_when_the_config_is_broken(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyclawrouter.commands import doctor

    openclaw_json = tmp_path / "openclaw.json"
    openclaw_json.write_text('{plugins: {entries: {pyclawrouter: {config: {port: 18555, bogus: 1}}}}}')
    (home / "proxy-last-error.json").write_text('{"message": "the proxy exited (code 1)", "at": "T"}')
    env = {"OPENCLAW_CONFIG_PATH": str(openclaw_json)}
    checked: list[int] = []
    real = doctor.check_proxy
    monkeypatch.setattr(doctor, "check_proxy", lambda port, home=None: (checked.append(port), real(1, home))[1])
    monkeypatch.setattr(doctor, "check_openclaw", lambda home, env: [])
    checks = doctor.run_checks(home, env, offline=True)
    assert checked == [18555]
    config, proxy = checks[0], checks[2]
    assert not config.ok and "unknown key 'bogus'" in config.detail
    assert not proxy.ok and "last failure (T): the proxy exited (code 1)" in proxy.detail


def test_doctor_runs_the_interpreter_as_the_plugin_does(tmp_path: Path) -> None:
    import sys

    from pyclawrouter.commands.doctor import check_python

    shadow = tmp_path / "shadow"
    (shadow / "pyclawrouter").mkdir(parents=True)
    (shadow / "pyclawrouter" / "__init__.py").write_text("raise ImportError('shadowed')\n")
    assert check_python(sys.executable, shadow).ok  # -P: the folder it runs in cannot shadow the package
    old = tmp_path / "python3.10"
    old.write_text("#!/bin/sh\necho 'Unknown option: -P' >&2\nexit 2\n")
    old.chmod(0o755)
    result = check_python(str(old), shadow)
    assert not result.ok and "older than Python 3.11" in result.detail
