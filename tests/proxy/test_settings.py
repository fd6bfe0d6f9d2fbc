"""Settings from config and environment, and settings that follow config edits."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pyclawrouter.config_schema import ConfigWatcher
from pyclawrouter.settings import Settings, WatchedSettings


def test_environment_beats_config(tmp_path: Path) -> None:
    config = {"port": 9000, "apiBase": "http://127.0.0.1:1/api", "maxCostPerRun": 0.5, "maxCostPerRunMode": "strict",
              "excludeModels": ["a/b"], "chain": "base"}
    settings = Settings.from_config(config, {"BLOCKRUN_PROXY_PORT": "9100"}, home=tmp_path)
    assert settings.port == 9100 and settings.api_base == "http://127.0.0.1:1/api"
    assert settings.max_cost_per_run == 0.5 and settings.max_cost_per_run_mode == "strict"
    assert settings.exclude_models == frozenset({"a/b"})
    assert Settings.from_config({}, {"CLAWROUTER_PAYMENT_CHAIN": "solana"}, home=tmp_path).api_base == (
        "https://sol.blockrun.ai/api")
    assert settings.with_overrides(port=None, host="::1").port == 9100


def test_watched_settings_follow_edits_and_keep_the_last_good_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("maxCostPerRun: 0.5\n")
    env = {"PYCLAWROUTER_HOME": str(tmp_path), "OPENCLAW_CONFIG_PATH": str(tmp_path / "none.json")}
    watcher = ConfigWatcher(tmp_path, env, config_file=config, interval=0.0)
    provider = WatchedSettings(watcher, env, home=tmp_path, overrides={"port": 9999}, interval=0.0)
    assert provider.current().max_cost_per_run == 0.5 and provider.current().port == 9999
    config.write_text("maxCostPerRun: 0.25\nmaxCostPerRunMode: strict\n")
    os.utime(config, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert provider.current().max_cost_per_run == 0.25 and provider.current().max_cost_per_run_mode == "strict"
    config.write_text("maxCostPerRun: lots\n")
    os.utime(config, ns=(time.time_ns() + 2 * 10**9, time.time_ns() + 2 * 10**9))
    assert provider.current().max_cost_per_run == 0.25
    (tmp_path / "exclude-models.json").write_text(json.dumps(["x/y"]))
    assert "x/y" in provider.current().exclude_models
