"""Config files are validated against the one schema, and every mistake is named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyclawrouter.config_schema import ConfigError, load_config_file, validate_config


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_yaml_toml_and_json_give_the_same_config(tmp_path: Path) -> None:
    yaml_file = write(tmp_path, "config.yaml", "# my budget\nmaxCostPerRun: 0.5\nmaxCostPerRunMode: strict\n")
    toml_file = write(tmp_path, "config.toml", 'maxCostPerRun = 0.5\nmaxCostPerRunMode = "strict"\n')
    json_file = write(tmp_path, "config.json", '{"maxCostPerRun": 0.5, "maxCostPerRunMode": "strict"}')
    expected = {"maxCostPerRun": 0.5, "maxCostPerRunMode": "strict"}
    assert load_config_file(yaml_file) == load_config_file(toml_file) == load_config_file(json_file) == expected


def test_empty_file_is_empty_config(tmp_path: Path) -> None:
    assert load_config_file(write(tmp_path, "config.yaml", "# nothing yet\n")) == {}


def test_bad_enum_names_file_key_value_and_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "config.yaml", "maxCostPerRunMode: stric\n")
    with pytest.raises(ConfigError) as info:
        load_config_file(path)
    message = str(info.value)
    assert str(path) in message
    assert "maxCostPerRunMode" in message and "'stric'" in message
    assert "'graceful'" in message and "'strict'" in message


def test_unknown_key_suggests_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'maxCostPerrun' \(did you mean 'maxCostPerRun'\?\)"):
        load_config_file(write(tmp_path, "config.yaml", "maxCostPerrun: 1\n"))


def test_negative_budget_and_wrong_type_are_rejected() -> None:
    with pytest.raises(ConfigError, match="maxCostPerRun: -1 is out of range; must be >= 0"):
        validate_config({"maxCostPerRun": -1}, source="x")
    with pytest.raises(ConfigError, match="port: '8402' is a string; expected a whole number"):
        validate_config({"port": "8402"}, source="x")


def test_payment_ceiling_cannot_exceed_hard_cap() -> None:
    with pytest.raises(ConfigError, match="maxPaymentPerRequest: 5 is out of range; must be <= 1"):
        validate_config({"maxPaymentPerRequest": 5}, source="x")


def test_routing_tier_override_shape() -> None:
    good = {"routing": {"defaultProfile": "eco", "tiers": {"auto": {"SIMPLE": {"primary": "google/gemini-2.5-flash"}}}}}
    assert validate_config(good, source="x") == good
    with pytest.raises(ConfigError, match="unknown key 'EASY'"):
        validate_config({"routing": {"tiers": {"auto": {"EASY": {"primary": "x"}}}}}, source="x")


def test_wallet_key_is_never_echoed_in_errors() -> None:
    key = "0x" + "ab" * 31 + "zz"
    with pytest.raises(ConfigError) as info:
        validate_config({"walletKey": key}, source="x")
    assert key not in str(info.value)
    assert "walletKey" in str(info.value)


def test_a_wallet_key_with_a_line_break_at_the_end_is_refused(tmp_path: Path) -> None:
    # A YAML block scalar (`walletKey: |`) keeps the line break; Python's `$` alone matches before it.
    key = "0x" + "ab" * 32
    assert validate_config({"walletKey": key}, source="x") == {"walletKey": key}
    with pytest.raises(ConfigError) as info:
        load_config_file(write(tmp_path, "config.yaml", f"walletKey: |\n  {key}\n"))
    message = str(info.value)
    assert "walletKey" in message and "line break" in message
    assert key not in message
    for padded in (key + "\n", key + "\r\n", " " + key):
        with pytest.raises(ConfigError, match="walletKey"):
            validate_config({"walletKey": padded}, source="x")


def test_malformed_yaml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config_file(write(tmp_path, "config.yaml", "maxCostPerRun: [1,\n"))


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config_file(tmp_path / "nope.yaml")
