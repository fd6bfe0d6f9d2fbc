"""Settings from config and environment, and settings that follow config edits."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from pyclawrouter.config_schema import ConfigWatcher
from pyclawrouter.settings import Settings, WatchedSettings
from pyclawrouter.wallet import WalletError, resolve_payment_chain, set_payment_chain


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


@pytest.mark.parametrize("value", ["ethereum", "sol", "base,solana"])
def test_a_payment_chain_variable_that_names_no_chain_is_refused_not_read_as_base(tmp_path: Path, value: str) -> None:
    # The proxy would otherwise pay on Base while the user asked for something else.
    with pytest.raises(WalletError, match=f"CLAWROUTER_PAYMENT_CHAIN must be 'base' or 'solana', not '{value}'"):
        Settings.from_config({}, {"CLAWROUTER_PAYMENT_CHAIN": value}, home=tmp_path)


@pytest.mark.parametrize(
    ("saved", "config", "env"),
    [(None, {}, {}), ("solana", {}, {}), ("base", {"chain": "solana"}, {}),
     ("solana", {"chain": "base"}, {"CLAWROUTER_PAYMENT_CHAIN": "solana"}), ("junk", {}, {})],
)
def test_the_proxy_pays_on_the_chain_the_wallet_reports(
    tmp_path: Path, saved: str | None, config: dict[str, str], env: dict[str, str]
) -> None:
    if saved in ("base", "solana"):
        set_payment_chain(tmp_path, saved)
    elif saved is not None:
        (tmp_path / "payment-chain").write_text(saved)  # ClawRouter reads anything but "solana" as Base
    chain = Settings.from_config(config, env, home=tmp_path).payment_chain
    assert chain == resolve_payment_chain(tmp_path, env, config.get("chain"))
    assert chain == (env.get("CLAWROUTER_PAYMENT_CHAIN") or config.get("chain") or
                     ("solana" if saved == "solana" else "base"))


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
