"""A money setting can never be NaN or infinite, in any config format, and a bad edit keeps the last good one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyclawrouter.config_schema import ConfigError, ConfigWatcher, load_config_file, load_effective_config


@pytest.mark.parametrize(("name", "text", "shown"), [
    ("config.yaml", "maxCostPerRun: .nan\n", "NaN"),
    ("config.yaml", "maxCostPerRun: .inf\n", "infinity"),
    ("config.yaml", "maxCostPerRun: -.inf\n", "-infinity"),
    ("config.toml", "maxCostPerRun = nan\n", "NaN"),
    ("config.toml", "maxCostPerRun = inf\n", "infinity"),
    ("config.json", '{"maxCostPerRun": NaN}', "NaN"),
    ("config.json", '{"maxCostPerRun": Infinity}', "infinity"),
])
def test_non_finite_run_budget_is_refused_naming_key_and_allowed(tmp_path: Path, name: str, text: str,
                                                                 shown: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config_file(path)
    assert str(info.value) == (f"{path}: maxCostPerRun: {shown} is not a finite number; "
                               "allowed: a number >= 0, or leave the key out")


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_non_finite_payment_ceiling_is_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"maxPaymentPerRequest: {value}\n")
    with pytest.raises(ConfigError, match=r"maxPaymentPerRequest: .* is not a finite number; "
                                          r"allowed: a number > 0 and <= 1, or leave the key out"):
        load_config_file(path)


def test_non_finite_number_in_openclaw_json_is_refused(tmp_path: Path) -> None:
    openclaw = tmp_path / "openclaw.json"
    openclaw.write_text("{plugins: {entries: {pyclawrouter: {config: {maxCostPerRun: NaN}}}}}")
    with pytest.raises(ConfigError, match=r"openclaw\.json .*maxCostPerRun: NaN is not a finite number"):
        load_effective_config(tmp_path / "state", {}, openclaw_config=openclaw)


def test_watcher_keeps_the_last_good_budget_when_an_edit_says_nan(tmp_path: Path) -> None:
    home = tmp_path / "state"
    home.mkdir()
    yaml_file = home / "config.yaml"
    yaml_file.write_text("maxCostPerRun: 0.5\n")
    errors: list[str] = []
    now = [0.0]
    watcher = ConfigWatcher(home, {}, openclaw_config=tmp_path / "none", on_error=errors.append,
                            clock=lambda: now[0])
    mtime = yaml_file.stat().st_mtime_ns
    yaml_file.write_text("maxCostPerRun: .nan\n")
    os.utime(yaml_file, ns=(mtime + 2_000_000_000, mtime + 2_000_000_000))
    now[0] = 5.0
    assert watcher.current()["maxCostPerRun"] == 0.5
    assert errors == [f"{yaml_file}: maxCostPerRun: NaN is not a finite number; allowed: a number >= 0, "
                      "or leave the key out"]
    assert watcher.error == errors[0]
